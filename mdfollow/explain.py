"""`mdfollow show`: one contact's computed state, and where each part of it came from.

When a date looks wrong, the question is always "why?": which spelling was read, which
line or note set the last contact, whose cadence applies, which rule made the follow-up.
Pure: the note, the contact built from it and `today` in, an explanation out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import schedule
from .config import Config
from .errors import InvalidValue
from .fields import parse_date
from .model import Contact, FollowUp, Note, Problem


@dataclass(frozen=True)
class ReadField:
    """A front-matter field as the note writes it."""

    field: str  # the canonical name
    key: str  # the spelling in the note
    value: str  # as read, dates as YYYY-MM-DD
    line: int


@dataclass(frozen=True)
class Explanation:
    contact: Contact
    fields: tuple[ReadField, ...]
    last_contact_source: Source | None
    follow_up: FollowUp | None
    rule: str  # why the follow-up is due then, or why there is none
    next_birthday: dt.date | None
    problems: tuple[Problem, ...]

    def to_json(self) -> dict[str, Any]:
        """The stable `show --json` object (documented in `mdfollow help json`)."""
        contact, follow_up = self.contact, self.follow_up
        return {
            "contact": contact.name,
            "path": contact.path,
            "aliases": list(contact.aliases),
            "tags": list(contact.tags),
            "status": contact.status,
            "fields": [{"field": f.field, "key": f.key, "value": f.value, "line": f.line}
                       for f in self.fields],
            "last_contact": _iso(contact.last_contact),
            "last_contact_from": self.last_contact_source and self.last_contact_source.to_json(),
            "cadence": str(contact.cadence) if contact.cadence else None,
            "cadence_source": contact.cadence_source or None,
            "attempts": contact.attempts,
            "max_attempts": contact.max_attempts,
            "promises": [{"text": p.text, "due": p.due.isoformat(), "source": p.source}
                         for p in contact.promises],
            "follow_up": None if follow_up is None else {
                "kind": follow_up.kind, "due": follow_up.due.isoformat(), "title": follow_up.title},
            "rule": self.rule,
            "next_birthday": _iso(self.next_birthday),
            "problems": [str(problem) for problem in self.problems],
        }


def explain(contact: Contact, note: Note, problems: tuple[Problem, ...], config: Config,
            today: dt.date) -> Explanation:
    follow_up = schedule.current(contact, config)
    birthday = contact.birthday.next_on_or_after(today) if contact.birthday else None
    return Explanation(
        contact=contact,
        fields=tuple(sorted((ReadField(name, f.key, _written(f.value), f.line)
                             for name, found in note.fields.items() for f in found),
                            key=lambda f: f.line)),
        last_contact_source=last_contact_source(contact, note),
        follow_up=follow_up,
        rule=rule(contact, follow_up, config),
        next_birthday=birthday if birthday != dt.date.max else None,
        problems=tuple(p for p in problems if p.path == contact.path),
    )


_CADENCE_SOURCES = {"note": "the note's own", "default": "the vault's default", "": "none"}


@dataclass(frozen=True)
class Source:
    """Where the effective last contact came from."""

    kind: str  # "front-matter", "log" or "note"
    source: str  # "path:line", or the path of a note that links them
    key: str | None = None  # the front-matter spelling

    def __str__(self) -> str:
        if self.kind == "front-matter":
            return f"front matter `{self.key}` (line {self.source.rpartition(':')[2]})"
        if self.kind == "log":
            return f"log line {self.source.rpartition(':')[2]}"
        return f"{self.source}, a note that links them"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "key": self.key}


def last_contact_source(contact: Contact, note: Note) -> Source | None:
    """Front matter (which spelling, which line), a line of the log, or a note that links them."""
    last = contact.last_contact
    if last is None:
        return None
    for field in note.fields.get("last-contact", ()):
        try:
            if parse_date(field.value) == last:
                return Source("front-matter", f"{contact.path}:{field.line}", field.key)
        except InvalidValue:
            continue
    for interaction in contact.interactions:
        if interaction.date == last:
            path, _, line = interaction.source.rpartition(":")
            own = path == contact.path and line.isdigit()
            return Source("log" if own else "note", interaction.source)
    return None


def rule(contact: Contact, follow_up: FollowUp | None, config: Config) -> str:
    """The rule that set the follow-up, in words, with its numbers."""
    if follow_up is None:
        return _no_follow_up(contact)
    base = contact.last_contact or contact.met
    why = {
        "break-up": f"{contact.attempts} unanswered tries reached max-attempts {contact.max_attempts}: "
                    f"one last note, {contact.cadence or '7 days'} after {_iso(base)}",
        "sequence": f"sequence {contact.sequence} from {_iso(contact.sequence_start or contact.met)}: "
                    f"step {contact.attempts + 1} after {contact.attempts} unanswered",
        "explicit": f"next-due {_iso(contact.next_due)} is after the last contact",
        "cadence": f"last contact {_iso(contact.last_contact)} + every {contact.cadence}",
        "first": f"met {_iso(contact.met)}, never contacted: thank them within "
                 f"{config.first_follow_up} of meeting",
    }.get(follow_up.kind, follow_up.title)
    if follow_up.title.endswith("(snoozed)"):
        why += f"; snoozed until {_iso(contact.snooze_until)}"
    return why


def _no_follow_up(contact: Contact) -> str:
    if contact.status != "active":
        return f"status {contact.status}: no follow-ups (promises still stand)"
    if contact.cadence is not None and contact.last_contact is None:
        return "a cadence but no last contact or met date to count from"
    return "no cadence, next-due, met date or sequence to make one"


def _written(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_written(item) for item in value)
    return "" if value is None else str(value)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def render(explanation: Explanation, today: dt.date) -> str:
    """The explanation as `show` prints it: one fact a line, each with where it came from."""
    contact = explanation.contact
    lines = [f"{contact.name} ({contact.path})"]
    also = [f"aliases {', '.join(contact.aliases)}" if contact.aliases else "",
            f"tags #{', #'.join(contact.tags)}" if contact.tags else ""]
    if any(also):
        lines.append("  " + " · ".join(filter(None, also)))
    lines += ["", "Fields as read", *_fields(explanation.fields), ""]
    last = contact.last_contact
    cadence = _CADENCE_SOURCES.get(contact.cadence_source, contact.cadence_source)
    lines += [
        f"Status        {contact.status}",
        f"Last contact  {f'{last.isoformat()} — {explanation.last_contact_source}' if last else 'never'}",
        f"Cadence       {contact.cadence or '—'} ({cadence})",
        f"Attempts      {contact.attempts} of {contact.max_attempts} unanswered",
        f"Follow-up     {_follow_up(explanation.follow_up, today)}",
        f"  because     {explanation.rule}",
    ]
    promises = [f"{p.text} — due {p.due.isoformat()} ({p.source})" for p in contact.promises]
    lines += [f"{'Promises' if i == 0 else '':<14}{row}" for i, row in enumerate(promises or ["none open"])]
    birthday = explanation.next_birthday
    lines.append(f"Birthday      {birthday.isoformat() if birthday else '—'}")
    lines += [f"Problem       {problem}" for problem in explanation.problems]
    return "\n".join(lines)


def _fields(fields: tuple[ReadField, ...]) -> list[str]:
    width = max((len(f.key) for f in fields), default=0)
    return [f"  line {f.line:<4} {f.key:<{width}}  {f.value}"
            + ("" if f.key == f.field else f"  (read as {f.field})") for f in fields]


def _follow_up(follow_up: FollowUp | None, today: dt.date) -> str:
    if follow_up is None:
        return "none"
    late = (today - follow_up.due).days
    return (f"{follow_up.kind}, due {follow_up.due.isoformat()}{f', {late}d late' if late > 0 else ''}: "
            f"{follow_up.title}")
