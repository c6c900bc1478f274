"""`mdfollow help TOPIC`: the reference pages an installed copy carries with it."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner, Result

from mdfollow.cli import cli
from mdfollow.topics import TOPICS

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


def test_each_topic_is_a_page_shipped_in_the_package() -> None:
    assert run("help", "rules").stdout.startswith("# The rules")
    assert "## The rules: when is a contact due?" in run("help", "rules").stdout
    assert "`LastChatted`" in run("help", "fields").stdout
    assert "[cadence.tags]" in run("help", "CONFIG").stdout
    assert "`last_contact_from`" in run("help", "json").stdout
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "topics/*.md" in package_data["tool"]["setuptools"]["package-data"]["mdfollow"]


def test_help_on_a_command_and_on_nothing_known() -> None:
    command = run("help", "due")
    assert command.exit_code == 0 and command.stdout.startswith("Usage: mdfollow due [OPTIONS]")
    assert "--tag TAG" in command.stdout
    unknown = run("help", "gossip")
    assert unknown.exit_code == 2 and unknown.stdout == ""
    assert unknown.stderr == ("mdfollow: error: no help topic 'gossip'; topics: rules, fields, config, json "
                              "(or a command's name)\n")
    assert "`mdfollow help rules`" in " ".join(run("--help").stdout.split())
