"""The values that flow through the core: notes -> contacts -> follow-ups.

All frozen: the core computes, it never mutates; the shell (vault, CLI) does the I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .fields import Birthday, Interval

Severity = Literal["error", "warning"]
TaskStatus = Literal["open", "done", "cancelled"]
Status = Literal["active", "paused", "closed"]
Kind = Literal["promise", "break-up", "sequence", "explicit", "cadence", "first", "birthday"]


@dataclass(frozen=True)
class Problem:
    """Something `check` reports; `line` is 1-based, the opening `---` being line 1."""

    path: str
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "severity": self.severity,
                "message": self.message}


@dataclass(frozen=True)
class Field:
    """One front-matter key as the note spells it, its YAML value and its line."""

    key: str
    value: object
    line: int


@dataclass(frozen=True)
class Task:
    """A Markdown task line; `date` is its due, else scheduled, else start date."""

    line: int
    status: TaskStatus
    text: str
    date: dt.date | None
    links: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """A dated line of the note's own log: `- 2026-11-18 coffee`, `## 2026-11-18`."""

    line: int
    date: dt.date
    text: str


@dataclass(frozen=True)
class Link:
    """A `[[wikilink]]` that counts as contact (not inside an open or cancelled task)."""

    target: str
    line: int


@dataclass(frozen=True)
class Note:
    """What one Markdown file says, before any interpretation of its values.

    `skipped` notes (broken front matter in a contact note) contribute nothing.
    """

    path: str
    fields: dict[str, tuple[Field, ...]]
    entries: tuple[Entry, ...]  # a contact note's log; other notes' dated lines count for no one
    links: tuple[Link, ...]
    tasks: tuple[Task, ...]
    problems: tuple[Problem, ...]
    is_contact: bool
    skipped: bool = False

    @property
    def stem(self) -> str:
        name = self.path.rsplit("/", 1)[-1]
        return name[:-3] if name.lower().endswith(".md") else name


@dataclass(frozen=True)
class Promise:
    """An open, dated task: sacred until ticked."""

    text: str
    due: dt.date
    source: str  # "path:line" of the task line

    def __hash__(self) -> int:  # equal promises have one source; str caches its hash
        return hash(self.source)


@dataclass(frozen=True)
class Interaction:
    """A dated trace of contact: a line of the person's log, or a note that links them."""

    date: dt.date
    text: str
    source: str  # "path:line" of a log line, or the path of an interaction note


@dataclass(frozen=True)
class Contact:
    """A person, with every date already read and `last_contact` the effective one."""

    path: str
    name: str
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    status: Status
    last_contact: dt.date | None
    next_due: dt.date | None
    cadence: Interval | None
    cadence_source: str  # "note", "tag #family", "default" or ""
    met: dt.date | None
    snooze_until: dt.date | None
    attempts: int
    max_attempts: int
    sequence: str | None
    sequence_start: dt.date | None
    birthday: Birthday | None
    promises: tuple[Promise, ...]
    email: str | None = None
    phone: str | None = None
    latest_log: str | None = None  # the latest dated line of the note's own log
    interactions: tuple[Interaction, ...] = ()  # newest first
    company: str | None = None
    met_at: str | None = None  # where you met


@dataclass(frozen=True)
class FollowUp:
    """One thing to do for one contact on one day; `kind` names the rule that set `due`."""

    contact: str
    path: str
    kind: Kind
    due: dt.date
    last_contact: dt.date | None
    title: str
    source: str | None = None

    def overdue_days(self, today: dt.date) -> int:
        return max(0, (today - self.due).days)

    def to_json(self, today: dt.date) -> dict[str, Any]:
        """The stable `due --json` object (documented in docs/commands.md and `mdfollow help json`)."""
        return {
            "contact": self.contact,
            "path": self.path,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "overdue_days": self.overdue_days(today),
            "last_contact": _iso(self.last_contact),
            "title": self.title,
            "source": self.source,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


class Heard(Protocol):
    """What `stale` reads of a contact (or of its row in the index)."""

    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> Status: ...
    @property
    def last_contact(self) -> dt.date | None: ...
    @property
    def cadence(self) -> object: ...  # an Interval, or its text


def stale_json(contact: Heard, today: dt.date) -> dict[str, Any]:
    """The stable `stale --json` object (documented in docs/commands.md and `mdfollow help json`)."""
    last = contact.last_contact
    return {
        "contact": contact.name,
        "path": contact.path,
        "status": contact.status,
        "last_contact": _iso(last),
        "days": (today - last).days if last else None,
        "cadence": str(contact.cadence) if contact.cadence else None,
    }
