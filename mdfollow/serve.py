"""The feed over HTTP on a secret URL, done the way calendar clients need it.

Clients can't log in (Google can't even do Basic auth on a feed), so the lock is an
unguessable token in the path, compared in constant time and never logged. Every response
comes from the last good feed held in memory: never a partial body. Strong ETags and
Last-Modified let clients poll cheaply; 304s are exact, because a server that says "not
modified" too eagerly can freeze a calendar.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import OutputError
from .vault import STATE_FOLDER, write_atomic

FEED_NAME = "follow-ups.ics"


def token_path(vault: Path) -> Path:
    return vault / STATE_FOLDER / "token"


def load_token(vault: Path, *, rotate: bool = False) -> str:
    """The vault's feed token (192 random bits), made on first use or when rotated."""
    path = token_path(vault)
    if not rotate:
        try:
            token = path.read_text(encoding="ascii").strip()
            if len(token) >= 22:  # at least 128 bits of base64
                return token
        except (OSError, UnicodeDecodeError):
            pass
    token = secrets.token_urlsafe(24)
    try:
        write_atomic(path, f"{token}\n".encode("ascii"), 0o600)
    except OSError as error:
        raise OutputError(f"cannot keep the token in {path}: {error.strerror or error}") from None
    return token


class Feed:
    """The body being served, its strong ETag and when it last changed; thread-safe."""

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


def make_server(host: str, port: int, token: str, feed: Feed,
                log: Callable[[str], None] | None = None) -> ThreadingHTTPServer:
    expected = f"/{token}/{FEED_NAME}".encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30  # a client that stalls mid-request loses its thread, not everyone's

        def version_string(self) -> str:
            return "mdfollow"

        def do_GET(self) -> None:
            self._answer(with_body=True)

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def _refuse(self) -> None:
            self._empty(405, {"Allow": "GET, HEAD"})

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

        def _answer(self, *, with_body: bool) -> None:
            path = self.path.split("?", 1)[0].encode("utf-8", "replace")
            if not hmac.compare_digest(path, expected):
                self._empty(404, {})
                return
            body, etag, modified = feed.get()
            headers = {"ETag": etag, "Last-Modified": email.utils.format_datetime(modified, usegmt=True),
                       "Cache-Control": "no-cache"}
            if self._not_modified(etag, modified):
                self._empty(304, headers)
                return
            self.send_response(200)
            for name, value in {**headers, "Content-Type": "text/calendar; charset=utf-8",
                                "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def _not_modified(self, etag: str, modified: dt.datetime) -> bool:
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match is not None:  # it wins over If-Modified-Since (RFC 9110 13.2.2)
                tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
                return etag in tags or "*" in tags
            since = self.headers.get("If-Modified-Since")
            if since is None:
                return False
            try:
                when = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError, IndexError):
                return False
            return when.tzinfo is not None and modified <= when

        def _empty(self, status: int, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": "0"}.items():
                self.send_header(name, value)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            if log is not None:  # never the path: it holds the token
                status = args[1] if format.startswith('"%s"') and len(args) > 1 else "-"
                log(f"{getattr(self, 'command', None) or '?'} {status}")

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
