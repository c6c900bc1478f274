"""A vault of 10,000 contact notes (an imported address book) still gives a feed every client keeps.

Most contacts have a `next-due` and are due (or overdue) within the window, ~40% have a
birthday, bodies hold a dated log and some promises: far more than Google's ~1 MB / ~1,100
events. The feed must stay within its budget, pass the three parsers, say what it left out,
flood no day, and keep overdue follow-ups on today.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from mdfollow.cli import cli

from .test_feed import events

TODAY = dt.date(2026, 11, 22)
FIRST = ["Jane", "Sam", "Ana", "Priya", "Tomás", "Chloé", "Omar", "Grace", "Kenji", "Lena", "Yuki",
         "Noah", "Zoë", "Björn", "Aiko", "Mateus", "Fatima", "Ines", "李", "Olu"]
LAST = ["Doe", "Lee", "Ruiz", "Natarajan", "Ferreira", "Martin", "Haddad", "Okafor", "Watanabe"]


def contact_heavy_vault(root: Path, count: int, seed: int = 12) -> Path:
    """`count` contact notes shaped like an imported address book, written in a second or two."""
    rng = random.Random(seed)
    people = root / "People"
    people.mkdir(parents=True)
    for index in range(count):
        first = rng.choice(FIRST)
        name = f"{first} {rng.choice(LAST)} {index}"
        last = TODAY - dt.timedelta(days=rng.randrange(10, 400))
        tag = rng.choice(["client", "lead", "friend"])
        front = [f"name: {name}", f"aliases: [{first}]", f"tags: [{tag}]",
                 f"email: p{index}@example.com", "company: '[[Acme]]'", f"last-contact: {last}",
                 f"cadence: {rng.choice(['30d', '90d', 'quarterly'])}"]
        if rng.random() < 0.8:
            front.append(f"next-due: {TODAY + dt.timedelta(days=rng.randrange(-60, 150))}")
        if rng.random() < 0.4:
            born = dt.date(rng.randrange(1950, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
            front.append(f"birthday: {born}")
        log = [f"- {last - dt.timedelta(days=7 * i)} (email) note {i}" for i in range(rng.randrange(5, 15))]
        if rng.random() < 0.3:
            log.append(f"- [ ] send {first} the deck 📅 {TODAY + dt.timedelta(days=rng.randrange(-20, 60))}")
        text = "---\n" + "\n".join(front) + "\n---\n## Log\n" + "\n".join(log) + "\n"
        (people / f"{name}.md").write_text(text, encoding="utf-8")
    return root


@pytest.mark.slow
def test_ten_thousand_contacts_give_a_feed_within_the_budget(tmp_path: Path) -> None:
    vault = contact_heavy_vault(tmp_path / "vault", 10_000)
    result = CliRunner().invoke(cli, ["--vault", str(vault), "--today", TODAY.isoformat(),
                                      "export", "-o", "-"])
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    found = events(data)  # the three parsers, CRLF, folding, unique UIDs
    assert len(found) <= 1000 and len(data) <= 1_000_000
    warning = result.stderr.strip().splitlines()[-1]
    said = (r"mdfollow: warning: the calendar feed leaves out \d+ events of the next 90 days "
            r"\(.*birthdays?.*\) to stay within 1000 events and 1000000 bytes .*")
    assert re.fullmatch(said, warning), warning
    categories = [{str(c) for c in e.categories} for e in found]
    per_day = Counter(e.start for e, c in zip(found, categories, strict=True)
                      if "digest" not in c and "birthday" not in c)
    digests = Counter(e.start for e, c in zip(found, categories, strict=True) if "digest" in c)
    assert max(per_day.values()) <= 5 and max(digests.values()) == 1
    assert min(e.start for e in found) == TODAY
    late = [e for e in found if " days late)" in str(e.summary)]
    assert late and all(e.start == TODAY for e in late), "overdue ones are on today"
    (today_digest,) = [e for e, c in zip(found, categories, strict=True)
                       if "digest" in c and e.start == TODAY]
    lines = str(today_digest.description).splitlines()
    assert re.fullmatch(r"and \d+ more", lines[31]) and "[feed] max-events" in lines[-1]
