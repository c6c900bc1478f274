"""What `check` finds across the contacts, beyond each note's own problems.

Pure: contacts and today in, warnings out. Two contacts answering to one name can't be
told apart by NAME; a date far in the future (a mistyped year) hides a contact from `due`,
`stale` and the feed without a word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .contacts import shared_names
from .fields import Interval
from .horizon import HORIZON
from .model import Contact, Problem

FUTURE_DAYS = 30  # a planned meeting is fine; a date further ahead is most likely a typo


def doubts(contacts: Sequence[Contact], today: dt.date) -> list[Problem]:
    """Shared names and far-future dates, sorted as `check` lists problems."""
    found = [*shared_names(contacts), *(p for c in contacts for p in future_dates(c, today))]
    return sorted(found, key=lambda p: (p.path, p.line, p.message))


def future_dates(contact: Contact, today: dt.date) -> list[Problem]:
    """A last-contact, met or log date more than FUTURE_DAYS after today.

    Dates past the hundred-year horizon are `horizon.far_dates`' to report, once.
    """
    near, far = Interval(FUTURE_DAYS, "days").after(today), HORIZON.after(today)

    def ahead(day: dt.date | None) -> bool:
        return day is not None and near < day <= far

    hides = f"it hides {contact.name} from due and stale until then"
    found = []
    logged = set()
    for interaction in contact.interactions:
        if ahead(interaction.date):
            path, _, line = interaction.source.rpartition(":")
            where = (path, int(line)) if path and line.isdigit() else (interaction.source, 1)
            found.append(Problem(*where, "warning", f"{_ahead(interaction.date, today)} (a typo?): {hides}"))
            logged.add(interaction.date)
    if contact.last_contact and ahead(contact.last_contact) and contact.last_contact not in logged:
        found.append(Problem(contact.path, 1, "warning",
                             f"last-contact {_ahead(contact.last_contact, today)} (a typo?): {hides}"))
    if contact.met and ahead(contact.met):
        found.append(Problem(contact.path, 1, "warning", f"met {_ahead(contact.met, today)} (a typo?)"))
    return found


def _ahead(day: dt.date, today: dt.date) -> str:  # within the horizon: no overflow
    return f"{day.isoformat()} is {(day - today).days} days in the future"
