from __future__ import annotations

import calendar
import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdfollow.errors import InvalidValue
from mdfollow.fields import (
    Birthday,
    Interval,
    days_in_month,
    normalize_key,
    parse_birthday,
    parse_date,
    parse_interval,
    spelling_table,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", Interval(30, "days")),
        ("2w", Interval(2, "weeks")),
        ("3m", Interval(3, "months")),
        ("1y", Interval(1, "years")),
        ("30 days", Interval(30, "days")),
        ("1 day", Interval(1, "days")),
        ("every 2 weeks", Interval(2, "weeks")),
        ("Every Month", Interval(1, "months")),
        ("every year", Interval(1, "years")),
        ("30", Interval(30, "days")),
        (45, Interval(45, "days")),
        ("daily", Interval(1, "days")),
        ("weekly", Interval(1, "weeks")),
        ("biweekly", Interval(2, "weeks")),
        ("Fortnightly", Interval(2, "weeks")),
        ("monthly", Interval(1, "months")),
        ("quarterly", Interval(3, "months")),
        ("yearly", Interval(1, "years")),
        ("annually", Interval(1, "years")),
        ("  6 Months ", Interval(6, "months")),
    ],
)
def test_cadence_grammar(text: object, expected: Interval) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize("text", ["0", "0d", "-3d", "fortnite", "", "every", "3 parsecs", None, True,
                                  [30], 1.5, "d3", "1000000y"])
def test_unknown_cadences_are_refused(text: object) -> None:
    with pytest.raises(InvalidValue):
        parse_interval(text)


def test_zero_is_a_window_but_not_a_cadence() -> None:
    assert parse_interval("0", allow_zero=True) == Interval(0, "days")
    with pytest.raises(InvalidValue, match="positive"):
        parse_interval("0d")


@pytest.mark.parametrize(
    ("start", "interval", "expected"),
    [
        (dt.date(2026, 1, 31), Interval(1, "months"), dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), Interval(1, "months"), dt.date(2028, 2, 29)),
        (dt.date(2026, 11, 30), Interval(3, "months"), dt.date(2027, 2, 28)),
        (dt.date(2028, 2, 29), Interval(1, "years"), dt.date(2029, 2, 28)),
        (dt.date(2026, 12, 15), Interval(2, "weeks"), dt.date(2026, 12, 29)),
        (dt.date(2026, 12, 31), Interval(1, "days"), dt.date(2027, 1, 1)),
        (dt.date(9999, 12, 1), Interval(2, "months"), dt.date.max),
    ],
)
def test_calendar_arithmetic_clamps_month_ends(start: dt.date, interval: Interval,
                                               expected: dt.date) -> None:
    assert interval.after(start) == expected


def test_before_goes_back_by_calendar_months() -> None:
    assert Interval(1, "months").before(dt.date(2026, 3, 31)) == dt.date(2026, 2, 28)
    assert Interval(90, "days").before(dt.date(2026, 11, 22)) == dt.date(2026, 8, 24)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 1, 26), dt.date(2026, 1, 26)),
        (dt.datetime(2023, 5, 17, 3, 22, 27), dt.date(2023, 5, 17)),
        (dt.datetime(2023, 5, 17, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
         dt.date(2023, 5, 17)),
        ("2026-11-18", dt.date(2026, 11, 18)),
        (" 2026-11-18 ", dt.date(2026, 11, 18)),
        ("2024-06-14 23:02", dt.date(2024, 6, 14)),
        ("2022-05-06T10:15", dt.date(2022, 5, 6)),
        ("2022-05-06T10:15:30", dt.date(2022, 5, 6)),
        ("2022-05-06T23:15:30+02:00", dt.date(2022, 5, 6)),
        ("2022-05-06T23:15:30Z", dt.date(2022, 5, 6)),
    ],
)
def test_dates_are_taken_as_written(value: object, expected: dt.date) -> None:
    assert parse_date(value) == expected


def test_impossible_and_unreadable_dates_are_named() -> None:
    with pytest.raises(InvalidValue, match="impossible date: '2026-02-30'"):
        parse_date("2026-02-30")
    with pytest.raises(InvalidValue, match="unrendered template"):
        parse_date("<% tp.date.now('YYYY-MM-DD') %>")
    for value in ("last week", 20261118, ["2026-01-01"], "2026-1-5", True):
        with pytest.raises(InvalidValue, match="not a date"):
            parse_date(value)


def test_birthdays_with_and_without_a_year() -> None:
    assert parse_birthday("04-17") == Birthday(4, 17)
    assert parse_birthday("--02-29") == Birthday(2, 29)
    assert parse_birthday(dt.date(1966, 12, 6)) == Birthday(12, 6, 1966)
    with pytest.raises(InvalidValue, match="impossible"):
        parse_birthday("02-30")


def test_next_birthday_is_on_or_after_today_and_feb_29_falls_on_feb_28() -> None:
    today = dt.date(2026, 11, 22)
    assert Birthday(11, 22).next_on_or_after(today) == today
    assert Birthday(11, 21).next_on_or_after(today) == dt.date(2027, 11, 21)
    assert Birthday(2, 29).next_on_or_after(today) == dt.date(2027, 2, 28)
    assert Birthday(2, 29).next_on_or_after(dt.date(2028, 1, 1)) == dt.date(2028, 2, 29)


def test_keys_compare_without_case_dashes_underscores_or_spaces() -> None:
    assert normalize_key("Last Contact") == normalize_key("last_contact") == "lastcontact"
    table = spelling_table({"last-contact": ["seen"]})
    for spelling in ("last-contact", "last_contacted", "lastContact", "LastChatted", "last_chat",
                     "last_interaction", "prm-last-contacted", "Seen"):
        assert table[normalize_key(spelling)] == "last-contact", spelling
    for spelling in ("next-due", "next_contact", "nextContact", "next_followup", "follow_up",
                     "next_action_date", "next_contact_due"):
        assert table[normalize_key(spelling)] == "next-due", spelling
    for spelling in ("cadence", "frequency", "contact-frequency", "outreach", "prm-cadence",
                     "pingFrequency"):
        assert table[normalize_key(spelling)] == "cadence", spelling


@given(st.one_of(st.text(), st.integers(), st.none(), st.booleans(), st.floats(),
                 st.lists(st.text(max_size=3), max_size=2)))
def test_parsers_raise_only_the_projects_error(value: object) -> None:
    for parse in (parse_interval, parse_date, parse_birthday):
        with contextlib.suppress(InvalidValue):
            parse(value)


@given(st.integers(min_value=1, max_value=5000),
       st.sampled_from(["d", "w", "m", "y", " days", " weeks", " months", " years"]),
       st.booleans())
def test_every_well_formed_cadence_is_read(count: int, unit: str, every: bool) -> None:
    text = ("every " if every else "") + f"{count}{unit}"
    try:
        interval = parse_interval(text)
    except InvalidValue as error:
        assert "hundred years" in str(error)
    else:
        assert interval.count == count
        assert interval.unit.startswith(unit.strip()[0])


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
       st.integers(min_value=1, max_value=120))
def test_adding_months_keeps_the_day_or_clamps_to_month_end(day: dt.date, months: int) -> None:
    result = Interval(months, "months").after(day)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and
                                     (result + dt.timedelta(days=1)).day == 1)


def test_the_end_of_time_does_not_break_birthdays() -> None:
    assert Birthday(1, 1).next_on_or_after(dt.date(9999, 12, 31)) == dt.date.max


@given(st.integers(dt.MINYEAR, dt.MAXYEAR), st.integers(1, 12))
def test_days_in_month_is_the_calendars(year: int, month: int) -> None:
    assert days_in_month(year, month) == calendar.monthrange(year, month)[1]
