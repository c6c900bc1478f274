"""What the agenda and a contact's page show: pure, from the contacts and `today`.

The agenda is `due` for a phone: today and overdue first, then this week, then the rest
of the feed's window (`[feed] ahead`), each line saying who, why and how late; then open promises, the people
drifting away (`stale`), birthdays, and a strip of who you talked to week by week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .. import schedule
from ..config import Config
from ..fields import Interval
from ..links import contact_id
from ..model import Contact, FollowUp, Promise

PAGE_SIZE = 50
STALE_SINCE = Interval(90, "days")
STALE_SHOWN = 20
PROMISES_SHOWN = 50
WEEKS = 12
STRIP_ROWS = 15


def lateness(due: dt.date, today: dt.date) -> str:
    days = (due - today).days
    if days == 0:
        return "today"
    if days < 0:
        return f"{-days} day{'' if days == -1 else 's'} late"
    return f"in {days} day{'' if days == 1 else 's'}"


@dataclass(frozen=True)
class Line:
    """One follow-up on the agenda."""

    item: FollowUp
    id: str
    when: str
    late: bool


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Agenda:
    sections: tuple[Section, ...]
    total: int
    page: int
    pages: int
    tags: tuple[str, ...]
    kinds: tuple[str, ...]
    promises: tuple[tuple[Contact, Promise, str], ...]  # the first PROMISES_SHOWN, soonest first
    open_promises: int
    stale: tuple[tuple[Contact, str], ...]
    birthdays: tuple[Line, ...]
    strip: Strip


def agenda(contacts: Sequence[Contact], config: Config, today: dt.date, *, tag: str | None = None,
           kind: str | None = None, page: int = 1) -> Agenda:
    """The agenda, filtered by tag and kind, `PAGE_SIZE` follow-ups a page."""
    by_path = {c.path: c for c in contacts}
    every = schedule.due(contacts, config, today, Interval(config.feed.ahead, "days"))  # the feed's window
    items = [f for f in every if (tag is None or tag in by_path[f.path].tags)
             and (kind is None or f.kind == kind)]
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = [_line(f, today) for f in items[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
    week = today + dt.timedelta(days=7)
    sections = (Section("Today and overdue", tuple(x for x in shown if x.item.due <= today)),
                Section("This week", tuple(x for x in shown if today < x.item.due <= week)),
                Section("Later", tuple(x for x in shown if x.item.due > week)))
    promises = sorted(((c, p) for c in contacts for p in c.promises), key=lambda cp: (cp[1].due, cp[0].name))
    return Agenda(
        sections=tuple(s for s in sections if s.lines), total=len(items), page=page, pages=pages,
        tags=tuple(sorted({t for f in every for t in by_path[f.path].tags})),
        kinds=tuple(sorted({f.kind for f in every})),
        promises=tuple((c, p, lateness(p.due, today)) for c, p in promises[:PROMISES_SHOWN]),
        open_promises=len(promises),
        stale=tuple((c, f"{(today - c.last_contact).days} days" if c.last_contact else "never")
                    for c in schedule.stale(contacts, today, STALE_SINCE)[:STALE_SHOWN]),
        birthdays=tuple(_line(f, today) for f in every if f.kind == "birthday"),
        strip=strip(contacts, today))


def _line(item: FollowUp, today: dt.date) -> Line:
    return Line(item, contact_id(item.path), lateness(item.due, today), item.due < today)


@dataclass(frozen=True)
class Strip:
    """Who you talked to, week by week over the last `WEEKS` weeks: rows of counts."""

    weeks: tuple[dt.date, ...]  # the Monday of each week, oldest first
    rows: tuple[tuple[Contact, str, tuple[int, ...]], ...]


def strip(contacts: Sequence[Contact], today: dt.date) -> Strip:
    """Active contacts with a cadence or recent contact, the longest silent first: who's drifting."""
    monday = today - dt.timedelta(days=today.weekday())
    weeks = tuple(monday - dt.timedelta(weeks=WEEKS - 1 - n) for n in range(WEEKS))
    rows = []
    for contact in contacts:
        if contact.status != "active":
            continue
        counts = [0] * WEEKS
        for interaction in contact.interactions:
            index = (interaction.date - weeks[0]).days // 7
            if 0 <= index < WEEKS and interaction.date <= today:
                counts[index] += 1
        if contact.cadence is not None or any(counts):
            rows.append((contact, contact_id(contact.path), tuple(counts)))
    rows.sort(key=lambda r: (r[0].last_contact or dt.date.min, r[0].name.casefold()))
    return Strip(weeks, tuple(rows[:STRIP_ROWS]))


@dataclass(frozen=True)
class ContactPage:
    """What `show NAME` says about a contact, for its page."""

    contact: Contact
    id: str
    current: FollowUp | None
    when: str | None
    birthday: dt.date | None
    promises: tuple[tuple[Promise, str], ...]


def contact_page(contact: Contact, config: Config, today: dt.date) -> ContactPage:
    current = schedule.current(contact, config)
    birthday = contact.birthday.next_on_or_after(today) if contact.birthday else None
    return ContactPage(contact, contact_id(contact.path), current,
                       lateness(current.due, today) if current else None,
                       birthday if birthday != dt.date.max else None,
                       tuple((p, lateness(p.due, today)) for p in contact.promises))
