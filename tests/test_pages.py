"""The agenda pages of `mdfollow serve`, over real HTTP against a real process and vault.

Pairing, the two credentials kept apart, every action through a signed form, and what an
attacker tries: no cookie, the feed token, a forged or stale form, another site's form,
HTML in a note.
"""

from __future__ import annotations

import html
import re
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from click.testing import CliRunner
from markupsafe import escape

from mdfollow.cli import cli
from mdfollow.links import contact_id
from mdfollow.state import state_dir

from .factories import write_vault
from .live import Live, wait_until
from .test_serve import Served

TODAY = "2026-11-30"
JANE = """\
---
name: Jane Doe
last-contact: 2026-10-20
cadence: 30d
email: jane@example.org
phone: +1 555 0100
tags: [client]
---
Met at the florists' fair.

## Log
- 2026-10-20 (call) she is hiring a designer

- [ ] send Jane my florist's name 📅 2026-11-25
"""
SAM = "---\nname: Sam Lee\nlast-contact: 2026-11-28\ncadence: 90d\ntags: [friend]\n---\n"
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'")


class Device:
    """A browser without a browser: a paired cookie, and forms posted as a page would."""

    def __init__(self, served: Served, cookie: str | None) -> None:
        self.served, self.cookie = served, cookie

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
        status, got, body = self.served.request("GET", path, self._headers(headers))
        return status, got, body.decode("utf-8")

    def post(self, path: str, fields: dict[str, str], **headers: str) -> tuple[int, dict[str, str], str]:
        sent = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin",
                **headers}
        status, got, body = self.served.request("POST", path, self._headers(sent),
                                                urlencode(fields).encode())
        return status, got, body.decode("utf-8")

    def form(self, id: str, action: str) -> dict[str, str]:
        """The hidden fields of the contact page's (first) form for `action`, as rendered now."""
        forms = self.form_all(id, action)
        assert forms, f"no {action} form"
        return forms[0]

    def form_all(self, id: str, action: str) -> list[dict[str, str]]:
        """The hidden fields of each of the contact page's forms for `action`."""
        status, _, page = self.get(f"/c/{id}")
        assert status == 200
        forms = re.findall(rf'<form method="post" action="/c/{id}/{action}".*?</form>', page, re.S)
        hidden = r'type="hidden" name="(\w+)" value="([^"]*)"'
        return [{m[1]: html.unescape(m[2]) for m in re.finditer(hidden, form)} for form in forms]

    def _headers(self, headers: dict[str, str]) -> dict[str, str]:
        headers = {k.replace("_", "-"): v for k, v in headers.items()}
        return {**headers, "Cookie": f"mdfollow-device={self.cookie}"} if self.cookie else headers


def follow_up_day(feed: bytes, name: str) -> str | None:
    """The day of the open "Follow up: NAME" event in a served feed, if there is one."""
    for event in feed.decode("utf-8").replace("\r\n ", "").split("BEGIN:VEVENT")[1:]:
        summary = re.search(r"^SUMMARY:(.*?)\r?$", event, re.M)
        day = re.search(r"^DTSTART;VALUE=DATE:(\d{8})\r?$", event, re.M)
        if summary and day and summary[1].startswith(f"Follow up: {name}") \
                and "STATUS:CANCELLED" not in event:
            return day[1]
    return None


def pair(served: Served, link: str | None = None) -> Device:
    status, headers, body = served.request("GET", link or served.pair_link)
    assert status == 200, body
    cookie = re.match(r"mdfollow-device=([^;]+);", headers["set-cookie"])
    assert cookie
    return Device(served, cookie[1])


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "vault", {"People/Jane Doe.md": JANE, "People/Sam Lee.md": SAM})


def serve(vault: Path, *args: str) -> Served:
    return Served(Live(vault, "--today", TODAY, "serve", "--port", "0", "--debounce", "50", *args))


@pytest.fixture
def served(vault: Path) -> Iterator[Served]:
    served = serve(vault)
    yield served
    assert served.live.stop() == 0


JANE_ID = contact_id("People/Jane Doe.md")
UNPAIRED = "pair this device: run `mdfollow pair`\n"


def test_pairing_sets_a_private_long_lived_cookie_once(vault: Path, served: Served) -> None:
    assert served.request("HEAD", served.pair_link)[0] == 200  # a link checker: the code stays
    status, headers, body = served.request("GET", served.pair_link)
    assert status == 200 and b"This device is paired as" in body
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would never come back
    assert int(re.search(r"Max-Age=(\d+)", cookie)[1]) >= 365 * 86400  # type: ignore[index]
    assert served.request("GET", served.pair_link)[0] == 401  # one time only
    device = Device(served, re.match(r"mdfollow-device=([^;]+);", cookie)[1])  # type: ignore[index]
    status, _, page = device.get("/")
    assert status == 200 and "Jane Doe" in page
    pairings = state_dir(vault)
    assert stat.S_IMODE((pairings / "pairings.json").stat().st_mode) == 0o600
    assert str(device.cookie) not in (pairings / "pairings.json").read_text(encoding="utf-8")


def test_without_a_paired_device_every_page_is_401_in_one_line(served: Served) -> None:
    stranger = Device(served, None)
    for path in ("/", f"/c/{JANE_ID}", "/c/0000000000000000", "/?tag=client"):
        assert stranger.get(path)[::2] == (401, UNPAIRED), path
    assert stranger.post(f"/c/{JANE_ID}/talked", {"csrf": "x", "state": "y"})[::2] == (401, UNPAIRED)
    assert Device(served, "made-up-cookie").get("/")[0] == 401
    assert served.request("GET", "/pair/made-up-code")[0] == 401


def test_the_feed_token_opens_no_page(served: Served) -> None:
    with_token = Device(served, served.token)
    assert with_token.get("/")[0] == 401
    assert with_token.get(f"/c/{JANE_ID}")[0] == 401
    assert Device(served, None).get(f"/?token={served.token}")[0] == 401
    assert Device(served, None).get(f"/{served.token}/")[0] == 404
    assert Device(served, None).get(f"/pair/{served.token}")[0] == 401


def test_pages_carry_the_security_headers(served: Served) -> None:
    device = pair(served)
    for path in ("/", f"/c/{JANE_ID}", "/static/style.css"):
        status, headers, _ = device.get(path)
        assert status == 200, path
        assert headers["content-security-policy"] == CSP
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"
    _, headers, _ = Device(served, None).get("/")
    assert (headers["content-security-policy"], headers["cache-control"]) == (CSP, "no-store")


def test_the_agenda_groups_like_due_and_filters_by_links(served: Served) -> None:
    device = pair(served)
    _, _, page = device.get("/")
    overdue = page.index("Today and overdue")
    assert overdue < page.index("Check in (every 30 days)") < page.index("send Jane my florist&#39;s name")
    assert "5 days late" in page and "Open promises" in page
    assert f'href="/c/{JANE_ID}"' in page
    assert 'href="/?tag=client"' in page and 'href="/?kind=promise"' in page
    _, _, friends = device.get("/?tag=friend")
    assert "Jane Doe" not in friends.split("Last 12 weeks")[0]
    _, _, promises = device.get("/?kind=promise")
    assert "Check in (every 30 days)" not in promises.split("Last 12 weeks")[0]
    assert "<svg" in page and "Jane Doe, week of 2026-10-19: 1" in page  # the week strip


def test_the_agenda_pages_50_follow_ups_at_a_time(tmp_path: Path) -> None:
    notes = {f"People/P{n:02}.md": f"---\nlast-contact: 2026-10-{n % 28 + 1:02}\ncadence: 30d\n---\n"
             for n in range(60)}
    served = serve(write_vault(tmp_path / "many", notes))
    device = pair(served)
    _, _, first = device.get("/")
    assert len(re.findall(r'<li class="item[^"]*"><a href="/c/', first.split("<h2>Last 12 weeks")[0])) == 50
    assert "Page 1 of 2 (60 follow-ups)" in first and 'href="/?page=2"' in first
    _, _, second = device.get("/?page=2")
    assert len(re.findall(r'<li class="item[^"]*"><a href="/c/', second.split("<h2>Last 12 weeks")[0])) == 10
    assert served.live.stop() == 0


def test_the_contact_page_says_why_and_how_to_reach_them(served: Served) -> None:
    device = pair(served)
    status, _, page = device.get(f"/c/{JANE_ID}")
    assert status == 200
    assert "Check in (every 30 days)" in page and "due 2026-11-19 (11 days late)" in page
    assert 'href="mailto:jane%40example.org"' in page
    assert 'href="tel:+15550100"' in page and 'href="sms:+15550100"' in page
    assert 'href="obsidian://open?vault=vault&amp;file=People%2FJane%20Doe.md"' in page
    assert "she is hiring a designer" in page and "send Jane my florist&#39;s name" in page
    assert "Draft (check-in)" in page and "Hi Jane" in page
    assert device.get("/c/0123456789abcdef")[0] == 404


def test_talked_writes_only_the_intended_lines_and_the_feed_follows(vault: Path, served: Served) -> None:
    device = pair(served)
    before = (vault / "People/Jane Doe.md").read_bytes()
    assert follow_up_day(served.request()[2], "Jane Doe") == "20261130"  # overdue: on today
    fields = device.form(JANE_ID, "talked")
    status, headers, _ = device.post(f"/c/{JANE_ID}/talked",
                                     {**fields, "note": "coffee; <b>she got the job</b>"})
    assert status == 303 and headers["location"] == f"/c/{JANE_ID}?done=talked"
    _, _, page = device.get(headers["location"])
    assert 'role="status">Logged a conversation today.</p>' in page
    after = (vault / "People/Jane Doe.md").read_bytes().decode("utf-8").splitlines()
    old = before.decode("utf-8").splitlines()
    changed = [(a, b) for a, b in zip(old, after[:len(old)], strict=True) if a != b]
    assert changed == [("last-contact: 2026-10-20", f"last-contact: {TODAY}")]
    assert after[len(old):] == [f"- {TODAY} coffee; <b>she got the job</b>"]  # the end of `## Log`
    audit = (state_dir(vault) / "audit.log").read_text(encoding="utf-8")
    assert re.fullmatch(r"\S+\tdevice-1\tlog: Jane Doe\n", audit)
    wait_until(lambda: follow_up_day(served.request()[2], "Jane Doe") == "20261230",
               "the served feed to move Jane's check-in to 30 days after today")


def test_pinged_snooze_tick_and_close(vault: Path, served: Served) -> None:
    device = pair(served)
    note = vault / "People/Jane Doe.md"
    assert device.post(f"/c/{JANE_ID}/pinged", device.form(JANE_ID, "talked"))[0] == 303
    assert "attempts: 1" in note.read_text(encoding="utf-8")
    assert f"- {TODAY} no reply yet" in note.read_text(encoding="utf-8")
    status, headers, _ = device.post(f"/c/{JANE_ID}/snooze",
                                     {**device.form(JANE_ID, "snooze"), "until": "2w"})
    assert status == 303 and "snooze-until: 2026-12-14" in note.read_text(encoding="utf-8")
    assert "Snoozed until 2026-12-14: off the agenda until then." in device.get(headers["location"])[2]
    assert 'role="status"' not in device.get(f"/c/{JANE_ID}?done=snoozed:<b>soon</b>")[2]
    fields = {**device.form(JANE_ID, "snooze"), "until": "date", "date": "2027-01-05"}
    assert device.post(f"/c/{JANE_ID}/snooze", fields)[0] == 303
    assert "snooze-until: 2027-01-05" in note.read_text(encoding="utf-8")
    status, _, body = device.post(f"/c/{JANE_ID}/snooze", {**device.form(JANE_ID, "snooze"), "until": "date",
                                                           "date": "2020-01-01"})
    assert status == 400 and "pick a day after today" in body
    assert device.post(f"/c/{JANE_ID}/tick", device.form(JANE_ID, "tick"))[0] == 303
    assert f"- [x] send Jane my florist's name 📅 2026-11-25 ✅ {TODAY}" in note.read_text(encoding="utf-8")
    assert device.post(f"/c/{JANE_ID}/close", device.form(JANE_ID, "close"))[0] == 303
    assert "status: closed" in note.read_text(encoding="utf-8")
    _, _, page = device.get(f"/c/{JANE_ID}?done=closed")
    assert "Closed: no more follow-ups." in page and "/close\"" not in page
    assert len((state_dir(vault) / "audit.log").read_text(encoding="utf-8").splitlines()) == 5


def test_a_forged_missing_or_stale_csrf_writes_nothing(vault: Path, served: Served) -> None:
    device = pair(served)
    note = vault / "People/Jane Doe.md"
    fields = device.form(JANE_ID, "talked")
    before = note.read_bytes()
    assert device.post(f"/c/{JANE_ID}/talked", {"state": fields["state"]})[0] == 403
    assert device.post(f"/c/{JANE_ID}/talked", {**fields, "csrf": "0" * 64})[0] == 403
    assert device.post(f"/c/{JANE_ID}/talked", {**fields, "state": "0" * 32})[0] == 403
    other = contact_id("People/Sam Lee.md")
    assert device.post(f"/c/{other}/talked", fields)[0] == 403  # signed for Jane, not Sam
    assert pair(served, _new_link(vault)).post(f"/c/{JANE_ID}/talked", fields)[0] == 403  # another device
    assert note.read_bytes() == before
    edited = before + b"\nAn editor saved this line.\n"
    note.write_bytes(edited)
    status, _, page = device.post(f"/c/{JANE_ID}/talked", fields)
    assert status == 409
    assert "Nothing was written: Jane Doe&#39;s note changed since this page was shown" in page
    assert note.read_bytes() == edited
    fresh = re.search(r'name="state" value="(\w+)"', page)[1]  # type: ignore[index]
    assert fresh != fields["state"]
    assert device.post(f"/c/{JANE_ID}/talked", device.form(JANE_ID, "talked"))[0] == 303


def _new_link(vault: Path) -> str:
    result = CliRunner().invoke(cli, ["--vault", str(vault), "pair", "--name", "laptop"])
    assert result.exit_code == 0, result.output
    return urlsplit(re.search(r"http://\S+", result.stdout)[0]).path  # type: ignore[index]


def test_actions_are_post_only_and_same_site_only(vault: Path, served: Served) -> None:
    device = pair(served)
    before = (vault / "People/Jane Doe.md").read_bytes()
    status, headers, _ = device.get(f"/c/{JANE_ID}/talked")
    assert (status, headers["allow"]) == (405, "POST")
    fields = device.form(JANE_ID, "talked")
    listen = f"http://127.0.0.1:{served.port}"
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Sec-Fetch-Site": "cross-site", "Origin": listen},
                    {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
                    {"Sec-Fetch-Site": "", "Origin": "null"}, {"Sec-Fetch-Site": ""}):
        sent = {k: v for k, v in headers.items() if v} if headers.get("Sec-Fetch-Site") != "" else headers
        status, _, body = _post_raw(device, f"/c/{JANE_ID}/talked", fields, sent)
        assert status == 403 and "not sent from this site" in body, headers
    assert (vault / "People/Jane Doe.md").read_bytes() == before
    assert _post_raw(device, f"/c/{JANE_ID}/talked", fields, {"Origin": listen})[0] == 303


def _post_raw(device: Device, path: str, fields: dict[str, str],
              headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """A POST with exactly these origin headers (an empty Sec-Fetch-Site: none sent)."""
    sent = {"Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"mdfollow-device={device.cookie}",
            **{k: v for k, v in headers.items() if v}}
    status, got, body = device.served.request("POST", path, sent, urlencode(fields).encode())
    return status, got, body.decode("utf-8")


HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def test_everything_from_a_note_is_text_on_the_page(tmp_path: Path) -> None:
    path = "People/<b>bold</b> & co.md"
    vault = write_vault(tmp_path / "vault", {path: f"""\
        ---
        name: '{HOSTILE.replace("'", "''")} name'
        last-contact: 2026-11-01
        cadence: 7d
        email: 'x{HOSTILE.replace("'", "''")}@example.org'
        phone: '+1 555 {HOSTILE.replace("'", "''")}'
        company: '{HOSTILE.replace("'", "''")} company'
        tags: ['{HOSTILE.replace("'", "''")}tag']
        met-at: '{HOSTILE.replace("'", "''")} fair'
        ---
        ## Log
        - 2026-11-01 {HOSTILE} log

        - [ ] {HOSTILE} promise 📅 2026-11-20
        """})
    served = serve(vault)
    device = pair(served)
    cid = contact_id(path)
    pages = [device.get("/")[2], device.get(f"/c/{cid}")[2], device.get(f"/c/{cid}?done=talked")[2]]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page
        assert "onerror=alert(1)>" not in page.replace("onerror=alert(1)&gt;", "")
    agenda, contact = pages[0], pages[1]
    shown = str(escape(HOSTILE))
    for what in ("name", "promise"):
        assert f"{shown} {what}" in agenda, what
    tag = str(escape("onerror=alert(1)><script>alert(2)</script>tag"))  # tags split at spaces
    assert f">#{tag}</a>" in agenda  # the tag filter link's text
    for what in ("name", "company", "log", "promise"):
        assert f"{shown} {what}" in contact, what
    assert f"x{shown}@example.org" in contact and f"#{tag}" in contact
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co.md" in contact  # the path
    draft = re.search(r'<textarea id="draft"[^>]*>(.*?)</textarea>', contact, re.S)[1]  # type: ignore[index]
    assert f"{shown} company" in draft and HOSTILE in html.unescape(draft)  # the draft, as text
    assert 'href="tel:+155512"' in contact  # a phone keeps its digits and + only
    assert served.live.stop() == 0


def test_read_only_serves_pages_without_actions(vault: Path) -> None:
    served = serve(vault, "--read-only")
    device = pair(served)
    status, _, page = device.get(f"/c/{JANE_ID}")
    assert status == 200 and "Check in (every 30 days)" in page
    assert "<form" not in page and "csrf" not in page
    before = (vault / "People/Jane Doe.md").read_bytes()
    status, _, body = device.post(f"/c/{JANE_ID}/talked", {"csrf": "x", "state": "y"})
    assert status == 403 and "read-only" in body
    assert (vault / "People/Jane Doe.md").read_bytes() == before
    assert served.live.stop() == 0


def test_autocommit_makes_one_commit_per_action(vault: Path) -> None:
    (vault / ".mdfollow.toml").write_text("[git]\nautocommit = true\n", encoding="utf-8")
    git = ["git", "-C", str(vault), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(vault)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)
    served = serve(vault)
    device = pair(served)
    env_ok = device.post(f"/c/{JANE_ID}/talked", device.form(JANE_ID, "talked"))
    assert env_ok[0] == 303, env_ok
    assert device.post(f"/c/{JANE_ID}/snooze", {**device.form(JANE_ID, "snooze"), "until": "1w"})[0] == 303
    log = subprocess.run(["git", "-C", str(vault), "log", "--format=%s"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert log == ["snooze: Jane Doe until 2026-12-07", "log: Jane Doe", "start"]
    assert subprocess.run(["git", "-C", str(vault), "status", "--porcelain"], capture_output=True,
                          text=True, check=True).stdout == ""
    assert served.live.stop() == 0


def test_a_public_https_url_makes_the_cookie_secure_and_its_origin_welcome(vault: Path) -> None:
    (vault / ".mdfollow.toml").write_text('[serve]\npublic-url = "https://notes.example.org/"\n',
                                          encoding="utf-8")
    served = serve(vault)
    assert served.live.wait_for_output(r"^  (https://notes\.example\.org/pair/\S+)$")
    status, headers, _ = served.request("GET", served.pair_link)
    assert status == 200 and "Secure" in headers["set-cookie"]
    device = Device(served, re.match(r"mdfollow-device=([^;]+);", headers["set-cookie"])[1])  # type: ignore[index]
    fields = device.form(JANE_ID, "close")
    assert _post_raw(device, f"/c/{JANE_ID}/close", fields, {"Origin": "https://notes.example.org"})[0] == 303
    assert served.live.stop() == 0


def test_pair_lists_and_revokes_devices(vault: Path, served: Served) -> None:
    phone = pair(served)
    laptop = pair(served, _new_link(vault))
    runner = CliRunner()
    listed = runner.invoke(cli, ["--vault", str(vault), "pair", "--list"])
    assert listed.exit_code == 0
    assert re.findall(r"^(\S+)\tpaired ", listed.stdout, re.M) == ["device-1", "laptop"]
    taken = runner.invoke(cli, ["--vault", str(vault), "pair", "--name", "laptop"])
    assert taken.exit_code == 2 and "'laptop' is taken" in taken.stderr
    revoked = runner.invoke(cli, ["--vault", str(vault), "pair", "--revoke", "laptop"])
    assert (revoked.exit_code, revoked.stdout) == (0, "Unpaired laptop.\n")
    assert laptop.get("/")[0] == 401 and phone.get("/")[0] == 200
    unknown = runner.invoke(cli, ["--vault", str(vault), "pair", "--revoke", "tablet"])
    assert unknown.exit_code == 4 and "no paired device called 'tablet'" in unknown.stderr
    everyone = runner.invoke(cli, ["--vault", str(vault), "pair", "--revoke-all"])
    assert everyone.stdout == "Unpaired 1 device; pending links are void.\n"
    assert phone.get("/")[0] == 401
    assert runner.invoke(cli, ["--vault", str(vault), "pair", "--list"]).stdout == "No paired devices.\n"


def test_the_origins_a_form_may_come_from() -> None:
    from mdfollow.web.app import origins

    assert origins("127.0.0.1", 8737, None) == {"http://127.0.0.1:8737", "http://localhost:8737",
                                                "http://[::1]:8737"}
    assert origins("192.168.1.5", 80, "https://notes.example.org/") == {
        "http://192.168.1.5:80", "https://notes.example.org"}
    anywhere = origins("0.0.0.0", 8737, None)
    assert "http://127.0.0.1:8737" in anywhere and f"http://{socket.gethostname()}:8737" in anywhere
    assert "http://0.0.0.0:8737" not in anywhere


def test_a_last_try_without_reply_closes_and_says_so(vault: Path, served: Served) -> None:
    (vault / "People/Kim.md").write_text("---\nlast-contact: 2026-10-01\ncadence: 30d\nattempts: 6\n---\n",
                                         encoding="utf-8")
    device = pair(served)
    kim = contact_id("People/Kim.md")
    assert "Last try after 6 unanswered" in device.get(f"/c/{kim}")[2]
    status, headers, _ = device.post(f"/c/{kim}/pinged", device.form(kim, "talked"))
    assert (status, headers["location"]) == (303, f"/c/{kim}?done=pinged-closed")
    assert "status: closed" in (vault / "People/Kim.md").read_text(encoding="utf-8")
    assert "Logged your last try without a reply, and closed: no more follow-ups" in \
        device.get(headers["location"])[2]


def test_done_on_a_promise_kept_in_another_note_writes_that_note(vault: Path, served: Served) -> None:
    meeting = vault / "Meetings/2026-11-20.md"
    meeting.parent.mkdir()
    meeting.write_text("# Fair debrief\n\n- [ ] send [[Jane Doe]] the slides 📅 2026-11-28\n",
                       encoding="utf-8")
    device = pair(served)
    ticks = device.form_all(JANE_ID, "tick")
    assert sorted(f["promise"] for f in ticks) == ["Meetings/2026-11-20.md:3", "People/Jane Doe.md:14"]
    slides = next(f for f in ticks if f["promise"].startswith("Meetings/"))
    jane_before = (vault / "People/Jane Doe.md").read_bytes()
    meeting.write_text(meeting.read_text(encoding="utf-8") + "Notes taken later.\n", encoding="utf-8")
    status, _, body = device.post(f"/c/{JANE_ID}/tick", slides)
    assert status == 409 and "Meetings/2026-11-20.md changed since this page was shown" in body
    fresh = next(f for f in device.form_all(JANE_ID, "tick") if f["promise"].startswith("Meetings/"))
    assert device.post(f"/c/{JANE_ID}/tick", fresh)[0] == 303
    ticked = f"- [x] send [[Jane Doe]] the slides 📅 2026-11-28 ✅ {TODAY}"
    assert ticked in meeting.read_text(encoding="utf-8")
    assert (vault / "People/Jane Doe.md").read_bytes() == jane_before
