"""The calendar feed: structure every client accepts, three independent parsers, golden file."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import icalendar
import vobject
from hypothesis import given
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from mdfollow.config import Config, FeedConfig
from mdfollow.contacts import Linker
from mdfollow.feed import Feed, Made, build_feed
from mdfollow.feed_state import FeedState, parse_state
from mdfollow.links import Links, contact_id
from mdfollow.notes import parse_note
from mdfollow.snapshot import load_vault

from .factories import vault

SMALL = Path(__file__).parent / "vaults" / "small"
OBSIDIAN = Links("obsidian", "My Vault")
TODAY = dt.date(2026, 11, 18)
NOW = dt.datetime(2026, 11, 18, 7, 30, tzinfo=dt.timezone.utc)
UTC = dt.timezone.utc


def made_of(files: dict[str, str], config: Config | None = None, links: Links = OBSIDIAN,
            today: dt.date = TODAY, now: dt.datetime = NOW, state: FeedState | None = None) -> Made:
    config = config or Config()
    return build_feed(vault(files, config).contacts, config, links, today, now, state)


def feed_of(files: dict[str, str], config: Config | None = None, links: Links = OBSIDIAN,
            today: dt.date = TODAY) -> bytes:
    return made_of(files, config, links, today).data


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
        assert event.stamp == event.last_modified, "DTSTAMP is LAST-MODIFIED"
        assert isinstance(event.sequence, int) and event.sequence >= 0
        assert event.transparency == "TRANSPARENT"
        assert re.fullmatch(r"fu-[0-9a-f]{24}@mdfollow", str(event.uid))
        assert str(event.summary)
        assert "RRULE" not in event
    return found


def by_summary(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e.summary): e for e in events(data)}



def test_golden_feed_of_a_small_vault() -> None:
    """Clock and state pinned: the same vault, day, moment and state give these bytes."""
    config = Config(feed=FeedConfig(alarm=dt.time(9, 0)))
    made = build_feed(load_vault(SMALL, config).contacts, config, Links("obsidian", "small"),
                      dt.date(2026, 11, 22), dt.datetime(2026, 11, 22, 8, 0, tzinfo=UTC))
    expected = SMALL.parent / "small.ics"
    if os.environ.get("MDFOLLOW_REGENERATE"):
        expected.write_bytes(made.data)
    assert made.data == expected.read_bytes()
    assert set(by_summary(made.data)) == {
        "Follow up: Sam Lee (5 days late)", "Promise: send Jane my florist's name",
        "Follow up: Ana Ruiz", "Birthday: Ana Ruiz (turns 60)", "Follow up: Jane Doe"}


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
        "People/Pri.md": "---\nmet: 2026-11-18\n---\n",
    }))
    assert set(found) == {"Follow up: Jane Doe", "Promise: send Jane the florist's name",
                          "Last try: Sam Lee (57 days late)", "Birthday: Ana Ruiz (turns 60)",
                          "Thank-you: Pri"}
    jane = found["Follow up: Jane Doe"]
    assert jane.start == dt.date(2026, 11, 19)
    minutes = int((NOW - dt.datetime(2020, 1, 1, tzinfo=UTC)).total_seconds() // 60)
    assert jane.stamp == NOW and jane.sequence == minutes
    assert str(jane.url) == "obsidian://open?vault=My%20Vault&file=People%2FJane%20Doe.md"
    assert [str(c) for c in jane.categories] == ["cadence", "client", "mdfollow"]
    assert str(jane.description).splitlines() == [
        "Check in (every 30 days). Last contact: 2026-10-20.",
        "Latest: - 2026-10-20 lunch",
        "Open promises:",
        "- send Jane the florist's name (due 2026-11-25)",
        "Open: obsidian://open?vault=My%20Vault&file=People%2FJane%20Doe.md",
    ]
    sam = found["Last try: Sam Lee (57 days late)"]
    assert sam.start == TODAY, "an overdue follow-up is on today"
    assert str(sam.description).startswith(
        "Last try after 6 unanswered: close the loop. Last contact: 2026-09-15. 6 unanswered so far.")
    assert found["Birthday: Ana Ruiz (turns 60)"].start == dt.date(2026, 12, 6)


def test_nothing_before_today_or_after_the_window() -> None:
    files = {"People/A.md": "---\nlast-contact: 2026-11-10\ncadence: 30d\nbirthday: 1980-03-01\n---\n",
             "People/B.md": "---\nlast-contact: 2026-11-10\ncadence: 1y\n---\n",
             "People/C.md": "---\nlast-contact: 2026-01-10\ncadence: 1m\n---\n"}
    starts = {str(e.summary): e.start for e in events(feed_of(files))}
    assert starts == {"Follow up: A": dt.date(2026, 12, 10), "Follow up: C (281 days late)": TODAY}
    wider = Config(feed=FeedConfig(ahead=400))
    assert {str(e.summary) for e in events(feed_of(files, wider))} == {
        "Follow up: A", "Follow up: C (281 days late)", "Follow up: B", "Birthday: A (turns 47)"}
    no_birthdays = Config(feed=FeedConfig(ahead=400, birthdays=False))
    assert "Birthday: A" not in str(events(feed_of(files, no_birthdays)))


def test_a_birthday_is_an_occurrence_with_its_own_uid_each_year() -> None:
    files = {"People/Leap.md": "---\nbirthday: '02-29'\n---\n"}
    config = Config(feed=FeedConfig(ahead=800))
    found = events(feed_of(files, config))
    assert [e.start for e in found] == [dt.date(2027, 2, 28), dt.date(2028, 2, 29)]
    assert len({str(e.uid) for e in found}) == 2


def test_statuses_closed_keeps_promises_paused_keeps_birthdays_too() -> None:
    note = "---\nstatus: {}\nlast-contact: 2026-10-01\ncadence: 30d\nbirthday: '--12-17'\n---\n" \
           "- [ ] return the book 📅 2026-11-20\n"
    closed = by_summary(feed_of({"People/K.md": note.format("closed")}))
    assert set(closed) == {"Promise: return the book"}
    paused = by_summary(feed_of({"People/K.md": note.format("paused")}))
    assert set(paused) == {"Promise: return the book", "Birthday: K"}
    assert paused["Birthday: K"].start == dt.date(2026, 12, 17)


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


def test_equal_promises_in_one_note_have_their_own_uids() -> None:
    found = events(feed_of({"People/Jane.md": "---\ncadence: 30d\n---\n"
                            "- [ ] call back 📅 2026-11-20\n- [ ] call back 📅 2026-11-20\n"}))
    assert [str(e.summary) for e in found] == ["Promise: call back"] * 2
    assert len({str(e.uid) for e in found}) == 2


def uid_of(files: dict[str, str], summary_start: str, today: dt.date = TODAY) -> str:
    found = events(feed_of(files, today=today))
    (uid,) = [str(e.uid) for e in found if str(e.summary).startswith(summary_start)]
    return uid


def test_one_uid_per_cycle_whatever_its_date() -> None:
    def jane(front: str, body: str = "") -> dict[str, str]:
        return {"People/Jane.md": f"---\n{front}\n---\n{body}"}

    base = uid_of(jane("last-contact: 2026-10-20\ncadence: 30d"), "Follow up")
    assert "jane" not in base.casefold()
    # Within the cycle the date moves, the UID stays: snoozed, next-due added, cadence edited, days passing.
    snoozed = jane("last-contact: 2026-10-20\ncadence: 30d\nsnooze-until: 2026-12-01")
    assert uid_of(snoozed, "Follow up") == base
    assert uid_of(jane("last-contact: 2026-10-20\ncadence: 30d\nnext-due: 2026-12-05"), "Follow up") == base
    assert uid_of(jane("last-contact: 2026-10-20\ncadence: 2w"), "Follow up") == base
    assert uid_of(jane("last-contact: 2026-10-20\ncadence: 30d"), "Follow up", dt.date(2026, 12, 1)) == base
    # A conversation logged is a new cycle.
    assert uid_of(jane("last-contact: 2026-10-21\ncadence: 30d"), "Follow up") != base
    # A promise keeps its UID when its date moves, not when its text changes.
    promise = uid_of(jane("cadence: 30d", "- [ ] send the deck 📅 2026-11-25\n"), "Promise")
    assert uid_of(jane("cadence: 30d", "\n- [ ] send the deck 📅 2026-12-25\n"), "Promise") == promise
    assert uid_of(jane("cadence: 30d", "- [ ] send the slides 📅 2026-11-25\n"), "Promise") != promise
    # Each step of a sequence is its own cycle.
    step = "sequence: sales\nsequence-start: 2026-11-17\nattempts: {}"
    assert uid_of(jane(step.format(0)), "Follow up") != uid_of(jane(step.format(1)), "Follow up")


def test_alarm_is_off_by_default_and_a_display_alarm_when_set() -> None:
    note = {"People/Jane.md": "---\nlast-contact: 2026-10-20\ncadence: 30d\n---\n"}
    assert b"VALARM" not in feed_of(note)
    data = feed_of(note, Config(feed=FeedConfig(alarm=dt.time(9, 30))))
    assert len(events(data)) == 1
    assert data.count(b"BEGIN:VALARM") == 1
    assert b"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Follow up: Jane\r\nTRIGGER:PT9H30M\r\n" \
           b"END:VALARM\r\n" in data


def test_link_styles_and_the_public_contact_page() -> None:
    note = {"People/Jane Doe.md": "---\nlast-contact: 2026-10-20\ncadence: 30d\n---\n"
                                  "- [ ] send the deck 📅 2026-11-25\n"}
    (event, _) = events(feed_of(note, links=Links("file", "v", "file:///home/me/My%20Vault")))
    assert str(event.url) == "file:///home/me/My%20Vault/People/Jane%20Doe.md"
    for event in events(feed_of(note, links=Links("none", "v"))):
        assert not event.url and "Open:" not in str(event.description)
    public = Links("obsidian", "v", public_url="https://notes.example.org")
    page = f"https://notes.example.org/c/{contact_id('People/Jane Doe.md')}"
    for event in events(feed_of(note, links=public)):
        assert str(event.url) == page
        assert str(event.description).splitlines()[-1] == f"Open: {page}", "Google ignores URL"


def test_private_by_default_minimal_on_request() -> None:
    note = {"People/Jane.md": "---\nlast-contact: 2026-10-20\ncadence: 30d\ntags: [divorce]\n"
                              "email: jane@example.com\nphone: '+44 20 7946 0000'\n---\n"}
    (event,) = events(feed_of(note))
    assert "jane@example.com" not in str(event.description) and b"7946" not in feed_of(note)
    (event,) = events(feed_of(note, Config(feed=FeedConfig(contact_details=True))))
    assert "Email: jane@example.com" in str(event.description)
    assert "Phone: +44 20 7946 0000" in str(event.description)
    data = feed_of(note, Config(feed=FeedConfig(detail="minimal")))
    (event,) = events(data)
    assert str(event.summary) == "Follow up: Jane"
    assert "DESCRIPTION" not in event and "URL" not in event and b"divorce" not in data


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


def test_days_near_the_end_of_the_calendar_never_raise() -> None:
    files = {"People/A.md": "---\nlast-contact: 9999-12-01\ncadence: 30d\nbirthday: '12-31'\n---\n"
                            "- [ ] last words 📅 9999-12-30\n",
             "People/B.md": "---\nlast-contact: 2026-01-01\ncadence: 30d\n---\n"}
    for today in (dt.date(9999, 12, 20), dt.date.max):
        made = made_of(files, today=today)
        found = by_summary(made.data)
        assert all(e.start >= min(today, dt.date(9999, 12, 30)) for e in found.values())
        again = made_of(files, today=dt.date.max, state=made.state)
        events(again.data)

# Not Cf (format characters): vobject, one of the three parsers checked, drops a U+FEFF.
printable = st.characters(exclude_categories=("Cs", "Cc", "Cn", "Co", "Zl", "Zp", "Cf"))
names = st.text(printable | st.sampled_from(",;\\\n:\"🌸é漢"), min_size=1, max_size=120).filter(
    lambda s: s.strip())


task_texts = st.text(st.sampled_from(list("abc XYZ,;\\:\"'é漢🌸-.!?")), min_size=1, max_size=120).filter(
    lambda s: s.strip())


@given(names, task_texts)
def test_any_name_and_promise_text_survive_escaping_and_folding(name: str, text: str) -> None:
    task_text = " ".join(text.split())
    front = f"name: {json.dumps(name, ensure_ascii=False)}\nlast-contact: 2026-11-01\ncadence: 30d"
    data = feed_of({"People/P.md": f"---\n{front}\n---\n- [ ] {task_text} 📅 2026-11-25\n"},
                   Config(feed=FeedConfig(name=name)))
    found = events(data)
    assert vobject.readOne(data.decode()).x_wr_calname.value == name
    assert IcsCalendarStream.calendar_from_ics(data.decode()).name == [name]
    summaries = {str(e.summary) for e in found}
    assert f"Follow up: {' '.join(name.split())}" in summaries
    assert f"Promise: {task_text}" in summaries




# --- a day never flooded: own events, one digest -----------------------------------------


def people(count: int, last: str = "2026-10-19", prefix: str = "P") -> dict[str, str]:
    return {f"People/{prefix}{i:02d}.md": f"---\nlast-contact: {last}\ncadence: 30d\n---\n"
            for i in range(count)}


def test_a_day_shows_per_day_events_and_one_digest_for_the_rest() -> None:
    files = {**people(8), "People/Pro.md": "---\ncadence: 30d\n---\n- [ ] call back 📅 2026-11-18\n",
             **people(3, "2026-10-01", "Late")}  # 11 follow-ups due today or earlier, a promise
    found = events(feed_of(files))
    on_today = [e for e in found if e.start == TODAY]
    assert len(on_today) == 6 and found == on_today
    digests = [e for e in on_today if "digest" in [str(c) for c in e.categories]]
    (digest,) = digests
    own = {str(e.summary) for e in on_today} - {str(digest.summary)}
    # Promises first, then the most overdue, then by name.
    assert own == {"Promise: call back", "Follow up: Late00 (18 days late)",
                   "Follow up: Late01 (18 days late)",
                   "Follow up: Late02 (18 days late)", "Follow up: P00"}
    assert str(digest.summary) == "7 more: P01, P02, P03, …"
    lines = str(digest.description).splitlines()
    assert lines[:2] == ["Also due today:", "- Follow up: P01"] and lines[-1] == "All of them: mdfollow due"
    assert len(lines) == 9
    # Dates never move: tomorrow has nothing.
    assert Config(max_per_day=3).daily_cap == 3 and Config().daily_cap == 5
    capped = events(feed_of(files, Config(max_per_day=3, feed=FeedConfig(per_day=2))))
    assert {e.start for e in capped} == {TODAY} and len(capped) == 3


def test_a_digest_names_thirty_and_says_how_many_more() -> None:
    data = feed_of(people(40, "2026-10-25"))  # all due 2026-11-24
    found = events(data)
    (digest,) = [e for e in found if "digest" in [str(c) for c in e.categories]]
    lines = str(digest.description).splitlines()
    assert lines[0] == "Also due on 2026-11-24:" and len([x for x in lines if x.startswith("- ")]) == 30
    assert lines[-2:] == ["and 5 more", "All of them: mdfollow due --within 90d"]
    assert str(digest.summary).startswith("35 more: ") and digest.start == dt.date(2026, 11, 24)
    # One stable UID per digest day.
    later = made_of({**people(40, "2026-10-25"), **people(2, "2026-10-25", "Q")},
                    now=NOW + dt.timedelta(hours=1), state=made_of(people(40, "2026-10-25")).state)
    (again,) = [e for e in events(later.data) if "digest" in [str(c) for c in e.categories]]
    assert again.uid == digest.uid and again.sequence > digest.sequence


def test_shown_events_stay_put_when_a_more_urgent_item_comes() -> None:
    first = made_of(people(5))
    shown = {str(e.uid) for e in events(first.data)}
    more = {**people(5), "People/Urgent.md": "---\nlast-contact: 2026-09-01\ncadence: 30d\n---\n"}
    second = made_of(more, now=NOW + dt.timedelta(minutes=5), state=first.state)
    found = events(second.data)
    assert shown <= {str(e.uid) for e in found}, "nothing reshuffled"
    (digest,) = [e for e in found if str(e.summary).startswith("1 more")]
    assert str(digest.summary) == "1 more: Urgent"
    # A fresh start (no state) ranks the most overdue first.
    assert "Follow up: Urgent (48 days late)" in by_summary(made_of(more).data)


# --- changes that clients apply -------------------------------------------------------------


def stamps(data: bytes) -> dict[str, tuple[int, dt.datetime, str]]:
    return {str(e.uid): (int(e.sequence), e.last_modified, str(e.summary)) for e in events(data)}


def test_unchanged_events_keep_their_bytes_changed_ones_move_forward() -> None:
    files = {"People/Jane.md": "---\nlast-contact: 2026-10-20\ncadence: 30d\n---\n",
             "People/Sam.md": "---\nlast-contact: 2026-10-25\ncadence: 30d\n---\n"}
    first = made_of(files)
    later = NOW + dt.timedelta(hours=3)
    assert made_of(files, now=later, state=first.state).data == first.data, "byte for byte"
    edited = {**files,
              "People/Sam.md": "---\nlast-contact: 2026-10-25\ncadence: 30d\nsnooze-until: 2026-12-01\n---\n"}
    second = made_of(edited, now=later, state=first.state)
    before, after = stamps(first.data), stamps(second.data)
    assert before.keys() == after.keys()
    changed = [uid for uid in after if after[uid] != before[uid]]
    assert [after[uid][2] for uid in changed] == ["Follow up: Sam"]
    (uid,) = changed
    assert after[uid][0] == before[uid][0] + 180 and after[uid][1] == later
    # A clock set back never moves them back: one more each, one second later.
    third = made_of(files, now=NOW - dt.timedelta(days=1), state=second.state)
    assert stamps(third.data)[uid][:2] == (after[uid][0] + 1, later + dt.timedelta(seconds=1))
    # A day later the overdue one says so, and only that changes.
    tomorrow = made_of(files, today=dt.date(2026, 11, 20), now=later + dt.timedelta(days=1),
                       state=first.state)
    moved = {s[2] for uid, s in stamps(tomorrow.data).items() if s[:2] != before[uid][:2]}
    assert moved == {"Follow up: Jane (1 day late)"}


def test_the_state_survives_its_file_and_unreadable_state_is_none() -> None:
    made = made_of({**people(7), "People/Jane.md": "---\nbirthday: '11-30'\n---\n"})
    assert parse_state(made.state.to_json()) == made.state
    for broken in ("", "{", '{"version": 1}', '{"version": 99, "shown": {}}', "[]"):
        assert parse_state(broken) == FeedState()


# --- ended cycles: done or cancelled, then gone; their UIDs never again --------------------


def test_a_logged_follow_up_reads_done_on_the_day_then_leaves() -> None:
    before = {"People/Jane.md": "---\nlast-contact: 2026-10-01\ncadence: 30d\n---\n"}
    first = made_of(before)
    (open_event,) = events(first.data)
    after = {"People/Jane.md": "---\nlast-contact: 2026-11-18\ncadence: 30d\n---\n"}
    day = made_of(after, now=NOW + dt.timedelta(hours=2), state=first.state)
    found = {str(e.uid): e for e in events(day.data)}
    done = found[str(open_event.uid)]
    assert str(done.summary) == "✓ Followed up: Jane" and done.start == TODAY and "STATUS" not in done
    assert done.sequence > open_event.sequence and done.last_modified > open_event.last_modified
    assert {str(e.summary) for e in found.values()} == {"✓ Followed up: Jane", "Follow up: Jane"}
    state = day.state
    for offset in (1, 2, 3):
        state_made = made_of(after, today=TODAY + dt.timedelta(days=offset),
                             now=NOW + dt.timedelta(days=offset), state=state)
        state = state_made.state
        summaries = {str(e.summary) for e in events(state_made.data)}
        assert ("✓ Followed up: Jane" in summaries) == (offset < 3), offset


def test_closed_contacts_and_edited_promises_read_cancelled_and_their_uids_are_never_reused() -> None:
    note = "---\nstatus: {}\nlast-contact: 2026-10-10\ncadence: 30d\n---\n- [ ] {} 📅 2026-11-20\n"
    first = made_of({"People/K.md": note.format("active", "send the deck")})
    uids = {str(e.summary): str(e.uid) for e in events(first.data)}
    closed = made_of({"People/K.md": note.format("closed", "send the slides")}, state=first.state,
                     now=NOW + dt.timedelta(minutes=1))
    found = {str(e.uid): e for e in events(closed.data)}
    follow_up = found[uids["Follow up: K (9 days late)"]]
    assert str(follow_up.status) == "CANCELLED" and str(follow_up.summary) == "Follow up: K (9 days late)"
    assert str(found[uids["Promise: send the deck"]].status) == "CANCELLED"
    # Reopened with the same anchor: a new UID, since stores drop a UID that came back.
    reopened = made_of({"People/K.md": note.format("active", "send the slides")}, state=closed.state,
                       now=NOW + dt.timedelta(minutes=2))
    again = {str(e.summary): e for e in events(reopened.data) if "STATUS" not in e}
    assert str(again["Follow up: K (9 days late)"].uid) not in uids.values()
    assert str(found[uids["Follow up: K (9 days late)"]].uid) in {str(e.uid) for e in events(reopened.data)}


def test_a_ticked_promise_reads_done() -> None:
    open_note = "---\ncadence: 30d\n---\n- [ ] send the deck 📅 2026-11-20\n"
    first = made_of({"People/K.md": open_note})
    ticked = made_of({"People/K.md": open_note.replace("[ ]", "[x]")}, state=first.state)
    (event,) = events(ticked.data)
    assert str(event.summary) == "✓ Promise: send the deck" and "STATUS" not in event


# --- the budget -----------------------------------------------------------------------------


def test_the_budget_cuts_birthdays_then_the_furthest_follow_ups_then_promises() -> None:
    files = {**{f"People/B{i}.md": f"---\nbirthday: '12-{i + 1:02d}'\n---\n" for i in range(6)},
             **{f"People/F{i}.md": f"---\nlast-contact: 2026-10-{i + 20:02d}\ncadence: 30d\n---\n"
                for i in range(6)},  # due 11-19 .. 11-24
             "People/Late.md": "---\nlast-contact: 2026-09-01\ncadence: 30d\n---\n"
                               "- [ ] call back 📅 2026-12-20\n"}
    def summaries(max_events: int) -> tuple[list[str], Made]:
        made = made_of(files, Config(feed=FeedConfig(max_events=max_events)))
        return sorted(str(e.summary).split(" (")[0] for e in events(made.data)), made

    assert len(summaries(100)[0]) == 14 and not summaries(100)[1].cut
    found, made = summaries(10)
    assert found == ["Birthday: B0", "Birthday: B1", "Follow up: F0", "Follow up: F1", "Follow up: F2",
                     "Follow up: F3", "Follow up: F4", "Follow up: F5", "Follow up: Late",
                     "Promise: call back"]
    assert made.cut.counts == {"follow-up": 0, "promise": 0, "birthday": 4}
    found, made = summaries(4)
    assert found == ["Follow up: F0", "Follow up: F1", "Follow up: Late", "Promise: call back"]
    assert made.cut.counts == {"follow-up": 4, "promise": 0, "birthday": 6}
    warning = made.cut.warning(Config(feed=FeedConfig(max_events=4)))
    assert "leaves out 10 events" in warning and "4 follow-ups" in warning and "6 birthdays" in warning
    assert "[feed] max-events" in warning
    found, made = summaries(1)
    assert found == ["Follow up: Late"]
    small = made_of(files, Config(feed=FeedConfig(max_bytes=2500)))
    assert len(small.data) <= 2500 and small.cut


def test_the_nearest_digest_says_the_feed_was_cut() -> None:
    files = {**people(8), **people(6, "2026-10-25", "Q")}
    made = made_of(files, Config(feed=FeedConfig(max_events=8)))
    found = events(made.data)
    assert len(found) == 8 and made.cut
    (digest,) = [e for e in found if "digest" in [str(c) for c in e.categories]]
    assert digest.start == TODAY and "[feed] max-events" in str(digest.description)


# --- Feed: build_feed for a watcher, remaking only what changed ---------------------------

person = st.builds(
    lambda name, last, birthday, task: (
        f"---\nname: {name}\nlast-contact: {last}\ncadence: 30d\n"
        + (f"birthday: {birthday}\n" if birthday else "") + "---\n"
        + (f"- [ ] send [[{task}]] the deck 📅 2026-11-25\n" if task else "")),
    st.sampled_from(["Jane", "Sam", "Ana"]), st.dates(dt.date(2026, 9, 1), dt.date(2026, 11, 30)),
    st.one_of(st.none(), st.just("11-24"), st.just("1990-02-29")),
    st.one_of(st.none(), st.sampled_from(["Jane", "Sam", "Ana"])))
daily = st.builds(lambda names, tasks: "".join(f"- met [[{n}]]\n" for n in names)
                  + "- [ ] call [[Sam]] and [[Ana]] 📅 2026-11-26\n" * tasks,  # twice: two UIDs
                  st.lists(st.sampled_from(["Jane", "Sam", "Ana"]), max_size=2), st.integers(1, 2))
feed_edits = st.lists(st.one_of(
    st.tuples(st.sampled_from(["People/Jane.md", "People/Sam.md", "People/Ana.md"]), person),
    st.tuples(st.sampled_from(["Daily/2026-11-01.md", "Daily/2026-11-20.md"]), daily),
    st.tuples(st.sampled_from(["People/Sam.md", "Daily/2026-11-01.md"]), st.none()),
), min_size=1, max_size=10)


@given(feed_edits, st.sampled_from([1, 5]), st.integers(0, 3), st.sampled_from([0.125, 100.0]))
def test_a_kept_feed_gives_the_feed_made_afresh(
        steps: list[tuple[str, str | None]], cap: int, days: int, move_at_most: float) -> None:
    config, links = Config(feed=FeedConfig(per_day=cap)), Links("obsidian", "v")
    linker, kept = Linker(config), Feed(config, links)
    kept.move_at_most = move_at_most  # 100: every change moved one by one, as in a big vault
    state = FeedState()
    for index, (path, text) in enumerate(steps):
        linker.update({path: parse_note(path, text, config.spellings) if text is not None else None})
        today = TODAY + dt.timedelta(days=days * index)
        now = NOW + dt.timedelta(days=days * index, minutes=index)
        made = kept(linker.contacts, today, now, state)
        assert made == Feed(config, links)(linker.contacts, today, now, state)
        events(made.data)
        state = made.state


def test_the_state_stays_small_as_days_pass() -> None:
    """Past digests' UIDs are forgotten once their day has passed; done events after keep-done."""
    files = {**people(9, "2026-10-01"), "People/Jane.md": "---\nlast-contact: 2026-10-20\ncadence: 7d\n---\n"}
    config = Config(feed=FeedConfig(per_day=2))
    state = FeedState()
    for offset in range(40):
        today = TODAY + dt.timedelta(days=offset)
        # Jane is talked to every day: a cycle ends each day.
        files["People/Jane.md"] = f"---\nlast-contact: {today}\ncadence: 7d\n---\n"
        made = made_of(files, config, today=today, now=NOW + dt.timedelta(days=offset), state=state)
        state = made.state
        assert len(state.ended) <= 3 * 3, offset  # keep-done days × what ends in a day
        assert all(until > today for _, until in state.retired.values())
    assert len(state.retired) <= 40 + 2
    assert len(state.to_json()) < 40_000
