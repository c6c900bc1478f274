"""Contacts -> an iCalendar feed that Google, Apple, Outlook and Thunderbird all show right.

Pure and byte-stable: the same contacts and settings give the same bytes on any day and in
any folder, because calendar clients re-download the feed and treat every changed byte as a
changed event (see the README's calendar section). Nothing here reads the clock: DTSTAMP
and LAST-MODIFIED come from the follow-up's own dates, and birthdays recur by RRULE instead
of being placed on "the next one from today".
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

import icalendar
from icalendar import Alarm, Calendar, Event, vDuration, vText

from . import __version__
from .config import Config
from .fields import on_calendar
from .links import Links
from .model import Contact, FollowUp, Promise
from .schedule import capped, current

PRODID = "-//mdfollow//mdfollow//EN"
#: What rendered events depend on besides their spec: kept renderings of another are stale.
RENDERER = f"mdfollow {__version__}, icalendar {icalendar.__version__}"
_SUMMARY = {"cadence": "Follow up", "explicit": "Follow up", "sequence": "Follow up",
            "first": "Thank-you", "break-up": "Last try"}


Rendered = dict["EventSpec", bytes]


@dataclass(frozen=True)
class EventSpec:
    """Everything one VEVENT says: equal specs render to the same bytes."""

    uid: str
    start: dt.date
    stamp: dt.date
    summary: str
    description: str
    url: str | None
    categories: tuple[str, ...]
    yearly: bool = False  # a birthday: recurs every year
    alarm: dt.time | None = None

    def __hash__(self) -> int:  # equal specs have equal UIDs; str caches its hash
        return hash(self.uid)


def build_feed(contacts: Sequence[Contact], config: Config, links: Links) -> bytes:
    """The whole feed: every current follow-up, every open promise, every birthday."""
    return render_feed(feed_events(contacts, config, links), config, links.vault_name, {})[0]


def feed_events(contacts: Sequence[Contact], config: Config, links: Links) -> list[EventSpec]:
    """The feed's events in feed order (by date, then UID)."""
    return Events(config, links)(contacts)


class Events:
    """`feed_events` again and again while a few contacts at a time change (the watcher).

    A contact's follow-up and birthday events are made once per contact object, and a
    promise's event once per promise and owners, so a save costs the contacts it changed.
    Entries are keyed by object identity and hold their objects, so an id is never reused
    while its entry lives; each call keeps only what the feed still has.
    """

    move_at_most = 0.125  # the share of events moved one by one; more, and all are sorted again

    def __init__(self, config: Config, links: Links) -> None:
        self.config, self.links = config, links
        self._own: dict[int, tuple[Contact, FollowUp | None, EventSpec | None]] = {}
        self._follow_ups: dict[int, tuple[Contact, FollowUp, EventSpec]] = {}
        self._holders: dict[int, Contact] = {}  # the contacts with promises, by identity
        self._owners: dict[Promise, list[Contact]] = defaultdict(list)
        self._promises: dict[Promise, EventSpec] = {}
        self._sorted: list[EventSpec] = []  # the last call's events, in feed order
        self._gone: list[EventSpec] = []  # what this call drops and adds
        self._came: list[EventSpec] = []

    def __call__(self, contacts: Sequence[Contact]) -> list[EventSpec]:
        self._gone, self._came = [], []
        birthdays = list(self._own_events(contacts))
        specs = [*self._follow_up_events(contacts), *self._promise_events(contacts), *birthdays]
        if len(self._gone) + len(self._came) > len(self._sorted) * self.move_at_most:
            self._sorted = sorted(specs, key=_FEED_ORDER)
        else:  # a few events changed: keep the order, moving only those
            for spec in self._gone:
                index = bisect.bisect_left(self._sorted, _FEED_ORDER(spec), key=_FEED_ORDER)
                while self._sorted[index] is not spec:
                    index += 1
                del self._sorted[index]
            for spec in self._came:
                bisect.insort(self._sorted, spec, key=_FEED_ORDER)
        return [spec for spec in self._sorted if on_calendar(spec.start)]

    def _own_events(self, contacts: Sequence[Contact]) -> Iterator[EventSpec]:
        """Birthdays; and each contact's current follow-up, kept for `_follow_up_events`."""
        own = {}
        for contact in contacts:
            entry = self._own.get(id(contact))
            if entry is None:
                entry = (contact, current(contact, self.config),
                         _birthday_event(contact, self.links, self.config.feed.alarm))
                self._came += [entry[2]] if entry[2] is not None else []
            own[id(contact)] = entry
        dropped = (self._own[key][2] for key in self._own.keys() - own.keys())
        self._gone += [spec for spec in dropped if spec is not None]
        self._own = own
        return (spec for _, _, spec in own.values() if spec is not None)

    def _follow_up_events(self, contacts: Sequence[Contact]) -> Iterator[EventSpec]:
        by_path = {c.path: c for c in contacts}
        made = {}
        for follow_up in capped([f for _, f, _ in self._own.values() if f is not None], self.config):
            contact = by_path[follow_up.path]
            kept = self._follow_ups.get(id(contact))
            if kept is None or (kept[1] is not follow_up and kept[1] != follow_up):
                kept = (contact, follow_up, _follow_up_event(contact, follow_up, self.config, self.links))
                self._came.append(kept[2])
            made[id(contact)] = kept
        self._gone += [spec for key, (_, _, spec) in self._follow_ups.items()
                       if key not in made or made[key][2] is not spec]
        self._follow_ups = made
        return (spec for _, _, spec in made.values())

    def _promise_events(self, contacts: Sequence[Contact]) -> Iterable[EventSpec]:
        """One event per promise, however many people its task line names.

        Only the promises of contacts that came or went (a changed contact is a new
        object) are grouped again.
        """
        holders = {id(c): c for c in contacts if c.promises}
        touched = set()
        for contact in (self._holders[i] for i in self._holders.keys() - holders.keys()):
            for promise in contact.promises:
                self._owners[promise].remove(contact)
                touched.add(promise)
        for contact in (holders[i] for i in holders.keys() - self._holders.keys()):
            for promise in contact.promises:
                self._owners[promise].append(contact)
                touched.add(promise)
        self._holders = holders
        for promise in touched:
            people = sorted(self._owners[promise], key=attrgetter("path"))
            if promise in self._promises:
                self._gone.append(self._promises[promise])
            if people:
                self._owners[promise] = people
                self._promises[promise] = _promise_event(promise, people, self.links, self.config.feed.alarm)
                self._came.append(self._promises[promise])
            else:
                del self._owners[promise], self._promises[promise]
        return self._promises.values()


# Date, then UID; the description only orders two promises of one text and day in one note.
_FEED_ORDER = attrgetter("start", "uid", "description")


def render_feed(specs: Sequence[EventSpec], config: Config, vault_name: str,
                previous: Mapping[EventSpec, bytes]) -> tuple[bytes, Rendered]:
    """The feed's bytes, and every event's bytes to pass as `previous` next time.

    icalendar takes ~0.3 ms an event; an event already rendered is reused, so a feed
    where one note changed costs a concatenation, not thousands of events.
    """
    rendered = {spec: previous.get(spec) or _render(spec) for spec in specs}
    head = _calendar(config, vault_name).to_ical().removesuffix(_END)
    return b"".join([head, *rendered.values(), _END]), rendered


_END = b"END:VCALENDAR\r\n"


def _calendar(config: Config, vault_name: str) -> Calendar:
    name = config.feed.name or f"Follow-ups — {vault_name}"
    description = config.feed.description or f"People to follow up with, from the notes in {vault_name}"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # Added one by one: icalendar's Calendar.new(name=...) leaves these unescaped.
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    calendar.add("description", vText(description))
    calendar.add("x-wr-caldesc", vText(description))
    calendar.add("refresh-interval", config.feed.refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(config.feed.refresh))
    return calendar


def _event(uid_parts: Iterable[object], day: dt.date, stamp: dt.date, summary: str,
           description: Sequence[str], url: str | None, categories: Iterable[str],
           alarm: dt.time | None, yearly: bool = False) -> EventSpec:
    lines = [*description, *([f"Note: {url}"] if url else [])]
    return EventSpec(_uid(uid_parts), day, stamp, _one_line(summary), "\n".join(lines), url,
                     tuple(sorted(set(categories), key=str.casefold)), yearly, alarm)


def _render(spec: EventSpec) -> bytes:
    event = Event()
    event.add("uid", spec.uid)
    moment = dt.datetime.combine(spec.stamp, dt.time(), tzinfo=dt.timezone.utc)
    event.add("dtstamp", moment)
    event.add("last-modified", moment)
    event.add("dtstart", spec.start)
    event.add("dtend", spec.start + dt.timedelta(days=1))  # exclusive: one all-day event
    event.add("summary", spec.summary)
    event.add("description", spec.description)
    if spec.url:
        event.add("url", spec.url)
    event.add("categories", list(spec.categories))
    event.add("transp", "TRANSPARENT")
    if spec.yearly:
        leap_day = (spec.start.month, spec.start.day) == (2, 29)
        event.add("rrule", {"freq": "yearly", **({"bymonth": 2, "bymonthday": -1} if leap_day else {})})
    if spec.alarm is not None:
        event.add_component(_alarm(spec.alarm, spec.summary))
    return bytes(event.to_ical())


def _uid(parts: Iterable[object]) -> str:
    """Stable, free of personal data, and new whenever the event's date changes."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"fu-{digest[:24]}@mdfollow"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- the three kinds of event -----------------------------------------------------------


def _follow_up_event(contact: Contact, follow_up: FollowUp, config: Config, links: Links) -> EventSpec:
    stamp = contact.last_contact or contact.met or contact.sequence_start or follow_up.due
    return _event(
        ("follow-up", contact.path, follow_up.kind, follow_up.due.isoformat()),
        follow_up.due, min(stamp, follow_up.due), f"{_SUMMARY[follow_up.kind]}: {contact.name}",
        [_why(contact, follow_up), *_about(contact)], links.to(contact.path),
        ["mdfollow", follow_up.kind, *contact.tags], config.feed.alarm)


def _why(contact: Contact, follow_up: FollowUp) -> str:
    last = contact.last_contact.isoformat() if contact.last_contact else "never"
    tries = f" {contact.attempts} unanswered so far." if contact.attempts else ""
    return f"{follow_up.title}. Last contact: {last}.{tries}"


def _about(contact: Contact) -> list[str]:
    lines = []
    if contact.latest_log:
        lines.append(f"Latest: {contact.latest_log}")
    if contact.promises:
        lines.append("Open promises:")
        lines += [f"- {p.text} (due {p.due.isoformat()})" for p in contact.promises]
    lines += [f"{label}: {value}" for label, value in (("Email", contact.email),
                                                       ("Phone", contact.phone)) if value]
    return lines


def _promise_event(promise: Promise, people: Sequence[Contact], links: Links,
                   alarm: dt.time | None) -> EventSpec:
    path, _, line = promise.source.rpartition(":")
    names = ", ".join(c.name for c in people)
    stamp = max((c.last_contact for c in people if c.last_contact), default=promise.due)
    return _event(
        ("promise", path, promise.text, promise.due.isoformat()),
        promise.due, min(stamp, promise.due), f"Promise: {promise.text}",
        [f"A promise to {names}: keep it, or tick it off in the note.", f"In {path}, line {line}."],
        links.to(path), ["mdfollow", "promise", *(t for c in people for t in c.tags)], alarm)


def _birthday_event(contact: Contact, links: Links, alarm: dt.time | None) -> EventSpec | None:
    birthday = contact.birthday
    if birthday is None or contact.status == "closed":
        return None
    first = dt.date(birthday.year or 2000, birthday.month, birthday.day)  # 2000: a leap year
    born = [f"Born {first.isoformat()}."] if birthday.year else []
    return _event(("birthday", contact.path, first.isoformat()), first, first,
                  f"Birthday: {contact.name}", [*born, *_about(contact)],
                  links.to(contact.path), ["mdfollow", "birthday", *contact.tags], alarm, yearly=True)


def _alarm(at: dt.time, summary: str) -> Alarm:
    """All-day events start at midnight, so `PT9H` rings at 09:00 on the day."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", dt.timedelta(hours=at.hour, minutes=at.minute))
    return alarm
