"""`serve` and `pair` put together: credentials, the app, the server, what they print."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import ContactNotFound
from .app import Site, make_app, origins
from .credentials import PAIR_LINK_LIFETIME, Pairings, form_key, load_token
from .feed_http import FEED_NAME, Feed
from .server import Server, listen, raise_open_files_limit

Report = Callable[[str], None]
DEFAULT_PORT = 8737


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Served:
    """A server bound and ready: `running()` serves until the block ends."""

    feed: Feed
    server: Server
    feed_url: str
    base: str
    pair_link: str

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        with self.server.running():
            yield


def start(vault: Path, config: Config, body: bytes, *, host: str, port: int, rotate_token: bool,
          read_only: bool, today: dt.date | None, warn: Report, log: Report | None) -> Served:
    """Bind, load the credentials and make the app; nothing is served before `running()`."""
    raise_open_files_limit()
    sock = listen(host, port)
    port = sock.getsockname()[1]
    token = load_token(vault, warn, rotate=rotate_token)
    feed = Feed(body, _now)
    pairings = Pairings(vault, _now)
    public = config.serve.public_url
    site = Site(vault, config, token, feed, pairings, form_key(vault, warn), origins(host, port, public),
                (lambda: today) if today else dt.date.today, _now, read_only=read_only,
                secure_cookie=bool(public and public.startswith("https://")))
    server = Server(make_app(site, log), sock, warn)
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    base = f"{shown}:{port}"
    code, _ = pairings.new_link(None)
    return Served(feed, server, f"{base}/{token}/{FEED_NAME}", f"http://{base}",
                  f"{public or f'http://{base}'}/pair/{code}")


def pair_lines(vault: Path, config: Config, *, name: str | None, listing: bool, revoke: str | None,
               revoke_all: bool) -> list[str]:
    """What `mdfollow pair` does and says."""
    pairings = Pairings(vault, _now)
    if listing:
        devices = pairings.devices()
        return [f"{d.name}\tpaired {d.paired}" for d in devices] or ["No paired devices."]
    if revoke_all:
        gone = pairings.revoke(None)
        return [f"Unpaired {gone} device{'' if gone == 1 else 's'}; pending links are void."]
    if revoke is not None:
        if not pairings.revoke(revoke):
            raise ContactNotFound(f"no paired device called {revoke!r}: `mdfollow pair --list` shows them")
        return [f"Unpaired {revoke}."]
    code, named = pairings.new_link(name)
    base = config.serve.public_url or f"http://127.0.0.1:{DEFAULT_PORT}"
    minutes = int(PAIR_LINK_LIFETIME.total_seconds() // 60)
    return [f"Open this link on the device to pair it as {named!r} (once, within {minutes} minutes):",
            f"  {base}/pair/{code}",
            "(the address `serve` listens on; it prints a link with its own address when it starts)"]
