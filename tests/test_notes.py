"""Note parsing: expected-output fixtures (tests/notes/<case>.md beside <case>.json) and fuzzing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from mdfollow.cache import dumps
from mdfollow.fields import FOLLOW_UP_FIELDS, normalize_key, spelling_table
from mdfollow.model import Entry, Field, Link, Note, Task
from mdfollow.notes import HAVE_LIBYAML, parse_note

from .factories import note

CASES = Path(__file__).parent / "notes"
SPELLINGS = spelling_table()


def as_json(parsed: Note) -> Any:
    """The note as plain data: a note's parts (named tuples) as objects, by field name."""
    def plain(value: object) -> Any:
        if isinstance(value, tuple) and hasattr(value, "_asdict"):
            return {name: plain(item) for name, item in value._asdict().items()}
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        return value

    return json.loads(json.dumps(plain(parsed)))


def parse_case(path: Path) -> Note:
    data = path.read_bytes()
    return parse_note(f"notes/{path.name}", data.decode("utf-8"), SPELLINGS)


@pytest.mark.parametrize("case", sorted(CASES.glob("*.md")), ids=lambda p: p.stem)
def test_note_matches_expected_output(case: Path) -> None:
    expected_file = case.with_suffix(".json")
    if os.environ.get("MDFOLLOW_REGENERATE"):
        expected_file.write_text(json.dumps(as_json(parse_case(case)), indent=2, ensure_ascii=False)
                                 + "\n", encoding="utf-8")
    assert as_json(parse_case(case)) == json.loads(expected_file.read_text(encoding="utf-8"))


def test_every_case_has_its_expected_output() -> None:
    assert {p.stem for p in CASES.glob("*.md")} == {p.stem for p in CASES.glob("*.json")}


def test_libyaml_is_used() -> None:
    assert HAVE_LIBYAML, "PyYAML without libyaml: parsing is 7x slower"


def test_lines_count_the_opening_fence_as_line_one() -> None:
    parsed = note("""
        ---
        name: X

        cadence: nope
        ---
        """)
    assert parsed.fields["cadence"][0].line == 4


def test_unsafe_tags_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    parsed = note(f"""
        ---
        cadence: !!python/object/apply:os.system ["touch {marker}"]
        ---
        """)
    assert parsed.skipped and not marker.exists()


def test_broken_yaml_is_only_reported_when_it_holds_follow_up_keys() -> None:
    assert note("---\ntitle: [oops\n---\n").problems == ()
    broken = note("---\ntitle: [oops\nLast Contact: 2026-01-01\n---\n")
    assert broken.skipped
    assert [p.severity for p in broken.problems] == ["error"]


def test_a_note_without_follow_up_keys_is_not_a_contact_and_never_reported() -> None:
    parsed = note("---\nname: Not a person\ncadance: 3d\nstatus: weird\n---\n- 2026-02-30 x\n")
    assert not parsed.is_contact
    assert parsed.problems == ()


def test_an_empty_follow_up_value_still_makes_a_contact() -> None:
    parsed = note("---\nlast-contact:\n---\n")
    assert parsed.is_contact
    assert parsed.fields["last-contact"][0].value is None


# --- fuzzing ----------------------------------------------------------------------------

keys = st.sampled_from(["last-contact", "LastChatted", "cadence", "met", "name", "tags", "Other Key",
                        "next_due", "birthday", "attempts", "status", "x"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
                    st.sampled_from(["2026-02-30", "30d", "every 2 weeks", "{{date}}", "!!python/none",
                                     "[unclosed", "'quote", "- item", "|", "&a", "*a", "---", "..."]))


@given(st.text())
def test_any_text_parses_without_raising(text: str) -> None:
    parse_note("People/Fuzz.md", text, SPELLINGS)


@given(st.lists(st.tuples(keys, scalars), max_size=8), st.text(max_size=200),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_raw_front_matter_lines_parse_without_raising(pairs: list[tuple[str, object]], body: str,
                                                      newline: str, bom: bool) -> None:
    lines = ["---", *(f"{k}: {v}" for k, v in pairs), "---", body]
    parse_note("People/Fuzz.md", ("\ufeff" if bom else "") + newline.join(lines), SPELLINGS)


@given(st.dictionaries(keys, scalars, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_well_formed_front_matter_is_read_as_yaml_reads_it(fields: dict[str, object],
                                                           newline: str) -> None:
    dumped = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    text = newline.join(["---", *dumped.splitlines(), "---", ""])
    parsed = parse_note("People/Fuzz.md", text, SPELLINGS)
    loaded = yaml.safe_load(dumped) or {}
    read = {f.key: f.value for found in parsed.fields.values() for f in found}
    known = {k: v for k, v in loaded.items() if normalize_key(k) in SPELLINGS}
    assert read == known
    assert parsed.is_contact == any(SPELLINGS[normalize_key(k)] in FOLLOW_UP_FIELDS for k in known)


body_lines = st.one_of(
    st.sampled_from(["- [ ] send [[Jane Doe]] the deck 📅 2026-11-25", "- 2026-11-18 coffee",
                     "## 2026-11-18", "  * [x] 2026-01-05: done with [[Sam|him]]", "\u3000- 2026-02-30 x",
                     "met [[Jane]] and [[People/Sam Lee]]", "- [-] cancelled [[Sam]]", "", "   ", "#tag",
                     "+ [ ] [due:: 2026-13-01] [[Ana]]", "- [ ] ⏳ 2026-11-20 call", "---",
                     "\t- [X] 2026-1-1", "[[", "]] [[x]]", "- [[2026-11-18]] lunch",
                     "\x1c- 2026-11-18 odd space", "- [x]2026-11-18 no space", "####### 2026-11-18",
                     "# 2026-11-18 **bold**", "* **2026-11-18**: call", "+ 2026-11-18]] x",
                     "![[Jane]] [[[Sam]]]", "- [ ] [[Ana#Work|her]] 📅 2026-11-30",
                     "- [x] [[Ana]] 2026-11-18", "- [/] half [[Ana]]", "- 2026-11-31 impossible",
                     "[[Sam]] - 2026-11-18 mid-line", "\u00a0- [ ] x 📅 2026-02-30"]),
    st.lists(st.sampled_from([*"-*+#[]() x:2026-1\t\r\x0b\x1c\u2028\u00a0!|^", "[[", "]]", "📅 ", "- [ ] ",
                              "- [x] ", "2026-11-18", "## "]),
             max_size=12).map("".join),
)


@given(st.lists(body_lines, max_size=15), st.sampled_from(["", "---\nlast-contact: 2026-01-01\n---\n"]),
       st.sampled_from(["\n", "\r\n"]))
@settings(max_examples=1000)
@example(["- 2026-11-31 impossible", "+ [ ] [due:: 2026-13-01] [[Ana]]"], "---\ncadence: 30d\n---\n", "\n")
def test_the_one_pass_body_scan_reads_what_the_line_walk_reads(lines: list[str], front: str,
                                                               newline: str) -> None:
    text = front + newline.join(lines)
    assume(not any(mark in text for mark in ("```", "~~~", "%%")))
    walked = parse_note("People/Fuzz.md", text + "\n%% read line by line %%\n", SPELLINGS)
    assert parse_note("People/Fuzz.md", text, SPELLINGS) == walked


@given(st.lists(body_lines, max_size=12), st.lists(st.tuples(keys, scalars), max_size=6))
def test_a_note_pickled_for_the_index_comes_back_the_same(lines: list[str],
                                                         pairs: list[tuple[str, object]]) -> None:
    text = "\n".join(["---", *(f"{k}: {v}" for k, v in pairs), "---", *lines])
    parsed = parse_note("People/Fuzz.md", text, SPELLINGS)
    back = pickle.loads(pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL))
    assert back == parsed
    assert pickle.loads(dumps(parsed)) == parsed  # as the index keeps it
    fields = [field for found in back.fields.values() for field in found]
    assert {type(part) for part in fields} <= {Field} and {type(part) for part in back.entries} <= {Entry}
    assert {type(part) for part in back.links} <= {Link} and {type(part) for part in back.tasks} <= {Task}


def test_a_number_too_long_for_python_is_broken_yaml_not_a_crash() -> None:
    parsed = note("---\nlast-contact: 2026-01-01\nphone: " + "1" * 5000 + "\n---\n")
    assert parsed.skipped
    assert [(p.line, p.severity) for p in parsed.problems] == [(2, "error")]  # the block's first line
    assert "4300" in parsed.problems[0].message and parsed.problems[0].message.endswith("note skipped")


def test_only_a_contact_notes_dated_lines_are_its_log() -> None:
    body = "- 2026-11-01 coffee with [[Jane]]\n## 2026-11-02\n- 2026-02-30 a typo\n"
    daily = note(body, path="Daily/ideas.md")
    person = note("---\ncadence: 30d\n---\n" + body)
    assert daily.entries == () and daily.problems == () and [link.target for link in daily.links] == ["Jane"]
    assert [e.date.isoformat() for e in person.entries] == ["2026-11-01", "2026-11-02"]
    assert [p.line for p in person.problems] == [6]


def _meaning(parsed: Note) -> tuple[object, ...]:
    """What a note says, without line numbers or the exact text of a log line."""
    return ([link.target for link in parsed.links],
            [(t.status, t.text, t.date, t.links) for t in parsed.tasks], [e.date for e in parsed.entries])


no_markup = body_lines.filter(lambda line: not any(m in line for m in ("```", "~~~", "%%", "\r")))


@given(st.lists(st.tuples(no_markup, st.lists(no_markup, max_size=3)), max_size=8))
def test_a_comment_hides_only_itself(lines: list[tuple[str, list[str]]]) -> None:
    """`%% … %%` anywhere, over one line or several, holding anything: the rest reads the same."""
    front = "---\nlast-contact: 2026-01-01\n---\n"
    plain = front + "\n".join(line for line, _ in lines)
    commented = front + "\n".join(f"{line}%%{chr(10).join(hidden)}%%" if hidden else line
                                  for line, hidden in lines)
    assert _meaning(parse_note("People/Fuzz.md", commented, SPELLINGS)) == \
        _meaning(parse_note("People/Fuzz.md", plain, SPELLINGS))


@given(st.lists(no_markup, max_size=5), st.lists(no_markup, max_size=5), st.lists(no_markup, max_size=5),
       st.sampled_from(["  ", "    ", "\t", "      "]), st.sampled_from(["```", "~~~", "````"]))
def test_a_fence_inside_a_list_item_is_code(before: list[str], inside: list[str], after: list[str],
                                            indent: str, fence: str) -> None:
    front = "---\nlast-contact: 2026-01-01\n---\n"
    head = [*before, "- example:"]
    code = [f"{indent}{fence}", *(indent + line for line in inside), f"{indent}{fence}"]
    with_code = parse_note("People/Fuzz.md", front + "\n".join([*head, *code, *after]), SPELLINGS)
    without = parse_note("People/Fuzz.md", front + "\n".join([*head, *after]), SPELLINGS)
    assert _meaning(with_code) == _meaning(without)
