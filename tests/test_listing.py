"""Rows, and the listings made from them, against the rules run on the contacts."""

from __future__ import annotations

import datetime as dt
import json
import marshal
from datetime import date as D
from pathlib import Path
from typing import get_args

from hypothesis import given, settings
from hypothesis import strategies as st

from mdfollow import listing, schedule
from mdfollow.config import Config
from mdfollow.contacts import Vault
from mdfollow.fields import Interval
from mdfollow.model import Kind, stale_json
from mdfollow.snapshot import load_vault
from mdfollow.vault import load_config

from .factories import vault

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample-vault"
SAMPLE_CONFIG = load_config(SAMPLE, None)
SAMPLE_VAULT = load_vault(SAMPLE, SAMPLE_CONFIG)

#: Contacts of every kind of follow-up, a tie to break, namesakes and odd text.
ODD = vault({
    "People/Jane Doe.md": "---\nlast-contact: 2026-10-01\ncadence: 30d\nbirthday: 1980-02-29\n"
                          "tags: [Client]\n---\n- [ ] send the deck 📅 2026-11-20\n"
                          "- [ ] send the deck 📅 2026-11-20\n",
    "Work/Jane Doe.md": "---\nmet: 2026-11-18\nemail: \"j@x.org\"\n---\n"
                        "- [ ] \"quote\" \\ and 🎂 📅 2026-11-20\n",
    "People/Sam.md": "---\nmet: 2026-11-01\nsequence: sales\nattempts: 1\nbirthday: 11-22\n---\n",
    "People/Ana.md": "---\nlast-contact: 2026-01-01\nattempts: 9\nmax-attempts: 3\n"
                     "tags: [\"#family\"]\n---\n",
    "People/Closed.md": "---\nstatus: closed\nbirthday: 1990-11-23\n---\n"
                        "- [ ] still owe a book 📅 2026-11-02\n",
    "People/Snoozed.md": "---\nnext-due: 2026-11-10\nsnooze-until: 2026-12-01\n---\n",
    "People/Far.md": "---\nnext-due: 9999-12-30\nbirthday: 12-31\n---\n",
})


def expected(contacts: Vault, config: Config, today: dt.date, within: Interval,
             tags: list[str], kinds: list[str]) -> list[dict[str, object]]:
    items = schedule.filtered(schedule.due(contacts.contacts, config, today, within), contacts.contacts,
                              tags=tags, kinds=kinds)
    return [item.to_json(today) for item in items]


@given(st.sampled_from([(SAMPLE_VAULT, SAMPLE_CONFIG), (ODD, Config())]),
       st.dates(D(2025, 1, 1), D(2027, 12, 31)), st.integers(0, 400),
       st.lists(st.sampled_from(["client", "#Client", "family", "work", "nobody"]), max_size=2),
       st.lists(st.sampled_from(get_args(Kind)), max_size=3))
@settings(max_examples=300, deadline=None)
def test_rows_list_what_the_rules_list(case: tuple[Vault, Config], today: dt.date, days: int,
                                       tags: list[str], kinds: list[str]) -> None:
    contacts, config = case
    within = Interval(days, "days")
    rows = marshal.loads(marshal.dumps(listing.rows(contacts.contacts, config)))  # as kept in the index
    listed = listing.due(rows, today, within, tags=tags, kinds=kinds)
    want = expected(contacts, config, today, within, tags, kinds)
    assert [listing.follow_up(item).to_json(today) for item in listed] == want
    text = listing.json_text(listed, today)
    assert text == json.dumps(want, indent=2, ensure_ascii=False)
    backwards = dict(reversed(rows.items()))  # not in listing order: sorted in full
    assert listing.due(backwards, today, within, tags=tags, kinds=kinds) == listed


def test_the_odd_vault_lists_every_kind_and_tells_promises_apart_by_their_line() -> None:
    listed = listing.due(listing.rows(ODD.contacts, Config()), D(2026, 11, 22), Interval(0, "days"))
    kinds = {item[3] for item in listed}
    assert kinds >= {"promise", "cadence", "first", "sequence", "break-up", "birthday"}
    decks = [item[5] for item in listed if item[4] == "send the deck"]
    assert decks == ["People/Jane Doe.md:7", "People/Jane Doe.md:8"]


def test_a_row_is_plain_data() -> None:
    """Tuples of strings, bytes and numbers: what makes 10,000 of them quick to read back
    (the index marshals them)."""
    def plain(value: object) -> bool:
        if isinstance(value, tuple):
            return all(plain(v) for v in value)
        return value is None or type(value) in (str, int, bytes)

    rows = listing.rows(SAMPLE_VAULT.contacts, SAMPLE_CONFIG)
    assert rows and all(plain(row) for row in rows.values())
    assert marshal.loads(marshal.dumps(rows)) == rows


def test_names_are_every_contacts_name_and_path() -> None:
    rows = listing.rows(ODD.contacts, Config())
    assert sorted(listing.names(rows)) == sorted((c.name, c.path) for c in ODD.contacts)


@given(st.sampled_from([(SAMPLE_VAULT, SAMPLE_CONFIG), (ODD, Config())]),
       st.dates(D(2025, 1, 1), D(2027, 12, 31)), st.integers(0, 400),
       st.lists(st.sampled_from(["client", "#Client", "family", "work", "nobody"]), max_size=2))
@settings(max_examples=200, deadline=None)
def test_rows_list_who_is_stale_as_the_contacts_do(case: tuple[Vault, Config], today: dt.date, days: int,
                                                   tags: list[str]) -> None:
    contacts, config = case
    since = Interval(days, "days")
    rows = marshal.loads(marshal.dumps(listing.rows(contacts.contacts, config)))
    from_rows = schedule.stale(listing.quiet(rows, tags), today, since)
    from_contacts = schedule.stale(schedule.tagged(contacts.contacts, tags), today, since)
    assert [stale_json(c, today) for c in from_rows] == [stale_json(c, today) for c in from_contacts]
