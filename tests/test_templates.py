"""Obsidian core Templates placeholders and Moment.js formats."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdfollow.templates import fill, has_templater, moment

NOW = dt.datetime(2026, 11, 22, 9, 5, 7)


@pytest.mark.parametrize(("layout", "expected"), [
    ("YYYY-MM-DD", "2026-11-22"), ("dddd, MMMM Do YYYY", "Sunday, November 22nd 2026"),
    ("ddd D MMM YY", "Sun 22 Nov 26"), ("h:mm A", "9:05 AM"), ("HH:mm:ss", "09:05:07"),
    ("[Week] W, Qo [quarter]", "Week 47, 4th quarter"), ("YYYYMMDDHHmm", "202611220905"),
    ("DDDD", "326"), ("[YYYY is literal]", "YYYY is literal"),
])
def test_moment_formats(layout: str, expected: str) -> None:
    assert moment(NOW, layout) == expected


def test_core_placeholders_and_templater_left_alone() -> None:
    template = ("---\ncreated: {{date}} {{time}}\nday: {{date:dddd}}\n---\n# {{title}}\n"
                "<% tp.file.title %> {{unknown}}\n")
    assert fill(template, "Jane Doe", NOW) == (
        "---\ncreated: 2026-11-22 09:05\nday: Sunday\n---\n# Jane Doe\n<% tp.file.title %> {{unknown}}\n")
    assert has_templater(template) and not has_templater("50% <- not templater")


@given(st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31)))
def test_moment_agrees_with_strftime(when: dt.datetime) -> None:
    assert moment(when, "YYYY-MM-DD HH:mm:ss") == when.strftime("%Y-%m-%d %H:%M:%S")
    assert moment(when, "dddd D MMMM, h A") == when.strftime("%A ") + str(when.day) + when.strftime(
        " %B, ") + str(int(when.strftime("%I"))) + when.strftime(" %p")
