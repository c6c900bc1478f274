"""uvicorn, configured for a server that is exposed to the internet and holds up.

`http.server` failed under load (a listen backlog of 5, 44 ms per keep-alive request, one
thread per connection, a POST body parsed as a second request). uvicorn runs one asyncio
loop: an idle or slow connection costs a socket and a few kilobytes, not a thread. h11
parses strictly, so a request body is never read as a request. What uvicorn lacks, a
deadline for a request's headers, is added here (`_HeaderDeadline`): a client that
trickles its headers (slowloris) is cut off, not kept forever. See docs/serve.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import socket
import threading
from collections.abc import Callable, Iterator

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..errors import OutputError

HEADER_DEADLINE = 10.0  # seconds from connection (or the previous response) to a request's headers
MAX_CONNECTIONS = 10_000  # above it, requests get 503: memory stays bounded
BACKLOG = 4096  # the kernel caps it at net.core.somaxconn
KEEP_ALIVE = 5  # seconds an idle keep-alive connection is kept
MAX_HEADERS = 16 * 1024  # bytes of request line and headers


class _HeaderDeadline(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with a deadline for each request's line and headers."""

    _deadline: asyncio.TimerHandle | None = None
    _waiting = True  # for a request's headers
    _header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        self._header_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def _count(self, size: int) -> None:
        """Headers are kept in memory until complete: past MAX_HEADERS, a 400 and goodbye."""
        self._header_bytes += size
        if self._header_bytes > MAX_HEADERS:
            raise ValueError("request headers too large")  # the parser's error: uvicorn answers 400

    def on_headers_complete(self) -> None:
        self._waiting = False
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._waiting = True
        self._deadline = self.loop.call_later(HEADER_DEADLINE, self._expired)

    def _expired(self) -> None:
        """Still no whole request line and headers: the client is too slow, or an attack."""
        if self._waiting and not self.transport.is_closing():
            self.transport.close()


def raise_open_files_limit(wanted: int = MAX_CONNECTIONS + 1024) -> int:
    """Lift the soft limit on open files towards `wanted` (never past the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound now so that a port in use is a clear error at start."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as error:
        raise OutputError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.setblocking(False)
    return sock


class Server:
    """The app served on `sock` in a thread of its own, until `stop`."""

    def __init__(self, app: ASGIApp, sock: socket.socket, report: Callable[[str], None]) -> None:
        _route_logs(report)
        config = uvicorn.Config(app, http=_HeaderDeadline, loop="auto", lifespan="off", access_log=False,
                                log_config=None, server_header=False, proxy_headers=False,
                                limit_concurrency=MAX_CONNECTIONS, backlog=BACKLOG,
                                timeout_keep_alive=KEEP_ALIVE,
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._sock = sock
        self._thread = threading.Thread(target=self._run, name="mdfollow-http", daemon=True)

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._sock]))

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        self._thread.start()
        try:
            yield
        finally:
            self._server.should_exit = True
            self._thread.join(timeout=5)
            self._sock.close()


def _route_logs(report: Callable[[str], None]) -> None:
    """uvicorn's warnings and errors as `mdfollow: …` lines; it never sees a path to log."""

    class Report(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            report(f"server: {record.getMessage()}")

    logger = logging.getLogger("uvicorn.error")
    logger.handlers = [Report(logging.WARNING)]
    logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True
