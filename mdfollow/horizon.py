"""Dates too far ahead to be meant: `check` asks about them.

A `9999-12-31` or `2206-03-01` is almost always a typo, and it silently drops its follow-up
off the calendar. Only `snooze-until` may be far ahead: there it means "for good". Pure:
contacts, today and each note's text in, problems out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from .fields import Interval
from .model import Contact, Problem

HORIZON = Interval(100, "years")


def far_dates(contacts: Iterable[Contact], today: dt.date,
              note_text: Callable[[str], str]) -> list[Problem]:
    """A warning for every date of a contact more than a hundred years after `today`.

    `note_text(path)` gives a note's text, read only for a contact that has such a date,
    to point at the line that holds it.
    """
    limit = HORIZON.after(today)
    problems = []
    for contact in contacts:
        for path, what, day, line in _dates(contact):
            if day > limit:
                where = line or _line_of(note_text(path), day)
                problems.append(Problem(path, where, "warning",
                                        f"{what} {day.isoformat()} is more than 100 years ahead: "
                                        "a typo? Nothing on that day is shown"))
    return problems


def _dates(contact: Contact) -> Iterator[tuple[str, str, dt.date, int | None]]:
    """Each (note, what, date, line if known) of a contact; not snooze-until."""
    path = contact.path
    for what, day in (("next-due", contact.next_due), ("met", contact.met),
                      ("sequence-start", contact.sequence_start)):
        if day is not None:
            yield path, what, day, None
    birthday = contact.birthday
    if birthday is not None and birthday.year is not None:
        yield path, "birthday", dt.date(birthday.year, birthday.month, birthday.day), None
    for promise in contact.promises:
        where, _, line = promise.source.rpartition(":")
        yield where, "promise date", promise.due, int(line)
    for interaction in contact.interactions:  # a log line, or a meeting note naming them
        where, _, line = interaction.source.rpartition(":")
        yield (where, "log date", interaction.date, int(line)) if line.isdigit() else \
            (interaction.source, "date", interaction.date, None)
    logged = {i.date for i in contact.interactions}
    if contact.last_contact is not None and contact.last_contact not in logged:
        yield path, "last-contact", contact.last_contact, None


def _line_of(text: str, day: dt.date) -> int:
    """The first line that spells the date, else the first line of the note."""
    for number, line in enumerate(text.split("\n"), 1):
        if day.isoformat() in line:
            return number
    return 1
