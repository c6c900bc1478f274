"""The placeholders of Obsidian's core Templates plugin, filled as Obsidian fills them.

Pure: the template's text, the note's title and the moment in; text out. `{{title}}`,
`{{date}}`, `{{time}}`, and `{{date:FORMAT}}` / `{{time:FORMAT}}` with Moment.js format
tokens (`YYYY-MM-DD`, `dddd, MMMM Do`, `HH:mm`, `[week] W`…). Templater's `<% … %>` is a
program, not a placeholder: it is left alone, and `has_templater` lets the caller say so.
"""

from __future__ import annotations

import datetime as dt
import re

DATE_FORMAT = "YYYY-MM-DD"  # Obsidian's defaults for {{date}} and {{time}}
TIME_FORMAT = "HH:mm"

_PLACEHOLDER = re.compile(r"\{\{\s*(?P<what>title|date|time)\s*(?::(?P<format>[^}]*))?\}\}", re.IGNORECASE)
_TOKEN = re.compile(r"\[[^\]]*\]|GGGG|YYYY|YY|Qo|Q|MMMM|MMM|MM|Mo|M|DDDD|DDDo|DDD|Do|DD|D|dddd|ddd|dd|do|d|"
                    r"WW|Wo|W|ww|wo|w|HH|H|hh|h|kk|k|mm|m|ss|s|A|a|X|x|ZZ|Z")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def fill(template: str, title: str, now: dt.datetime) -> str:
    """The template with every core placeholder filled."""
    def placeholder(match: re.Match[str]) -> str:
        what = match["what"].casefold()
        if what == "title":
            return title
        default = DATE_FORMAT if what == "date" else TIME_FORMAT
        return moment(now, (match["format"] or "").strip() or default)

    return _PLACEHOLDER.sub(placeholder, template)


def has_templater(template: str) -> bool:
    return "<%" in template and "%>" in template


def moment(when: dt.datetime, layout: str) -> str:
    """`when` written in a Moment.js format; text in [brackets] and unknown letters stay."""
    return _TOKEN.sub(lambda match: _token(when, match[0]), layout)


def _token(when: dt.datetime, token: str) -> str:
    if token.startswith("["):
        return token[1:-1]
    iso_year, iso_week, iso_day = when.isocalendar()
    values: dict[str, str] = {
        "GGGG": f"{iso_year:04d}", "YYYY": f"{when.year:04d}", "YY": f"{when.year % 100:02d}",
        "Q": str((when.month - 1) // 3 + 1), "Qo": _ordinal((when.month - 1) // 3 + 1),
        "MMMM": _MONTHS[when.month - 1], "MMM": _MONTHS[when.month - 1][:3],
        "MM": f"{when.month:02d}", "Mo": _ordinal(when.month), "M": str(when.month),
        "DDDD": f"{when.timetuple().tm_yday:03d}", "DDDo": _ordinal(when.timetuple().tm_yday),
        "DDD": str(when.timetuple().tm_yday),
        "DD": f"{when.day:02d}", "Do": _ordinal(when.day), "D": str(when.day),
        "dddd": _DAYS[when.weekday()], "ddd": _DAYS[when.weekday()][:3], "dd": _DAYS[when.weekday()][:2],
        "do": _ordinal(iso_day % 7), "d": str(iso_day % 7),
        "WW": f"{iso_week:02d}", "Wo": _ordinal(iso_week), "W": str(iso_week),
        "ww": f"{iso_week:02d}", "wo": _ordinal(iso_week), "w": str(iso_week),
        "HH": f"{when.hour:02d}", "H": str(when.hour),
        "hh": f"{(when.hour % 12) or 12:02d}", "h": str((when.hour % 12) or 12),
        "kk": f"{when.hour or 24:02d}", "k": str(when.hour or 24),
        "mm": f"{when.minute:02d}", "m": str(when.minute),
        "ss": f"{when.second:02d}", "s": str(when.second),
        "A": "AM" if when.hour < 12 else "PM", "a": "am" if when.hour < 12 else "pm",
        "X": str(int(when.timestamp())), "x": str(int(when.timestamp() * 1000)),
        "Z": _offset(when, ":"), "ZZ": _offset(when, ""),
    }
    return values[token]


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _offset(when: dt.datetime, separator: str) -> str:
    offset = when.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{separator}{abs(minutes) % 60:02d}"
