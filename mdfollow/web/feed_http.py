"""The feed over HTTP on a secret URL, done the way calendar clients need it.

Clients can't log in (Google can't even do Basic auth on a feed), so the lock is an
unguessable token in the path, compared in constant time and never logged. Every response
comes from the last good feed held in memory: never a partial body. Strong ETags and
Last-Modified let clients poll cheaply; 304s are exact, because a server that says "not
modified" too eagerly can freeze a calendar. No gzip (an Outlook subscription only worked
without it) and no content negotiation (Google sends no Accept at all).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import hmac
import threading
from collections.abc import Callable, Mapping

from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

FEED_NAME = "follow-ups.ics"


class Feed:
    """The body being served, its strong ETag and when it last changed; thread-safe.

    The one thing the server needs from whoever builds the feed: `set` it the new bytes.
    """

    def __init__(self, body: bytes, now: Callable[[], dt.datetime]) -> None:
        self._lock = threading.Lock()
        self._now = now
        self._modified = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        self.set(body)

    def set(self, body: bytes) -> None:
        with self._lock:
            # whole seconds (as HTTP dates are), strictly later than the last change
            moment = max(self._now(), self._modified + dt.timedelta(seconds=1)).replace(microsecond=0)
            self._body, self._modified = body, moment
            self._etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'

    def get(self) -> tuple[bytes, str, dt.datetime]:
        with self._lock:
            return self._body, self._etag, self._modified


class FeedApp:
    """GET/HEAD `/<token>/follow-ups.ics` as a bare ASGI app: the hot path, kept short.

    A wrong token is a bare 404, like any unknown path. The response headers are made once
    per version of the feed, not per request.
    """

    def __init__(self, token: str, feed: Feed, extra: list[tuple[bytes, bytes]]) -> None:
        self.expected = f"/{token}/{FEED_NAME}".encode("ascii")
        self.feed = feed
        self.extra = extra  # headers every response carries
        self._made: tuple[bytes, list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]] | None = None

    @staticmethod
    def wants(path: str) -> bool:
        return path.endswith(f"/{FEED_NAME}") and path.count("/") == 2

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"].encode("utf-8", "replace")
        if not hmac.compare_digest(path, self.expected):
            await self._answer(send, 404, [(b"content-length", b"0"), (b"cache-control", b"no-store")])
            return
        if scope["method"] not in ("GET", "HEAD"):
            await self._answer(send, 405, [(b"allow", b"GET, HEAD"), (b"content-length", b"0"),
                                           (b"cache-control", b"no-store")])
            return
        body, etag, modified = self.feed.get()
        ok, unchanged = self._headers(body, etag, modified)
        if not_modified(Headers(scope=scope), etag, modified):
            await self._answer(send, 304, unchanged)
            return
        # HEAD: the headers (with this Content-Length) and no body
        await self._answer(send, 200, ok, body if scope["method"] == "GET" else b"")

    def _headers(self, body: bytes, etag: str, modified: dt.datetime) -> tuple[
            list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
        made = self._made
        if made is None or made[0] is not body:
            validators = [(b"etag", etag.encode("ascii")), (b"cache-control", b"no-cache"),
                          (b"last-modified", email.utils.format_datetime(modified, usegmt=True).encode())]
            made = (body,
                    [*validators, (b"content-type", b"text/calendar; charset=utf-8"),
                     (b"content-length", str(len(body)).encode("ascii")), *self.extra],
                    [*validators, *self.extra])
            self._made = made
        return made[1], made[2]

    async def _answer(self, send: Send, status: int, headers: list[tuple[bytes, bytes]],
                      body: bytes = b"") -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def not_modified(headers: Mapping[str, str], etag: str, modified: dt.datetime) -> bool:
    """RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since; a bad date means modified."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return etag in tags or "*" in tags
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    return when.tzinfo is not None and modified <= when
