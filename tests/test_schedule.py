"""The follow-up rules, one by one, and the due/stale windows."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from mdfollow import schedule
from mdfollow.config import Config
from mdfollow.fields import Interval

from .factories import TODAY, vault

D = dt.date


def current(front: str, body: str = "", config: Config | None = None,
            today: dt.date = TODAY) -> list[tuple[str, str, str]]:
    result = vault({"People/Jane Doe.md": f"---\n{front}\n---\n{body}"}, config)
    return [(f.kind, f.due.isoformat(), f.title)
            for f in schedule.follow_ups(result.contacts, config or Config(), today)]


def kinds(front: str, body: str = "", config: Config | None = None) -> list[tuple[str, str]]:
    return [(kind, day) for kind, day, _ in current(front, body, config)]


def test_rule_5_cadence_counts_from_the_effective_last_contact() -> None:
    assert kinds("last-contact: 2026-10-20\ncadence: 30d") == [("cadence", "2026-11-19")]
    assert kinds("last-contact: 2026-01-31\ncadence: 1m") == [("cadence", "2026-02-28")]


def test_rule_6_first_follow_up_a_day_after_meeting() -> None:
    assert current("met: 2026-11-20\ncadence: 30d") == [
        ("first", "2026-11-21", "Thank you: met 2026-11-20")]
    assert kinds("met: 2026-11-20", config=Config(first_follow_up=Interval(0, "days"))) == [
        ("first", "2026-11-20")]


def test_no_dates_no_follow_up() -> None:
    assert kinds("cadence: 30d") == []
    assert kinds("last-contact: 2026-10-20") == []


def test_rule_4_an_explicit_next_due_after_the_last_contact_wins() -> None:
    assert kinds("last-contact: 2026-11-02\nnext-due: 2026-11-28\ncadence: 90d") == [
        ("explicit", "2026-11-28")]
    # done already: a next-due on or before the last contact is ignored
    assert kinds("last-contact: 2026-11-02\nnext-due: 2026-11-02\ncadence: 30d") == [
        ("cadence", "2026-12-02")]
    assert kinds("next-due: 2026-11-28") == [("explicit", "2026-11-28")]


def test_rule_3_sequence_steps_are_offsets_from_the_start() -> None:
    front = "sequence: sales\nsequence-start: 2026-11-10\nattempts: {}"
    assert [kinds(front.format(n)) for n in range(5)] == [
        [("sequence", "2026-11-11")], [("sequence", "2026-11-13")], [("sequence", "2026-11-17")],
        [("sequence", "2026-11-24")], [("break-up", "2026-12-01")]]
    assert current(front.format(2))[0][2] == "Sales step 3 of 4 (day 7)"


def test_rule_3_sequence_starts_at_met_and_config_adds_sequences() -> None:
    config = Config(sequences={"webinar": (1, 4, 10)})
    assert kinds("sequence: webinar\nmet: 2026-11-01\nattempts: 1", config=config) == [
        ("sequence", "2026-11-05")]


def test_rule_3_unknown_sequence_falls_back_to_the_other_rules() -> None:
    assert kinds("sequence: nope\nmet: 2026-11-20") == [("first", "2026-11-21")]


def test_rule_2_know_when_to_stop() -> None:
    front = "last-contact: 2026-09-15\ncadence: 60d\nattempts: {}"
    assert kinds(front.format(5)) == [("cadence", "2026-11-14")]
    assert current(front.format(6)) == [
        ("break-up", "2026-11-14", "Last try after 6 unanswered: close the loop")]
    assert kinds("last-contact: 2026-09-15\nattempts: 6") == [("break-up", "2026-09-22")]
    assert kinds("met: 2026-09-15\nattempts: 3\nmax-attempts: 3") == [("break-up", "2026-09-22")]
    assert kinds("attempts: 9") == []
    assert kinds("last-contact: 2026-09-15\nattempts: 2", config=Config(max_attempts=2)) == [
        ("break-up", "2026-09-22")]


def test_rule_2_comes_before_a_sequence() -> None:
    front = "sequence: sales\nmet: 2026-11-10\nattempts: 3\nmax-attempts: 3"
    assert kinds(front) == [("break-up", "2026-11-17")]


def test_rule_7_snooze_moves_the_current_follow_up_only() -> None:
    rows = current("last-contact: 2026-06-01\ncadence: 30d\nsnooze-until: 2026-12-01\n"
                   "birthday: 1980-12-02", "- [ ] promise 📅 2026-11-25\n")
    assert rows == [("promise", "2026-11-25", "promise"),
                    ("cadence", "2026-12-01", "Check in (every 30 days) (snoozed)"),
                    ("birthday", "2026-12-02", "Birthday (turns 46)")]
    assert kinds("last-contact: 2026-06-01\ncadence: 30d\nsnooze-until: 2026-06-10") == [
        ("cadence", "2026-07-01")]


def test_rule_1_status_closed_keeps_promises_paused_keeps_birthdays_too() -> None:
    body = "- [ ] return the book 📅 2026-11-20\n"
    common = "last-contact: 2026-06-01\ncadence: 30d\nbirthday: '--12-24'\n"
    assert kinds(common + "status: closed", body) == [("promise", "2026-11-20")]
    assert kinds(common + "status: paused", body) == [("promise", "2026-11-20"),
                                                      ("birthday", "2026-12-24")]
    assert kinds(common + "status: active", body) == [("cadence", "2026-07-01"),
                                                      ("promise", "2026-11-20"),
                                                      ("birthday", "2026-12-24")]


def test_birthday_is_the_next_anniversary() -> None:
    assert current("birthday: 1966-11-22") == [("birthday", "2026-11-22", "Birthday (turns 60)")]
    assert kinds("birthday: 1966-11-21") == [("birthday", "2027-11-21")]
    assert kinds("birthday: 2000-02-29") == [("birthday", "2027-02-28")]


def test_nothing_but_birthdays_depends_on_today() -> None:
    front = "last-contact: 2026-10-20\ncadence: 30d\nbirthday: 1966-12-06"
    body = "- [ ] promise 📅 2026-11-25\n"
    early = current(front, body, today=D(2026, 1, 1))
    late = current(front, body, today=D(2027, 6, 1))
    assert [r for r in early if r[0] != "birthday"] == [r for r in late if r[0] != "birthday"]


def test_due_window_is_inclusive_and_sorted_most_overdue_first() -> None:
    result = vault({
        "b.md": "---\nname: Bea\nlast-contact: 2026-10-01\ncadence: 30d\n---\n",   # 10-31
        "a.md": "---\nname: Al\nlast-contact: 2026-11-01\ncadence: 30d\n---\n",    # 12-01
        "c.md": "---\nname: Cy\nlast-contact: 2026-10-23\ncadence: 30d\n---\n",    # 11-22
        "d.md": "---\nname: Di\nlast-contact: 2026-10-01\ncadence: 30d\n---\n",    # 10-31
    })
    today = schedule.due(result.contacts, Config(), TODAY)
    assert [(f.contact, f.overdue_days(TODAY)) for f in today] == [("Bea", 22), ("Di", 22), ("Cy", 0)]
    week = schedule.due(result.contacts, Config(), TODAY, Interval(9, "days"))
    assert [f.contact for f in week] == ["Bea", "Di", "Cy", "Al"]
    assert [f.contact for f in schedule.due(result.contacts, Config(), TODAY, Interval(8, "days"))] == [
        "Bea", "Di", "Cy"]


def test_stale_lists_never_contacted_first_then_oldest_and_skips_closed() -> None:
    result = vault({
        "a.md": "---\nname: Old\nlast-contact: 2026-01-01\n---\n",
        "b.md": "---\nname: Never\ncadence: 30d\n---\n",
        "c.md": "---\nname: Recent\nlast-contact: 2026-11-01\n---\n",
        "d.md": "---\nname: Closed\nlast-contact: 2025-01-01\nstatus: closed\n---\n",
        "e.md": "---\nname: Edge\nlast-contact: 2026-08-24\n---\n",
        "f.md": "---\nname: Older\nlast-contact: 2025-06-01\nstatus: paused\n---\n",
    })
    found = schedule.stale(result.contacts, TODAY, Interval(90, "days"))
    assert [c.name for c in found] == ["Never", "Older", "Old"]
    found = schedule.stale(result.contacts, TODAY, Interval(89, "days"))
    assert [c.name for c in found] == ["Never", "Older", "Old", "Edge"]


names = st.sampled_from(["Jane Doe", "Sam", "Ana Ruiz", "Nobody"])
values = st.one_of(st.none(), st.booleans(), st.integers(-3, 40), st.text(max_size=12),
                   st.dates(min_value=dt.date(1, 1, 2), max_value=dt.date(9999, 12, 30)).map(str),
                   st.sampled_from(["30d", "every 2 weeks", "sales", "closed", "paused", "--02-29",
                                    "2026-02-30", "[[Jane Doe]]", "yearly", "999999"]))
field_names = st.sampled_from(["last-contact", "next-due", "cadence", "met", "snooze-until", "status",
                               "paused", "attempts", "max-attempts", "sequence", "sequence-start",
                               "birthday", "name", "aliases", "tags", "date", "people"])
body_lines = st.one_of(
    st.builds(lambda n, d: f"- [ ] do a thing for [[{n}]] 📅 {d}", names, values),
    st.builds(lambda n, d: f"- {d} talked to [[{n}]]", names, values),
    st.builds(lambda n: f"- [x] met [[{n}]]", names),
    st.text(max_size=30),
)


@given(st.lists(st.tuples(st.sampled_from(["People/Jane Doe.md", "People/Sam.md", "2026-11-01.md",
                                           "Meetings/Review.md"]),
                          st.dictionaries(field_names, values, max_size=6),
                          st.lists(body_lines, max_size=4)), max_size=4),
       st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_any_vault_gives_follow_ups_without_raising(notes: list[tuple[str, dict[str, object], list[str]]],
                                                    today: dt.date) -> None:
    files = {}
    for path, front, body in notes:
        fields = "\n".join(f"{key}: {json.dumps(value)}" for key, value in front.items())
        files[path] = f"---\n{fields}\n---\n" + "\n".join(body)
    result = vault(files)
    found = schedule.due(result.contacts, Config(), today, Interval(1, "years"))
    assert all(f.due <= Interval(1, "years").after(today) for f in found)
    assert all(json.loads(json.dumps(f.to_json(today)))["overdue_days"] >= 0 for f in found)
    schedule.stale(result.contacts, today, Interval(90, "days"))


def test_the_daily_cap_never_moves_a_date() -> None:
    """`max-per-day` caps the calendar's own events a day (a digest holds the rest): `due`
    keeps every follow-up on the date its rule gives, as the feed does."""
    files = {f"P{i}.md": f"---\nname: P{i}\nlast-contact: 2026-10-{20 + i // 4:02d}\ncadence: 30d\n---\n"
             for i in range(8)}  # P0-P3 due 11-19, P4-P7 due 11-20
    result = vault(files)
    def days(config: Config) -> set[tuple[str, dt.date, str]]:
        return {(f.contact, f.due, f.title) for f in schedule.follow_ups(result.contacts, config, TODAY)}

    capped, uncapped = days(Config(max_per_day=3)), days(Config())
    assert capped == uncapped
    assert {due for _, due, _ in capped} == {dt.date(2026, 11, 19), dt.date(2026, 11, 20)}
