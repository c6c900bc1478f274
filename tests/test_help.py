"""`mdfollow help TOPIC`: the reference pages an installed copy carries with it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mdfollow.cli import cli
from mdfollow.errors import InvalidValue
from mdfollow.topics import TOPICS, section

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).parent.parent


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="mdfollow")


def test_help_lists_the_topics_and_the_commands() -> None:
    result = run("help")
    assert result.exit_code == 0
    for name in TOPICS:
        assert f"\n  {name:<8} " in result.stdout
    assert "review, serve, show" in result.stdout


def test_each_topic_is_a_part_of_the_docs_shipped_in_the_package() -> None:
    rules = run("help", "rules").stdout
    assert rules.startswith("## Contact notes\n") and "### The rules: when is a contact due?" in rules
    assert "### Fields and their spellings" not in rules and "## Commands" not in rules
    fields = run("help", "fields").stdout
    assert fields.startswith("### Fields and their spellings\n") and "`LastChatted`" in fields
    assert "### Effective last contact" not in fields
    config = run("help", "CONFIG").stdout
    assert config.startswith("## Config file\n") and "[cadence.tags]" in config
    assert "## Exit status" not in config
    assert "`last_contact_from`" in run("help", "json").stdout
    for page in ("notes.md", "config.md"):  # links, so never stale
        shipped = ROOT / "mdfollow" / "topics" / page
        assert shipped.read_bytes() == (ROOT / "docs" / page).read_bytes()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "topics/*.md" in package_data["tool"]["setuptools"]["package-data"]["mdfollow"]


def test_a_section_ends_at_its_level_and_code_is_not_a_heading() -> None:
    text = "# T\n## A\ntext\n```toml\n# not a heading\n```\n### A.1\nmore\n## B\nb\n"
    assert section(text, "## A") == "## A\ntext\n```toml\n# not a heading\n```\n### A.1\nmore\n"
    assert section(text, "### A.1") == "### A.1\nmore\n"
    assert section(text, "## B") == "## B\nb\n"
    with pytest.raises(InvalidValue, match="no '## C' section"):
        section(text, "## C")


def test_help_on_a_command_and_on_nothing_known() -> None:
    command = run("help", "due")
    assert command.exit_code == 0 and command.stdout.startswith("Usage: mdfollow due [OPTIONS]")
    assert "--tag TAG" in command.stdout
    unknown = run("help", "gossip")
    assert unknown.exit_code == 2 and unknown.stdout == ""
    assert unknown.stderr == ("mdfollow: error: no help topic 'gossip'; topics: rules, fields, config, json "
                              "(or a command's name)\n")
    assert "`mdfollow help rules`" in " ".join(run("--help").stdout.split())
