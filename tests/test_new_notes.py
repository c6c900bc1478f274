"""Where new notes go and what they hold (`new_notes`): folders, free names, fields."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdfollow.addressbook import Person, Plan
from mdfollow.errors import InvalidValue
from mdfollow.new_notes import contact_fields, folder_prefix, free_path, imported_notes, same_name

NOW = dt.datetime(2026, 11, 30, 9, 30)


@pytest.mark.parametrize(("folder", "prefix"), [("People", "People/"), ("People/Friends/", "People/Friends/"),
                                                ("./People//x", "People/x/"), ("", ""), (".", ""),
                                                ("People\\Work", "People/Work/")])
def test_a_folder_becomes_the_prefix_of_its_notes(folder: str, prefix: str) -> None:
    assert folder_prefix(folder) == prefix


@given(st.text(alphabet=st.sampled_from("ab./\\:"), max_size=12))
def test_a_prefix_never_leads_out_of_the_vault(folder: str) -> None:
    try:
        prefix = folder_prefix(folder)
    except InvalidValue:
        return
    parts = prefix.split("/")
    assert parts[-1] == "" and ".." not in parts and "." not in parts and not prefix.startswith("/")
    assert ":" not in prefix and "\\" not in prefix


def test_a_taken_name_gets_the_next_number(tmp_path: Path) -> None:
    (tmp_path / "People").mkdir()
    (tmp_path / "People" / "Jane Doe.md").write_text("", encoding="utf-8")
    taken: set[str] = set()
    assert free_path(tmp_path, "People/", "Jane Doe.md", taken) == "People/Jane Doe 2.md"
    assert free_path(tmp_path, "People/", "JANE DOE 2.md", taken) == "People/JANE DOE 2 2.md"  # any case
    assert free_path(tmp_path, "", "Sam.md", taken) == "Sam.md"
    assert taken == {"people/jane doe 2.md", "people/jane doe 2 2.md", "sam.md"}


def test_an_import_beside_a_note_of_another_case_takes_another_name(tmp_path: Path) -> None:
    """On Linux both files could be; synced to a Mac or Windows, one would replace the other."""
    (tmp_path / "People").mkdir()
    (tmp_path / "People" / "ana ruiz.md").write_text("", encoding="utf-8")
    plan = Plan([(Person("Ana Ruiz", (), (), None, None, 1), {})], [])
    changes, _ = imported_notes(plan, tmp_path, "People/", None, NOW, {})
    assert [change.path for change in changes] == ["People/Ana Ruiz 2.md"]


def test_new_fills_in_what_its_options_say() -> None:
    assert contact_fields(None, None, "") == {}
    assert contact_fields("30d", dt.date(2026, 11, 2), " client, #friend ,,") == {
        "cadence": "30d", "met": "2026-11-02", "tags": '["client", "friend"]'}


def test_an_import_names_each_note_apart_and_refuses_a_name_without_a_file_name(tmp_path: Path) -> None:
    def person(name: str, line: int) -> Person:
        return Person(name, (), (), None, None, line)

    plan = Plan([(person("Ana Ruiz", 1), {"cadence": "90d"}), (person("Ana Ruiz", 5), {}),
                 (person("///", 9), {})], [])
    changes, refused = imported_notes(plan, tmp_path, "People/", None, NOW, {})
    assert [change.path for change in changes] == ["People/Ana Ruiz.md", "People/Ana Ruiz 2.md"]
    assert all(change.before is None for change in changes)
    assert "cadence: 90d" in changes[0].after and 'name: "Ana Ruiz"' in changes[1].after
    assert [(who.line, why) for who, why in refused] == [(9, "'///' gives no usable file name")]


def test_the_note_already_at_a_path_is_found_in_any_case(tmp_path: Path) -> None:
    (tmp_path / "People").mkdir()
    (tmp_path / "People" / "ana ruiz.md").write_text("", encoding="utf-8")
    assert same_name(tmp_path, "People/Ana Ruiz.md") == "People/ana ruiz.md"
    assert same_name(tmp_path, "People/ana ruiz.md") == "People/ana ruiz.md"
    assert same_name(tmp_path, "People/Sam.md") is None
    assert same_name(tmp_path, "Clients/Ana Ruiz.md") is None  # no such folder
