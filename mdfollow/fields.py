"""How real notes spell fields, dates and cadences, and how to read them.

People's vaults spell one idea a dozen ways (``last-contact``, ``LastChatted``,
``prm-last-contacted``) and write dates as YAML dates, datetimes or strings. Everything
here is pure: values in, values (or :class:`InvalidValue`) out.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import InvalidValue

#: canonical field name -> the spellings read by default (compared through `normalize_key`).
SPELLINGS: Mapping[str, tuple[str, ...]] = {
    "last-contact": (
        "last-contact", "last_contacted", "lastContact", "LastChatted", "last_chat",
        "last_interaction", "prm-last-contacted", "last-seen",
    ),
    "next-due": (
        "next-due", "next_contact", "nextContact", "next_followup", "follow_up",
        "next_action_date", "next_contact_due", "next-action",
    ),
    "cadence": (
        "cadence", "frequency", "contact-frequency", "outreach", "prm-cadence", "pingFrequency",
    ),
    "met": ("met", "first-met"),
    "snooze-until": ("snooze-until", "prm-snooze-until", "snoozed-until"),
    "status": ("status",),
    "paused": ("paused", "prm-paused"),
    "attempts": ("attempts",),
    "max-attempts": ("max-attempts",),
    "sequence": ("sequence",),
    "sequence-start": ("sequence-start",),
    "birthday": ("birthday", "prm-birthday"),
    "name": ("name",),
    "aliases": ("aliases", "alias"),
    "tags": ("tags", "tag"),
    "email": ("email", "e-mail", "mail"),
    "company": ("company", "organization", "organisation", "employer"),
    "met-at": ("met-at", "where-met", "met-where"),
    "phone": ("phone", "mobile", "tel", "telephone"),
    # Interaction notes: a dated meeting note naming who was there.
    "date": ("date",),
    "people": ("people", "attendees", "with"),
}

#: Fields whose presence (even empty) makes a note a contact note.
FOLLOW_UP_FIELDS = frozenset(
    {"last-contact", "next-due", "cadence", "met", "snooze-until", "attempts", "sequence",
     "birthday"}
)

STATUSES = ("active", "paused", "closed")


@functools.lru_cache(maxsize=4096)  # a vault spells its keys the same way thousands of times
def normalize_key(key: str) -> str:
    """Compare keys the way people expect: case, `-`, `_` and spaces do not matter."""
    return _KEY_NOISE.sub("", key).casefold()


_KEY_NOISE = re.compile(r"[-_\s]")


def spelling_table(extra: Mapping[str, Iterable[str]] | None = None) -> dict[str, str]:
    """Normalized spelling -> canonical field, with the config's extra spellings added."""
    table: dict[str, str] = {}
    for canonical, spellings in SPELLINGS.items():
        for spelling in (*spellings, *(extra or {}).get(canonical, ())):
            table[normalize_key(spelling)] = canonical
    return table


# --- intervals (cadences, windows) -----------------------------------------------------

_UNITS = {
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "mo": "months", "month": "months", "months": "months",
    "y": "years", "yr": "years", "year": "years", "years": "years",
}
_WORDS = {
    "daily": (1, "days"), "weekly": (1, "weeks"), "biweekly": (2, "weeks"),
    "fortnightly": (2, "weeks"), "monthly": (1, "months"), "quarterly": (3, "months"),
    "yearly": (1, "years"), "annually": (1, "years"),
}
_DAYS_PER = {"days": 1, "weeks": 7, "months": 31, "years": 366}
_INTERVAL = re.compile(r"(?:every\s+)?(?P<count>[+-]?\d+)?\s*(?P<unit>[a-z]+)")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True, order=True)
class Interval:
    """A count of days, weeks, calendar months or years: `30d`, `every 2 weeks`, `quarterly`."""

    count: int
    unit: str  # "days" | "weeks" | "months" | "years"

    def after(self, day: dt.date) -> dt.date:
        return _shift(day, self.count, self.unit)

    def before(self, day: dt.date) -> dt.date:
        return _shift(day, -self.count, self.unit)

    def __str__(self) -> str:
        unit = self.unit if self.count != 1 else self.unit[:-1]
        return f"{self.count} {unit}"


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """`calendar.monthrange(year, month)[1]` without the weekday it also works out."""
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return _DAYS_IN_MONTH[month - 1] + leap


def on_calendar(day: dt.date) -> bool:
    """Whether a follow-up on `day` can be shown: an all-day event ends the day after it
    starts, so the calendar's last day holds none. A date there (a typo like 9999-12-31,
    or arithmetic that ran off the end) leaves its item out instead of failing.
    """
    return day < dt.date.max


def _shift(day: dt.date, count: int, unit: str) -> dt.date:
    """Move by calendar units, clamping month ends; saturate at the ends of time."""
    try:
        if unit in ("days", "weeks"):
            return day + dt.timedelta(**{unit: count})
        months = count * (12 if unit == "years" else 1)
        year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
        last = days_in_month(year, month0 + 1)
        return dt.date(year, month0 + 1, min(day.day, last))
    except (OverflowError, ValueError):
        return dt.date.max if count > 0 else dt.date.min


def parse_interval(value: object, *, allow_zero: bool = False) -> Interval:
    """Read a cadence or window: `30d`, `2w`, `3 months`, `every month`, `biweekly`, `30`."""
    if isinstance(value, bool) or value is None:
        raise InvalidValue(f"not a cadence: {value!r}")
    if isinstance(value, int):
        return _checked(value, "days", value, allow_zero)
    if not isinstance(value, str):
        raise InvalidValue(f"not a cadence: {value!r}")
    text = value.strip().casefold()
    if text in _WORDS:
        return Interval(*_WORDS[text])
    if _WHOLE_NUMBER.fullmatch(text):
        return _checked(int(text), "days", value, allow_zero)
    match = _INTERVAL.fullmatch(text)
    if not match or match["unit"] not in _UNITS:
        raise InvalidValue(
            f"unknown cadence {value!r} (try 30d, 2w, 3m, 1y, 'every 2 weeks' or 'monthly')"
        )
    count = int(match["count"]) if match["count"] is not None else 1
    return _checked(count, _UNITS[match["unit"]], value, allow_zero)


def _checked(count: int, unit: str, original: object, allow_zero: bool) -> Interval:
    if count < 0 or (count == 0 and not allow_zero):
        raise InvalidValue(f"unknown cadence {original!r}: it must be a positive interval")
    if count * _DAYS_PER[unit] > 36_600:
        raise InvalidValue(f"unknown cadence {original!r}: longer than a hundred years")
    return Interval(count, unit)


# --- dates ------------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)


def parse_until(text: str, today: dt.date) -> dt.date:
    """A snooze's end: a date (`2026-12-01`) or a while from today (`1w`, `10d`, `1m`)."""
    try:
        return parse_date(text)
    except InvalidValue:
        pass
    try:
        return parse_interval(text).after(today)
    except InvalidValue:
        raise InvalidValue(f"{text!r} is neither a date (YYYY-MM-DD) nor a while (1w, 10d, 1m)") from None


def parse_date(value: object) -> dt.date:
    """A date as written: YAML dates and datetimes, or `YYYY-MM-DD[ T]HH:MM[:SS]` strings."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InvalidValue(f"not a date: {value!r} (write YYYY-MM-DD)")
    text = value.strip()
    match = _DATE.fullmatch(text)
    if not match:
        hint = " (an unrendered template?)" if re.search(r"\{\{|<%", text) else " (write YYYY-MM-DD)"
        raise InvalidValue(f"not a date: {value!r}{hint}")
    return _calendar_date(int(match["y"]), int(match["m"]), int(match["d"]), text)


def _calendar_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidValue(f"impossible date: {text!r}") from None


@dataclass(frozen=True)
class Birthday:
    """A birthday; the year is often unknown (`prm-birthday: 04-17`)."""

    month: int
    day: int
    year: int | None = None

    def next_on_or_after(self, today: dt.date) -> dt.date:
        """The next anniversary; Feb 29 falls on Feb 28 in other years."""
        for year in range(today.year, min(today.year + 1, dt.MAXYEAR) + 1):
            last = days_in_month(year, self.month)
            candidate = dt.date(year, self.month, min(self.day, last))
            if candidate >= today:
                return candidate
        return dt.date.max  # past the last anniversary the calendar can hold


_MONTH_DAY = re.compile(r"(?:--)?(\d{2})-(\d{2})")


def parse_birthday(value: object) -> Birthday:
    """A full date, or `MM-DD` / `--MM-DD` when the year is unknown."""
    if isinstance(value, str):
        match = _MONTH_DAY.fullmatch(value.strip())
        if match:
            month, day = int(match[1]), int(match[2])
            _calendar_date(2000, month, day, value.strip())  # 2000 is a leap year: Feb 29 is fine
            return Birthday(month, day)
    date = parse_date(value)
    return Birthday(date.month, date.day, date.year)
