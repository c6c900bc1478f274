"""`mdfollow show` (what is computed for one contact, and from where) and `mdfollow edit`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from mdfollow.cli import cli
from mdfollow.config import Config
from mdfollow.explain import explain, last_contact_source

from .factories import TODAY, note, vault

SAMPLE = Path(__file__).parent.parent / "sample-vault"


def run(*args: str, env: dict[str, str] | None = None, root: Path = SAMPLE) -> Result:
    return CliRunner().invoke(cli, ["--vault", str(root), "--today", "2026-11-27", *args], env=env)


def shown(name: str) -> dict[str, Any]:
    result = run("show", name, "--json")
    assert result.exit_code == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_which_spelling_was_read_and_where_the_last_contact_came_from() -> None:
    martin = shown("martin")
    read = {"field": "last-contact", "key": "lastContact", "value": "2026-09-15", "line": 6}
    assert read in martin["fields"]
    assert martin["last_contact_from"] == {"kind": "front-matter", "key": "lastContact",
                                           "source": "People/Martin Kowalski.md:6"}
    jane = shown("jane")["last_contact_from"]
    assert jane == {"kind": "note", "source": "Daily/2026-11-18.md", "key": None}
    assert shown("sam")["last_contact_from"] == {"kind": "log", "source": "People/Sam Lee.md:14", "key": None}
    assert shown("priya")["last_contact_from"] is None


def test_cadence_source_rule_promises_and_birthday() -> None:
    assert (shown("chloé")["cadence"], shown("chloé")["cadence_source"]) == ("14 days", "tag #family")
    assert shown("rosa")["cadence_source"] == "default"
    martin = shown("martin")
    assert martin["follow_up"] == {"kind": "break-up", "due": "2026-11-14",
                                   "title": "Last try after 6 unanswered: close the loop"}
    assert martin["rule"] == ("6 unanswered tries reached max-attempts 6: one last note, "
                              "60 days after 2026-09-15")
    kenji = shown("kenji")
    assert kenji["follow_up"] is None and kenji["rule"].startswith("status closed")
    assert kenji["promises"] == [{"text": "return Kenji's book (The Art of Gathering)", "due": "2026-11-20",
                                  "source": "People/Kenji Watanabe.md:8"}]
    assert shown("ana")["next_birthday"] == "2026-12-06"
    assert shown("rosa")["problems"][0].startswith("People/Rosa Delgado.md:2: error: last-contact")


def test_show_as_text() -> None:
    result = run("show", "grace")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Grace Okafor (People/Grace Okafor.md)"
    assert "  line 3    contact-frequency  every 2 weeks  (read as cadence)" in lines
    assert "Last contact  2026-11-05 — log line 11" in lines
    assert "Follow-up     cadence, due 2026-11-19, 8d late: Check in (every 2 weeks)" in lines
    assert "  because     last contact 2026-11-05 + every 2 weeks" in lines
    missing = run("show", "nobody-at-all")
    assert missing.exit_code == 4 and missing.stdout == ""


def test_explain_is_pure_and_prefers_the_front_matter_on_a_tie() -> None:
    text = """
    ---
    LastChatted: 2026-11-01
    last-contact: 2026-11-10
    cadence: 2w
    snooze-until: 2026-12-20
    ---
    - 2026-11-10 coffee
    """
    contact = vault({"People/Jane Doe.md": text}).contacts[0]
    parsed = note(text)
    source = last_contact_source(contact, parsed)
    assert source is not None and (source.kind, source.key, source.source) == (
        "front-matter", "last-contact", "People/Jane Doe.md:3")
    found = explain(contact, parsed, (), Config(), TODAY)
    assert found.rule == "last contact 2026-11-10 + every 2 weeks; snoozed until 2026-12-20"
    assert [(f.key, f.field) for f in found.fields][:2] == [("LastChatted", "last-contact"),
                                                            ("last-contact", "last-contact")]


def test_edit_opens_the_note_in_the_editor(tmp_path: Path) -> None:
    root = Path(shutil.copytree(SAMPLE, tmp_path / "vault"))
    editor = tmp_path / "editor"
    editor.write_text('#!/bin/sh\necho "- 2026-11-27 edited" >> "$1"\n', encoding="utf-8")
    editor.chmod(0o755)
    result = run("edit", "grace", root=root, env={"VISUAL": str(editor), "EDITOR": ""})
    assert result.exit_code == 0, result.output
    after = (root / "People" / "Grace Okafor.md").read_bytes()
    assert after == (SAMPLE / "People" / "Grace Okafor.md").read_bytes() + b"- 2026-11-27 edited\n"
    assert run("edit", "nobody-at-all", root=root).exit_code == 4
    broken = run("edit", "grace", root=root, env={"VISUAL": str(tmp_path / "no-such-editor"), "EDITOR": ""})
    assert broken.exit_code == 2 and broken.stdout == ""
    said = broken.stderr.splitlines()[-1]  # after the sample vault's own warnings
    assert said.startswith(f"mdfollow: error: {tmp_path / 'no-such-editor'}: Editing failed")
    assert said.endswith("; set VISUAL or EDITOR to an editor that works")
