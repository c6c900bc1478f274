"""Contacts as rows: what `due` needs of each contact, kept in the index between runs.

A row holds a contact's names, tags, status and dates, and its follow-ups whose dates do
not depend on `today` (the current one and every promise), each with its `--json` object
already encoded; only the birthday is worked out on the day. A run where nothing changed
lists from the rows alone, without the contacts or the rules. Plain tuples of strings and
day numbers: 10,000 rows load in a few milliseconds, where the same as objects take ten
times that. Pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter
from sys import intern
from typing import NamedTuple

from . import jsontext
from .config import Config, normalize_tag
from .fields import Birthday, Interval
from .model import Contact, FollowUp, Kind, Status
from .schedule import birthday, fixed

#: One follow-up of a listing, sorted as `schedule.order` sorts them: (due as a day number,
#: casefolded name, path, kind, title, source or "", name, last contact as a day number,
#: its JSON members before `overdue_days`, and after, in UTF-8: written as they are). A row
#: keeps its follow-ups so, made once: a warm `due` makes no tuple a follow-up.
Listed = tuple[int, str, str, str, str, str, str, int | None, bytes, bytes]
#: (name, aliases, normalized tags, status, last contact as a day number, birthday, its
#: follow-ups as listed, in their order, cadence)
Row = tuple[str, tuple[str, ...], tuple[str, ...], str, int | None, tuple[int, int, int | None] | None,
            tuple[Listed, ...], str | None]

_GAP = '"overdue_days": 0'  # an encoded key: never inside an encoded string, where `"` is escaped


def row(contact: Contact, config: Config) -> Row:
    """The contact's row. Words many rows share (tags, status, kinds, cadences) are interned:
    the index keeps one of each a value, and a quarter fewer objects are read back."""
    last = contact.last_contact.toordinal() if contact.last_contact else None
    born = contact.birthday
    key = contact.name.casefold()
    return (contact.name, contact.aliases, tuple(sorted({intern(normalize_tag(t)) for t in contact.tags})),
            intern(contact.status), last, (born.month, born.day, born.year) if born else None,
            tuple(sorted(_listed(f, key, last) for f in fixed(contact, config))),
            intern(str(contact.cadence)) if contact.cadence else None)


def _listed(follow_up: FollowUp, key: str, last: int | None) -> Listed:
    head, _, tail = jsontext.members(follow_up.to_json(follow_up.due)).partition(_GAP)
    return (follow_up.due.toordinal(), key, follow_up.path, intern(follow_up.kind), follow_up.title,
            follow_up.source or "", follow_up.contact, last, head.encode(), tail.encode())


def rows(contacts: Iterable[Contact], config: Config) -> dict[str, Row]:
    """Every contact's row, in listing order: by casefolded name, then path, as `due` lists
    a day's follow-ups (so that it sorts them by day alone: a full sort of 100,000 is 0.2 s)."""
    made = sorted((contact.name.casefold(), contact.path, contact) for contact in contacts)
    return {path: row(contact, config) for _, path, contact in made}


def follow_up(listed: Listed) -> FollowUp:
    day, _, path, kind, title, source, name, last, *_ = listed
    return FollowUp(name, path, _kind(kind), dt.date.fromordinal(day), _day(last), title, source or None)


def due(rows: Mapping[str, Row], today: dt.date, within: Interval | None = None, *,
        tags: Iterable[str] = (), kinds: Iterable[str] = ()) -> list[Listed]:
    """What `schedule.filtered(schedule.due(...))` lists, from the rows, in its order.

    Rows in listing order (`rows`, and the index, keep them so) give the follow-ups in
    order but for their days: then they are sorted by day alone, else in full."""
    end = (within.after(today) if within else today).toordinal()
    wanted_tags = {normalize_tag(tag) for tag in tags}
    wanted_kinds = set(kinds)
    found: list[Listed] = []
    in_order, previous = True, ("", "")
    next_birthday: dict[tuple[int, int], dt.date] = {}  # a few hundred days, for thousands of birthdays
    for path, (name, _, row_tags, status, last, born, listed, _) in rows.items():
        if wanted_tags and wanted_tags.isdisjoint(row_tags):
            continue
        mine = [item for item in listed if item[0] <= end and (not wanted_kinds or item[3] in wanted_kinds)]
        if born is not None and (not wanted_kinds or "birthday" in wanted_kinds):
            anniversary = next_birthday.get(born[:2])
            if anniversary is None:
                anniversary = next_birthday[born[:2]] = Birthday(*born).next_on_or_after(today)
            if anniversary.toordinal() <= end:
                item = birthday(_Birthday(name, path, _status(status), _day(last), Birthday(*born)), today)
                if item is not None:
                    mine.append(_listed(item, name.casefold(), last))
                    mine.sort()
        if mine:
            in_order = in_order and (mine[0][1], path) > previous
            previous = (mine[0][1], path)
            found += mine
    found.sort(key=_DAY if in_order else None)
    return found


_DAY = itemgetter(0)


def json_text(listed: Iterable[Listed], today: dt.date) -> str:
    """The `due --json` array of these (the objects of `FollowUp.to_json`)."""
    return b"".join(json_parts(listed, today)).decode()


def json_parts(listed: Iterable[Listed], today: dt.date) -> Iterator[bytes]:
    """`json_text` in parts, in UTF-8, to be written one after the other."""
    listed = list(listed)
    now = today.toordinal()
    gaps = {day: b'"overdue_days": %d' % max(0, now - day) for day in {item[0] for item in listed}}
    return jsontext.utf8_array_parts(item[8] + gaps[item[0]] + item[9] for item in listed)


class _Birthday(NamedTuple):
    """A row as `schedule.birthday` reads a contact."""

    name: str
    path: str
    status: Status
    last_contact: dt.date | None
    birthday: Birthday | None


class Quiet(NamedTuple):
    """A row as `stale` reads a contact (`model.Heard`)."""

    name: str
    path: str
    status: Status
    last_contact: dt.date | None
    cadence: str | None


def quiet(rows: Mapping[str, Row], tags: Iterable[str] = ()) -> list[Quiet]:
    """The rows of contacts with any of `tags` (every one when none is given), for `stale`."""
    wanted = {normalize_tag(tag) for tag in tags}
    return [Quiet(name, path, _status(status), _day(last), cadence)
            for path, (name, _, row_tags, status, last, _, _, cadence) in rows.items()
            if not wanted or not wanted.isdisjoint(row_tags)]


def _day(number: int | None) -> dt.date | None:
    return dt.date.fromordinal(number) if number is not None else None


class Person(NamedTuple):
    """A row as NAME arguments find a contact (`contacts.find_contact`)."""

    path: str
    name: str
    aliases: tuple[str, ...]


def people(rows: Mapping[str, Row]) -> list[Person]:
    return [Person(path, name, aliases) for path, (name, aliases, *_) in rows.items()]


def names(rows: Mapping[str, Row]) -> list[tuple[str, str]]:
    """(name, path) of every contact: what tells namesakes apart."""
    return [(name, path) for path, (name, *_) in rows.items()]


def _kind(kind: str) -> Kind:
    return kind  # type: ignore[return-value]  # written by `row` from a Kind


def _status(status: str) -> Status:
    return status  # type: ignore[return-value]  # written by `row` from a Status
