"""Drafts: the kind chosen by what is due, placeholders filled, never a raw {{…}}."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from mdfollow.cli import cli
from mdfollow.config import Config
from mdfollow.drafts import KINDS, kind_for, render, values_for
from mdfollow.schedule import current

from .factories import vault, write_vault

BUILT_IN = Path(__file__).parent.parent / "mdfollow" / "drafts"


def test_placeholders_fallbacks_and_lines_with_a_hole_dropped() -> None:
    template = ("Subject: Hi {{first_name}}\n\nAt {{met_at|the event}}.\nAbout {{last_log}}.\n"
                "{{ Name }} and {{unknown}}\n{{weird-name}}\n\n\n\nBye\n")
    assert render(template, {"first_name": "Jane", "name": "Jane Doe"}) == \
        "Subject: Hi Jane\n\nAt the event.\n\nBye\n"


def test_values_read_as_plain_text() -> None:
    contact = vault({"People/Jane Doe.md": """
        ---
        company: "[[Bloom & Co|Bloom]]"
        met: 2026-11-20
        met-at: the spring fair
        cadence: 30d
        ---
        - 2026-10-20 (meeting) lunch; hiring a second planner
        - [ ] send the florist's name 📅 2026-11-25
        """}).contacts[0]
    assert values_for(contact, Config(draft_name="Alex")) == {
        "name": "Jane Doe", "first_name": "Jane", "met": "November 20", "met_at": "the spring fair",
        "company": "Bloom", "last_log": "lunch; hiring a second planner",
        "promise": "send the florist's name", "my_name": "Alex"}


def test_the_kind_follows_what_is_due() -> None:
    contacts = vault({
        "a.md": "---\nname: A\nmet: 2026-11-20\n---\n",
        "b.md": "---\nname: B\nsequence: sales\nmet: 2026-11-01\n---\n",
        "c.md": "---\nname: C\nlast-contact: 2026-01-01\nattempts: 6\n---\n",
        "d.md": "---\nname: D\nlast-contact: 2026-01-01\ncadence: 30d\n---\n",
        "e.md": "---\nname: E\nstatus: closed\nlast-contact: 2026-01-01\n---\n",
    }).contacts
    assert {c.name: kind_for(current(c, Config())) for c in contacts} == {
        "A": "thank-you", "B": "nudge", "C": "break-up", "D": "check-in", "E": "check-in"}


@pytest.mark.parametrize("kind", KINDS)
def test_every_built_in_draft_reads_well_with_or_without_values(kind: str) -> None:
    template = (BUILT_IN / f"{kind}.md").read_text(encoding="utf-8")
    full = {"name": "Jane Doe", "first_name": "Jane", "met": "November 20", "met_at": "the fair",
            "company": "Bloom", "last_log": "lunch", "promise": "the list", "my_name": "Alex",
            "signature": "alex.example"}
    for values in (full, {"first_name": "Jane", "name": "Jane"}):
        text = render(template, values)
        assert "{{" not in text and "}}" not in text
        assert text.startswith("Subject: ") and "Hi Jane," in text
    assert "Alex\nalex.example\n" in render(template, full)


@given(st.text(st.sampled_from("{}|ab \n_"), max_size=80),
       st.dictionaries(st.sampled_from(["name", "first_name", "met_at"]),
                       st.text(st.sampled_from("{}ab "), min_size=1, max_size=10), max_size=3))
def test_render_never_leaves_a_raw_placeholder(template: str, values: dict[str, str]) -> None:
    rendered = render(template + "\n{{first_name}} {{met_at|there}}", values)
    assert "{{" not in rendered


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner(env=env).invoke(cli, ["--vault", str(root), "--today", "2026-11-22", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def people(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "v", {
        ".mdfollow.toml": "[draft]\nname = \"Alex Kim\"\n",
        "People/Priya.md": "---\nmet: 2026-11-20\nmet-at: the Data Summit\n---\n",
        "People/Sam.md": "---\nsequence: sales\nmet: 2026-11-10\nattempts: 1\n---\n",
    })


def test_draft_command_picks_the_kind_and_fills_the_note(people: Path) -> None:
    code, out, _ = run(people, "draft", "priya")
    assert code == 0
    assert out.splitlines()[:5] == [
        "Subject: Thank you, Priya", "", "Hi Priya,", "",
        "Thank you for the conversation at the Data Summit on November 20; it was good to meet you."]
    assert out.endswith("Best,\nAlex Kim\n")
    assert run(people, "draft", "sam")[1].startswith("Subject: Following up, Sam\n")
    assert run(people, "draft", "sam", "--kind", "break-up")[1].startswith("Subject: Closing the loop, Sam\n")
    assert run(people, "draft", "sam", "--kind", "gossip")[0] == 2


def test_a_vault_template_overrides_the_built_in_one(people: Path) -> None:
    override = "Subject: Yo {{first_name}}\n\n{{nothing}}\nCheers\n"
    write_vault(people, {"Templates/mdfollow/thank-you.md": override})
    assert run(people, "draft", "priya")[1] == "Subject: Yo Priya\n\nCheers\n"


def test_copy_uses_the_clipboard_tool_there_is(people: Path, tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    clipboard = tmp_path / "clipboard.txt"
    (tools / "xclip").write_text(f"#!/bin/sh\n/bin/cat > '{clipboard}'\n", encoding="utf-8")
    (tools / "xclip").chmod(0o755)
    code, out, err = run(people, "draft", "priya", "--copy", env={"PATH": str(tools)})
    assert (code, err) == (0, "(copied to the clipboard)\n")
    assert clipboard.read_text(encoding="utf-8") == out
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run(people, "draft", "priya", "--copy", env={"PATH": str(empty)})
    assert code == 0 and out.startswith("Subject:") and "no clipboard here" in err
    assert os.environ.get("PATH")  # the real PATH is untouched
