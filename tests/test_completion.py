"""Shell completion of NAME: the candidates, and bash completing a name in a real terminal."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sysconfig
import time
from pathlib import Path

import pexpect
from hypothesis import given
from hypothesis import strategies as st

from mdfollow.completion import Labels, names
from mdfollow.locations import index_folder
from mdfollow.name_list import NAMES

from .factories import vault
from .imports import imported

SAMPLE = Path(__file__).parent.parent / "sample-vault"
PEOPLE = [(contact.name, contact.aliases) for contact in vault({
    "People/Jane Doe.md": "---\naliases: [Jane, JD]\ncadence: 30d\n---\n",
    "People/Jo.md": "---\nname: Jo O'Brien (ACME)\ncadence: 30d\n---\n",
    "People/Sam.md": "---\nname: Sam Lee\naliases: jane-friend\ncadence: 30d\n---\n",
}).contacts]


def test_names_and_aliases_that_start_with_what_was_typed_in_any_case() -> None:
    assert names(PEOPLE, "ja") == [("Jane", "Jane Doe"), ("Jane Doe", None), ("jane-friend", "Sam Lee")]
    assert names(PEOPLE, "J") == names(PEOPLE, "j")
    assert [label for label, _ in names(PEOPLE, "")] == ["Jane", "Jane Doe", "jane-friend", "JD",
                                                          "Jo O'Brien (ACME)", "Sam Lee"]
    assert names(PEOPLE, "x") == []


@given(st.permutations([("Jane Doe", ("Jane", "JD")), ("Jane", ()), ("Jan Roe", ("JD", "jr")),
                         ("Ann", ("jr",))]), st.sampled_from(["", "j", "ja", "jd", "x"]))
def test_the_candidates_do_not_depend_on_the_order_of_the_contacts(people: list[Labels], typed: str) -> None:
    assert names(people, typed) == names(sorted(people), typed)
    assert dict(names(people, "j")) == {"Jan Roe": None, "Jane": None, "Jane Doe": None, "JD": "Jan Roe",
                                        "jr": "Ann"}  # a name before an alias; the first name


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


def test_the_command_answers_a_tab_without_loading_the_cli_and_as_the_cli_would(tmp_path: Path) -> None:
    root = Path(shutil.copytree(SAMPLE, tmp_path / "vault"))
    jo = "---\nname: Jo O'Brien (ACME)\naliases: [\"J: O\"]\ncadence: 30d\n---\n"
    (root / "People" / "Jo.md").write_text(jo, encoding="utf-8")
    day_ago = time.time() - 86400  # notes and folders as they are after a day: all is kept
    for path in [root, *root.rglob("*")]:
        os.utime(path, (day_ago, day_ago))
    env = {**mdfollow_on_path(), "MDFOLLOW_VAULT": str(root), "PYTHONPROFILEIMPORTTIME": "1"}
    script = Path(str(shutil.which("mdfollow", path=env["PATH"])))
    assert "mdfollow.entry" in script.read_text(encoding="utf-8", errors="replace"), (
        "the installed mdfollow script is an older one: pip install -e . again")
    subprocess.run(["mdfollow", "due"], env=env, cwd=tmp_path, capture_output=True, check=True)
    names = index_folder(root) / NAMES
    assert stat.S_IMODE(names.stat().st_mode) == 0o600

    def complete(shell: str, words: str, cword: str) -> tuple[bytes, set[str]]:
        done = subprocess.run(["mdfollow"], env={**env, "_MDFOLLOW_COMPLETE": f"{shell}_complete",
                                                 "COMP_WORDS": words, "COMP_CWORD": cword},
                              cwd=tmp_path, capture_output=True, check=True)
        return done.stdout, imported(done.stderr.decode())

    for shell, words, cword in [("bash", "mdfollow log ", "2"), ("bash", "mdfollow show 'jo o", "2"),
                                ("zsh", "mdfollow due --contact j", "3"), ("zsh", "mdfollow -q draft ", "3"),
                                ("fish", "mdfollow log --no-reply j", "j"), ("fish", "mdfollow edit ", "")]:
        quick, modules = complete(shell, words, cword)
        assert "mdfollow.entry" in modules and not {"click", "yaml", "sqlite3", "mdfollow.cli"} & modules
        names.rename(names.with_suffix(".off"))  # without it, the CLI answers
        try:
            slow, modules = complete(shell, words, cword)
        finally:
            names.with_suffix(".off").rename(names)
        assert {"click", "mdfollow.cli"} <= modules
        assert quick == slow != b"\n", (shell, words)
