"""The ASGI app: the feed, pairing, the agenda, a contact's page and its actions.

Security is in the shape of the thing, not bolted on: pages answer only a paired device's
cookie (the feed token opens the feed and nothing else); every action is a POST whose
form is signed (`csrf`: an HMAC of the device, the contact and the note's bytes as shown),
from this site only (Sec-Fetch-Site, else Origin); a note changed since its page was
shown is never overwritten (409, with the fresh page); all writes go one at a time
through the CLI's own edit code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import actions, schedule
from ..actions import Change
from ..config import Config
from ..drafts import kind_for, render, values_for
from ..errors import EditRefused, InvalidValue, MdfollowError
from ..fields import parse_date, parse_interval
from ..links import Links, contact_id
from ..model import Contact
from ..state import state_dir
from ..vault import read_for_edit
from ..vault_templates import draft_template
from .credentials import Device, Pairings
from .feed_http import Feed, FeedApp
from .pages import agenda, contact_page
from .reading import LiveVault

COOKIE = "mdfollow-device"
COOKIE_DAYS = 400  # the longest browsers keep a cookie
UNPAIRED = "pair this device: run `mdfollow pair`\n"
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
                               "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_PAGE_HEADERS = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]
_LOG_DATE = re.compile(r"^\s*(?:[-*+]\s+)?(?:#+\s*)?\d{4}-\d{2}-\d{2}:?\s*")  # shown beside it already
SNOOZES = {"1w": "1 week", "2w": "2 weeks", "1m": "1 month"}


@dataclass(frozen=True)
class Site:
    """What the app serves and how: the vault, its feed, who may come in, which day it is."""

    vault: Path
    config: Config
    token: str
    feed: Feed
    pairings: Pairings
    form_key: bytes
    origins: frozenset[str]  # where a form may be posted from: the listen address, public-url
    today: Callable[[], dt.date]
    now: Callable[[], dt.datetime]
    read_only: bool = False
    secure_cookie: bool = False


def note_state(data: bytes) -> str:
    """A note's bytes as shown, in a form field: any change to the note changes it."""
    return hashlib.sha256(data).hexdigest()[:32]


def make_app(site: Site, log: Callable[[str], None] | None = None) -> ASGIApp:
    pages = _Pages(site)
    static = Path(__file__).with_name("static")
    routes = [
        Route("/pair/{code}", pages.pair, methods=["GET", "HEAD"]),
        Route("/", pages.agenda, methods=["GET", "HEAD"]),
        Route("/c/{id}", pages.contact, methods=["GET", "HEAD"]),
        Route("/c/{id}/{action}", pages.act, methods=["POST"]),
        Mount("/static", StaticFiles(directory=static), name="static"),
        Route("/favicon.ico", _no_icon, methods=["GET", "HEAD"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})
    return _Front(app, FeedApp(site.token, site.feed, _PAGE_HEADERS), log)


async def _no_icon(request: Request) -> Response:
    return Response(status_code=204)  # browsers ask for it even on a plain-text 401


async def _not_found(request: Request, exc: Exception) -> Response:
    return Response(status_code=404)  # an unknown path says nothing, not even "not found"


async def _not_allowed(request: Request, exc: Exception) -> Response:
    allowed = "POST" if request.url.path.count("/") == 3 and request.url.path.startswith("/c/") \
        else "GET, HEAD"
    return Response(status_code=405, headers={"Allow": allowed})


class _Front:
    """The feed straight to its own app (the hot path); the security headers on every
    response; one log line per request (never its path: it may hold the feed token)."""

    def __init__(self, app: ASGIApp, feed: FeedApp, log: Callable[[str], None] | None) -> None:
        self.app, self.feed, self.log = app, feed, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        names = {name for name, _ in scope["headers"]}
        if b"transfer-encoding" in names and b"content-length" in names:
            # RFC 9112 6.3: a sign of request smuggling; answered as an error, connection closed
            await Response("a request with both Content-Length and Transfer-Encoding\n", status_code=400,
                           headers={"Connection": "close"})(scope, receive, send)
            return

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start" and self.log is not None:
                self.log(f"{scope['method']} {message['status']}")
            await send(message)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers + _PAGE_HEADERS
            await send_logged(message)

        if FeedApp.wants(scope["path"]):  # carries the headers itself
            await self.feed(scope, receive, send if self.log is None else send_logged)
        else:
            await self.app(scope, receive, send_with_headers)


class _Pages:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.live = LiveVault(site.vault, site.config)
        self.env = Environment(loader=PackageLoader("mdfollow.web", "templates"),
                               autoescape=select_autoescape(default=True), trim_blocks=True,
                               lstrip_blocks=True)
        self.env.filters["url"] = lambda value: quote(str(value), safe="")
        self.env.filters["cid"] = contact_id
        self.env.filters["logline"] = lambda text: _LOG_DATE.sub("", text, count=1)
        self.write_lock = threading.Lock()  # one write (and one git commit) at a time
        # the first read of a big vault takes a while: done at start, not on the first page
        threading.Thread(target=self.live.contacts, name="mdfollow-pages-warm", daemon=True).start()
        self.links = Links("obsidian", site.vault.name)

    # --- who is asking ------------------------------------------------------------------

    def device(self, request: Request) -> Device | None:
        secret = request.cookies.get(COOKIE)
        return self.site.pairings.device(secret) if secret else None

    async def pair(self, request: Request) -> Response:
        if request.method == "HEAD":  # a link checker looking: the code stays unused
            return Response(status_code=200, media_type="text/html")
        found = await run_in_threadpool(self.site.pairings.redeem, request.path_params["code"])
        if found is None:
            return PlainTextResponse("this pairing link is used or expired: run `mdfollow pair` "
                                     "for a new one\n", status_code=401)
        device, secret = found
        response = self.html("paired.html", {"device": device})
        response.set_cookie(COOKIE, secret, max_age=COOKIE_DAYS * 86400, path="/", httponly=True,
                            samesite="strict", secure=self.site.secure_cookie)
        return response

    # --- pages ------------------------------------------------------------------------------

    async def agenda(self, request: Request) -> Response:
        if self.device(request) is None:
            return _unpaired()
        query = request.query_params
        try:
            page = int(query.get("page", "1"))
        except ValueError:
            page = 1
        # reading, scheduling and rendering a big vault off the event loop: the feed stays quick
        return await run_in_threadpool(self.agenda_response, query.get("tag") or None,
                                       query.get("kind") or None, page)

    def agenda_response(self, tag: str | None, kind: str | None, page: int) -> Response:
        today = self.site.today()
        view = agenda(self.live.contacts(), self.site.config, today, tag=tag, kind=kind, page=page)
        return self.html("agenda.html", {"agenda": view, "today": today, "tag": tag, "kind": kind,
                                         "ahead": self.site.config.feed.ahead})

    async def contact(self, request: Request) -> Response:
        device = self.device(request)
        if device is None:
            return _unpaired()
        done = request.query_params.get("done")
        return await run_in_threadpool(self.contact_response, device, request.path_params["id"], 200,
                                       _said(done or ""), "")

    def contact_response(self, device: Device, id: str, status: int, said: str, problem: str) -> Response:
        """The contact's page, its forms signed for the note as it is on disk now.

        The bytes are read before the vault is: a save in between shows on the page but not
        in the signed state, so a form posted from it gets a 409, never a blind write.
        """
        path = self.live.path_of(id)
        try:
            state = note_state((self.site.vault / path).read_bytes()) if path else None
        except OSError:
            state = None
        contact = self.live.contact(id)
        if state is None or contact is None:
            return Response(status_code=404)
        today = self.site.today()
        view = contact_page(contact, self.site.config, today)
        ticks = self.tick_forms(device, view.id, contact, state)
        kind = kind_for(view.current)
        try:
            draft = render(draft_template(self.site.vault, self.site.config, kind),
                           values_for(contact, self.site.config))
        except MdfollowError as error:
            draft = f"({error})"
        return self.html("contact.html", {
            "view": view, "c": contact, "today": today, "state": state, "said": said,
            "problem": problem, "kind": kind, "draft": draft,
            "csrf": self.sign(device, view.id, state), "obsidian": self.links.to(contact.path),
            "read_only": self.site.read_only, "snoozes": SNOOZES, "ticks": ticks,
            "phone": "".join(ch for ch in contact.phone or "" if ch.isdigit() or ch == "+"),
        }, status)

    def tick_forms(self, device: Device, id: str, contact: Contact, state: str) -> dict[str, tuple[str, str]]:
        """Each promise's (state, csrf): a promise in another note is signed for that note."""
        forms = {}
        for promise in contact.promises:
            path = promise.source.rpartition(":")[0]
            if path == contact.path:
                forms[promise.source] = (state, self.sign(device, id, state))
                continue
            try:
                other = note_state((self.site.vault / path).read_bytes())
            except OSError:
                continue  # gone: no Done button
            forms[promise.source] = (other, self.sign(device, id, other))
        return forms

    def html(self, template: str, values: Mapping[str, Any], status: int = 200) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(template).render(values), status_code=status)

    # --- actions ----------------------------------------------------------------------------

    def sign(self, device: Device, id: str, state: str) -> str:
        message = f"{device.id}\x1f{id}\x1f{state}".encode()
        return hmac.new(self.site.form_key, message, hashlib.sha256).hexdigest()

    async def act(self, request: Request) -> Response:
        device = self.device(request)
        if device is None:
            return _unpaired()
        if self.site.read_only:
            return PlainTextResponse("this server is read-only (serve --read-only)\n", status_code=403)
        if not self.same_site(request):
            return PlainTextResponse("refused: this form was not sent from this site\n", status_code=403)
        action = _ACTIONS.get(request.path_params["action"])
        fields = await _form(request)
        if fields is None:
            return PlainTextResponse("refused: not a small url-encoded form\n", status_code=413)
        id = request.path_params["id"]
        state = fields.get("state", "")
        if not hmac.compare_digest(fields.get("csrf", ""), self.sign(device, id, state)):
            return PlainTextResponse("refused: the form's csrf field is missing or wrong; reload the page\n",
                                     status_code=403)
        if action is None:
            return Response(status_code=404)
        return await run_in_threadpool(self.perform, device, id, state, action, fields)

    def same_site(self, request: Request) -> bool:
        """Sec-Fetch-Site when the browser sends it, else Origin must be this site."""
        fetch_site = request.headers.get("sec-fetch-site")
        if fetch_site is not None:
            return fetch_site == "same-origin"
        origin = request.headers.get("origin")
        return origin is not None and origin in self.site.origins

    def perform(self, device: Device, id: str, state: str, action: _Action,
                fields: Mapping[str, str]) -> Response:
        with self.write_lock:
            contact = self.live.contact(id)
            if contact is None:
                return Response(status_code=404)
            path = _note_of(contact, fields) if action is _tick else contact.path
            try:
                before, text = read_for_edit(self.site.vault, path)
                if note_state(before) != state:
                    what = f"{contact.name}'s note" if path == contact.path else path
                    raise EditRefused(f"{what} changed since this page was shown")
                after, message, done = action(self, contact, text, fields)
                if after != text:
                    actions.write(self.site.vault, [Change(path, before, after)], message,
                                  commit=self.site.config.autocommit)
                    self.audit(device, message)
            except EditRefused as error:
                return self.contact_response(device, id, 409, "",
                                             f"Nothing was written: {error}. This is the note as it is now.")
            except InvalidValue as error:
                return PlainTextResponse(f"{error}\n", status_code=400)
            except MdfollowError as error:
                return PlainTextResponse(f"nothing was written: {error}\n", status_code=500)
        return RedirectResponse(f"/c/{id}?{urlencode({'done': done})}", status_code=303)

    def audit(self, device: Device, what: str) -> None:
        """One line per write, in the state folder: when, which device, what."""
        line = f"{self.site.now().isoformat(timespec='seconds')}\t{device.name}\t{what}\n"
        path = state_dir(self.site.vault) / "audit.log"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def today(self) -> dt.date:
        return self.site.today()


_Action = Callable[[_Pages, Contact, str, Mapping[str, str]], tuple[str, str, str]]


def _talked(pages: _Pages, contact: Contact, text: str, fields: Mapping[str, str]) -> tuple[str, str, str]:
    on = pages.today()
    entry = actions.log_entry(on, None, fields.get("note", "")[:500], True)
    return (actions.logged(contact, text, pages.site.config, on=on, entry=entry, replied=True),
            f"log: {contact.name}", "talked")


def _pinged(pages: _Pages, contact: Contact, text: str, fields: Mapping[str, str]) -> tuple[str, str, str]:
    on = pages.today()
    entry = actions.log_entry(on, None, fields.get("note", "")[:500], False)
    after = actions.logged(contact, text, pages.site.config, on=on, entry=entry, replied=False)
    current = schedule.current(contact, pages.site.config)
    last_try = current is not None and current.kind == "break-up"  # then `logged` closes it
    return after, f"log: {contact.name} (no reply)", "pinged-closed" if last_try else "pinged"


def _snooze(pages: _Pages, contact: Contact, text: str, fields: Mapping[str, str]) -> tuple[str, str, str]:
    until = fields.get("until", "")
    day = parse_date(fields["date"]) if until == "date" and fields.get("date") else \
        parse_interval(until if until in SNOOZES else "x").after(pages.today())
    if day <= pages.today():
        raise InvalidValue(f"snooze until {day.isoformat()}: pick a day after today")
    return (actions.snoozed(text, pages.site.config, day), f"snooze: {contact.name} until {day.isoformat()}",
            f"snoozed:{day.isoformat()}")


def _note_of(contact: Contact, fields: Mapping[str, str]) -> str:
    """The note a promise to tick is written in: the contact's own, or one that names them."""
    promise = next((p for p in contact.promises if p.source == fields.get("promise")), None)
    return promise.source.rpartition(":")[0] if promise is not None else contact.path


def _tick(pages: _Pages, contact: Contact, text: str, fields: Mapping[str, str]) -> tuple[str, str, str]:
    promise = next((p for p in contact.promises if p.source == fields.get("promise")), None)
    if promise is None:
        raise EditRefused("that promise is no longer open")
    return (actions.ticked(text, promise, pages.today()), f"done: {contact.name}: {promise.text}", "ticked")


def _close(pages: _Pages, contact: Contact, text: str, fields: Mapping[str, str]) -> tuple[str, str, str]:
    return actions.with_status(text, pages.site.config, "closed"), f"close: {contact.name}", "closed"


_ACTIONS: dict[str, _Action] = {"talked": _talked, "pinged": _pinged, "snooze": _snooze, "tick": _tick,
                                "close": _close}
_DONE = {"talked": "Logged a conversation today.", "pinged": "Logged a follow-up without a reply.",
         "pinged-closed": "Logged your last try without a reply, and closed: no more follow-ups "
                          "(status: closed; `mdfollow reopen` brings them back).",
         "ticked": "Promise done.", "closed": "Closed: no more follow-ups."}


def _said(done: str) -> str:
    """The one-line confirmation for `?done=…`: only known codes, so nothing can be injected."""
    code, _, day = done.partition(":")
    if code == "snoozed":
        try:
            return f"Snoozed until {parse_date(day).isoformat()}: off the agenda until then."
        except InvalidValue:
            return ""
    return _DONE.get(done, "")


MAX_FORM = 16 * 1024


async def _form(request: Request) -> dict[str, str] | None:
    """The posted fields, read up to MAX_FORM bytes (a body is never read unbounded)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return None
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20))
    except (UnicodeDecodeError, ValueError):
        return None


def _unpaired() -> Response:
    return PlainTextResponse(UNPAIRED, status_code=401)


def origins(host: str, port: int, public_url: str | None) -> frozenset[str]:
    """The origins a form may come from: the address `serve` listens on, and public-url.

    On a wildcard address (0.0.0.0, ::) that is any name or address of this machine: over
    plain http to a LAN address browsers send no Sec-Fetch-Site, only Origin.
    """
    names = {host}
    if host in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::"):
        names |= {"127.0.0.1", "localhost", "::1"}
    if host in ("0.0.0.0", "::"):
        names |= _machine_names()
    found = {f"http://{'[' + n + ']' if ':' in n else n}:{port}" for n in names - {"0.0.0.0", "::"}}
    if public_url:
        parts = urlsplit(public_url)
        found.add(f"{parts.scheme}://{parts.netloc}")
    return frozenset(found)


def _machine_names() -> set[str]:
    name = socket.gethostname()
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    except OSError:
        addresses = set()
    return {name, f"{name}.local", *addresses}


