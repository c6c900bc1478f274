"""Two calendar clients, modelled as they really behave, follow the feed through a week of use.

ICSx⁵ (bitfireAT/icsx5 `ProcessEventsTask.kt`): a new UID is added; a known one is updated
only when its LAST-MODIFIED is later than the one it stored; UIDs missing from the feed are
deleted. Google Calendar: a new UID is added; a known one is updated only when its SEQUENCE
grew; nothing is ever deleted. After every change, what each shows as open from today on
must be what `mdfollow due` lists, on the days the feed's rules give (overdue on today),
once each; whatever else it still holds must read as done or cancelled.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import icalendar
from click.testing import CliRunner

from mdfollow.cli import cli

from .factories import write_vault

START = dt.date(2026, 11, 22)
PREFIX = {"cadence": "Follow up", "explicit": "Follow up", "sequence": "Follow up",
          "first": "Thank-you", "break-up": "Last try", "promise": "Promise", "birthday": "Birthday"}
NOTES = {
    "People/Jane Doe.md": "---\nlast-contact: 2026-10-20\ncadence: 30d\n---\n## Log\n- 2026-10-20 lunch\n",
    "People/Sam Lee.md": "---\nsequence: sales\nsequence-start: 2026-11-19\nattempts: 1\n---\n",
    "People/Ana Ruiz.md": "---\nlast-contact: 2026-09-01\ncadence: quarterly\nbirthday: 1966-11-25\n---\n",
    "People/Kenji Watanabe.md": "---\nlast-contact: 2026-11-01\ncadence: 30d\n---\n"
                                "- [ ] return Kenji's book 📅 2026-11-20\n",
    "People/Martin Kowalski.md": "---\nlast-contact: 2026-10-10\ncadence: 30d\n---\n",
    "People/Priya Natarajan.md": "---\nmet: 2026-11-21\n---\n",
    "People/Lena Fischer.md": "---\nlast-contact: 2026-11-10\ncadence: 2w\n---\n",
    "People/Omar Haddad.md": "---\nlast-contact: 2026-08-01\ncadence: 90d\n---\n",
    ".mdfollow.toml": "[feed]\nper-day = 2\n",  # small, so that digests and stickiness are exercised
}


class Store(ABC):
    """What a client holds: the last version of each event it applied, by UID."""

    def __init__(self) -> None:
        self.events: dict[str, icalendar.Event] = {}

    @abstractmethod
    def sync(self, feed: list[icalendar.Event]) -> None:
        """Take in a fetched feed, as the client does."""

    def open_items(self, today: dt.date) -> list[tuple[str, dt.date]]:
        """(what, day) of each open follow-up it shows from today on, digests' lines included."""
        found = []
        for event in self.events.values():
            if event.start < today or _ended(event):
                continue
            if "digest" in [str(c) for c in event.categories]:
                found += [(_plain(line[2:]), event.start) for line in str(event.description).splitlines()
                          if line.startswith("- ")]
            else:
                found.append((_plain(str(event.summary)), event.start))
        return found

    def stale(self, today: dt.date) -> list[str]:
        """Open events on days gone by: only a birthday may be one (it happened)."""
        return [str(e.summary) for e in self.events.values()
                if e.start < today and not _ended(e) and "birthday" not in [str(c) for c in e.categories]]


class ICSx5(Store):
    def sync(self, feed: list[icalendar.Event]) -> None:
        for event in feed:
            uid = str(event.uid)
            held = self.events.get(uid)
            if held is None or event.last_modified is None or held.last_modified is None \
                    or event.last_modified > held.last_modified:
                self.events[uid] = event
        self.events = {uid: e for uid, e in self.events.items() if uid in {str(f.uid) for f in feed}}


class Google(Store):
    def sync(self, feed: list[icalendar.Event]) -> None:
        for event in feed:
            uid = str(event.uid)
            held = self.events.get(uid)
            if held is None or int(event.sequence or 0) > int(held.sequence or 0):
                self.events[uid] = event


def _ended(event: icalendar.Event) -> bool:
    return str(event.get("status", "")) == "CANCELLED" or str(event.summary).startswith("✓")


def _plain(summary: str) -> str:
    """A summary without how late it is or the age: what it is about."""
    return re.sub(r" \((\d+ days? late|turns \d+)\)$", "", summary)


class Week:
    def __init__(self, vault: Path) -> None:
        self.vault, self.today = vault, START
        self.clients = [ICSx5(), Google()]
        self.runner = CliRunner()

    def run(self, *args: str) -> str:
        options = ["--vault", str(self.vault), "--today", self.today.isoformat()]
        result = self.runner.invoke(cli, [*options, *args])
        assert result.exit_code == 0, (args, result.output)
        return result.stdout

    def edit(self, path: str, change: Callable[[str], str]) -> None:
        target = self.vault / path
        target.write_text(change(target.read_text(encoding="utf-8")), encoding="utf-8")

    def check(self, what: str) -> None:
        """Export, let both clients sync, and compare what they show with `due`."""
        feed = icalendar.Calendar.from_ical(self.run("export", "-o", "-")).events
        due = json.loads(self.run("due", "--within", "90d", "--json"))
        expected = Counter((f"{PREFIX[d['kind']]}: {d['title'] if d['kind'] == 'promise' else d['contact']}",
                            max(dt.date.fromisoformat(d["due"]), self.today)) for d in due)
        for client in self.clients:
            client.sync(feed)
            shown = Counter(client.open_items(self.today))
            name = f"{type(client).__name__} after {what} on {self.today}"
            assert shown == expected, f"{name}: missing {expected - shown}, extra {shown - expected}"
            assert client.stale(self.today) == [], name

    def next_day(self) -> None:
        self.today += dt.timedelta(days=1)
        self.check("a day passing")


def test_two_clients_follow_a_week_of_use(tmp_path: Path) -> None:
    week = Week(write_vault(tmp_path / "vault", NOTES))
    week.check("the first export")
    week.run("log", "Omar", "--via", "call", "--note", "caught up")  # shown on its own today
    week.check("a conversation logged")
    week.run("log", "Jane", "--via", "coffee")  # in today's digest
    week.check("a conversation logged")
    icsx5, google = week.clients
    for client in week.clients:
        ended = [str(e.summary) for e in client.events.values() if _ended(e)]
        assert ended == ["✓ Followed up: Omar Haddad"]
    week.next_day()
    week.run("log", "Sam", "--no-reply")
    week.check("an unanswered try")
    week.run("snooze", "Martin", "5d")
    week.check("a snooze")
    week.next_day()
    week.run("done", "Kenji", "book")
    week.check("a promise ticked")
    week.edit("People/Lena Fischer.md", lambda t: t + "- [ ] send Lena the board deck 📅 2026-11-26\n")
    week.check("a promise added")
    week.next_day()
    week.edit("People/Martin Kowalski.md",
              lambda t: t.replace("cadence: 30d", "cadence: 2w\nname: Martin K."))
    week.check("a note edited by hand")
    week.run("close", "Ana")
    week.check("a contact closed")
    week.next_day()
    week.edit("People/Priya Natarajan.md", lambda t: t.replace("met:", "next-due: 2026-12-01\nmet:"))
    week.check("a next-due added")
    week.next_day()
    week.run("log", "Martin", "--via", "email", "--replied")
    week.check("a reply logged")
    week.next_day()
    week.next_day()
    # The ended ones: Google keeps them, done or cancelled; ICSx⁵ dropped those past keep-done.
    held = {str(e.summary) for e in google.events.values() if _ended(e)}
    assert {"✓ Followed up: Omar Haddad", "✓ Promise: return Kenji's book"} <= held
    gone = week.today - dt.timedelta(days=3)
    assert not any(_ended(e) and e.start < gone for e in icsx5.events.values())
