"""What to say: a short message per kind of follow-up, filled from the contact's note.

Every touch should give the other person something: a thank-you within a day of meeting,
something specific from the last conversation, the promise you kept, one low-pressure next
step — and, after too many unanswered tries, a graceful note that makes "no" easy. Pure:
templates and values in, text out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from .config import Config
from .model import Contact, FollowUp

KINDS = ("thank-you", "check-in", "nudge", "value-add", "break-up")
_BY_FOLLOW_UP = {"first": "thank-you", "sequence": "nudge", "break-up": "break-up"}
_PLACEHOLDER = re.compile(r"\{\{\s*(?P<name>[A-Za-z_]+)\s*(?:\|(?P<fallback>[^{}]*))?\}\}")
# "- 2026-10-20 (meeting) lunch; she is hiring" -> "lunch; she is hiring"
_LOG_PREFIX = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\[[xX]\]\s+)?(?:#+\s*)?\d{4}-\d{2}-\d{2}:?\s*(?:\([^)]*\)\s*)?")


def kind_for(follow_up: FollowUp | None) -> str:
    """first -> thank-you, sequence step -> nudge, last try -> break-up, else check-in."""
    return _BY_FOLLOW_UP.get(follow_up.kind, "check-in") if follow_up else "check-in"


def values_for(contact: Contact, config: Config) -> dict[str, str]:
    """The placeholders' values; a missing one is left out (its line is then dropped)."""
    values = {
        "name": contact.name,
        "first_name": contact.name.split()[0] if contact.name.split() else contact.name,
        "met": _spoken(contact.met) if contact.met else None,
        "met_at": _plain(contact.met_at),
        "company": _plain(contact.company),
        "last_log": _LOG_PREFIX.sub("", contact.latest_log).rstrip(". ") if contact.latest_log else None,
        "promise": contact.promises[0].text if contact.promises else None,
        "my_name": config.draft_name,
        "signature": config.draft_signature,
    }
    return {key: value for key, value in values.items() if value}


def _spoken(day: dt.date) -> str:
    return f"{day:%B} {day.day}"


def _plain(value: str | None) -> str | None:
    """`[[Bloom & Co]]` -> `Bloom & Co`: a wikilink reads as its name in an email."""
    if not value:
        return None
    return re.sub(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]", r"\1", value).strip() or None


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill `{{name}}` and `{{name|fallback}}`; a line whose value is missing is left out.

    So a draft never shows a raw `{{…}}` or a sentence with a hole in it.
    """
    lines: list[str] = []
    for line in template.splitlines():
        missing = False

        def fill(match: re.Match[str]) -> str:
            nonlocal missing
            value = values.get(match["name"].lower(), match["fallback"])
            if value is None:
                missing = True
                return ""
            return value

        filled = _PLACEHOLDER.sub(fill, line)
        if not missing and "{{" not in filled:
            lines.extend(filled.splitlines() or [""])
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text + "\n"
