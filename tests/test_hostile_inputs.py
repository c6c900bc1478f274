"""Notes, configs and files that once took the tool down: far-future dates, YAML alias
bombs, huge values, FIFOs and devices named like notes, deeply nested TOML."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from mdfollow import schedule
from mdfollow.cli import cli
from mdfollow.config import Config
from mdfollow.feed import build_feed
from mdfollow.fields import Interval
from mdfollow.links import Links
from mdfollow.notes import parse_note

from .factories import vault, write_vault
from .live import Live, summaries

FAR = {
    "People/Due.md": "---\nlast-contact: 2026-11-01\ncadence: 30d\nnext-due: 9999-12-31\n---\n"
                     "- [ ] send the deck 📅 9999-12-31\n- [ ] send the notes 📅 2026-11-25\n",
    "People/Born.md": "---\nlast-contact: 2026-11-01\ncadence: 30d\nbirthday: 9999-12-31\n---\n",
    "People/Seq.md": "---\nsequence: sales\nsequence-start: 2026-11-01\n---\n",
    "People/Snoozed.md": "---\nlast-contact: 2026-11-01\ncadence: 30d\nsnooze-until: 9999-12-31\n---\n",
    "People/Logged.md": "---\ncadence: 1y\n---\n- 9999-12-30 a call from the far future\n",
    "People/Ok.md": "---\nlast-contact: 2026-11-01\ncadence: 30d\n---\n",
    ".mdfollow.toml": "[sequences]\nsales = [999999999999]\n",
}


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--vault", str(root), "--today", "2026-11-22", *args])


def test_far_future_dates_leave_their_items_out_and_never_fail(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", FAR)
    exported = run(root, "export", "-o", str(tmp_path / "feed.ics"))
    assert exported.exit_code == 0, exported.output
    feed = (tmp_path / "feed.ics").read_bytes()
    assert summaries(feed) == {"Follow up: Born", "Follow up: Ok", "Promise: send the notes",
                               "Birthday: Born"}
    due = run(root, "due", "--within", "1y", "--json")
    assert due.exit_code == 0, due.output
    assert {(i["contact"], i["title"]) for i in json.loads(due.stdout)} == {
        ("Born", "Check in (every 30 days)"), ("Ok", "Check in (every 30 days)"),
        ("Due", "send the notes"), ("Born", "Birthday")}


def test_check_warns_of_dates_a_hundred_years_ahead_but_not_of_a_snooze(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", FAR)
    result = run(root, "check")
    assert result.exit_code == 0, result.output
    assert sorted(result.stdout.splitlines()) == [
        f"People/{where}: warning: {what} is more than 100 years ahead: a typo? Nothing on that day is shown"
        for where, what in (("Born.md:4", "birthday 9999-12-31"), ("Due.md:4", "next-due 9999-12-31"),
                            ("Due.md:6", "promise date 9999-12-31"),
                            ("Logged.md:4", "log date 9999-12-30"))]


@pytest.mark.parametrize("today", ["9999-12-29", "9999-12-30", "9999-12-31", "0001-01-01"])
def test_the_ends_of_the_calendar_are_no_error(tmp_path: Path, today: str) -> None:
    root = write_vault(tmp_path / "vault", {**FAR, "People/Capped.md": "---\nmet: 9999-12-29\n---\n",
                                            "People/Capped 2.md": "---\nmet: 9999-12-29\n---\n",
                                            "People/Capped 3.md": "---\nmet: 9999-12-29\n---\n"})
    write_vault(root, {".mdfollow.toml": "max-per-day = 1\n[sequences]\nsales = [999999999999]\n"})
    for args in (["due", "--within", "1y"], ["stale", "--since", "1y"], ["check"],
                 ["export", "-o", str(tmp_path / "f.ics")], ["snooze", "Ok", "1y", "--dry-run"]):
        result = CliRunner().invoke(cli, ["--vault", str(root), "--today", today, *args])
        # on the calendar's last day no snooze can be later than today: refused, not an error
        last_snooze = args[0] == "snooze" and today == "9999-12-31"
        assert result.exit_code in ((2,) if last_snooze else (0, 1)), (args, result.output)
        assert "internal error" not in result.output


def test_a_feed_made_at_the_end_of_the_calendar() -> None:
    contacts = vault({f"People/P{i}.md": "---\nmet: 9999-12-29\n---\n" for i in range(4)}).contacts
    today = dt.date(9999, 12, 29)
    found = schedule.follow_ups(contacts, Config(max_per_day=1), today)
    assert [f.due for f in found] == [dt.date(9999, 12, 30)] * 4  # met + 1 day: the last day with room
    for day in (today, dt.date(9999, 12, 30), dt.date.max):
        made = build_feed(contacts, Config(max_per_day=1), Links("none", "vault"), day,
                          dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc))
        assert made.data.count(b"BEGIN:VEVENT") == made.events


_DAYS = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date.max)


@settings(max_examples=60)
@given(dates=st.lists(_DAYS, min_size=6, max_size=6), today=_DAYS,
       cadence=st.sampled_from(["1d", "30d", "3m", "1y", "100y", "36600d"]),
       step=st.integers(0, 10**12), per_day=st.sampled_from([None, 1]))
def test_no_date_anywhere_makes_date_arithmetic_fail(dates: list[dt.date], today: dt.date, cadence: str,
                                                     step: int, per_day: int | None) -> None:
    last, met, due, snooze, born, promised = (d.isoformat() for d in dates)
    notes = {
        "People/A.md": f"---\nlast-contact: {last}\ncadence: {cadence}\nnext-due: {due}\n"
                       f"snooze-until: {snooze}\nbirthday: {born}\n---\n- [ ] call 📅 {promised}\n",
        "People/B.md": f"---\nmet: {met}\nsequence: far\nattempts: 0\n---\n- {last} a call\n",
        "People/C.md": f"---\nmet: {met}\nmax-attempts: 1\nattempts: 1\n---\n",
    }
    config = Config(sequences={"far": (step,)}, max_per_day=per_day)
    contacts = vault(notes, config).contacts
    found = schedule.due(contacts, config, today, Interval(100, "years"))
    assert all(f.due < dt.date.max for f in found)
    made = build_feed(contacts, config, Links("none", "vault"), today,
                      dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc))
    assert made.data.count(b"BEGIN:VEVENT") == made.events


BOMB = """---
cadence: 30d
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
{key}: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---
"""
MERGE_BOMB = """---
cadence: 30d
a: &a {a1: 1, a2: 2, a3: 3, a4: 4, a5: 5, a6: 6, a7: 7, a8: 8, a9: 9}
b: &b {<<: [*a, *a, *a, *a, *a, *a, *a, *a, *a]}
c: &c {<<: [*b, *b, *b, *b, *b, *b, *b, *b, *b]}
d: &d {<<: [*c, *c, *c, *c, *c, *c, *c, *c, *c]}
e: &e {<<: [*d, *d, *d, *d, *d, *d, *d, *d, *d]}
f: &f {<<: [*e, *e, *e, *e, *e, *e, *e, *e, *e]}
g: &g {<<: [*f, *f, *f, *f, *f, *f, *f, *f, *f]}
name: {<<: [*g, *g, *g, *g, *g, *g, *g, *g, *g]}
---
"""


@pytest.mark.parametrize(("text", "line"), [
    *((BOMB.format(key=key), 3) for key in ("tags", "aliases", "name", "people")),  # the anchored value
    (MERGE_BOMB, 4)])  # the first merge key
def test_a_yaml_alias_bomb_is_an_error_and_the_note_is_skipped(text: str, line: int) -> None:
    note = parse_note("People/Bomb.md", text, Config().spellings)
    assert note.skipped
    assert [(p.line, p.severity) for p in note.problems] == [(line, "error")]
    assert "does not read" in note.problems[0].message


def test_a_bomb_costs_the_rest_of_the_vault_nothing(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", {"People/Bomb.md": BOMB.format(key="tags"),
                                            "People/Merge.md": MERGE_BOMB,
                                            "People/Ok.md": FAR["People/Ok.md"]})
    result = run(root, "check")
    assert result.exit_code == 1
    assert [line.split(": ")[0] for line in result.stdout.splitlines()] == [
        "People/Bomb.md:3", "People/Merge.md:4"]
    assert run(root, "due", "--within", "1m", "--json").stdout.count('"contact": "Ok"') == 1


def test_huge_front_matter_and_huge_notes_are_reported_and_skipped(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", {
        "People/Wide.md": "---\ncadence: 30d\nname: " + "x" * 2_000_000 + "\n---\n",
        "People/Long.md": "---\ncadence: 30d\n---\n" + "- 2026-11-01 a line\n" * 300_000,
        "People/Ok.md": FAR["People/Ok.md"]})
    result = run(root, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "People/Long.md:1: error: cannot read: larger than 5 MB; note skipped",
        "People/Wide.md:2: error: front matter larger than 256 KB; note skipped"]


def _mdfollow(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A real process, so a read that blocks would show as a timeout, not a hung test run."""
    return subprocess.run([sys.executable, "-m", "mdfollow", "--vault", str(root), *args],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def special(tmp_path: Path) -> Path:
    root = write_vault(tmp_path / "vault", {"People/Ok.md": FAR["People/Ok.md"]})
    os.mkfifo(root / "People" / "x.md")
    (root / "People" / "zero.md").symlink_to("/dev/zero")
    return root


def test_a_fifo_and_a_device_named_like_notes_are_reported_not_read(special: Path) -> None:
    done = _mdfollow(special, "check")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "People/x.md:1: error: cannot read: not a regular file (a named pipe); note skipped",
        "People/zero.md:1: error: cannot read: not a regular file (a device); note skipped"]
    due = _mdfollow(special, "--today", "2026-12-01", "due")
    assert due.returncode == 0 and "Ok" in due.stdout


@pytest.mark.parametrize("make", ["fifo", "device", "nested", "huge"])
def test_a_config_that_is_no_file_or_too_deep_is_a_config_error(tmp_path: Path, make: str) -> None:
    root = write_vault(tmp_path / "vault", {"People/Ok.md": FAR["People/Ok.md"]})
    config = root / ".mdfollow.toml"
    if make == "fifo":
        os.mkfifo(config)
    elif make == "device":
        config.symlink_to("/dev/zero")
    elif make == "nested":
        config.write_text("a = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    else:
        config.write_text("# " + "x" * 2_000_000 + "\n", encoding="utf-8")
    done = _mdfollow(root, "due")
    assert done.returncode == 2, done.stderr
    reason = {"fifo": "not a regular file (a named pipe)", "device": "not a regular file (a device)",
              "nested": "not valid TOML: nested too deeply", "huge": "larger than 1 MB"}[make]
    cannot = "" if make == "nested" else "cannot read the config file: "
    assert done.stderr == f"mdfollow: error: {config}: {cannot}{reason}\n"


def test_watch_with_a_fifo_in_the_vault_serves_and_stops_on_sigterm(special: Path, tmp_path: Path) -> None:
    feed = tmp_path / "feed.ics"
    live = Live(special, "--today", "2026-11-22", "watch", "-o", str(feed), "--debounce", "50")
    try:
        live.wait_for_output("^Watching ")
        (special / "People" / "New.md").write_text("---\nlast-contact: 2026-11-20\ncadence: 7d\n---\n",
                                                    encoding="utf-8")
        deadline = time.monotonic() + 30
        while "Follow up: New" not in summaries(feed.read_bytes()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert summaries(feed.read_bytes()) == {"Follow up: Ok", "Follow up: New"}
    finally:
        assert live.stop() == 0
    assert any("x.md:1: cannot read: not a regular file (a named pipe)" in line for line in live.err)
