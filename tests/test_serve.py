"""`mdfollow serve`'s feed as a real process, checked through real HTTP requests on loopback."""

from __future__ import annotations

import http.client
import socket
import stat
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mdfollow.state import state_dir

from .factories import write_vault
from .live import Live, summaries, wait_until

NOTE = "---\nname: {}\nlast-contact: 2026-11-01\ncadence: 30d\n---\n"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "vault", {"People/Jane.md": NOTE.format("Jane")})


class Served:
    def __init__(self, live: Live) -> None:
        self.live = live
        url = urlsplit(live.wait_for_output(r"^  (http://\S+\.ics)$")[1])
        self.port = url.port or 80
        self.path = url.path
        self.token = url.path.split("/")[1]
        self.pair_link = urlsplit(live.wait_for_output(r"^  (https?://\S+/pair/\S+)$")[1]).path

    def request(self, method: str = "GET", path: str | None = None, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        """Status, headers (names lowercased: HTTP doesn't care) and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request(method, path or self.path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()


@pytest.fixture
def served(vault: Path) -> Iterator[Served]:
    live = Live(vault, "--today", "2026-11-22", "serve", "--port", "0", "--debounce", "50", "-v")
    yield Served(live)
    assert live.stop() == 0


def test_get_serves_the_feed_with_validators(served: Served) -> None:
    status, headers, body = served.request(headers={"Accept-Encoding": "gzip", "Accept": "text/html"})
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert int(headers["content-length"]) == len(body)
    assert "content-encoding" not in headers
    assert headers["etag"].startswith('"') and headers["last-modified"].endswith(" GMT")
    assert headers["cache-control"] == "no-cache"
    assert summaries(body) == {"Follow up: Jane"}
    status, head_headers, head_body = served.request("HEAD")
    assert (status, head_body) == (200, b"")
    assert head_headers["etag"] == headers["etag"]
    assert head_headers["content-length"] == headers["content-length"]


def test_conditional_requests_get_exact_304s(served: Served) -> None:
    _, headers, _ = served.request()
    etag, modified = headers["etag"], headers["last-modified"]
    assert served.request(headers={"If-None-Match": etag})[0] == 304
    assert served.request(headers={"If-None-Match": f'"other", {etag}'})[0] == 304
    assert served.request(headers={"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
    assert served.request(headers={"If-Modified-Since": modified})[0] == 304
    assert served.request(headers={"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})[0] == 200
    assert served.request(headers={"If-Modified-Since": "yesterday-ish"})[0] == 200
    status, not_modified, body = served.request(headers={"If-None-Match": etag})
    assert (status, body, not_modified["etag"]) == (304, b"", etag)


def test_other_paths_and_methods_reveal_nothing(served: Served) -> None:
    wrong = "/" + "x" * len(served.token) + "/follow-ups.ics"
    for path in (wrong, f"/{served.token}/", f"/{served.token}/other.ics", "/follow-ups.ics",
                 f"/{served.token}", "/c", "/static/../../etc/passwd"):
        assert served.request(path=path)[::2] == (404, b""), path
    status, headers, body = served.request("POST")
    assert (status, headers["allow"], body) == (405, "GET, HEAD", b"")
    assert served.request(path="/", headers={"Cookie": f"mdfollow-device={served.token}"})[0] == 401
    assert all(served.token not in line for line in served.live.err)
    assert any(line == "mdfollow: GET 404" for line in served.live.err)


def test_the_served_feed_follows_the_notes(vault: Path, served: Served) -> None:
    _, headers, _ = served.request()
    (vault / "People/Sam.md").write_text(NOTE.format("Sam"), encoding="utf-8")
    wait_until(lambda: summaries(served.request()[2]) == {"Follow up: Jane", "Follow up: Sam"},
               "the served feed to show Sam")
    assert served.request(headers={"If-None-Match": headers["etag"]})[0] == 200
    (vault / "People/Sam.md").write_text("---\nname: Sam\ncadence: [oops\n---\n", encoding="utf-8")
    served.live.wait_for_output(r"People/Sam.md:\d+: broken YAML", err=True)
    assert summaries(served.request()[2]) == {"Follow up: Jane", "Follow up: Sam"}


def test_the_token_is_kept_private_out_of_the_vault_and_can_be_rotated(vault: Path) -> None:
    first = Served(Live(vault, "serve", "--port", "0"))
    assert first.live.stop() == 0
    token_file = state_dir(vault) / "token"
    assert token_file.read_text(encoding="ascii").strip() == first.token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    assert not (vault / ".mdfollow" / "token").exists()
    assert len(first.token) >= 32
    again = Served(Live(vault, "serve", "--port", "0"))
    assert again.token == first.token
    assert again.live.stop() == 0
    rotated = Served(Live(vault, "serve", "--port", "0", "--rotate-token"))
    assert rotated.token != first.token
    assert rotated.request(path=first.path)[0] == 404
    assert rotated.request()[0] == 200
    assert rotated.live.stop() == 0


def test_a_token_in_the_vault_moves_to_the_state_folder(vault: Path) -> None:
    old = vault / ".mdfollow" / "token"
    old.parent.mkdir()
    old.write_text("kept-in-the-vault-by-an-older-version-0123\n", encoding="ascii")
    served = Served(Live(vault, "serve", "--port", "0"))
    assert served.token == "kept-in-the-vault-by-an-older-version-0123"  # subscriptions keep working
    served.live.wait_for_output(r"the feed token moved from .*token to ", err=True)
    assert served.live.stop() == 0
    assert not old.exists()
    assert (state_dir(vault) / "token").read_text(encoding="ascii").strip() == served.token


def test_a_token_file_readable_by_others_is_made_private_with_a_warning(vault: Path) -> None:
    token_file = state_dir(vault) / "token"
    token_file.parent.mkdir(parents=True, mode=0o700)
    token_file.write_text("a-token-that-others-could-read-0123456\n", encoding="ascii")
    token_file.chmod(0o644)
    served = Served(Live(vault, "serve", "--port", "0"))
    served.live.wait_for_output(r"token was readable by others \(mode 0644\); it is now 0600", err=True)
    assert served.live.stop() == 0
    assert served.token == "a-token-that-others-could-read-0123456"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_listening_beyond_this_machine_warns(vault: Path) -> None:
    live = Live(vault, "serve", "--host", "0.0.0.0", "--port", "0")
    live.wait_for_output(r"^  http://")
    live.wait_for_output(r"anyone who can reach this machine", err=True)
    assert live.stop() == 0


def test_a_port_in_use_is_a_clear_error(vault: Path) -> None:
    first = Served(Live(vault, "serve", "--port", "0"))
    second = Live(vault, "serve", "--port", str(first.port))
    wait_until(lambda: second.process.poll() is not None, "the second server to give up")
    assert second.process.returncode == 3
    second.wait_for_output(rf"cannot listen on 127.0.0.1:{first.port}", err=True)
    assert first.live.stop() == 0


# --- under load ---------------------------------------------------------------------------
# Correctness only: every request answered, nothing desynced. The latencies are printed
# (pytest -s) for the record; bench/serve_load.py measures them properly.


def test_three_bursts_of_200_concurrent_requests_all_get_the_feed(served: Served) -> None:
    def timed(n: int) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        status, _, feed = served.request()
        return status, feed, time.perf_counter() - started

    results = []
    with ThreadPoolExecutor(max_workers=200) as pool:
        for _ in range(3):
            results += list(pool.map(timed, range(200)))
    assert [status for status, _, _ in results] == [200] * 600
    assert len({body for _, body, _ in results}) == 1
    latencies = sorted(seconds for _, _, seconds in results)
    print(f"600 requests: p50 {latencies[300] * 1000:.1f} ms, p99 {latencies[594] * 1000:.1f} ms")


def _rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    return int(status.split("VmRSS:")[1].split()[0])


def test_2000_slowloris_connections_do_not_keep_a_request_out(served: Served) -> None:
    before = _rss_kb(served.live.process.pid)
    held = []
    try:
        for n in range(2000):
            sock = socket.create_connection(("127.0.0.1", served.port), timeout=20)
            sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-{n}: ".encode())
            held.append(sock)
        started = time.perf_counter()
        status, _, body = served.request()
        print(f"with {len(held)} slowloris connections held: answered in "
              f"{(time.perf_counter() - started) * 1000:.1f} ms")
        assert status == 200 and summaries(body) == {"Follow up: Jane"}
        grown = _rss_kb(served.live.process.pid) - before
        print(f"memory: {grown / 1024:.1f} MB more while they are held")
        assert grown < 2000 * 50  # bounded: under 50 KB a connection (no thread, no big buffer)
    finally:
        for sock in held:
            sock.close()


def test_a_client_that_trickles_its_headers_is_cut_off(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=2) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n")
        deadline = time.monotonic() + 30
        closed = False
        while time.monotonic() < deadline and not closed:
            try:
                sock.sendall(b"X: y\r\n")
                closed = sock.recv(1) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
        assert closed, "a client sending a header line every 2 s was kept for 30 s"


def _exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes on one connection; everything the server answers until it goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
    return answer


def test_a_post_body_is_never_read_as_a_request(served: Served) -> None:
    smuggled = f"GET {served.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    post = (f"POST {served.path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(smuggled)}\r\n\r\n".encode()
            + smuggled)
    answer = _exchange(served.port, post)
    assert answer.startswith(b"HTTP/1.1 405 ")
    assert answer.count(b"HTTP/1.1 ") == 1 and b"BEGIN:VCALENDAR" not in answer
    chunked = (f"POST {served.path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               f"{len(smuggled):x}\r\n".encode() + smuggled + b"\r\n0\r\n\r\n")
    answer = _exchange(served.port, chunked)
    assert answer.count(b"HTTP/1.1 ") == 1 and b"BEGIN:VCALENDAR" not in answer
    both = (f"POST {served.path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n".encode() + smuggled)
    assert b"BEGIN:VCALENDAR" not in _exchange(served.port, both)


def test_headers_without_end_get_a_400(served: Served) -> None:
    flood = "".join(f"X-Filler-{n}: {'y' * 100}\r\n" for n in range(200))  # 20 KB of headers
    answer = _exchange(served.port, f"GET {served.path} HTTP/1.1\r\nHost: x\r\n{flood}\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 400 ") and b"BEGIN:VCALENDAR" not in answer


def test_pipelined_requests_are_answered_in_order(served: Served) -> None:
    one = f"GET {served.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    answer = _exchange(served.port, one + f"HEAD {served.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode() + one)
    assert answer.count(b"HTTP/1.1 200 ") == 3
    assert answer.count(b"BEGIN:VCALENDAR") == 2
