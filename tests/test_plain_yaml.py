"""The plain-YAML fast path reads exactly what libyaml reads, or steps aside.

`repr` is compared, not `==`: it tells `True` from `1`, `1.0` from `1`, a date from a
datetime, and one key order from another.
"""

from __future__ import annotations

import datetime as dt
from random import Random

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mdfollow import plain_yaml
from mdfollow.notes import NoteLoader, _FrontMatter, _key_lines, plain_key_lines


def libyaml(text: str) -> str:
    try:
        return repr(yaml.load(text, Loader=NoteLoader))
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as error:
        return f"error: {type(error).__name__}"


# Every character that means something to YAML, and some that only look harmless.
TRICKY = [*"aBy1209-:. #,[]{}'\"\\&*!|>%@`?~_+=<eExXTZnNoOfF\t",
          "é", "李", "🔥", "\x85", "\u2028", "\ufeff", "\x7f", "\x01", "\r", "  ", ": ", " #"]
words = st.lists(st.sampled_from(TRICKY), min_size=1, max_size=10).map("".join)
values = st.one_of(
    words,
    st.sampled_from(["2026-11-18", "2026-02-30", "2026-11-18 09:30", "2023-05-17T03:22:27",
                     "2026-11-18T09:30:00+02:00", "12:30", "0x1F", "0o17", "017", "1_000", "-3",
                     "+5", ".5", "1e3", "1.5e+3", ".inf", "-.Inf", ".nan", "yes", "No", "on", "OFF",
                     "y", "n", "~", "null", "NULL", "true", "False", "=", "<<", "30d", "[[Acme]]",
                     "{{date}}", "<% tp.date.now() %>", "'it''s'", '"x"', '"a\\"b"', "-", "- a",
                     "[a, b]", "[]", "[ a , 'b c' , \"d\" ]", "[a,]", "[a, [b]]", "{a: b}", "a: b",
                     "|", ">", "&anchor x", "*alias", "!!str 3", "https://x.y/a#b", "C#", "a #b"]),
)
keys = st.one_of(st.sampled_from(["name", "last-contact", "First Name", "Date & Time", "TAG", "yes",
                                  "1", "2026-01-01", "~", "<<", "a:b", "- x", "? x", "key "]), words)
indents = st.sampled_from(["", " ", "  ", "    ", "\t"])
lines = st.one_of(
    st.builds(lambda k, sep, v, c: f"{k}{sep}{v}{c}", keys,
              st.sampled_from([": ", ":", " : ", ":  ", ":\t"]), values,
              st.sampled_from(["", "  ", " # note", "# x", "\t# x"])),
    st.builds(lambda k, c: f"{k}:{c}", keys, st.sampled_from(["", " ", " # YYYY-MM-DD"])),
    st.builds(lambda i, v: f"{i}- {v}", indents, values),
    st.builds(lambda i: f"{i}-", indents),
    st.sampled_from(["", "  ", "# comment", "  # indented comment", "---", "...", "%YAML 1.1"]),
    st.builds(lambda i, w: f"{i}{w}", indents, words),
)


@given(st.lists(lines, min_size=1, max_size=8))
@settings(max_examples=1500)
@example(["a : b"])
@example(["tags:", "- a", "  - b"])
@example(["x: 1", "x:", "  - 2"])
@example(["aliases:", "  - ", "  - Jane"])
@example(["k: a", "  continued"])
@example(["k:", "  value on the next line"])
def test_plain_reading_agrees_with_libyaml_or_steps_aside(front: list[str]) -> None:
    text = "\n".join(front) + "\n"
    fast = plain_yaml.load(text, NoteLoader)
    if fast is not None:
        assert repr(fast) == libyaml(text)


# What notes are really made of: the fast path must take all of it, not step aside.
plain_values = st.one_of(
    st.text(st.sampled_from("abcXYZ019éü李🔥.-_/@()&!?'\""), min_size=1, max_size=15).filter(
        lambda v: v[0] not in "-?'\"&!@" and v.strip() == v),
    st.sampled_from(["2026-11-18", "2026-02-30", "2026-11-18 09:30", "30d", "every 2 weeks",
                     "yes", "3", "-3", "1.5", "https://example.com/a#b", "12:30", "C#"]),
    st.lists(st.sampled_from(["client", "Jane Doe", "李", "x-y", "3", "yes"]), max_size=3).map(
        lambda items: "[" + ", ".join(items) + "]"),
    st.sampled_from(['"[[Acme]]"', "'it''s'", '"Jane, Doe: the #1"']),
)
plain_keys = st.from_regex(r"[A-Za-z][A-Za-z0-9 _-]{0,15}", fullmatch=True).filter(
    lambda k: k.strip() == k and libyaml(f"{k}: x").startswith("{"))


@given(st.lists(st.tuples(plain_keys, plain_values, st.sampled_from(["", "   # why"])), min_size=1,
                max_size=12),
       st.lists(st.sampled_from(["Jane", "'Jane Doe'", '"[[People]]"', ""]), max_size=3),
       st.sampled_from(["", "  "]))
def test_the_front_matter_people_write_is_read_the_fast_way(
        pairs: list[tuple[str, str, str]], items: list[str], indent: str) -> None:
    lines = [f"{key}: {value}{comment}" for key, value, comment in pairs]
    lines += ["aliases:", *(f"{indent}- {item}".rstrip() for item in items)]
    text = "\n".join(lines) + "\n"
    fast = plain_yaml.load(text, NoteLoader)
    assert fast is not None, text
    assert repr(fast) == libyaml(text)


def test_impossible_dates_stay_text_as_the_note_loader_keeps_them() -> None:
    assert plain_yaml.load("last-contact: 2026-02-30\n", NoteLoader) == {"last-contact": "2026-02-30"}


def test_what_is_not_plain_goes_to_libyaml() -> None:
    for text in ["x: {{date}}\n", "x: !!python/object:os.system\n", "<<: {a: 1}\n", "x: |\n  a\n",
                 "x: 'a\n  b'\n", "x:\n  y: 1\n", "x: \"a\\tb\"\n", "# only a comment\n", ""]:
        assert plain_yaml.load(text, NoteLoader) is None, text


@given(st.lists(st.tuples(plain_keys, plain_values, st.sampled_from(["", "   # why"])), min_size=1,
                max_size=6),
       st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(TRICKY)), min_size=1, max_size=3))
@settings(max_examples=1500)
@example([("A", "12:30", "   # why")], [(31, "_"), (0, "a"), (235, "0")])  # `- 0x_`: int() refuses it
def test_one_odd_character_in_plain_front_matter_is_read_right_or_left_to_libyaml(
        pairs: list[tuple[str, str, str]], inserts: list[tuple[int, str]]) -> None:
    text = "\n".join(f"{key}: {value}{comment}" for key, value, comment in pairs) + "\naliases:\n  - x\n"
    for position, character in inserts:
        position %= len(text)
        text = text[:position] + character + text[position:]
    try:
        fast = plain_yaml.load(text, NoteLoader)
    except ValueError as error:  # a value a constructor refuses fails as it does in libyaml
        assert libyaml(text) == f"error: {type(error).__name__}"
        return
    if fast is not None:
        assert repr(fast) == libyaml(text)


def test_a_value_a_constructor_refuses_fails_as_it_does_in_libyaml() -> None:
    text = "phone: " + "1" * 5000 + "\n"  # past Python's 4,300-digit limit for int()
    assert libyaml(text) == "error: ValueError"
    with pytest.raises(ValueError, match="4300"):
        plain_yaml.load(text, NoteLoader)


@given(st.lists(lines, min_size=1, max_size=8))
@settings(max_examples=1000)
@example(["-x: 1"])
@example(["a:b: 1"])
@example(["\u3000key: 1", "key\u00a0: 2"])
@example(["x: 1", "x: 2"])
def test_the_plain_reading_finds_each_key_on_the_line_the_regex_finds_it(front: list[str]) -> None:
    text = "\n".join(front) + "\n"
    keys: list[tuple[str, int]] = []
    if plain_yaml.load(text, NoteLoader, keys) is not None:
        by_regex = _key_lines(_FrontMatter(text, 2, 0, 0))
        assert plain_key_lines(2, keys) == by_regex


@given(st.lists(st.tuples(plain_keys, plain_values), min_size=1, max_size=8), st.randoms(),
       st.sampled_from(["", "aliases:\n  - x\n"]))
def test_a_line_read_again_is_read_as_the_first_time(pairs: list[tuple[str, str]], random: Random,
                                                     before: str) -> None:
    """Whole lines are kept between notes: a note of lines read before, in another order
    or after a list, reads as libyaml reads it, finds its keys' lines, and has lists of its own."""
    lines = [f"{key}: {value}" for key, value in pairs]
    plain_yaml.load("\n".join(lines) + "\n", NoteLoader)
    random.shuffle(lines)
    text = before + "\n".join(lines) + "\n"
    keys: list[tuple[str, int]] = []
    fast = plain_yaml.load(text, NoteLoader, keys)
    assert fast is not None and repr(fast) == libyaml(text)
    assert plain_key_lines(2, keys) == _key_lines(_FrontMatter(text, 2, 0, 0))
    for value in fast.values():
        if isinstance(value, list):
            value.append("changed by the first note's reader")
    assert repr(plain_yaml.load(text, NoteLoader)) == libyaml(text)


@given(st.lists(st.sampled_from(["2026-11-18", "30d", "yes", "3", "1.5", "~", "Jane", "2026-02-30"]),
                min_size=1, max_size=40))
def test_a_value_read_again_is_the_value_read_first(values: list[str]) -> None:
    """Values are kept between notes: the thousandth note gets what the first got."""
    for value in values:
        assert repr(plain_yaml.load(f"k: {value}\n", NoteLoader)) == libyaml(f"k: {value}\n")


line_parts = st.text(st.sampled_from([*"aZ_09-: .@+/()#'\"[]{}!&*?|>%`,\t\\", "é", "\u00a0", "\x85"]),
                     max_size=15)


@given(st.one_of(line_parts, st.builds(lambda k, v: f"a{k}: {v}", line_parts, line_parts)))
@settings(max_examples=1000)
@example("last-contact: 2026-11-18")
@example("a: b ")
@example("a: b # c")
@example("a:  b")
@example("a: -b")
def test_the_quick_key_line_reads_what_the_full_one_reads(line: str) -> None:
    quick = plain_yaml._SIMPLE_LINE.fullmatch(line)
    if quick is not None:
        full = plain_yaml._KEY_LINE.fullmatch(line)
        assert full is not None and full.group("key", "value") == quick.group("key", "value")


class _EmptiedByAnotherThread(dict[str, object]):
    """The kept values' table, emptied by another thread (full, at the start of its note)
    right after this one finds a value in it."""

    def __contains__(self, key: object) -> bool:
        found = super().__contains__(key)
        if found:
            self.clear()
        return found

    def get(self, key: str, default: object = None) -> object:
        found = super().get(key, default)
        if found is not default:
            self.clear()
        return found


def test_values_kept_between_notes_survive_another_thread_emptying_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The web server and the watcher read notes in threads, and one empties the table when
    it is full: a value looked up just then is still read, never a KeyError."""
    text = "last-contact: 2026-11-18\ncadence: 30\npaused: yes\nname: Jane\n"
    table = _EmptiedByAnotherThread()
    monkeypatch.setitem(plain_yaml._VALUES, NoteLoader, table)
    for _ in range(3):
        table["2026-11-18"] = dt.date(2026, 11, 18)  # read by an earlier note
        assert repr(plain_yaml.load(text, NoteLoader)) == libyaml(text)
