"""Contacts + today -> follow-ups: the rules that decide who is due, and why.

One "current" follow-up per contact (the first rule that applies), plus every open promise
and the next birthday. Apart from birthdays, which look for the next anniversary, no date
here depends on `today`: a follow-up stays on its own due date however late it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol, TypeVar

from .config import Config, normalize_tag
from .fields import Birthday, Interval, on_calendar
from .model import Contact, FollowUp, Heard, Kind, Someone

_BREAK_UP_GAP = Interval(7, "days")


def follow_ups(contacts: Iterable[Contact], config: Config, today: dt.date) -> list[FollowUp]:
    """Every follow-up of every contact, sorted: earliest (most overdue) first, then name."""
    contacts = list(contacts)
    found = [f for contact in contacts for f in fixed(contact, config)]
    found += [f for contact in contacts if (f := birthday(contact, today)) is not None]
    return sorted(found, key=order)


def order(follow_up: FollowUp) -> tuple[dt.date, str, str, str, str, str]:
    """Earliest first, then name; a total order (two promises differ by their line), so a
    listing made from the index's rows comes out exactly as one made from the contacts."""
    return (follow_up.due, follow_up.contact.casefold(), follow_up.path, follow_up.kind, follow_up.title,
            follow_up.source or "")


def fixed(contact: Contact, config: Config) -> list[FollowUp]:
    """The follow-ups whose dates do not depend on `today`: the current one and every open
    promise (a promise stands whatever the status). The index keeps them as rows."""
    found = [current(contact, config)]
    found += [_follow_up(contact, "promise", p.due, p.text, p.source) for p in contact.promises]
    return [f for f in found if f is not None and on_calendar(f.due)]


def currents(contacts: Iterable[Contact], config: Config) -> list[FollowUp]:
    """The current follow-up of every contact, on its own date: nothing is moved to make room
    (the calendar feed shows a day's extra ones in one digest event instead)."""
    return [f for f in (current(c, config) for c in contacts) if f is not None]


def due(contacts: Iterable[Contact], config: Config, today: dt.date,
        within: Interval | None = None) -> list[FollowUp]:
    """What is overdue or due up to `today + within` (inclusive)."""
    end = within.after(today) if within else today
    return [f for f in follow_ups(contacts, config, today) if f.due <= end]


H = TypeVar("H", bound=Heard)


def stale(contacts: Iterable[H], today: dt.date, since: Interval) -> list[H]:
    """Contacts (or their rows) not closed and not heard from since: never-contacted first,
    then oldest."""
    cutoff = since.before(today)
    found = [c for c in contacts
             if c.status != "closed" and (c.last_contact is None or c.last_contact < cutoff)]
    return sorted(found, key=lambda c: (c.last_contact is not None, c.last_contact or today,
                                        c.name.casefold(), c.path))


class Birthdays(Someone, Protocol):
    """What a birthday follow-up is made of."""

    @property
    def birthday(self) -> Birthday | None: ...


def birthday(contact: Birthdays, today: dt.date) -> FollowUp | None:
    """The next birthday, on or after `today`, of a contact not closed."""
    if contact.status == "closed" or contact.birthday is None:
        return None
    day = contact.birthday.next_on_or_after(today)
    if not on_calendar(day):
        return None
    year = contact.birthday.year
    age = f" (turns {day.year - year})" if year and day.year > year else ""
    return FollowUp(contact.name, contact.path, "birthday", day, contact.last_contact, f"Birthday{age}")


def current(contact: Contact, config: Config) -> FollowUp | None:
    """The one current follow-up of an active contact (rules 2-7), if any."""
    if contact.status != "active":
        return None
    found = _break_up(contact) or _sequence_step(contact, config) or _by_dates(contact, config)
    if found is None:
        return None
    kind, day, title = found
    if contact.snooze_until is not None and contact.snooze_until > day:
        day, title = contact.snooze_until, f"{title} (snoozed)"
    return _follow_up(contact, kind, day, title) if on_calendar(day) else None


Rule = tuple[Kind, dt.date, str]


def _break_up(contact: Contact) -> Rule | None:
    """Know when to stop: after max-attempts unanswered tries, one graceful last note."""
    if contact.attempts < contact.max_attempts:
        return None
    base = contact.last_contact or contact.met
    if base is None:
        return None
    day = (contact.cadence or _BREAK_UP_GAP).after(base)
    return "break-up", day, f"Last try after {contact.attempts} unanswered: close the loop"


def _sequence_step(contact: Contact, config: Config) -> Rule | None:
    """Steps are day offsets from the start: sales = 1, 3, 7, 14 days after it."""
    start = contact.sequence_start or contact.met
    if contact.sequence is None or start is None:
        return None
    steps = config.sequences[contact.sequence]
    if contact.attempts < len(steps):
        step = steps[contact.attempts]
        title = (f"{contact.sequence.capitalize()} step {contact.attempts + 1} of {len(steps)} "
                 f"(day {step})")
        return "sequence", Interval(step, "days").after(start), title
    day = Interval(steps[-1] + 7, "days").after(start)
    return "break-up", day, f"{contact.sequence.capitalize()} sequence done: close the loop"


def _by_dates(contact: Contact, config: Config) -> Rule | None:
    last = contact.last_contact
    if contact.next_due is not None and (last is None or contact.next_due > last):
        return "explicit", contact.next_due, "Follow up (next-due)"
    if contact.cadence is not None and last is not None:
        source = "" if contact.cadence_source == "note" else f", {contact.cadence_source}"
        return "cadence", contact.cadence.after(last), f"Check in (every {contact.cadence}{source})"
    if last is None and contact.met is not None:
        day = config.first_follow_up.after(contact.met)
        return "first", day, f"Thank you: met {contact.met.isoformat()}"
    return None


def _follow_up(contact: Contact, kind: Kind, day: dt.date, title: str,
               source: str | None = None) -> FollowUp:
    return FollowUp(contact.name, contact.path, kind, day, contact.last_contact, title, source)



def tagged(contacts: Iterable[Contact], tags: Iterable[str]) -> list[Contact]:
    """The contacts with any of `tags` (all of them when none is given); `#` and case don't count."""
    wanted = {normalize_tag(tag) for tag in tags}
    return [c for c in contacts if not wanted or wanted & {normalize_tag(t) for t in c.tags}]


def filtered(items: Iterable[FollowUp], contacts: Iterable[Contact], *, tags: Iterable[str] = (),
             kinds: Iterable[str] = (), path: str | None = None) -> list[FollowUp]:
    """The items of contacts with any of `tags`, of any of `kinds`, of the contact at `path`.

    An empty filter lets everything through.
    """
    tags = list(tags)
    chosen = {c.path for c in tagged(contacts, tags)} if tags else None
    wanted_kinds = set(kinds)
    return [item for item in items
            if (chosen is None or item.path in chosen)
            and (not wanted_kinds or item.kind in wanted_kinds)
            and (path is None or item.path == path)]
