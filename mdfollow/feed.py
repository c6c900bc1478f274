"""Contacts + the day + what calendars were last shown -> a feed every calendar app keeps right.

Pure: `today`, the wall-clock `now` and the kept `FeedState` are arguments; nothing here
reads the clock or the disk. The feed holds today .. today + `[feed] ahead`; an overdue
follow-up is on today. A day shows at most `per-day` follow-ups and promises as their own
events and one digest for the rest; the whole feed stays within a size budget (Google drops
events past ~1 MB, silently). Each event's UID names one *cycle* (a contact's current
follow-up counted from one anchor, a sequence step, a promise, a birthday): it stays while
the date moves, and is never used again once the cycle ended. An ended cycle stays
`keep-done` days as done ("✓ …") or cancelled, because Google never deletes an event that
leaves a feed. SEQUENCE and LAST-MODIFIED move only when an event's content does, since
Google applies a change only when SEQUENCE grew and ICSx⁵ only when LAST-MODIFIED did.
See docs/calendar.md.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from operator import attrgetter, is_not

import icalendar
from icalendar import Alarm, Calendar, Event, vDuration, vText

from . import __version__
from .config import Config
from .feed_state import Ended, FeedState, Shown
from .links import Links
from .model import Contact, FollowUp, Promise
from .schedule import current

PRODID = "-//mdfollow//mdfollow//EN"
#: What rendered events depend on besides their spec: a new one is a change clients must see.
RENDERER = f"mdfollow {__version__}, icalendar {icalendar.__version__}"
_SUMMARY = {"cadence": "Follow up", "explicit": "Follow up", "sequence": "Follow up",
            "first": "Thank-you", "break-up": "Last try", "promise": "Promise", "birthday": "Birthday"}
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)  # SEQUENCE counts minutes from here
SEQUENCE_MAX = 2**31 - 1
RETIRED_FOR = 400  # days an ended cycle's UID is remembered, so it is never used again
DIGEST_NAMES = 30  # names a digest's description lists before "and N more"
LAST_DAY = dt.date.max - dt.timedelta(days=1)  # an all-day event needs the next day as its end


@dataclass(frozen=True)
class EventSpec:
    """Everything one VEVENT says but its SEQUENCE and LAST-MODIFIED: equal specs, equal bytes."""

    uid: str
    start: dt.date
    summary: str
    description: str
    url: str | None
    categories: tuple[str, ...]
    status: str | None = None  # "CANCELLED"
    alarm: dt.time | None = None

    @cached_property
    def content(self) -> str:
        """A hash of what clients show: when it changes, SEQUENCE and LAST-MODIFIED move."""
        text = "\x1f".join(map(str, (RENDERER, self.start, self.summary, self.description, self.url,
                                     self.categories, self.status, self.alarm)))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @cached_property
    def order(self) -> str:
        """Where the event is in the feed: by date, then UID; one string compares fastest."""
        return f"{self.start.toordinal():07d}{self.uid}"


#: Rendered events by spec and stamp, to reuse: icalendar takes ~0.3 ms an event.
Rendered = dict[tuple[EventSpec, int, dt.datetime], bytes]
#: The same by UID and content, which is cheaper to look up than a whole spec.
_Events = dict[tuple[str, str], tuple[EventSpec, int, dt.datetime, bytes]]
#: An item's event as a call made it: the item, what the state kept of it, the day, the
#: spec as remembered, and its stamp and bytes (see `_Assembly._kept_spec`).
_Resolved = tuple[EventSpec, int, dt.datetime, bytes]
_Kept = dict[str, tuple["Item", Shown, dt.date, tuple[object, EventSpec], _Resolved]]


@dataclass(eq=False)
class Item:
    """One open cycle that may be shown: a follow-up, a promise, a birthday occurrence."""

    uid0: str  # the cycle's UID before it was ever retired
    kind: str  # a follow-up kind, "promise" or "birthday"
    due: dt.date
    name: str  # who (or, for a promise, the people), for digests
    path: str  # the contact's note, or the promise's note
    anchor: str  # a follow-up's last contact then; a promise's source line
    attempts: int
    contact: Contact | None = None
    follow_up: FollowUp | None = None
    promise: Promise | None = None
    people: tuple[Contact, ...] = ()
    rank: tuple[object, ...] = field(init=False)

    def __post_init__(self) -> None:  # promises first (sacred), then the most overdue
        self.rank = (self.kind != "promise", self.due, self.name.casefold(), self.uid0)


@dataclass(frozen=True)
class Cut:
    """What the size budget left out of the window, by kind."""

    counts: dict[str, int]

    def __bool__(self) -> bool:
        return any(self.counts.values())

    def warning(self, config: Config) -> str:
        kinds = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in self.counts.items() if n)
        total = sum(self.counts.values())
        return (f"the calendar feed leaves out {total} event{'s' if total != 1 else ''} of the next "
                f"{config.feed.ahead} days ({kinds}) to stay within {config.feed.max_events} events and "
                f"{config.feed.max_bytes} bytes ([feed] max-events, max-bytes; Google drops feeds "
                "over about 1 MB); `mdfollow due --within "
                f"{config.feed.ahead}d` lists everything")


@dataclass(frozen=True)
class Made:
    """A feed, the state to keep for the next one, and what the budget left out."""

    data: bytes
    state: FeedState
    cut: Cut
    events: int


def build_feed(contacts: Sequence[Contact], config: Config, links: Links, today: dt.date,
               now: dt.datetime, state: FeedState | None = None) -> Made:
    """The feed of these contacts on `today`, made at `now` (UTC) after `state`."""
    return Feed(config, links)(contacts, today, now, state or FeedState())


class Feed:
    """`build_feed` again and again while a few contacts at a time change (the watcher).

    A contact's items are made once per contact object (a changed contact is a new object)
    and a promise's once per change of its owners. The open items are kept in rank order by
    the day they show on, moving only those that came or went, so a save costs what it
    changed plus the events shown, not the vault's size; events already made or rendered
    are reused. A new day, or many changes, sorts everything again.
    """

    move_at_most = 0.125  # the share of items moved one by one; more, and all are placed again

    def __init__(self, config: Config, links: Links) -> None:
        self.config, self.links = config, links
        self._contacts: tuple[Contact, ...] = ()
        self._follow_ups: dict[int, list[Item]] = {}  # a contact's follow-up (none or one)
        self._birthdays: dict[int, list[Item]] = {}  # a contact's birthdays in the window
        self._owners: dict[Promise, list[Contact]] = defaultdict(list)
        self._equal: dict[tuple[str, str], set[Promise]] = defaultdict(set)  # by note and text
        self._promises: dict[Promise, Item] = {}
        self._by_path: dict[str, Contact] = {}
        self._lines: dict[str, int] = defaultdict(int)  # open promises by their "path:line"
        self._today: dt.date | None = None
        self.days = _Days()
        self.seed: Rendered = {}  # rendered by another process (the index), looked up by spec
        self.events: _Events = {}  # rendered by the last call
        self.specs: dict[object, tuple[object, EventSpec]] = {}  # see `_Assembly.remembered`
        self.kept: _Kept = {}  # by UID

    @property
    def rendered(self) -> Rendered:
        """The events rendered by the last call, for the index; set: events to reuse."""
        return {(spec, sequence, modified): data for spec, sequence, modified, data in self.events.values()}

    @rendered.setter
    def rendered(self, events: Rendered) -> None:
        self.seed = events

    @cached_property
    def head(self) -> bytes:
        return bytes(_calendar(self.config, self.links.vault_name).to_ical()).removesuffix(_END)

    def __call__(self, contacts: Sequence[Contact], today: dt.date, now: dt.datetime,
                 state: FeedState) -> Made:
        came, gone = self._changed(tuple(contacts))
        for contact in gone:
            if self._by_path.get(contact.path) is contact:
                del self._by_path[contact.path]
        before = [i for c in gone for i in (*self._follow_ups.pop(id(c)), *self._birthdays.pop(id(c)))]
        for contact in came:
            self._by_path[contact.path] = contact
            found = _follow_up_item(contact, self.config)
            self._follow_ups[id(contact)] = [found] if found is not None else []
        end = min(_plus(today, self.config.feed.ahead), LAST_DAY)
        if today != self._today:  # the birthdays in the window move with the day
            self._today = today
            self._birthdays = {id(c): self._birthdays_of(c, today, end) for c in self._contacts}
        else:
            self._birthdays.update((id(c), self._birthdays_of(c, today, end)) for c in came)
        after = [i for c in came for i in (*self._follow_ups[id(c)], *self._birthdays[id(c)])]
        old_promises, new_promises = self._promises_of(came, gone)
        before, after = [*before, *old_promises], [*after, *new_promises]
        self.days.update(before, after, today, end, self._everything, self.move_at_most * len(self.days))
        assembly = _Assembly(self, today, now, state)
        made = assembly.run(self.days)
        self.events, self.specs, self.kept, self.seed = assembly.events, assembly.specs, assembly.kept, {}
        return made

    def _changed(self, contacts: tuple[Contact, ...]) -> tuple[list[Contact], list[Contact]]:
        """The contacts come and gone since the last call, by object (an unchanged contact
        keeps its object). Side by side, in C, while none came or went: a save to one note
        costs a pointer comparison per contact, not a dictionary of them all."""
        old, self._contacts = self._contacts, contacts
        if len(old) == len(contacts):
            moved = list(itertools.compress(range(len(old)), map(is_not, old, contacts)))
            came, gone = [contacts[i] for i in moved], [old[i] for i in moved]
        else:
            new_ids, old_ids = set(map(id, contacts)), set(map(id, old))
            came = [c for c in contacts if id(c) not in old_ids]
            gone = [c for c in old if id(c) not in new_ids]
        both = {id(c) for c in came} & {id(c) for c in gone}  # moved in the order, not changed
        return [c for c in came if id(c) not in both], [c for c in gone if id(c) not in both]

    def _everything(self) -> list[Item]:
        return [*(i for items in self._follow_ups.values() for i in items),
                *(i for items in self._birthdays.values() for i in items), *self._promises.values()]

    def _birthdays_of(self, contact: Contact, today: dt.date, end: dt.date) -> list[Item]:
        if not self.config.feed.birthdays or contact.birthday is None:
            return []
        return list(_birthdays(contact, today, end))

    def _promises_of(self, came: list[Contact], gone: list[Contact]) -> tuple[list[Item], list[Item]]:
        """One item per promise, however many people its task line names; only the promises
        of the contacts that came or went are grouped again. The items gone and come."""
        touched = set()
        for contact in gone:
            for promise in contact.promises:
                self._owners[promise].remove(contact)
                touched.add(promise)
        for contact in came:
            for promise in contact.promises:
                self._owners[promise].append(contact)
                touched.add(promise)
        by_group: dict[tuple[str, str], set[Promise]] = defaultdict(set)
        for promise in touched:
            by_group[promise.source.rpartition(":")[0], promise.text].add(promise)
        old: list[Item] = []
        new: list[Item] = []
        for group, members in by_group.items():
            equal = self._equal[group]
            for promise in equal | members:
                if promise in self._promises:
                    old.append(self._promises.pop(promise))
                    self._lines[promise.source] -= 1
                    if not self._lines[promise.source]:
                        del self._lines[promise.source]
            for promise in members:
                if self._owners[promise]:
                    equal.add(promise)
                else:
                    del self._owners[promise]
                    equal.discard(promise)
            # Equal promises (one note, one text) are told apart by their order in the note.
            for ordinal, promise in enumerate(sorted(equal, key=_line)):
                people = tuple(sorted(self._owners[promise], key=attrgetter("path")))
                self._promises[promise] = _promise_item(promise, people, ordinal)
                self._lines[promise.source] += 1
                new.append(self._promises[promise])
            if not equal:
                del self._equal[group]
        return old, new


class _Days:
    """The open items inside the window by the day they show on (overdue: today), each day's
    in rank order; birthdays apart, by date."""

    def __init__(self) -> None:
        self.by_day: dict[dt.date, list[Item]] = {}
        self.birthdays: list[Item] = []
        self.by_uid0: dict[str, Item] = {}
        self._key: tuple[dt.date, dt.date] | None = None
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def update(self, gone: list[Item], came: list[Item], today: dt.date, end: dt.date,
               everything: Callable[[], list[Item]], move_at_most: float) -> None:
        """Take out the items gone and put in the items come (the same item in both stays);
        a new day or window, or more than `move_at_most` moves, places everything again."""
        gone_ids, came_ids = {id(i) for i in gone}, {id(i) for i in came}
        gone = [i for i in gone if id(i) not in came_ids]
        came = [i for i in came if id(i) not in gone_ids]
        if self._key != (today, end) or len(gone) + len(came) > move_at_most:
            self._key = (today, end)
            self.by_day, self.birthdays, self.by_uid0, self._count = {}, [], {}, 0
            gone, came = [], sorted(everything(), key=_RANK)
        for item in gone:
            if item.due <= end:
                self._count -= 1
                found = self._list(item)
                index = bisect.bisect_left(found, self._key_of(item), key=self._key_of)
                while found[index] is not item:
                    index += 1
                del found[index]
            if self.by_uid0.get(item.uid0) is item:
                del self.by_uid0[item.uid0]
        for item in came:
            self.by_uid0[item.uid0] = item
            if item.due <= end:
                self._count += 1
                found = self._list(item)
                if found and self._key_of(found[-1]) < self._key_of(item):
                    found.append(item)  # a sorted batch: no search
                else:
                    bisect.insort(found, item, key=self._key_of)

    def day(self, item: Item) -> dt.date:
        assert self._key is not None
        first = min(self._key[0], LAST_DAY)
        return item.due if item.due > first else first

    def _list(self, item: Item) -> list[Item]:
        if item.kind == "birthday":
            return self.birthdays
        return self.by_day.setdefault(self.day(item), [])

    @staticmethod
    def _key_of(item: Item) -> tuple[object, ...]:
        return (item.due, item.rank) if item.kind == "birthday" else item.rank


def _line(promise: Promise) -> int:
    return int(promise.source.rpartition(":")[2] or 0)


def _plus(day: dt.date, days: int) -> dt.date:
    """`day` + `days`, saturating at the ends of the calendar (9999-12-31)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


# --- the open cycles ----------------------------------------------------------------------


def _follow_up_item(contact: Contact, config: Config) -> Item | None:
    follow_up = current(contact, config)
    if follow_up is None:
        return None
    anchor = (contact.last_contact or contact.met or dt.date.min).isoformat()
    if follow_up.kind == "sequence":  # a step: the start and which step
        start = (contact.sequence_start or contact.met or dt.date.min).isoformat()
        key: tuple[str, ...] = ("step", contact.path, start, str(contact.attempts))
    else:  # not the kind: a next-due added or a snooze moves the event, same cycle
        key = ("follow-up", contact.path, anchor)
    return Item(_uid(key), follow_up.kind, follow_up.due, contact.name, contact.path,
                contact.last_contact.isoformat() if contact.last_contact else "", contact.attempts,
                contact=contact, follow_up=follow_up)


def _promise_item(promise: Promise, people: tuple[Contact, ...], ordinal: int) -> Item:
    path = promise.source.rpartition(":")[0]
    key = ("promise", path, promise.text, *([str(ordinal)] if ordinal else []))
    return Item(_uid(key), "promise", promise.due, ", ".join(c.name for c in people), path,
                promise.source, 0, promise=promise, people=people)


def _birthdays(contact: Contact, today: dt.date, end: dt.date) -> Iterator[Item]:
    """The birthdays inside the window: occurrences, never a rule from the year of birth."""
    birthday = contact.birthday
    if birthday is None or contact.status == "closed":
        return
    day = birthday.next_on_or_after(today)
    while day <= end and day != dt.date.max:
        yield Item(_uid(("birthday", contact.path, str(day.year))), "birthday", day, contact.name,
                   contact.path, "", 0, contact=contact)
        day = birthday.next_on_or_after(_plus(day, 1))


# --- one feed -------------------------------------------------------------------------------


class _Assembly:
    """Placing, budgeting and stamping the open items of one day (see the module's docstring)."""

    def __init__(self, feed: Feed, today: dt.date, now: dt.datetime, state: FeedState) -> None:
        self.config, self.links, self.today, self.state = feed.config, feed.links, today, state
        self.now = now.astimezone(dt.timezone.utc).replace(microsecond=0)
        self.end = min(_plus(today, self.config.feed.ahead), LAST_DAY)
        self.head = feed.head
        self.old, self.seed = feed.events, feed.seed
        self.events: _Events = {}
        self.minimal = self.config.feed.detail == "minimal"
        self.contacts = feed._by_path  # by path, to tell whether a cycle that ended was done
        self.promise_lines = feed._lines.keys()
        self.old_specs = feed.specs
        self.specs: dict[object, tuple[object, EventSpec]] = {}
        self.old_kept = feed.kept
        self.kept: _Kept = {}
        self.reused: set[str] = set()  # the UIDs of events the last call made, taken whole
        self.items: dict[str, Item] = {}  # by UID, the items made into events
        self.resolved: dict[str, tuple[EventSpec, int, dt.datetime, bytes]] = {}  # by UID, see `_resolve`
        self.ended: dict[str, Ended] = {}
        self.retired: dict[str, tuple[int, dt.date]] = {}

    def uid(self, uid0: str) -> str:
        """The cycle's UID: a cycle that ended and came back gets a new one."""
        retired = self.state.retired.get(uid0)
        return uid0 if retired is None else _uid((uid0, str(retired[0])))

    def remembered(self, key: object, check: object, make: Callable[[], EventSpec]) -> EventSpec:
        """An event made by the last call for the same `key` and `check` (the watcher: a save
        changes a few events; making all 1,000 again would cost more than the rest)."""
        found = self.specs.get(key) or self.old_specs.get(key)
        if found is None or found[1] is None or found[0] != check:
            found = (check, make())
        self.specs[key] = found
        return found[1]

    def run(self, days: _Days) -> Made:
        """The feed of the items in the window."""
        birthdays = days.birthdays
        own, overflow = self._place(days)
        shown = self.state.shown
        # Shown before and still shown: never cut by the budget (cutting would cost a
        # cancelled copy of the same size), so one save never reshuffles the rest.
        placed = [*(i for found in own.values() for i in found), *birthdays]
        uids = [i.uid0 if i.uid0 not in self.state.retired else self.uid(i.uid0) for i in placed]
        kept = [(i, uid) for i, uid in zip(placed, uids, strict=True) if uid in shown]
        digest_days = sorted(day for day, extra in overflow.items() if len(extra))
        kept_days = [day for day in digest_days if self.uid(_digest_uid0(day)) in shown]
        fresh = self._fresh(own, birthdays, {id(i) for i, _ in kept}, set(digest_days) - set(kept_days))
        ended = self._ended({*uids, *(self.uid(_digest_uid0(day)) for day in digest_days)})
        specs = [*ended, *(self._kept_spec(i, uid) for i, uid in kept),
                 *(self._digest(day, overflow[day], noted=False) for day in kept_days)]
        size = len(self.head) + len(_END) + sum(len(self._render(s)) for s in specs)
        feed = self.config.feed
        added: list[tuple[Item | dt.date, EventSpec]] = []
        cut: list[Item | dt.date] = []
        for entry in fresh:
            if cut:  # the first that did not fit ends the feed: the rest are further ahead
                cut.append(entry)
                continue
            spec = self._digest(entry, overflow[entry], noted=False) if isinstance(entry, dt.date) \
                else self._spec(entry)
            length = len(self._render(spec))
            if len(specs) + len(added) + 1 > feed.max_events or size + length > feed.max_bytes:
                cut.append(entry)
            else:
                added.append((entry, spec))
                size += length
        if cut:  # the nearest digest says so too; what no longer fits is cut
            while True:
                nearest = min((d for d in [*kept_days, *(e for e, _ in added if isinstance(e, dt.date))]),
                              default=None)
                if nearest is None:
                    break
                noted = self._digest(nearest, overflow[nearest], noted=True)
                plain = self._digest(nearest, overflow[nearest], noted=False)
                if size - len(self._render(plain)) + len(self._render(noted)) <= feed.max_bytes or not added:
                    specs = [noted if s.uid == noted.uid else s for s in specs]
                    added = [(e, noted if s.uid == noted.uid else s) for e, s in added]
                    break
                entry, spec = added.pop()
                size -= len(self._render(spec))
                cut.insert(0, entry)
        specs += [spec for _, spec in added]
        return self._finish(specs, {s.uid for s in ended}, _count(cut, overflow))

    def _day(self, item: Item) -> dt.date:
        """Where an item shows: on its date, or on today when it is overdue."""
        return min(max(item.due, self.today), LAST_DAY)

    def _place(self, days: _Days) -> tuple[dict[dt.date, list[Item]], dict[dt.date, _Overflow]]:
        """Each day's own events: those already shown for this due date first (sticky), then
        by rank; and the rest, for the day's digest. When days that were apart meet on today,
        the cap wins over stickiness."""
        sticky: dict[dt.date, list[Item]] = defaultdict(list)
        for uid, was in self.state.shown.items():
            item = days.by_uid0.get(was.uid0)
            if was.own and item is not None and item.kind != "birthday" and item.due == was.due \
                    and item.due <= self.end and self.uid(item.uid0) == uid:
                sticky[days.day(item)].append(item)
        cap = self.config.daily_cap
        own: dict[dt.date, list[Item]] = {}
        overflow: dict[dt.date, _Overflow] = {}
        for day, found in days.by_day.items():
            if not found:
                continue
            chosen = sorted(sticky.get(day, ()), key=_RANK)[:cap]
            taken = {id(i) for i in chosen}
            for item in found:
                if len(chosen) >= cap:
                    break
                if id(item) not in taken:
                    chosen.append(item)
                    taken.add(id(item))
            own[day], overflow[day] = chosen, _Overflow(found, taken)
        return own, overflow

    def _fresh(self, own: dict[dt.date, list[Item]], birthdays: list[Item], kept: set[int],
               digest_days: set[dt.date]) -> list[Item | dt.date]:
        """New events, the last to cut first: today's digest (a date), today's own events,
        promises ahead, then follow-ups and digests ahead, then birthdays, nearest first."""
        later_promises: list[Item] = []
        later: list[Item | dt.date] = []
        first: list[Item | dt.date] = []
        for day in sorted(own):
            items = [i for i in own[day] if id(i) not in kept]
            digest: list[Item | dt.date] = [day] if day in digest_days else []
            if day == self.today:
                first += [*digest, *items]
                continue
            for item in items:
                (later_promises if item.kind == "promise" else later).append(item)
            later += digest  # the day's digest after its own events
        return [*first, *later_promises, *later,
                *(b for b in birthdays if id(b) not in kept)]  # kept by date and rank

    def _ended(self, still: set[str]) -> list[EventSpec]:
        """Records of cycles that ended: kept `keep-done` days, as done or cancelled."""
        self.ended = {uid: r for uid, r in self.state.ended.items() if self.today < r.until}
        self.retired = {k: v for k, v in self.state.retired.items() if self.today < v[1]}
        for uid, was in self.state.shown.items():
            if uid in still:
                continue
            # Remembered while the cycle could come back: a day's digest or birthday, until the day.
            day_bound = was.kind in ("birthday", "digest")
            until = _plus(was.day, 1) if day_bound else _plus(self.today, RETIRED_FOR)
            if until > self.today:
                self.retired[was.uid0] = (self.state.retired.get(was.uid0, (0, until))[0] + 1, until)
            if was.day < self.today and was.kind == "birthday":
                continue  # its day passed: it happened, nothing to take back
            if self.config.feed.keep_done > 0:
                self.ended[uid] = self._end(was)
        return [EventSpec(uid, r.day, r.summary, r.description, r.url, r.categories, r.status)
                for uid, r in self.ended.items()]

    def _end(self, was: Shown) -> Ended:
        until = _plus(self.today, self.config.feed.keep_done)
        done = self._done_on(was)
        if done is not None:
            what = _without_lateness(was.summary.split(": ", 1)[-1])
            day = min(max(done, self.today), LAST_DAY)
            summary = f"✓ {'Promise' if was.kind == 'promise' else 'Followed up'}: {what}"
            description = "" if self.minimal else f"Done on {day.isoformat()}."
            return Ended(day, _one_line(summary), description, was.url, was.categories, None, until)
        description = "" if self.minimal else "No longer due on this day: `mdfollow due` says what is."
        return Ended(was.day, was.summary, description, was.url, was.categories, "CANCELLED", until)

    def _done_on(self, was: Shown) -> dt.date | None:
        """When a shown cycle was done: a conversation or a try logged, a promise ticked.

        A promise whose line now holds another open promise had its text edited: not done.
        """
        if was.kind == "promise":
            return None if was.anchor in self.promise_lines else self.today
        contact = self.contacts.get(was.path)
        if was.kind != "follow-up" or contact is None or contact.last_contact is None:
            return None
        later = contact.last_contact.isoformat() > was.anchor or contact.attempts > was.attempts
        return contact.last_contact if later else None

    def _finish(self, specs: list[EventSpec], ended: set[str], cut: Cut) -> Made:
        ordered = sorted(specs, key=attrgetter("order"))
        made = [self._resolve(s) for s in ordered]
        shown = {}
        for found in made:
            spec, seq, modified, _ = found
            if spec.uid in ended:
                continue
            item = self.items.get(spec.uid)
            if spec.uid in self.reused:
                shown[spec.uid] = self.state.shown[spec.uid]
                self.kept[spec.uid] = self.old_kept[spec.uid]
                continue
            kind = "digest" if item is None else item.kind if item.kind in ("promise", "birthday") \
                else "follow-up"
            was = self.state.shown.get(spec.uid)
            if was is not None and (was.content, was.sequence, was.day, was.kind) == (
                    spec.content, seq, spec.start, kind) and (item is None or (
                    was.due, was.anchor, was.attempts, was.path) == (
                    item.due, item.anchor, item.attempts, item.path)):
                shown[spec.uid] = was  # the same: kept, which also makes comparing states cheap
            else:
                shown[spec.uid] = Shown(
                    uid0=item.uid0 if item else _digest_uid0(spec.start), kind=kind,
                    due=item.due if item else spec.start, day=spec.start,
                    own=kind in ("promise", "follow-up"),
                    path=item.path if item else "", anchor=item.anchor if item else "",
                    attempts=item.attempts if item else 0, summary=spec.summary, url=spec.url,
                    categories=spec.categories, content=spec.content, sequence=seq, modified=modified)
            if item is not None:
                self.kept[spec.uid] = (item, shown[spec.uid], self.today, self.specs[id(item)], found)
        records = {uid: replace(r, content=_content_of(r, uid), sequence=self.resolved[uid][1],
                                modified=self.resolved[uid][2]) for uid, r in self.ended.items()}
        data = b"".join([self.head, *(found[3] for found in made), _END])
        return Made(data, FeedState(shown, records, self.retired), cut, len(ordered))

    def _new_stamp(self, spec: EventSpec) -> tuple[int, dt.datetime]:
        """SEQUENCE and LAST-MODIFIED: kept while the content is, moved forward when it changes."""
        before = self.state.shown.get(spec.uid) or self.state.ended.get(spec.uid)
        if before is not None and before.content == spec.content:
            return before.sequence, before.modified
        minutes = int((self.now - EPOCH).total_seconds() // 60)
        if before is None:
            return min(max(minutes, 0), SEQUENCE_MAX), self.now
        return (min(max(before.sequence + 1, minutes), SEQUENCE_MAX),
                max(self.now, before.modified + dt.timedelta(seconds=1)))

    def _render(self, spec: EventSpec) -> bytes:
        return self._resolve(spec)[3]

    def _resolve(self, spec: EventSpec) -> tuple[EventSpec, int, dt.datetime, bytes]:
        """The event's stamp and bytes, found once a call: made by the last call for an equal
        spec and stamp, or by the process the index kept them from, or rendered now."""
        found = self.resolved.get(spec.uid)
        if found is not None and found[0] is spec:
            return found
        sequence, modified = self._new_stamp(spec)
        key = (spec.uid, spec.content)
        found = self.events.get(key) or self.old.get(key)
        if found is None or found[1] != sequence or found[2] != modified or (
                found[0] is not spec and found[0] != spec):
            data = self.seed.get((spec, sequence, modified)) or _render(spec, sequence, modified)
            found = (spec, sequence, modified, data)
        self.events[key] = self.resolved[spec.uid] = found
        return found

    # --- what each event says ---

    def _kept_spec(self, item: Item, uid: str) -> EventSpec:
        """An event shown before: taken whole from the last call when neither its item, nor
        the day, nor what the state kept of it changed since (on a save, nearly all of them)."""
        found = self.old_kept.get(uid)
        if found is None or found[0] is not item or found[1] is not self.state.shown[uid] \
                or found[2] != self.today:
            return self._spec(item, uid)
        self.items[uid] = item
        self.specs[id(item)] = found[3]
        resolved = self.resolved[uid] = found[4]
        self.events[uid, resolved[0].content] = resolved
        self.reused.add(uid)
        return resolved[0]

    def _spec(self, item: Item, uid: str | None = None) -> EventSpec:
        uid = uid or self.uid(item.uid0)
        self.items[uid] = item
        return self.remembered(id(item), (item, self.today, uid), lambda: self._make_spec(item, uid))

    def _make_spec(self, item: Item, uid: str) -> EventSpec:
        day = self._day(item)
        late = (self.today - item.due).days
        lateness = f" ({late} day{'s' if late != 1 else ''} late)" if late > 0 else ""
        if item.promise is not None:
            summary = f"Promise: {item.promise.text}{lateness}"
            url = self.links.to_contact(item.people[0].path) if self.links.public_url and item.people \
                else self.links.to(item.path)
            lines = [f"A promise to {item.name}: keep it, or tick it off in the note.",
                     f"In {item.path}, line {_line(item.promise)}."]
            tags = [t for c in item.people for t in c.tags]
        else:
            assert item.contact is not None
            contact = item.contact
            if item.follow_up is None:  # a birthday
                year = contact.birthday.year if contact.birthday else None
                age = f" (turns {item.due.year - year})" if year and item.due.year > year else ""
                summary, lines = f"Birthday: {item.name}{age}", self._about(contact)
            else:
                summary = f"{_SUMMARY[item.kind]}: {item.name}{lateness}"
                lines = [_why(contact, item.follow_up), *self._about(contact)]
            url, tags = self.links.to_contact(item.path), list(contact.tags)
        return self._event(uid, day, summary, lines, url, ["mdfollow", item.kind, *tags])

    def _event(self, uid: str, day: dt.date, summary: str, lines: Sequence[str], url: str | None,
               categories: Sequence[str]) -> EventSpec:
        if self.minimal:
            lines, url, categories = [], None, categories[:2]
        text = "\n".join([*lines, *([f"Open: {url}"] if url else [])])
        return EventSpec(uid, day, _one_line(summary), text, url,
                         tuple(sorted(set(categories), key=str.casefold)), None, self.config.feed.alarm)

    def _about(self, contact: Contact) -> list[str]:
        lines = []
        if contact.latest_log:
            lines.append(f"Latest: {contact.latest_log}")
        if contact.promises:
            lines.append("Open promises:")
            lines += [f"- {p.text} (due {p.due.isoformat()})" for p in contact.promises]
        if self.config.feed.contact_details:
            lines += [f"{label}: {value}" for label, value in (("Email", contact.email),
                                                               ("Phone", contact.phone)) if value]
        return lines

    def _digest(self, day: dt.date, extra: _Overflow, *, noted: bool) -> EventSpec:
        """One event for what a day has beyond its own events; `noted`: the budget's note."""
        items = extra.first(DIGEST_NAMES)
        check = (self.today, self.uid(_digest_uid0(day)), len(extra), *items)
        return self.remembered(("digest", day, noted), check,
                               lambda: self._make_digest(day, items, len(extra), noted))

    def _make_digest(self, day: dt.date, items: list[Item], count: int, noted: bool) -> EventSpec:
        names = [i.name for i in items[:3]]  # who: a promise's text is in the description
        summary = f"{count} more: {', '.join(names)}{', …' if count > 3 else ''}"
        when = "today" if day == self.today else f"on {day.isoformat()}"
        lines = [f"Also due {when}:"]
        for item in items:
            late = (self.today - item.due).days
            lateness = f" ({late} day{'s' if late != 1 else ''} late)" if late > 0 else ""
            what = item.promise.text if item.promise else item.name
            lines.append(f"- {_SUMMARY.get(item.kind, 'Follow up')}: {what}{lateness}")
        if count > len(items):
            lines.append(f"and {count - len(items)} more")
        # Not the days from today: the line would change, and the event with it, every day.
        within = "" if day == self.today else f" --within {self.config.feed.ahead}d"
        lines.append(f"All of them: mdfollow due{within}")
        if noted:
            lines.append(f"Not everything due in the next {self.config.feed.ahead} days fits in this "
                         "calendar ([feed] max-events and max-bytes widen it): mdfollow due --within "
                         f"{self.config.feed.ahead}d lists it all.")
        return EventSpec(self.uid(_digest_uid0(day)), day, _one_line(summary),
                         "" if self.minimal else "\n".join(lines), None, ("digest", "mdfollow"))


_RANK = attrgetter("rank")


def _digest_uid0(day: dt.date) -> str:
    return _uid(("digest", day.isoformat()))


class _Overflow:
    """A day's items beyond its own events, in rank order: counted, and read only as far as
    the digest names them (on today there can be thousands)."""

    def __init__(self, found: list[Item], own: set[int]) -> None:
        self.found, self.own = found, own

    def __len__(self) -> int:
        return len(self.found) - len(self.own)

    def __iter__(self) -> Iterator[Item]:
        return (item for item in self.found if id(item) not in self.own)

    def first(self, count: int) -> list[Item]:
        return list(itertools.islice(self, count))


def _count(cut: list[Item | dt.date], overflow: dict[dt.date, _Overflow]) -> Cut:
    counts = {"follow-up": 0, "promise": 0, "birthday": 0}
    for entry in cut:
        for item in overflow[entry] if isinstance(entry, dt.date) else [entry]:
            counts[item.kind if item.kind in counts else "follow-up"] += 1
    return Cut(counts)


def _content_of(record: Ended, uid: str) -> str:
    return EventSpec(uid, record.day, record.summary, record.description, record.url,
                     record.categories, record.status).content


def _without_lateness(text: str) -> str:
    head, _, tail = text.rpartition(" (")
    return head if head and tail.endswith(" late)") and tail.split(" ")[0].isdigit() else text


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


def _render(spec: EventSpec, sequence: int, modified: dt.datetime) -> bytes:
    event = Event()
    event.add("uid", spec.uid)
    event.add("dtstamp", modified)  # = LAST-MODIFIED: the body changes only when the event does
    event.add("last-modified", modified)
    event.add("sequence", sequence)
    event.add("dtstart", spec.start)
    event.add("dtend", _plus(spec.start, 1))  # exclusive: one all-day event
    event.add("summary", spec.summary)
    if spec.status:
        event.add("status", spec.status)
    if spec.description:
        event.add("description", spec.description)
    if spec.url:
        event.add("url", spec.url)
    event.add("categories", list(spec.categories))
    event.add("transp", "TRANSPARENT")
    if spec.alarm is not None and spec.status is None:
        event.add_component(_alarm(spec.alarm, spec.summary))
    return bytes(event.to_ical())


def _uid(parts: Iterable[object]) -> str:
    """Stable and free of personal data: a hash of the cycle."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"fu-{digest[:24]}@mdfollow"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _why(contact: Contact, follow_up: FollowUp) -> str:
    last = contact.last_contact.isoformat() if contact.last_contact else "never"
    tries = f" {contact.attempts} unanswered so far." if contact.attempts else ""
    return f"{follow_up.title}. Last contact: {last}.{tries}"


def _alarm(at: dt.time, summary: str) -> Alarm:
    """All-day events start at midnight, so `PT9H` rings at 09:00 on the day."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", dt.timedelta(hours=at.hour, minutes=at.minute))
    return alarm
