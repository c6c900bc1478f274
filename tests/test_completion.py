"""Shell completion of NAME: the candidates, and bash completing a name in a real terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pexpect

from mdfollow.completion import names

from .factories import vault

SAMPLE = Path(__file__).parent.parent / "sample-vault"
PEOPLE = vault({
    "People/Jane Doe.md": "---\naliases: [Jane, JD]\ncadence: 30d\n---\n",
    "People/Jo.md": "---\nname: Jo O'Brien (ACME)\ncadence: 30d\n---\n",
    "People/Sam.md": "---\nname: Sam Lee\naliases: jane-friend\ncadence: 30d\n---\n",
}).contacts


def test_names_and_aliases_that_start_with_what_was_typed_in_any_case() -> None:
    assert names(PEOPLE, "ja") == [("Jane", "Jane Doe"), ("Jane Doe", None), ("jane-friend", "Sam Lee")]
    assert names(PEOPLE, "J") == names(PEOPLE, "j")
    assert [label for label, _ in names(PEOPLE, "")] == ["Jane", "Jane Doe", "jane-friend", "JD",
                                                          "Jo O'Brien (ACME)", "Sam Lee"]
    assert names(PEOPLE, "x") == []


def test_bash_gets_words_it_can_insert_as_they_are() -> None:
    # click's bash script reads each word with `read`, which takes one level of backslashes
    assert names(PEOPLE, "jo", bash=True) == [("Jo\\\\ O\\\\'Brien\\\\ \\\\(ACME\\\\)", None)]
    assert names(PEOPLE, "jane-", bash=True) == [("jane-friend", "Sam Lee")]


def mdfollow_on_path() -> dict[str, str]:
    scripts = sysconfig.get_path("scripts")
    path = f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"
    assert shutil.which("mdfollow", path=path), "the mdfollow command is installed with the project"
    return {**os.environ, "PATH": path}


def test_the_completion_protocol_answers_from_the_vault(tmp_path: Path) -> None:
    env = {**mdfollow_on_path(), "MDFOLLOW_VAULT": str(SAMPLE), "_MDFOLLOW_COMPLETE": "zsh_complete",
           "COMP_WORDS": "mdfollow due --contact ma", "COMP_CWORD": "3"}
    done = subprocess.run(["mdfollow"], env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.splitlines() == ["plain", "Martin", "Martin Kowalski",
                                        "plain", "Martin Kowalski", "_"]
    assert done.stderr == ""
    env.update(MDFOLLOW_VAULT=str(tmp_path / "missing"), COMP_WORDS="mdfollow log ma")
    nothing = subprocess.run(["mdfollow"], env=env, capture_output=True, text=True, check=True)
    assert (nothing.stdout.strip(), nothing.stderr) == ("", "")


def test_bash_completes_names_with_spaces_and_quotes_and_runs_them(tmp_path: Path) -> None:
    root = Path(shutil.copytree(SAMPLE, tmp_path / "vault"))
    jo = "---\nname: Jo O'Brien (ACME)\ncadence: 30d\n---\n"
    (root / "People" / "Jo.md").write_text(jo, encoding="utf-8")
    env = {**mdfollow_on_path(), "MDFOLLOW_VAULT": str(root), "PS1": "$ ", "TERM": "dumb"}
    shell = pexpect.spawn("bash", ["--norc", "--noprofile"], env=env, encoding="utf-8", timeout=30,
                          dimensions=(24, 200), cwd=str(tmp_path))
    shell.expect_exact("$ ")
    shell.sendline('eval "$(_MDFOLLOW_COMPLETE=bash_source mdfollow)" && echo ready')
    shell.expect_exact("ready")
    shell.expect_exact("$ ")
    shell.send("mdfollow show grac\t")
    shell.expect_exact("Grace\\ Okafor ")  # bash rewrites the word in place
    shell.send("\r")
    shell.expect_exact("Grace Okafor (People/Grace Okafor.md)")
    shell.expect_exact("$ ")
    shell.send("mdfollow show jo\t")
    shell.expect_exact("Jo\\ O\\'Brien\\ \\(ACME\\) ")
    shell.send("\r")
    shell.expect_exact("Jo O'Brien (ACME) (People/Jo.md)")
    shell.expect_exact("$ ")
    shell.sendline("exit")
    shell.expect(pexpect.EOF)
