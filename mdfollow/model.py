"""The values that flow through the core: notes -> contacts -> follow-ups.

All frozen: the core computes, it never mutates; the shell (vault, CLI) does the I/O.
A note's parts are named tuples: a vault has hundreds of thousands of them, made, pickled
into the index and read back on every cold run, and a tuple costs half a dataclass there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol, TypeVar, cast

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


class Field(NamedTuple):
    """One front-matter key as the note spells it, its YAML value and its line."""

    key: str
    value: object
    line: int


class Task(NamedTuple):
    """A Markdown task line; `date` is its due, else scheduled, else start date."""

    line: int
    status: TaskStatus
    text: str
    date: dt.date | None
    links: tuple[str, ...]


class Entry(NamedTuple):
    """A dated line of the note's own log: `- 2026-11-18 coffee`, `## 2026-11-18`."""

    line: int
    date: dt.date
    text: str


class Link(NamedTuple):
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

    def __reduce__(self) -> tuple[Callable[..., Note], tuple[object, ...]]:
        """Pickled with its parts as plain tuples and its log's dates as day numbers: pickle
        handles those in C, while each named tuple or date costs a Python-level call (a µs
        a date; the index keeps every note, and an address book's notes hold 200,000)."""
        fields = {name: tuple(map(tuple, found)) for name, found in self.fields.items()}
        entries = tuple([(line, date.toordinal(), text) for line, date, text in self.entries])
        return _note, (self.path, fields, entries, tuple(map(tuple, self.links)),
                       tuple(map(tuple, self.tasks)), self.problems, self.is_contact, self.skipped)


def _note(path: str, fields: dict[str, tuple[tuple[Any, ...], ...]],
          entries: tuple[tuple[int, int, str], ...], links: tuple[tuple[Any, ...], ...],
          tasks: tuple[tuple[Any, ...], ...],
          problems: tuple[Problem, ...], is_contact: bool, skipped: bool) -> Note:
    """A pickled note back, its parts named again without a Python call each."""
    return Note(path, {name: tuple(map(_FIELD, found)) for name, found in fields.items()},
                tuple([_ENTRY((line, _DAY(day), text)) for line, day, text in entries]),
                tuple(map(_LINK, links)), tuple(map(_TASK, tasks)), problems, is_contact, skipped)


_Part = TypeVar("_Part", Field, Entry, Link, Task, "Interaction")


def _named(kind: type[_Part]) -> Callable[[tuple[Any, ...]], _Part]:
    """`kind._make` without its Python frame: `tuple.__new__` straight from `map`."""
    return cast(Callable[[tuple[Any, ...]], _Part], functools.partial(tuple.__new__, kind))


_FIELD, _ENTRY, _LINK, _TASK = _named(Field), _named(Entry), _named(Link), _named(Task)
_DAY = functools.lru_cache(maxsize=4096)(dt.date.fromordinal)  # one object a day, as `notes` makes them
#: `Entry(*parts)`, without the Python call a named tuple's `__new__` costs: a log line each.
new_entry = _ENTRY
new_field = _FIELD  # `Field(*parts)`, as `new_entry`: a front-matter line each


@dataclass(frozen=True)
class Promise:
    """An open, dated task: sacred until ticked."""

    text: str
    due: dt.date
    source: str  # "path:line" of the task line

    def __hash__(self) -> int:  # equal promises have one source; str caches its hash
        return hash(self.source)


class Interaction(NamedTuple):
    """A dated trace of contact: a line of the person's log, or a note that links them.

    A named tuple, as a note's parts are: a contact keeps one for every line of its log.
    """

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

    def __reduce__(self) -> tuple[Callable[..., Contact], tuple[object, ...]]:
        """Pickled as a tuple of its values, its dates and its interactions' as day numbers,
        its interactions as plain tuples (see `Note.__reduce__`): the index keeps every
        contact, with every line of its log, and the names of 23 fields in each would be a
        tenth of its bytes."""
        values = list(_CONTACT_VALUES(self))
        for at in _CONTACT_DATES:
            if values[at] is not None:
                values[at] = values[at].toordinal()
        values[_CONTACT_LOG] = tuple([(date.toordinal(), text, source)
                                      for date, text, source in self.interactions])
        return _contact, (tuple(values),)


def _contact(values: tuple[Any, ...]) -> Contact:
    """A pickled contact back, as pickle would make it (a frozen dataclass's fields set directly)."""
    state = dict(zip(_CONTACT_FIELDS, values, strict=True))
    for name in _CONTACT_DATE_FIELDS:
        if state[name] is not None:
            state[name] = _DAY(state[name])
    state["interactions"] = tuple([_INTERACTION((_DAY(day), text, source))
                                   for day, text, source in state["interactions"]])
    contact = object.__new__(Contact)
    contact.__dict__.update(state)
    return contact


_CONTACT_FIELDS = tuple(field.name for field in dataclasses.fields(Contact))
_CONTACT_VALUES = operator.attrgetter(*_CONTACT_FIELDS)  # in C, in the fields' order
_CONTACT_DATE_FIELDS = ("last_contact", "next_due", "met", "snooze_until", "sequence_start")
_CONTACT_DATES = tuple(_CONTACT_FIELDS.index(name) for name in _CONTACT_DATE_FIELDS)
_CONTACT_LOG = _CONTACT_FIELDS.index("interactions")


_INTERACTION = _named(Interaction)
#: `Interaction(*parts)`, as `new_entry`.
new_interaction = _INTERACTION


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


class Someone(Protocol):
    """A contact as the rules read it: a contact, or its row in the index."""

    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> Status: ...
    @property
    def last_contact(self) -> dt.date | None: ...


class Heard(Someone, Protocol):
    """What `stale` reads of a contact."""

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
