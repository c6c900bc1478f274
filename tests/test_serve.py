"""`mdfollow serve` as a real process, checked through real HTTP requests on loopback."""

from __future__ import annotations

import http.client
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .factories import write_vault
from .live import Live, summaries, wait_until

NOTE = "---\nname: {}\nlast-contact: 2026-11-01\ncadence: 30d\n---\n"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "vault", {"People/Jane.md": NOTE.format("Jane")})


class Served:
    def __init__(self, live: Live) -> None:
        self.live = live
        url = urlsplit(live.wait_for_output(r"^  (http://\S+)$")[1])
        self.port = url.port or 80
        self.path = url.path
        self.token = url.path.split("/")[1]

    def request(self, method: str = "GET", path: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request(method, path or self.path, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


@pytest.fixture
def served(vault: Path) -> Iterator[Served]:
    live = Live(vault, "--today", "2026-11-22", "serve", "--port", "0", "--debounce", "50", "-v")
    yield Served(live)
    assert live.stop() == 0


def test_get_serves_the_feed_with_validators(served: Served) -> None:
    status, headers, body = served.request(headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    assert "Content-Encoding" not in headers
    assert headers["ETag"].startswith('"') and headers["Last-Modified"].endswith(" GMT")
    assert summaries(body) == {"Follow up: Jane"}
    status, head_headers, head_body = served.request("HEAD")
    assert (status, head_body) == (200, b"")
    assert head_headers["ETag"] == headers["ETag"]
    assert head_headers["Content-Length"] == headers["Content-Length"]


def test_conditional_requests_get_exact_304s(served: Served) -> None:
    _, headers, _ = served.request()
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert served.request(headers={"If-None-Match": etag})[0] == 304
    assert served.request(headers={"If-None-Match": f'"other", {etag}'})[0] == 304
    assert served.request(headers={"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
    assert served.request(headers={"If-Modified-Since": modified})[0] == 304
    assert served.request(headers={"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})[0] == 200
    assert served.request(headers={"If-Modified-Since": "yesterday-ish"})[0] == 200
    status, not_modified, body = served.request(headers={"If-None-Match": etag})
    assert (status, body, not_modified["ETag"]) == (304, b"", etag)


def test_other_paths_and_methods_reveal_nothing(served: Served) -> None:
    wrong = "/" + "x" * len(served.token) + "/follow-ups.ics"
    for path in (wrong, "/", f"/{served.token}/", f"/{served.token}/other.ics", "/follow-ups.ics"):
        assert served.request(path=path)[::2] == (404, b""), path
    status, headers, body = served.request("POST")
    assert (status, headers["Allow"], body) == (405, "GET, HEAD", b"")
    assert all(served.token not in line for line in served.live.err)


def test_a_burst_of_200_concurrent_requests(served: Served) -> None:
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda _: served.request(), range(200)))
    assert {status for status, _, _ in results} == {200}
    assert len({body for _, _, body in results}) == 1


def test_the_served_feed_follows_the_notes(vault: Path, served: Served) -> None:
    _, headers, _ = served.request()
    (vault / "People/Sam.md").write_text(NOTE.format("Sam"), encoding="utf-8")
    wait_until(lambda: summaries(served.request()[2]) == {"Follow up: Jane", "Follow up: Sam"},
               "the served feed to show Sam")
    assert served.request(headers={"If-None-Match": headers["ETag"]})[0] == 200
    (vault / "People/Sam.md").write_text("---\nname: Sam\ncadence: [oops\n---\n", encoding="utf-8")
    served.live.wait_for_output(r"People/Sam.md:\d+: broken YAML", err=True)
    assert summaries(served.request()[2]) == {"Follow up: Jane", "Follow up: Sam"}


def test_the_token_is_kept_private_and_can_be_rotated(vault: Path) -> None:
    first = Served(Live(vault, "serve", "--port", "0"))
    assert first.live.stop() == 0
    token_file = vault / ".mdfollow" / "token"
    assert token_file.read_text(encoding="ascii").strip() == first.token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert len(first.token) >= 32
    again = Served(Live(vault, "serve", "--port", "0"))
    assert again.token == first.token
    assert again.live.stop() == 0
    rotated = Served(Live(vault, "serve", "--port", "0", "--rotate-token"))
    assert rotated.token != first.token
    assert rotated.request(path=first.path)[0] == 404
    assert rotated.request()[0] == 200
    assert rotated.live.stop() == 0
    assert (vault / ".mdfollow" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")


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
