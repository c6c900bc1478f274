"""`mdfollow review`: Follow-Up Friday, one screen per person who is due.

`Review` is the session as a state machine: which person is on screen, what each action
does to the notes, what can be undone and what the summary says. It writes through the
same surgical edits (`edit.py`) and checked, atomic writes (`vault.py`) as the commands,
and knows nothing of a terminal, so tests drive it directly; `interactive.py` reads the keys.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import history, schedule
from .config import Config
from .edit import log_interaction, set_fields, tick_task
from .errors import EditRefused, InvalidValue
from .fields import Interval, parse_until
from .model import Contact, FollowUp
from .outcome import after_edit
from .terminal import columns
from .vault import read_for_edit, replace_note

Action = Literal["followed up", "pinged", "snoozed", "kept", "closed"]
#: What `review` shows: each due contact once, with all their due items, in `due` order.
Agenda = Callable[[], Sequence[tuple[Contact, Sequence[FollowUp]]]]

WIDTH = 80
SNOOZE_DEFAULT = Interval(1, "weeks")
KEYS = (
    ("l", "log a conversation (asks for a short note; Enter for none)"),
    ("p", "pinged, no reply yet (counts one more unanswered try)"),
    ("s", "snooze their follow-up (1w, 2w, a date; Enter = 1w)"),
    ("t", "tick one of their open promises"),
    ("d", "draft the message for what is due; then y copies it"),
    ("e", "open the note in $VISUAL / $EDITOR, and read it again after"),
    ("c", "close: stop following up (asks first; promises still stand)"),
    ("n", "next person (space too)"),
    ("b", "back to the previous person"),
    ("u", "undo the last change (only if the note is as mdfollow left it)"),
    ("?", "this help"),
    ("q", "quit, with a summary"),
)
_DATED = re.compile(r"^\s*(?:[-*+]\s+)?(?:#+\s*)?\d{4}-\d{2}-\d{2}:?\s*")
_BAR = ("l log · p pinged · s snooze · t tick · d draft · e edit · c close",
        "n next · b back · u undo · ? help · q quit")


def agenda_of(items: Sequence[FollowUp], contacts: Sequence[Contact]) -> list[tuple[Contact, list[FollowUp]]]:
    """The due items grouped by contact, each contact where its first item is."""
    by_path = {contact.path: contact for contact in contacts}
    grouped: dict[str, list[FollowUp]] = {}
    for item in items:
        grouped.setdefault(item.path, []).append(item)
    return [(by_path[path], found) for path, found in grouped.items() if path in by_path]


@dataclass(frozen=True)
class Done:
    """One change written in this session: what undo restores and what the summary counts."""

    action: Action
    name: str
    contact_path: str
    path: str  # the note written: the contact's, or the one holding the promise
    before: bytes
    after: bytes
    message: str


@dataclass(frozen=True)
class Card:
    """One person's screen: the contact as last read and what is due for them now."""

    contact: Contact
    items: tuple[FollowUp, ...]


class Review:
    """The session: every action writes one note, says what it did, and reads the vault again."""

    def __init__(self, vault: Path, config: Config, today: dt.date, agenda: Agenda,
                 draft: Callable[[Contact], str], limit: int | None = None) -> None:
        self.vault = vault
        self.config = config
        self.today = today
        self._agenda = agenda
        self._draft = draft
        found = list(agenda())[:limit]
        self.order = [contact.path for contact, _ in found]
        self.cards = {contact.path: Card(contact, tuple(items)) for contact, items in found}
        self.position = 0
        self.done: list[Done] = []

    # --- where we are -----------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.position >= len(self.order)

    @property
    def card(self) -> Card:
        return self.cards[self.order[self.position]]

    def next(self) -> None:
        """On to the next person who still has something due (past the last: finished)."""
        self.position = next((i for i in range(self.position + 1, len(self.order)) if self._due(i)),
                             len(self.order))

    def back(self) -> str | None:
        earlier = [i for i in range(min(self.position, len(self.order))) if self._due(i)]
        if not earlier:
            return "This is the first one."
        self.position = earlier[-1]
        return None

    def _due(self, index: int) -> bool:
        return bool(self.cards[self.order[index]].items)

    @property
    def left(self) -> int:
        """People who still have something due: left for next time."""
        return sum(1 for card in self.cards.values() if card.items)

    # --- actions ----------------------------------------------------------------------

    def log(self, note: str) -> str:
        """A conversation happened: resets attempts and ends a sequence, as `log --replied`."""
        return self._log(note, replied=True)

    def ping(self, note: str = "") -> str:
        """A try with no answer yet, as `log --no-reply`; an unanswered last try closes."""
        return self._log(note, replied=False)

    def _log(self, note: str, *, replied: bool) -> str:
        contact = self.card.contact
        words = " ".join(note.split()) or ("in touch" if replied else "no reply yet")  # as `log`
        entry = f"- {self.today.isoformat()} {words}"
        follow_up = schedule.current(contact, self.config)
        closes = not replied and follow_up is not None and follow_up.kind == "break-up"
        edits: list[tuple[str, str]] = []

        def record(text: str) -> str:
            edits.append((text, log_interaction(text, contact.path, self.config, on=self.today,
                                                entry=entry, replied=replied, closes=closes)))
            return edits[-1][1]

        said = self._write("followed up" if replied else "pinged", contact.path,
                           f"Logged {entry[2:]} — {contact.name}", record)
        return "\n".join([said, *after_edit(*edits[-1], contact.path, self.config)])

    def snooze(self, until: str) -> str:
        """Put off their follow-up; promises and birthdays are never snoozed."""
        day = snooze_until(self.today, until)
        contact = self.card.contact
        said = f"Snoozed {contact.name} until {day.isoformat()}"
        result = self._write("snoozed", contact.path, said, lambda text: set_fields(
            text, {"snooze-until": day.isoformat()}, self.config.spellings))
        still = [item.kind for item in self.cards[contact.path].items]
        if result == said and any(kind in ("promise", "birthday") for kind in still):
            result += " (promises and birthdays are never snoozed)"
        return result

    def tick(self, number: int) -> str:
        """Tick their open promise number `number` (1-based, as on the screen)."""
        contact = self.card.contact
        if not 1 <= number <= len(contact.promises):
            raise InvalidValue(f"{contact.name} has no promise {number}")
        promise = contact.promises[number - 1]
        path, _, line = promise.source.rpartition(":")
        return self._write("kept", path, f"Done: {promise.text} ({promise.source})",
                           lambda text: tick_task(text, int(line), promise.text, self.today),
                           contact=contact)

    def close(self) -> str:
        contact = self.card.contact
        return self._write("closed", contact.path, f"{contact.name}: status closed",
                           lambda text: set_fields(text, {"status": "closed"}, self.config.spellings))

    def reread(self) -> str:
        """After the note was edited by hand: read the vault again (done? on to the next)."""
        name = self.card.contact.name
        self._refresh(stay=False)
        return f"Read {name}'s note again."

    def draft(self) -> str:
        return self._draft(self.card.contact)

    def undo(self) -> str:
        """Put back the bytes of the last change, unless the note changed since."""
        if not self.done:
            return "Nothing to undo."
        last = self.done[-1]
        now, _ = read_for_edit(self.vault, last.path)
        if now != last.after:
            raise EditRefused(f"{last.path} changed since mdfollow wrote it; not undone")
        replace_note(self.vault, last.path, now, last.before.decode("utf-8"))
        self.done.pop()
        self.position = self.order.index(last.contact_path)
        self._refresh(stay=True)
        return f"Undone: {last.path} is back as it was before “{last.message}”"

    def _write(self, action: Action, path: str, message: str, transform: Callable[[str], str],
               contact: Contact | None = None) -> str:
        contact = contact or self.card.contact
        before, text = read_for_edit(self.vault, path)
        after = transform(text)
        if after == text:
            return f"{contact.name}: nothing to change."
        replace_note(self.vault, path, before, after)
        self.done.append(Done(action, contact.name, contact.path, path, before, after.encode("utf-8"),
                              message))
        self._refresh(stay=False)
        return message

    def _refresh(self, *, stay: bool) -> None:
        """Read the vault again; someone with nothing left due leaves the list."""
        found = {contact.path: (contact, items) for contact, items in self._agenda()}
        for path in self.order:
            contact, items = found.get(path, (self.cards[path].contact, ()))
            self.cards[path] = Card(contact, tuple(items))
        if not stay and not self.finished and not self.card.items:
            self.next()

    # --- the end ----------------------------------------------------------------------

    def summary(self) -> str:
        """`Followed up 7 · pinged 3 · snoozed 2 · 4 left for next time`."""
        counts = {action: sum(1 for d in self.done if d.action == action) for action in _ACTIONS}
        parts = [f"Followed up {counts['followed up']}", f"pinged {counts['pinged']}",
                 f"snoozed {counts['snoozed']}"]
        if counts["kept"]:
            parts.append(f"{_plural(counts['kept'], 'promise')} kept")
        if counts["closed"]:
            parts.append(f"closed {counts['closed']}")
        parts.append(f"{self.left} left for next time")
        return " · ".join(parts)

    def commit(self) -> str:
        """One commit for the session, its message listing who was done."""
        if not self.done:
            return "Nothing to commit."
        paths = list(dict.fromkeys(d.path for d in self.done))
        history.commit(self.vault, paths, self.commit_message())
        return f"Committed {_plural(len(paths), 'note')}."

    def commit_message(self) -> str:
        subject = f"Follow-up review {self.today.isoformat()}: {self.summary().replace(' · ', ', ').lower()}"
        lines = []
        for action in _ACTIONS:
            names = list(dict.fromkeys(d.name for d in self.done if d.action == action))
            if names:
                lines.append(f"{_ACTION_TITLES[action]}: {', '.join(names)}")
        return "\n".join([subject, "", *lines])


_ACTIONS: tuple[Action, ...] = ("followed up", "pinged", "snoozed", "kept", "closed")
_ACTION_TITLES = {"followed up": "Followed up", "pinged": "Pinged", "snoozed": "Snoozed",
                  "kept": "Promises kept", "closed": "Closed"}


def snooze_until(today: dt.date, text: str) -> dt.date:
    """`1w`, `2w`, `10d`, `2026-12-01`; nothing at all means a week."""
    text = text.strip()
    return parse_until(text, today) if text else SNOOZE_DEFAULT.after(today)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- the screen -------------------------------------------------------------------------


def screen(review: Review) -> list[str]:
    """The current person, in at most 24 lines of at most 80 columns."""
    card = review.card
    contact, today = card.contact, review.today
    number = f" {review.order.index(contact.path) + 1} of {len(review.order)} "
    title = f"── {contact.name} "
    lines = [title + "─" * max(3, WIDTH - columns(title) - columns(number) - 2) + number + "──",
             contact.path + (f" · #{', #'.join(contact.tags)}" if contact.tags else "")]
    lines += _labelled("Due", _at_most(5, [f"{_late(item, today):<9} {item.kind:<9} {item.title}"
                                           for item in card.items]) or ["nothing now"])
    lines += _standing(contact, today)
    recent = [f"{i.date.isoformat()} {_DATED.sub('', i.text)}" for i in contact.interactions[:3]]
    lines += _labelled("Log", recent or ["nothing logged yet"])
    promises = [f"{n}. {p.text} (due {p.due.isoformat()})" for n, p in enumerate(contact.promises, 1)]
    if promises:
        lines += _labelled("Promised", _at_most(4, promises))
    reach = " · ".join(x for x in (contact.email, contact.phone) if x)
    if reach:
        lines.append(f"Reach     {reach}")
    lines += ["", *_BAR]
    return [fit(line) for line in lines]


def _standing(contact: Contact, today: dt.date) -> list[str]:
    last = contact.last_contact
    when = f"{last.isoformat()} ({(today - last).days}d ago)" if last else "never"
    cadence = f" · every {contact.cadence} ({_source(contact.cadence_source)})" if contact.cadence else ""
    tries = [f"{contact.attempts} of {contact.max_attempts} unanswered"]
    if contact.sequence:
        start = contact.sequence_start or contact.met
        tries.append(f"sequence {contact.sequence}" + (f" from {start.isoformat()}" if start else ""))
    return [f"Last      {when}{cadence}", f"Tries     {' · '.join(tries)}"]


def _source(source: str) -> str:
    return {"note": "own cadence", "default": "default cadence"}.get(source, source)


def _late(item: FollowUp, today: dt.date) -> str:
    days = (item.due - today).days
    if days == 0:
        return "today"
    return f"{-days}d late" if days < 0 else f"in {days}d"


def _at_most(count: int, rows: list[str]) -> list[str]:
    """So that a screen fits 24 lines, however much is due or promised."""
    return rows if len(rows) <= count + 1 else [*rows[:count], f"… and {len(rows) - count} more"]


def _labelled(label: str, rows: list[str]) -> list[str]:
    return [f"{label if index == 0 else '':<10}{row}" for index, row in enumerate(rows)]


def help_lines() -> list[str]:
    return [f"  {key}  {what}" for key, what in KEYS]


def fit(line: str, width: int = WIDTH) -> str:
    """Cut to `width` terminal columns (wide characters take two), with `…` when cut."""
    if columns(line) <= width:
        return line
    out = ""
    for char in line:
        if columns(out + char) > width - 1:
            break
        out += char
    return out + "…"

