"""Surgical edits: only the intended lines change; everything else survives byte for byte."""

from __future__ import annotations

import datetime as dt
import difflib

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdfollow.edit import append_log, set_fields, tick_task
from mdfollow.errors import EditRefused
from mdfollow.fields import normalize_key, spelling_table
from mdfollow.notes import parse_note

SPELLINGS = spelling_table()
DAY = dt.date(2026, 11, 22)


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(True), after.splitlines(True))
            if line[:1] in "+-"]


def test_a_field_is_rewritten_in_place_under_its_own_spelling() -> None:
    before = ("---\n# people I know\nname: Jane Doe\nLastChatted:   2026-10-01   # after lunch\n"
              "aliases: [\"[[Jane]]\", JD]\n\nFirst Name: Jane\n---\nBody stays.\n")
    after = set_fields(before, {"last-contact": "2026-11-22"}, SPELLINGS)
    assert changed_lines(before, after) == [
        "- LastChatted:   2026-10-01   # after lunch\n", "+ LastChatted:   2026-11-22   # after lunch\n"]


def test_quotes_crlf_bom_and_a_missing_final_newline_survive() -> None:
    before = "\ufeff---\r\nlast_contact: '2026-10-01'\r\nstatus: \"active\" # ok\r\n---\r\nno newline"
    after = set_fields(before, {"last-contact": "2026-11-22", "status": "closed"}, SPELLINGS)
    assert after == ("\ufeff---\r\nlast_contact: '2026-11-22'\r\nstatus: \"closed\" # ok\r\n---\r\n"
                     "no newline")


def test_new_fields_go_before_the_closing_fence_in_canonical_spelling() -> None:
    before = "---\r\nname: Sam\r\n---\r\n"
    after = set_fields(before, {"snooze-until": "2026-12-01", "attempts": "1"}, SPELLINGS)
    assert after == "---\r\nname: Sam\r\nsnooze-until: 2026-12-01\r\nattempts: 1\r\n---\r\n"


def test_clearing_a_field_keeps_the_key_and_its_comment() -> None:
    before = "---\nnext-due: 2026-11-01  # after the board meeting\ncadence: 30d\n---\n"
    after = set_fields(before, {"next-due": None}, SPELLINGS)
    assert after == "---\nnext-due:  # after the board meeting\ncadence: 30d\n---\n"
    assert set_fields("---\ncadence: 30d\n---\n", {"next-due": None}, SPELLINGS) == "---\ncadence: 30d\n---\n"


def test_a_note_without_front_matter_gets_one() -> None:
    assert set_fields("Hello\n", {"status": "closed"}, SPELLINGS) == "---\nstatus: closed\n---\nHello\n"
    assert set_fields("\ufeffHi", {"met": "2026-11-22"}, SPELLINGS) == "\ufeff---\nmet: 2026-11-22\n---\nHi"


def test_keys_with_spaces_templater_values_and_wikilink_lists_are_kept() -> None:
    before = ("---\nDate & Time: 2026-10-01 09:00\ncreated: <% tp.date.now(\"YYYY-MM-DD\") %>\n"
              "company: \"[[Acme, Inc]]\"\nfriends:\n  - \"[[Sam Lee]]\"\n  -\nbio: |\n  multi\n  line\n"
              "Last Contact: 2026-09-01\n---\n")
    after = set_fields(before, {"last-contact": "2026-11-22"}, SPELLINGS)
    assert changed_lines(before, after) == ["- Last Contact: 2026-09-01\n", "+ Last Contact: 2026-11-22\n"]


@pytest.mark.parametrize(("text", "reason"), [
    ("---\nlast-contact: [2026\n---\n", "not valid YAML"),
    ("---\n{last-contact: 2026-10-01, cadence: 30d}\n---\n", "one flow mapping"),
    ("---\nlast-contact:\n  2026-10-01\n---\n", "spans several lines"),
    ("---\nstatus: >\n  closed\n---\n", "spans several lines"),
    ("---\nlast-contact: \"2026-10-01\n  \"\n---\n", "spans several lines"),
    ("---\nlast-contact: 2026-10-01\ncadence: 30d\n", "never closed"),
    ("---\n- a\n- b\n---\n", "not a mapping"),
    ("---\nbase: &b 2026-10-01\nlast-contact: *b\n---\n", "does not read aliases"),
])
def test_unsafe_notes_are_refused(text: str, reason: str) -> None:
    with pytest.raises(EditRefused, match=reason):
        set_fields(text, {"last-contact": "2026-11-22", "status": "closed"}, SPELLINGS)


def test_a_nested_field_is_refused() -> None:
    with pytest.raises(EditRefused, match="nested"):
        set_fields("---\n? last-contact\n: 2026-10-01\n---\n", {"last-contact": "2026-11-22"}, SPELLINGS)


def test_log_line_goes_to_the_end_of_the_log_section() -> None:
    before = ("---\nname: J\n---\nIntro\n\n## Log\n- 2026-09-14 email\n### 2026-10-01\ncall\n\n"
              "## Later\ntext\n")
    after = append_log(before, "- 2026-11-22 (email) hello")
    assert changed_lines(before, after) == ["+ - 2026-11-22 (email) hello\n"]
    assert after.index("- 2026-11-22") < after.index("## Later") and after.index("call") < after.index(
        "- 2026-11-22")


def test_log_section_is_made_at_the_end_when_absent() -> None:
    assert append_log("---\na: 1\n---\nBody\n", "- x") == "---\na: 1\n---\nBody\n\n## Log\n- x\n"
    crlf = "---\r\na: 1\r\n---\r\nBody"
    assert append_log(crlf, "- x") == crlf + "\r\n\r\n## Log\r\n- x"
    assert append_log("", "- x") == "## Log\n- x\n"
    assert append_log("Body\n\n", "- x") == "Body\n\n## Log\n- x\n"


def test_log_at_the_end_of_a_file_without_final_newline() -> None:
    assert append_log("# Log\n- a", "- b") == "# Log\n- a\n- b"
    assert append_log("## Log\r\n- a\r\n", "- b") == "## Log\r\n- a\r\n- b\r\n"


def test_a_log_heading_in_a_code_block_is_not_the_log() -> None:
    assert append_log("```\n## Log\n```\n", "- x") == "```\n## Log\n```\n\n## Log\n- x\n"


def test_tick_marks_the_task_done_with_the_tasks_completion_date() -> None:
    text = "a\n  - [ ] send Jane the deck 📅 2026-11-25 ^abc\r\n- [ ] other\n"
    after = tick_task(text, 2, "send Jane the deck", DAY)
    assert after == "a\n  - [x] send Jane the deck 📅 2026-11-25 ✅ 2026-11-22 ^abc\r\n- [ ] other\n"
    assert tick_task("- [ ] x 📅 2026-11-25", 1, "x", DAY) == "- [x] x 📅 2026-11-25 ✅ 2026-11-22"


def test_tick_refuses_when_the_line_is_not_that_task_any_more() -> None:
    with pytest.raises(EditRefused, match="changed since it was read"):
        tick_task("- [ ] other task\n", 1, "send Jane the deck", DAY)
    with pytest.raises(EditRefused, match="changed since it was read"):
        tick_task("- [x] send Jane the deck\n", 1, "send Jane the deck", DAY)
    with pytest.raises(EditRefused, match="gone"):
        tick_task("", 3, "x", DAY)


# --- the property: an edit changes exactly what it should ---------------------------------

other_keys = st.sampled_from(["name", "Company", "email", "First Name", "tags", "aliases", "notes",
                              "created", "rating"])
other_values = st.sampled_from([
    "Jane", "'single quoted'", '"double: quoted"', "[a, b]", '["[[Sam]]", x]', "{a: 1}", "42", "yes",
    "<% tp.date.now() %>", "", "2026-01-01", "12:30", "NO", "|\n  block\n  text", "\n  - a\n  - b",
    "value  # a comment", "'#not a comment'", "~", "🌱 emoji", "a: b: c'",
])
edit_fields = st.sampled_from(["last-contact", "next-due", "status", "attempts", "snooze-until"])
spelled = {"last-contact": ["last-contact", "LastChatted", "last_contact", "Last Contact"],
           "next-due": ["next-due", "nextContact"], "status": ["status"], "attempts": ["attempts"],
           "snooze-until": ["snooze-until", "prm-snooze-until"]}
new_values = {"last-contact": "2026-11-22", "next-due": "2027-01-31", "status": "closed",
              "attempts": "3", "snooze-until": "2026-12-24"}


@st.composite
def notes(draw: st.DrawFn) -> tuple[str, str]:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        value = draw(other_values)
        lines += [f"{draw(other_keys)}: {value}".rstrip(" ") if value else f"{draw(other_keys)}:"]
        if draw(st.booleans()):
            lines.append("# a comment line")
    field = draw(edit_fields)
    if draw(st.booleans()):
        old = draw(st.sampled_from(["2026-01-05", "'2026-01-05'", "active", "1", ""]))
        lines.insert(draw(st.integers(0, len(lines))), f"{draw(st.sampled_from(spelled[field]))}: {old}")
    front = newline.join(line.replace("\n", newline) for line in lines)
    body = draw(st.sampled_from(["", "Body.", "Body." + newline, "- [ ] task" + newline + "text"]))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return f"{bom}---{newline}{front}{newline if front else ''}---{newline}{body}", field


@given(notes())
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_an_edit_changes_exactly_the_intended_field(case: tuple[str, str]) -> None:
    text, field = case
    try:
        after = set_fields(text, {field: new_values[field]}, SPELLINGS)
    except EditRefused:
        return  # refusing is always safe; the refusals are tested one by one above
    before_fields = parse_note("n.md", text, SPELLINGS).fields
    after_fields = parse_note("n.md", after, SPELLINGS).fields
    assert {k: v for k, v in after_fields.items() if k != field} == \
           {k: v for k, v in before_fields.items() if k != field}
    wanted = yaml.safe_load(f"v: {new_values[field]}")["v"]
    assert after_fields[field][0].value in (wanted, new_values[field])  # quoted notes stay quoted
    diff = changed_lines(text, after)
    removed = [line for line in diff if line.startswith("-")]
    added = [line for line in diff if line.startswith("+")]
    assert len(removed) <= 1 and len(added) == 1
    key = added[0][2:].split(":", 1)[0]
    assert SPELLINGS[normalize_key(key)] == field


def test_values_that_never_equal_themselves_do_not_block_an_edit() -> None:
    after = set_fields("---\nrating: .nan\nlast-contact: 2026-01-01\n---\n", {"last-contact": "2026-11-22"},
                       SPELLINGS)
    assert after == "---\nrating: .nan\nlast-contact: 2026-11-22\n---\n"
