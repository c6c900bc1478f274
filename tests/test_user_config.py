"""Which vault a command reads without --vault, and the user config (`$XDG_CONFIG_HOME/mdfollow`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mdfollow.cli import cli

from .factories import write_vault

ROOT = Path(__file__).parent.parent
CONTACT = "---\nlast-contact: 2026-11-01\n---\n"


def run_in(folder: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        runner = CliRunner(env={"MDFOLLOW_VAULT": None, **(env or {})})
        return runner.invoke(cli, ["--today", "2026-11-22", *args])
    finally:
        os.chdir(cwd)


def user_config(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "mdfollow" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_folder_that_is_not_a_vault_is_never_crawled(tmp_path: Path) -> None:
    write_vault(tmp_path, {"Somewhere/a.md": CONTACT})
    result = run_in(tmp_path, "due")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"mdfollow: error: {tmp_path} is not in a vault (no .obsidian/ or .mdfollow.toml here or above): "
        "give --vault PATH, set MDFOLLOW_VAULT, or put vault = \"~/Notes\" in "
        f"{os.environ['XDG_CONFIG_HOME']}/mdfollow/config.toml\n")


@pytest.mark.parametrize("marker", [".obsidian/app.json", ".mdfollow.toml"])
def test_the_current_folder_or_a_parent_with_a_marker_is_the_vault(tmp_path: Path, marker: str) -> None:
    vault = write_vault(tmp_path / "Notes", {marker: "{}\n" if marker.endswith("json") else "",
                                              "People/a.md": CONTACT, "People/Deep/Down/x.txt": ""})
    for here in (vault, vault / "People" / "Deep" / "Down"):
        result = run_in(here, "stale", "--since", "1d", "--json")
        assert result.exit_code == 0, result.output
        assert [c["path"] for c in json.loads(result.stdout)] == ["People/a.md"]


def test_the_user_config_names_the_vault_and_gives_defaults_the_vault_overrides(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "Notes", {"a.md": CONTACT,
                                             "b.md": CONTACT.replace("---\n", "---\ntags: [client]\n", 1)})
    user_config(f'vault = "{vault}"\nmax-attempts = 3\n[cadence]\ndefault = "7d"\n'
                '[cadence.tags]\nclient = "2d"\n')
    due = {i["contact"]: i["due"] for i in json.loads(run_in(tmp_path, "due", "--json").stdout)}
    assert due == {"a": "2026-11-08", "b": "2026-11-03"}
    write_vault(vault, {".mdfollow.toml": "[cadence]\ndefault = '14d'\n"})
    due = {i["contact"]: i["due"] for i in json.loads(run_in(tmp_path, "due", "--json").stdout)}
    assert due == {"a": "2026-11-15", "b": "2026-11-03"}  # the vault's [cadence] over the user's, key by key


def test_the_user_config_vault_is_expanded_and_a_vault_here_wins(tmp_path: Path) -> None:
    home = write_vault(tmp_path / "home", {"Notes/a.md": CONTACT})
    here = write_vault(tmp_path / "here", {".mdfollow.toml": "", "b.md": CONTACT})
    user_config('vault = "~/Notes"\n')
    env = {"HOME": str(home)}
    assert [c["contact"] for c in json.loads(run_in(tmp_path, "stale", "--since", "1d", "--json", env=env
                                                    ).stdout)] == ["a"]
    assert [c["contact"] for c in json.loads(run_in(here, "stale", "--since", "1d", "--json", env=env
                                                    ).stdout)] == ["b"]


def test_a_typo_in_the_user_config_is_named_there(tmp_path: Path) -> None:
    path = user_config("max-attempt = 3\n")
    result = run_in(tmp_path, "--vault", str(tmp_path), "due")
    assert result.exit_code == 2 and f"{path}: unknown setting max-attempt" in result.stderr


def test_global_options_also_come_after_the_command(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "v", {"a.md": "---\nlast-contact: 2026-11-01\ncadence: 7d\n---\n"})
    result = CliRunner().invoke(cli, ["due", "--json", "--vault", str(vault), "--today=2026-11-22",
                                      "--no-cache", "-q", "--color", "never"])
    assert result.exit_code == 0, result.output
    assert [i["contact"] for i in json.loads(result.stdout)] == ["a"]
    result = CliRunner().invoke(cli, ["log", "a", "--note", "--vault", "--vault", str(vault)])
    assert result.exit_code == 0, result.output
    assert "--vault\n" in (vault / "a.md").read_text(encoding="utf-8")


def test_the_readme_quick_start_runs_on_the_sample_vault() -> None:
    result = run_in(ROOT / "sample-vault", "due", "--within", "7d")
    assert result.exit_code == 0, result.output
    assert "follow-ups due by" in result.stdout
