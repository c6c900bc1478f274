"""`due` and `stale` narrowed down: --tag, --kind, --contact, --limit (CLI through CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from mdfollow.cli import cli

SAMPLE = Path(__file__).parent.parent / "sample-vault"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--vault", str(SAMPLE), "--today", "2026-11-27", *args])


def listed(*args: str) -> list[tuple[str, str]]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return [(item["contact"], item["kind"]) for item in json.loads(result.stdout)]


def test_due_by_tag_any_of_them_without_hash_or_case() -> None:
    assert listed("due", "--tag", "#Family", "--tag", "client") == [
        ("Jane Doe", "promise"), ("Chloé Martin", "cadence")]
    assert listed("due", "--tag", "nobody-has-this") == []


def test_due_by_kind_contact_and_limit() -> None:
    everything = listed("due")
    assert listed("due", "--kind", "promise", "--kind", "first") == [
        item for item in everything if item[1] in ("promise", "first")]
    priya = [("Priya Natarajan", "first"), ("Priya Natarajan", "promise")]
    assert listed("due", "--contact", "priya") == priya
    assert listed("due", "--limit", "2") == everything[:2]
    assert listed("due", "--kind", "promise", "--limit", "1") == [("Kenji Watanabe", "promise")]
    table = run("due", "--contact", "jane", "--kind", "cadence")
    assert table.exit_code == 0 and table.stdout.startswith("Nothing due today")


def test_due_filters_refuse_what_they_cannot_use() -> None:
    assert run("due", "--kind", "gossip").exit_code == 2
    assert run("due", "--limit", "0").exit_code == 2
    missing = run("due", "--contact", "Nobody At All")
    assert missing.exit_code == 4 and missing.stdout == "" and "Nobody At All" in missing.stderr


def test_stale_by_tag_and_limit() -> None:
    names = [c["contact"] for c in json.loads(run("stale", "--since", "30d", "--json").stdout)]
    assert names[:3] == ["Ben Carter", "Noah Williams", "Priya Natarajan"]
    tagged = json.loads(run("stale", "--since", "30d", "--tag", "hiring", "--tag", "conference",
                            "--json").stdout)
    assert [c["contact"] for c in tagged] == ["Ben Carter", "Priya Natarajan"]
    limited = json.loads(run("stale", "--since", "30d", "--limit", "2", "--json").stdout)
    assert [c["contact"] for c in limited] == names[:2]
