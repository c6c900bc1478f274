"""The calendar feed: structure every client accepts, three independent parsers, golden file."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import icalendar
import vobject
from hypothesis import given
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from mdfollow.config import Config, FeedConfig
from mdfollow.contacts import Linker
from mdfollow.feed import Events, build_feed, feed_events, render_feed
from mdfollow.links import Links
from mdfollow.notes import parse_note
from mdfollow.vault import load_vault

from .factories import vault

SMALL = Path(__file__).parent / "vaults" / "small"
OBSIDIAN = Links("obsidian", "My Vault")


def feed_of(files: dict[str, str], config: Config | None = None, links: Links = OBSIDIAN) -> bytes:
    config = config or Config()
    return build_feed(vault(files, config).contacts, config, links)


def events(data: bytes) -> list[icalendar.Event]:
    """Parse with all three parsers, check the structure every client needs, return the events."""
    assert not data.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert data.endswith(b"\r\n") and data.count(b"\n") == data.count(b"\r\n"), "CRLF only"
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, f"not folded at 75 octets: {line!r}"
        line.decode("utf-8")  # folding never splits a multi-byte character
    text = data.decode("utf-8")
    calendar = icalendar.Calendar.from_ical(text)
    found = calendar.events
    assert len(IcsCalendarStream.calendar_from_ics(text).events) == len(found)
    assert len(list(vobject.readOne(text).components())) == len(found)
    for name in ("PRODID", "VERSION", "CALSCALE", "X-WR-CALNAME", "NAME", "X-WR-CALDESC"):
        assert name in calendar, name
    assert "REFRESH-INTERVAL;VALUE=DURATION:" in text and "X-PUBLISHED-TTL:PT" in text
    unfolded = text.replace("\r\n ", "")
    assert unfolded.count("DTSTART;VALUE=DATE:") == unfolded.count("BEGIN:VEVENT")
    uids = [str(e.uid) for e in found]
    assert len(uids) == len(set(uids)), "unique UIDs"
    for event in found:
        start, end = event.start, event.end
        assert type(start) is dt.date and end == start + dt.timedelta(days=1), "all-day, exclusive end"
        assert event.stamp is not None and event.stamp.tzinfo is not None
        assert event.transparency == "TRANSPARENT"
        assert re.fullmatch(r"fu-[0-9a-f]{24}@mdfollow", str(event.uid))
        assert str(event.summary)
    return found


def by_summary(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e.summary): e for e in events(data)}


def test_golden_feed_of_a_small_vault() -> None:
    config = Config(feed=FeedConfig(alarm=dt.time(9, 0)))
    data = build_feed(load_vault(SMALL, config).contacts, config, Links("obsidian", "small"))
    expected = SMALL.parent / "small.ics"
    if os.environ.get("MDFOLLOW_REGENERATE"):
        expected.write_bytes(data)
    assert data == expected.read_bytes()
    events(data)


def test_every_kind_of_event_with_its_summary_and_dates() -> None:
    found = by_summary(feed_of({
        "People/Jane Doe.md": """
            ---
            last-contact: 2026-10-20
            cadence: 30d
            tags: [client]
            email: jane@example.com
            ---
            - [ ] send Jane the florist's name 📅 2026-11-25
            - 2026-10-20 lunch
            """,
        "People/Sam Lee.md": "---\nlast-contact: 2026-09-15\nattempts: 6\n---\n",
        "People/Ana Ruiz.md": "---\nbirthday: 1966-12-06\nstatus: paused\ncadence: 30d\n"
                              "last-contact: 2026-01-01\n---\n",
        "People/Pri.md": "---\nmet: 2026-11-20\n---\n",
    }))
    assert set(found) == {"Follow up: Jane Doe", "Promise: send Jane the florist's name",
                          "Last try: Sam Lee", "Birthday: Ana Ruiz", "Thank-you: Pri"}
    jane = found["Follow up: Jane Doe"]
    assert jane.start == dt.date(2026, 11, 19)
    assert jane.stamp == dt.datetime(2026, 10, 20, tzinfo=dt.timezone.utc)
    assert str(jane.url) == "obsidian://open?vault=My%20Vault&file=People%2FJane%20Doe.md"
    assert [str(c) for c in jane.categories] == ["cadence", "client", "mdfollow"]
    assert str(jane.description).splitlines() == [
        "Check in (every 30 days). Last contact: 2026-10-20.",
        "Latest: - 2026-10-20 lunch",
        "Open promises:",
        "- send Jane the florist's name (due 2026-11-25)",
        "Email: jane@example.com",
        "Note: obsidian://open?vault=My%20Vault&file=People%2FJane%20Doe.md",
    ]
    assert str(found["Last try: Sam Lee"].description).startswith(
        "Last try after 6 unanswered: close the loop. Last contact: 2026-09-15. 6 unanswered so far.")
    birthday = found["Birthday: Ana Ruiz"]
    assert birthday.start == dt.date(1966, 12, 6)
    assert birthday.rrules == [{"FREQ": ["YEARLY"]}]  # and no COUNT


def test_statuses_closed_keeps_promises_paused_keeps_birthdays_too() -> None:
    note = "---\nstatus: {}\nlast-contact: 2026-10-01\ncadence: 30d\nbirthday: '--04-17'\n---\n" \
           "- [ ] return the book 📅 2026-11-20\n"
    closed = by_summary(feed_of({"People/K.md": note.format("closed")}))
    assert set(closed) == {"Promise: return the book"}
    paused = by_summary(feed_of({"People/K.md": note.format("paused")}))
    assert set(paused) == {"Promise: return the book", "Birthday: K"}
    assert paused["Birthday: K"].start == dt.date(2000, 4, 17)


def test_a_promise_naming_two_people_is_one_event() -> None:
    found = by_summary(feed_of({
        "People/Jane.md": "---\ncadence: 30d\n---\n",
        "People/Sam.md": "---\ncadence: 30d\n---\n",
        "Meetings/Kickoff.md": "- [ ] intro [[Jane]] to [[Sam]] 📅 2026-11-27\n",
    }))
    event = found["Promise: intro Jane to Sam"]
    assert str(event.description).splitlines()[:2] == [
        "A promise to Jane, Sam: keep it, or tick it off in the note.", "In Meetings/Kickoff.md, line 1."]
    assert str(event.url).endswith("file=Meetings%2FKickoff.md")


def test_feb_29_birthdays_fall_on_feb_28_in_other_years() -> None:
    data = feed_of({"People/Leap.md": "---\nbirthday: '02-29'\n---\n"})
    (event,) = events(data)
    assert event.start == dt.date(2000, 2, 29)
    assert event.rrules == [{"FREQ": ["YEARLY"], "BYMONTH": [2], "BYMONTHDAY": [-1]}]


def test_uids_change_with_the_due_date_and_only_then() -> None:
    def uid(front: str) -> str:
        (event,) = events(feed_of({"People/Jane.md": f"---\n{front}\n---\n"}))
        return str(event.uid)

    base = uid("last-contact: 2026-10-20\ncadence: 30d")
    assert uid("last-contact: 2026-10-20\ncadence: 30d\nemail: j@example.com\nname: Jane") == base
    assert uid("last-contact: 2026-10-21\ncadence: 30d") != base
    assert "jane" not in base.casefold()


def test_alarm_is_off_by_default_and_a_display_alarm_when_set() -> None:
    note = {"People/Jane.md": "---\nlast-contact: 2026-10-20\ncadence: 30d\n---\n"}
    assert b"VALARM" not in feed_of(note)
    data = feed_of(note, Config(feed=FeedConfig(alarm=dt.time(9, 30))))
    assert len(events(data)) == 1
    assert data.count(b"BEGIN:VALARM") == 1
    assert b"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Follow up: Jane\r\nTRIGGER:PT9H30M\r\n" \
           b"END:VALARM\r\n" in data


def test_link_styles() -> None:
    note = {"People/Jane Doe.md": "---\nlast-contact: 2026-10-20\ncadence: 30d\n---\n"}
    (event,) = events(feed_of(note, links=Links("file", "v", "file:///home/me/My%20Vault")))
    assert str(event.url) == "file:///home/me/My%20Vault/People/Jane%20Doe.md"
    (event,) = events(feed_of(note, links=Links("none", "v")))
    assert not event.url and "Note:" not in str(event.description)


def test_an_empty_vault_is_a_valid_empty_calendar() -> None:
    assert events(feed_of({})) == []


def test_calendar_name_and_refresh_from_the_config() -> None:
    config = Config(feed=FeedConfig(name="Work, people; 🌱\nmore", refresh=dt.timedelta(minutes=30)))
    data = feed_of({}, config)
    events(data)
    calendar = vobject.readOne(data.decode())  # icalendar leaves calendar-level text escaped
    assert calendar.x_wr_calname.value == calendar.contents["name"][0].value == "Work, people; 🌱\nmore"
    assert b"X-WR-CALNAME:Work\\, people\\; \xf0\x9f\x8c\xb1\\nmore\r\n" in data
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT30M\r\n" in data


# Not Cf (format characters): vobject, one of the three parsers checked, drops a U+FEFF.
printable = st.characters(exclude_categories=("Cs", "Cc", "Cn", "Co", "Zl", "Zp", "Cf"))
names = st.text(printable | st.sampled_from(",;\\\n:\"🌸é漢"), min_size=1, max_size=120).filter(
    lambda s: s.strip())


task_texts = st.text(st.sampled_from(list("abc XYZ,;\\:\"'é漢🌸-.!?")), min_size=1, max_size=120).filter(
    lambda s: s.strip())


@given(names, task_texts)
def test_any_name_and_promise_text_survive_escaping_and_folding(name: str, text: str) -> None:
    task_text = " ".join(text.split())
    front = f"name: {json.dumps(name, ensure_ascii=False)}\nlast-contact: 2026-10-01\ncadence: 30d"
    data = feed_of({"People/P.md": f"---\n{front}\n---\n- [ ] {task_text} 📅 2026-11-25\n"},
                   Config(feed=FeedConfig(name=name)))
    found = events(data)
    assert vobject.readOne(data.decode()).x_wr_calname.value == name
    assert IcsCalendarStream.calendar_from_ics(data.decode()).name == [name]
    summaries = {str(e.summary) for e in found}
    assert f"Follow up: {' '.join(name.split())}" in summaries
    assert f"Promise: {task_text}" in summaries


def test_the_feed_applies_the_daily_cap_too() -> None:
    files = {f"P{i}.md": f"---\nname: P{i}\nlast-contact: 2026-10-20\ncadence: 30d\n---\n" for i in range(3)}
    starts = sorted(e.start for e in events(feed_of(files, Config(max_per_day=2))))
    assert starts == [dt.date(2026, 11, 19), dt.date(2026, 11, 19), dt.date(2026, 11, 20)]


def test_rendered_events_are_reused_and_only_those_still_in_the_feed_kept() -> None:
    config = Config(feed=FeedConfig(alarm=dt.time(9, 0)))
    contacts = load_vault(SMALL, config).contacts
    links = Links("obsidian", "small")
    specs = feed_events(contacts, config, links)
    fresh, rendered = render_feed(specs, config, "small", {})
    assert fresh == build_feed(contacts, config, links) == (SMALL.parent / "small.ics").read_bytes()
    assert list(rendered) == specs and b"".join(rendered.values()) in fresh
    # A kept rendering is used as it is, and only a spec's own rendering can stand for it.
    marked = {**rendered, specs[0]: b"BEGIN:VEVENT\r\nX-KEPT:yes\r\nEND:VEVENT\r\n"}
    assert b"X-KEPT:yes" in render_feed(specs, config, "small", marked)[0]
    moved = replace(specs[0], start=specs[0].start + dt.timedelta(days=1))
    again, kept = render_feed([moved, *specs[1:]], config, "small", marked)
    assert b"X-KEPT" not in again and moved in kept and specs[0] not in kept


# --- Events: feed_events for a watcher, remaking only what changed -----------------------

person = st.builds(
    lambda name, last, birthday, task: (
        f"---\nname: {name}\nlast-contact: {last}\ncadence: 30d\n"
        + (f"birthday: {birthday}\n" if birthday else "") + "---\n"
        + (f"- [ ] send [[{task}]] the deck 📅 2026-11-25\n" if task else "")),
    st.sampled_from(["Jane", "Sam", "Ana"]), st.dates(dt.date(2026, 9, 1), dt.date(2026, 11, 30)),
    st.one_of(st.none(), st.just("03-14"), st.just("1990-02-29")),
    st.one_of(st.none(), st.sampled_from(["Jane", "Sam", "Ana"])))
daily = st.builds(lambda names, tasks: "".join(f"- met [[{n}]]\n" for n in names)
                  + "- [ ] call [[Sam]] and [[Ana]] 📅 2026-11-26\n" * tasks,  # twice: one UID
                  st.lists(st.sampled_from(["Jane", "Sam", "Ana"]), max_size=2), st.integers(1, 2))
feed_edits = st.lists(st.one_of(
    st.tuples(st.sampled_from(["People/Jane.md", "People/Sam.md", "People/Ana.md"]), person),
    st.tuples(st.sampled_from(["Daily/2026-11-01.md", "Daily/2026-11-20.md"]), daily),
    st.tuples(st.sampled_from(["People/Sam.md", "Daily/2026-11-01.md"]), st.none()),
), min_size=1, max_size=10)


@given(feed_edits, st.sampled_from([None, 1]), st.sampled_from([0.125, 100.0]))
def test_events_kept_between_calls_are_the_events_made_afresh(
        steps: list[tuple[str, str | None]], cap: int | None, move_at_most: float) -> None:
    config, links = Config(max_per_day=cap), Links("obsidian", "v")
    linker, made = Linker(config), Events(config, links)
    made.move_at_most = move_at_most  # 100: every change moved one by one, as in a big vault
    for path, text in steps:
        linker.update({path: parse_note(path, text, config.spellings) if text is not None else None})
        assert made(linker.contacts) == feed_events(linker.contacts, config, links)


def test_events_of_a_contact_that_did_not_change_are_not_made_again() -> None:
    config, links = Config(), Links("obsidian", "v")
    texts = {"People/Jane.md": "---\nlast-contact: 2026-11-01\ncadence: 30d\nbirthday: 03-14\n---\n",
             "People/Sam.md": "---\nlast-contact: 2026-11-02\ncadence: 30d\n---\n"}
    linker, made = Linker(config), Events(config, links)
    linker.update({path: parse_note(path, text, config.spellings) for path, text in texts.items()})
    first = made(linker.contacts)
    later = texts["People/Sam.md"].replace("11-02", "11-05")
    linker.update({"People/Sam.md": parse_note("People/Sam.md", later, config.spellings)})
    second = made(linker.contacts)
    assert len(first) == len(second) == 3
    jane_events = [spec for spec in first if "Jane" in spec.summary]
    assert all(any(spec is kept for kept in second) for spec in jane_events)
    assert [s.start for s in second if "Sam" in s.summary] == [dt.date(2026, 12, 5)]
