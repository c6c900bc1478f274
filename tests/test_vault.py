"""The vault on disk: which files are notes, and reading them without ever raising."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from mdfollow import vault as vault_module
from mdfollow.cli import cli
from mdfollow.config import Config
from mdfollow.errors import ConfigError, VaultNotFound
from mdfollow.model import Note
from mdfollow.snapshot import load_vault
from mdfollow.vault import (
    is_note_path,
    load_config,
    note_paths,
    open_vault,
    read_note,
    refresh_notes,
    write_atomic,
)

from .factories import write_vault


def test_dot_folders_templates_and_other_files_are_skipped(tmp_path: Path) -> None:
    write_vault(tmp_path, {
        "People/Jane.md": "", "People/Deep/Sam Lee .md": "", "Daily/2026-11-01.md": "",
        ".obsidian/x.md": "", ".trash/old.md": "", ".git/x.md": "", "a/.hidden/x.md": "",
        "Templates/Person.md": "", "Projects/templates/t.md": "", "notes.txt": "",
        "People/pic.png": b"\x89PNG", "Upper.MD": "", "🌱 Garden/Ana.md": "",
    })
    assert list(note_paths(tmp_path, ("Templates", "templates"))) == [
        "Upper.MD", "Daily/2026-11-01.md", "People/Jane.md", "People/Deep/Sam Lee .md",
        "🌱 Garden/Ana.md"]
    assert "Templates/Person.md" in note_paths(tmp_path, ("_t",))


def test_non_utf8_contact_notes_are_reported_with_their_line(tmp_path: Path) -> None:
    write_vault(tmp_path, {
        "People/Latin.md": "---\nlast-contact: 2026-10-01\nnote: caf\xe9\n---\n".encode("latin-1"),
        "Daily/latin.md": "caf\xe9 with someone\n".encode("latin-1"),
    })
    result = load_vault(tmp_path, Config())
    assert [str(p) for p in result.problems] == [
        "People/Latin.md:3: error: not UTF-8 text (byte 0xe9); save it as UTF-8; note skipped"]
    assert result.skipped == ("People/Latin.md",)
    assert result.contacts == ()


def test_a_folder_in_place_of_a_note_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "odd.md").mkdir()
    note = read_note(tmp_path, "odd.md", Config())
    assert note.skipped and "cannot read" in note.problems[0].message


def test_missing_vault_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VaultNotFound, match="does not exist"):
        open_vault(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(VaultNotFound, match="is not a folder"):
        open_vault(tmp_path / "file")


def test_config_is_optional_in_the_vault_but_required_when_named(tmp_path: Path) -> None:
    assert load_config(tmp_path, None) == Config()
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path, tmp_path / "missing.toml")
    (tmp_path / ".mdfollow.toml").write_bytes(b"\xef\xbb\xbfmax-attempts = 3\n")
    assert load_config(tmp_path, None).max_attempts == 3


def test_a_folder_that_cannot_be_listed_is_reported(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write_vault(tmp_path, {"People/Jane.md": "---\ncadence: 30d\nlast-contact: 2026-11-01\n---\n",
                           "Locked/Sam.md": "---\ncadence: 30d\n---\n"})
    real_scandir = os.scandir

    def scandir(path: str | Path) -> object:
        if Path(path).name == "Locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = load_vault(tmp_path, Config())
    assert [c.path for c in result.contacts] == ["People/Jane.md"]
    assert [str(p) for p in result.problems] == [
        "Locked:1: warning: cannot read this folder: Permission denied; its notes are skipped"]


def test_is_note_path_agrees_with_note_paths(tmp_path: Path) -> None:
    files = ["People/Jane.md", "People/Deep/Sam Lee .md", ".obsidian/x.md", "a/.hidden/x.md",
             "Templates/Person.md", "Projects/templates/t.md", "notes.txt", "Upper.MD", ".dot.md"]
    write_vault(tmp_path, dict.fromkeys(files, ""))
    listed = set(note_paths(tmp_path, ("Templates", "templates")))
    assert {f for f in files if is_note_path(f, ("Templates", "templates"))} == listed


def test_reading_pauses_the_collector_and_only_a_commands_read_freezes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_vault(tmp_path, {"People/Jane.md": "---\ncadence: 30d\nlast-contact: 2026-01-01\n---\n"})
    during: list[bool] = []
    real = vault_module.read_note

    def watching(root: Path, path: str, config: Config) -> Note:
        during.append(gc.isenabled())
        return real(root, path, config)

    monkeypatch.setattr(vault_module, "read_note", watching)
    gc.unfreeze()
    try:
        refresh_notes(tmp_path, Config(), {})  # what `watch` runs for hours: nothing frozen
        assert (during, gc.isenabled(), gc.get_freeze_count()) == ([False], True, 0)
        load_vault(tmp_path, Config())  # a command's one read: what it made is frozen
        assert (during, gc.isenabled()) == ([False, False], True) and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_an_atomic_write_syncs_unless_the_file_is_made_again_anyway(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    write_atomic(tmp_path / "note.md", b"kept", 0o600)
    assert len(synced) == 2  # the file, then the folder that now names it
    write_atomic(tmp_path / "feed.ics", b"derived", durable=False)
    assert len(synced) == 2
    assert (tmp_path / "note.md").read_bytes() == b"kept"
    assert (tmp_path / "feed.ics").read_bytes() == b"derived"
    assert (tmp_path / "note.md").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.ics", "note.md"]  # no temp file left


# --- a big vault is parsed by two processes ------------------------------------------------


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every vault of two notes or more is parsed half in a child process; the pids forked."""
    pids: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(vault_module, "FORK_FROM", 2)
    monkeypatch.setattr(os, "fork", fork)
    return pids


def many_notes(root: Path) -> Path:
    files = {"People/Broken.md": "---\ncadence: [30d\n---\n"}
    for i in range(1, 21):
        files[f"People/P{i}.md"] = f"---\ncadence: 30d\nlast-contact: 2026-10-{i:02}\n---\n"
        files[f"Daily/2026-11-{i:02}.md"] = f"met [[P{i}]]\n- [ ] call [[P{i + 1}]] 📅 2026-12-01\n"
    return write_vault(root, files)


def test_half_the_notes_parsed_by_a_child_make_the_same_vault(tmp_path: Path, forks: list[int]) -> None:
    root = many_notes(tmp_path)
    parallel = load_vault(root, Config())
    assert len(forks) == 1
    vault_module.FORK_FROM = 10**9  # monkeypatched back by the fixture
    assert parallel == load_vault(root, Config()) and len(forks) == 1
    assert len(parallel.contacts) == 20 and parallel.skipped == ("People/Broken.md",)


def test_a_child_that_fails_costs_nothing_but_time(tmp_path: Path, forks: list[int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = many_notes(tmp_path)
    parent, real = os.getpid(), vault_module.read_note

    def failing_in_the_child(vault: Path, path: str, config: Config) -> Note:
        if os.getpid() != parent:
            raise MemoryError
        return real(vault, path, config)

    monkeypatch.setattr(vault_module, "read_note", failing_in_the_child)
    assert load_vault(root, Config()) == load_vault(root, Config(), None)
    assert len(forks) == 2


def test_no_child_is_forked_while_another_thread_runs(tmp_path: Path, forks: list[int]) -> None:
    import threading

    root = many_notes(tmp_path)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        load_vault(root, Config())
    finally:
        stop.set()
        thread.join()
    assert forks == []


def test_a_state_folder_is_never_made_in_a_vault_that_is_gone(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "gone" / ".mdfollow" / "follow-ups.ics", b"feed")
    assert not (tmp_path / "gone").exists()
    write_atomic(tmp_path / "out" / "deep" / "feed.ics", b"feed")  # any other folder is made
    assert (tmp_path / "out" / "deep" / "feed.ics").read_bytes() == b"feed"


@given(st.tuples(st.sampled_from(["", ".", ".."]), st.text(max_size=8),
                 st.sampled_from([".md", ".MD", ".Md", ".mD", ".md ", "md", ".m", ".mdx", ".markdown", ""]))
       .map("".join))
def test_a_note_is_a_file_named_md_in_any_case_that_is_not_hidden(name: str) -> None:
    """What `note_paths` lists (its pattern, run over a folder's names in C) and what
    `is_note_path` accepts, against the rule said in words."""
    assert vault_module._is_note_name(name) == (name.lower().endswith(".md") and not name.startswith("."))


def test_notes_are_listed_folder_by_folder_and_links_to_folders_are_not_walked(tmp_path: Path) -> None:
    write_vault(tmp_path, {"b.md": "", "a/z.md": "", "a/b/c.md": "", "Z.md": "", "c/x.md": "",
                           "elsewhere/far.md": ""})
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "y.md").symlink_to(tmp_path / "b.md")
    assert list(note_paths(tmp_path, ())) == ["Z.md", "b.md", "y.md", "a/z.md", "a/b/c.md", "c/x.md",
                                              "elsewhere/far.md"]


def test_a_note_whose_file_name_is_not_utf8_is_reported_and_the_rest_still_counts(tmp_path: Path) -> None:
    """Such a name can't go into the index, a feed or a terminal: it was a crash of every command."""
    write_vault(tmp_path, {"People/Jane.md": "---\ncadence: 7d\nlast-contact: 2026-01-01\n---\n"})
    (tmp_path / "People").joinpath(os.fsdecode(b"Bad \xff name.md")).write_text("---\ncadence: 7d\n---\n")
    assert not is_note_path(os.fsdecode(b"People/Bad \xff name.md"), ())
    for note in (tmp_path / "People").iterdir():
        os.utime(note, (1_600_000_000, 1_600_000_000))
    for _ in range(2):  # the index is made, then read back
        result = CliRunner().invoke(cli, ["--vault", str(tmp_path), "--today", "2026-11-22", "due", "--json"])
        assert result.exit_code == 0, result.output
        assert [item["path"] for item in json.loads(result.stdout)] == ["People/Jane.md"]
        assert "People/Bad \ufffd name.md:1: the file name is not UTF-8 text" in result.stderr
