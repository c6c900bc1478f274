"""The index: only changed notes are parsed again; a damaged index is rebuilt, never fatal."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import random
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mdfollow import listing
from mdfollow import snapshot as snapshot_module
from mdfollow import vault as vault_module
from mdfollow.cache import Entry, Index, checksum, default_location, fingerprint, load_note
from mdfollow.cli import cli
from mdfollow.config import Config
from mdfollow.contacts import Names, Vault
from mdfollow.errors import ContactNotFound
from mdfollow.fields import Interval, spelling_table
from mdfollow.links import Links
from mdfollow.model import Contact, Note
from mdfollow.snapshot import load_vault
from mdfollow.vault import refresh_notes
from mdfollow.watch import FeedBuilder

from .factories import write_vault

# Each path's versions (None: deleted): people with names, aliases and logs, daily notes
# linking them by name, alias or folder, a promise in a note that is no one's.
EDIT_PATHS: list[tuple[str, str | None]] = [
    *(("People/Jane Doe.md", text) for text in (
        "---\nname: Jane Doe\naliases: [J]\ncadence: 30d\nlast-contact: 2026-09-01\n---\n- 2026-10-02 call\n",
        "---\nname: Jane Doe\naliases: [J]\ncadence: 30d\n---\n- [ ] call [[Sam]] 📅 2026-11-30\n",
        "---\nname: Jane Doe\naliases: [J]\nnext-due: 2026-12-02\n---\nmet [[Sam]]\n",
        "---\nname: Janet\ncadence: 2w\nlast-contact: 2026-10-05\n---\n", None)),
    *(("People/Sam.md", text) for text in (
        "---\ncadence: 30d\nlast-contact: 2026-08-01\n---\n",
        "---\nnext-due: 2026-12-01\n---\n- 2026-11-11 coffee\n- [ ] ask [[J]] 📅 2026-11-29\n",
        "---\ncadence: 1w\n---\n- [ ] send the deck 📅 2026-11-28\n",
        "---\naliases: [J]\ncadence: [30d\n---\n", None)),
    *(("Daily/2026-11-01.md", text) for text in (
        "met [[J]]\n", "met [[Sam]] and [[People/Jane Doe]]\n", "- [x] met [[Janet]]\n",
        "met [[Sam]]\n- [ ] call [[J]] 📅 2026-12-03\n", None)),
    *(("Daily/2026-11-03.md", text) for text in ("met [[Jane Doe]]\n", "met [[Nobody]]\n", None)),
    *(("Notes/Idea.md", text) for text in ("- [ ] send [[Sam]] the deck 📅 2026-11-25\n",
                                           "- [ ] send [[Jane Doe]] a card 📅 2026-11-26\n", None)),
]

OLD = 1_600_000_000  # seconds: long enough ago that the mtime can be trusted


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = write_vault(tmp_path / "v", {f"People/P{i}.md": f"---\nlast-contact: 2026-10-0{i}\n---\n"
                                        for i in range(1, 6)})
    for note in root.rglob("*.md"):
        os.utime(note, (OLD, OLD))
    return root


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = vault_module.read_note

    def counting(root: Path, path: str, config: Config) -> Note:
        seen.append(path)
        return real(root, path, config)

    monkeypatch.setattr(vault_module, "read_note", counting)
    monkeypatch.setattr(snapshot_module, "read_note", counting)
    return seen


def index(vault: Path, warnings: list[str], config: Config | None = None) -> Index:
    return Index(default_location(vault), fingerprint((config or Config()).spellings), warnings.append)


def load(vault: Path, warnings: list[str], config: Config | None = None) -> list[Note]:
    db = index(vault, warnings, config)
    try:
        return [known.note for known in refresh_notes(vault, config or Config(), {}, index=db).values()]
    finally:
        db.close()


def test_only_changed_notes_are_parsed_again(vault: Path, parses: list[str]) -> None:
    warnings: list[str] = []
    first = load(vault, warnings)
    assert len(parses) == 5
    parses.clear()
    assert load(vault, warnings) == first and parses == []
    (vault / "People/P2.md").write_text("---\nlast-contact: 2026-11-02\n---\n", encoding="utf-8")
    os.utime(vault / "People/P2.md", (OLD + 60, OLD + 60))
    (vault / "People/P5.md").unlink()
    notes = load(vault, warnings)
    assert parses == ["People/P2.md"]
    assert [n.path for n in notes] == [f"People/P{i}.md" for i in range(1, 5)]
    assert notes[1].fields["last-contact"][0].value == dt.date(2026, 11, 2)
    assert len(index(vault, warnings).entries()) == 4
    assert warnings == []


def test_a_note_saved_just_now_is_not_trusted_to_the_cache(vault: Path, parses: list[str]) -> None:
    warnings: list[str] = []
    (vault / "People/P1.md").write_text("---\ncadence: 7d\n---\n", encoding="utf-8")
    load(vault, warnings)
    parses.clear()
    load(vault, warnings)
    assert parses == ["People/P1.md"]


def test_new_spellings_invalidate_every_parse(vault: Path, parses: list[str]) -> None:
    load(vault, [])
    parses.clear()
    config = Config(spellings=spelling_table({"last-contact": ["seen"]}))
    load(vault, [], config)
    assert len(parses) == 5


def test_a_deleted_index_is_simply_rebuilt(vault: Path, parses: list[str]) -> None:
    warnings: list[str] = []
    first = load(vault, warnings)
    default_location(vault).unlink()
    assert load(vault, warnings) == first and warnings == []


def test_an_index_of_another_schema_is_rebuilt_without_a_word(vault: Path, parses: list[str]) -> None:
    """An upgrade of mdfollow changes the schema: that is no damage to warn about."""
    warnings: list[str] = []
    first = load(vault, warnings)
    with sqlite3.connect(default_location(vault)) as db:
        db.execute("PRAGMA user_version = 3")
    parses.clear()
    assert load(vault, warnings) == first and len(parses) == 5 and warnings == []
    parses.clear()
    load(vault, warnings)
    assert parses == [] and warnings == []


@pytest.mark.parametrize("damage", ["garbage", "bad value"])
def test_a_damaged_index_costs_a_warning_and_a_rebuild(vault: Path, parses: list[str], damage: str) -> None:
    warnings: list[str] = []
    first = load(vault, warnings)
    location = default_location(vault)
    if damage == "garbage":
        for suffix in ("-wal", "-shm"):
            Path(f"{location}{suffix}").unlink(missing_ok=True)
        location.write_bytes(b"this is not a database" * 100)
    else:
        with sqlite3.connect(location) as db:
            db.execute("UPDATE notes SET note = x'00ff' WHERE path = 'People/P3.md'")
    parses.clear()
    assert load(vault, warnings) == first
    if damage == "bad value":  # its checksum no longer fits: read again, said once
        assert parses == ["People/P3.md"]
        assert len(warnings) == 1 and "checksum mismatch" in warnings[0]
    else:
        assert len(parses) == 5
        assert len(warnings) == 1 and "unusable" in warnings[0] and "rebuilding it" in warnings[0]
        parses.clear()
        load(vault, warnings)
        assert parses == [] and len(warnings) == 1


def test_the_cli_uses_the_index_and_no_cache_bypasses_it(vault: Path, isolated_cache: Path) -> None:
    command = [sys.executable, "-m", "mdfollow", "--vault", str(vault), "--today", "2026-11-22"]
    subprocess.run([*command, "--no-cache", "stale", "--json"], check=True, capture_output=True)
    assert not list(isolated_cache.rglob("index.sqlite"))
    subprocess.run([*command, "stale", "--json"], check=True, capture_output=True)
    assert len(list(isolated_cache.rglob("index.sqlite"))) == 1


def test_two_processes_at_once_stay_correct(tmp_path: Path) -> None:
    notes = {f"People/P{i}.md": f"---\nlast-contact: 2026-01-01\ncadence: {i}d\n---\n" for i in range(1, 400)}
    root = write_vault(tmp_path / "v", notes)
    for note in root.rglob("*.md"):
        os.utime(note, (OLD, OLD))
    command = [sys.executable, "-m", "mdfollow", "--vault", str(root), "--today", "2026-11-22", "due",
               "--within", "1y", "--json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [(run.returncode, err) for run, (_, err) in zip(runs, outputs, strict=True)] == [(0, b"")] * 4
    assert all(len(json.loads(out)) == 399 for out, _ in outputs)
    assert len({out for out, _ in outputs}) == 1


def test_an_unchanged_vault_comes_whole_from_the_index(vault: Path, parses: list[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def load(config: Config) -> Vault:
        db = Index(default_location(vault), fingerprint(config.spellings), pytest.fail)
        try:
            return load_vault(vault, config, db)
        finally:
            db.close()

    first = load(Config())
    unpickled: list[Entry] = []

    def counting(entry: Entry) -> Note | None:
        unpickled.append(entry)
        return load_note(entry)

    monkeypatch.setattr(vault_module, "load_note", counting)
    monkeypatch.setattr(snapshot_module, "load_note", counting)
    parses.clear()
    assert load(Config()) == first and (parses, unpickled) == ([], [])
    other = load(Config(default_cadence=Interval(7, "days")))  # another config: built again
    assert other != first and len(unpickled) == 5 and parses == []
    (vault / "People/P1.md").write_text("---\nlast-contact: 2026-11-11\n---\n", encoding="utf-8")
    os.utime(vault / "People/P1.md", (OLD + 99, OLD + 99))
    changed = load(Config())
    assert parses == ["People/P1.md"]
    assert changed.contacts[0].last_contact == dt.date(2026, 11, 11)
    with sqlite3.connect(default_location(vault)) as db:
        db.execute("UPDATE snapshots SET value = x'00', sum = ?", (checksum(b"\0"),))  # can't be read back
    assert load(Config()) == changed


def test_a_note_saved_just_now_is_read_again_even_when_size_and_mtime_match(vault: Path,
                                                                           parses: list[str]) -> None:
    note = vault / "People/P1.md"
    note.write_text("---\ncadence: 7d\n---\n", encoding="utf-8")
    known = refresh_notes(vault, Config(), {})
    stat = note.stat()
    note.write_text("---\ncadence: 9d\n---\n", encoding="utf-8")  # same size, in the same mtime tick
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    parses.clear()
    again = refresh_notes(vault, Config(), known, ["People/P1.md"])
    assert parses == ["People/P1.md"]
    assert again["People/P1.md"].note.fields["cadence"][0].value == "9d"


def test_refreshing_known_notes_leaves_the_index_rows_alone_and_forgets_deleted_ones(
        vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = index(vault, [])
    try:
        known = refresh_notes(vault, Config(), {}, index=db)
        (vault / "People/P2.md").write_text("---\nlast-contact: 2026-11-02\n---\n", encoding="utf-8")
        (vault / "People/P5.md").unlink()
        loaded: list[bool] = []
        real = Index.entries

        def counting(self: Index) -> dict[str, Entry]:
            loaded.append(True)
            return real(self)

        monkeypatch.setattr(Index, "entries", counting)
        known = refresh_notes(vault, Config(), known, ["People/P2.md", "People/P5.md"], index=db)
        known = refresh_notes(vault, Config(), known, index=db)  # the watcher's whole-vault pass
        assert loaded == []  # every note was known: no row of the index was worth loading
        assert sorted(known) == [f"People/P{i}.md" for i in range(1, 5)]
        assert known["People/P2.md"].note.fields["last-contact"][0].value == dt.date(2026, 11, 2)
        monkeypatch.setattr(Index, "entries", real)
        assert "People/P5.md" not in db.entries()
    finally:
        db.close()


# --- a few notes changed: the kept vault is patched ---------------------------------------


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many notes each full build of a vault linked."""
    seen: list[int] = []
    real = snapshot_module._Reader._linked

    def counting(self: snapshot_module._Reader) -> tuple[Vault, Names]:
        seen.append(len(self.scan.paths))
        return real(self)

    monkeypatch.setattr(snapshot_module._Reader, "_linked", counting)
    return seen


def test_a_few_changed_notes_patch_the_kept_vault(tmp_path: Path, parses: list[str],
                                                  builds: list[int]) -> None:
    days = {f"Daily/2026-09-{day:02}.md": f"met [[{'Jane' if day % 2 else 'Sam'}]]\n" for day in range(1, 21)}
    people = {f"People/{name}.md": f"---\ncadence: 30d\nlast-contact: 2026-08-0{day}\n---\n"
              for day, name in ((1, "Jane"), (2, "Sam"))}
    root = write_vault(tmp_path / "v", {**people, **days})

    def save(path: str, text: str | None, when: int = OLD + 60) -> None:
        if text is None:
            (root / path).unlink()
        else:
            (root / path).write_text(text, encoding="utf-8")
            os.utime(root / path, (when, when))

    def load() -> tuple[Vault, bool]:
        """The vault through the index, the same built afresh, and whether the first was built."""
        db = Index(default_location(root), fingerprint(Config().spellings), pytest.fail)
        try:
            count = len(builds)
            return load_vault(root, Config(), db), len(builds) > count
        finally:
            db.close()

    for note in root.rglob("*.md"):
        os.utime(note, (OLD, OLD))
    assert load()[1]
    parses.clear()
    save("Daily/2026-09-20.md", "met [[Jane]]\n- [ ] call [[Sam]] 📅 2026-12-01\n")
    save("Daily/2026-11-01.md", "met [[Sam]]\n")  # new
    save("Daily/2026-09-19.md", None)  # gone
    patched, built = load()
    assert not built and sorted(parses) == ["Daily/2026-09-20.md", "Daily/2026-11-01.md"]
    assert patched == load_vault(root, Config())
    assert [(c.last_contact, len(c.promises)) for c in patched.contacts] == [
        (dt.date(2026, 9, 20), 0), (dt.date(2026, 11, 1), 1)]
    parses.clear()
    assert load() == (patched, False) and parses == []  # kept as patched: a warm run
    save("Daily/2026-09-18.md", "met [[Jane]]\n", when=int(time.time()))  # just now: patched, not kept
    assert load() == (load_vault(root, Config()), False)
    save("People/Jane.md", "---\nname: Janet\ncadence: 30d\n---\n")  # a new name: built again
    assert load() == (load_vault(root, Config()), True)


def test_a_vault_is_built_again_when_the_index_moved_past_it(vault: Path, builds: list[int]) -> None:
    db = index(vault, [])
    try:
        load_vault(vault, Config(), db)
        (vault / "People/P2.md").write_text("---\nlast-contact: 2026-11-02\n---\n", encoding="utf-8")
        os.utime(vault / "People/P2.md", (OLD + 60, OLD + 60))
        refresh_notes(vault, Config(), {}, index=db)  # as the watcher does: the row is the new note now
        again = load_vault(vault, Config(), db)
        assert builds == [5, 5]  # the old P2 is not to be had, so no patch: built again
        assert again == load_vault(vault, Config())
    finally:
        db.close()


def test_a_command_run_while_the_watcher_runs_patches_its_snapshot(vault: Path, builds: list[int],
                                                                  parses: list[str]) -> None:
    """The watcher reads through the index once, then leaves the notes' rows as the command's
    snapshot saw them: `due` after a save takes in the saved note, not the whole vault."""
    db = index(vault, [])
    try:
        load_vault(vault, Config(), db)
        watcher = FeedBuilder(vault, Config(), Links("obsidian", "v"), vault / ".mdfollow/follow-ups.ics", db,
                              pytest.fail, today=dt.date(2026, 11, 22))
        watcher.rebuild()
        (vault / "People/P2.md").write_text("---\nlast-contact: 2026-11-02\n---\n", encoding="utf-8")
        os.utime(vault / "People/P2.md", (OLD + 60, OLD + 60))
        watcher.rebuild(["People/P2.md"])
        parses.clear()
        again = load_vault(vault, Config(), db)
        assert builds == [5] and parses == ["People/P2.md"]  # patched: only the saved note read
        assert again == load_vault(vault, Config())
    finally:
        db.close()


def test_a_damaged_kept_state_means_building_again(vault: Path, builds: list[int]) -> None:
    db = index(vault, [])
    try:
        load_vault(vault, Config(), db)
        with sqlite3.connect(default_location(vault)) as raw:
            kept = pickle.loads(raw.execute("SELECT value FROM snapshots").fetchone()[0])
            damaged = pickle.dumps(replace(kept, listing="People/P1.md\0not a size\0?"))
            raw.execute("UPDATE snapshots SET value = ?, sum = ?", (damaged, checksum(damaged)))
        (vault / "People/P2.md").write_text("---\nlast-contact: 2026-11-02\n---\n", encoding="utf-8")
        os.utime(vault / "People/P2.md", (OLD + 60, OLD + 60))
        assert load_vault(vault, Config(), db) == load_vault(vault, Config())
        assert builds == [5, 5, 5]  # built again, not patched from a state it cannot read
    finally:
        db.close()


# --- the index never makes answers wrong ----------------------------------------------------


def flip(blob: bytes, old: bytes, new: bytes) -> bytes:
    """A damaged value that still unpickles: one name changed, as a flipped bit can."""
    assert len(old) == len(new) and blob.count(old) >= 1
    return blob.replace(old, new, 1)


def test_a_flipped_bit_in_a_kept_value_is_a_miss_with_one_warning(vault: Path) -> None:
    warnings: list[str] = []
    db = index(vault, warnings)
    try:
        first = load_vault(vault, Config(), db)
    finally:
        db.close()
    with sqlite3.connect(default_location(vault)) as raw:
        kept = raw.execute("SELECT value FROM snapshots").fetchone()[0]
        raw.execute("UPDATE snapshots SET value = ?", (flip(kept, b"People/P3.md", b"People/Q3.md"),))
        note = raw.execute("SELECT note FROM notes WHERE path = 'People/P4.md'").fetchone()[0]
        raw.execute("UPDATE notes SET note = ? WHERE path = 'People/P4.md'",
                    (flip(note, b"People/P4.md", b"People/Q4.md"),))
    assert pickle.loads(flip(kept, b"People/P3.md", b"People/Q3.md")) != pickle.loads(kept)  # unchecked
    db = index(vault, warnings)
    try:
        again = load_vault(vault, Config(), db)
    finally:
        db.close()
    assert again == first
    assert len(warnings) == 1 and "checksum mismatch" in warnings[0]


class Planted:
    """What an attacker would put in an index: unpickling it runs code (here: makes a file)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch.__get__(self.marker), ())  # type: ignore[return-value]


@pytest.mark.parametrize("how", ["writable by others", "another owner"])
def test_nothing_is_unpickled_from_a_folder_others_could_have_written(
        vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    first = load(vault, [])
    marker = tmp_path / "code ran"
    blob = pickle.dumps([Planted(marker)])
    assert not marker.exists()
    with sqlite3.connect(default_location(vault)) as raw:
        raw.execute("UPDATE notes SET note = ?, sum = ?", (blob, checksum(blob)))
    if how == "writable by others":
        default_location(vault).parent.chmod(0o777)
    else:
        monkeypatch.setattr(os, "getuid", lambda: default_location(vault).parent.stat().st_uid + 1)
    warnings: list[str] = []
    assert load(vault, warnings) == first
    assert not marker.exists()
    if how == "writable by others":  # made private again, and emptied: the next run may use it
        assert len(warnings) == 1 and "emptied it and made it private" in warnings[0]
        assert stat.S_IMODE(default_location(vault).parent.stat().st_mode) == 0o700
        assert len(index(vault, warnings).entries()) == 5
    else:
        assert len(warnings) == 1 and "belongs to another user" in warnings[0]


def test_the_index_folder_and_files_are_private(vault: Path, isolated_cache: Path) -> None:
    isolated_cache.chmod(0o755)  # the cache home as most systems make it
    load(vault, [])
    location = default_location(vault)
    assert stat.S_IMODE(location.parent.stat().st_mode) == 0o700
    files = [p for p in location.parent.iterdir() if p.name.startswith("index.sqlite")]
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    location.chmod(0o644)  # an index made before: made private on the next run
    location.parent.chmod(0o755)
    load(vault, [])
    assert stat.S_IMODE(location.stat().st_mode) == 0o600
    assert stat.S_IMODE(location.parent.stat().st_mode) == 0o700


STALE = ["--today", "2026-11-22", "stale", "--since", "1d", "--json"]


def test_an_index_path_that_is_a_folder_means_running_without_it(vault: Path) -> None:
    default_location(vault).mkdir(parents=True)
    result = CliRunner().invoke(cli, ["--vault", str(vault), *STALE])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 5
    assert result.stderr.count("warning") == 1 and "reading without it" in result.stderr


def test_a_read_only_index_means_running_without_it(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a read-only folder or file makes it (root ignores modes, so SQLite is told instead)."""
    load(vault, [])
    (vault / "People/P2.md").write_text("---\nlast-contact: 2026-11-02\n---\n", encoding="utf-8")
    os.utime(vault / "People/P2.md", (OLD + 60, OLD + 60))
    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda location, **options: real(
        f"file:{location}?mode=ro", uri=True, **options))
    result = CliRunner().invoke(cli, ["--vault", str(vault), *STALE])
    assert result.exit_code == 0, result.output
    assert [c["last_contact"] for c in json.loads(result.stdout)][-1] == "2026-11-02"
    assert result.stderr.count("warning") == 1 and "reading without it" in result.stderr


def test_a_read_only_cache_folder_means_running_without_the_index(vault: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No index can be made there (root ignores modes, so the refusal is the system's answer)."""
    real = os.open

    def refusing(path: str, flags: int, mode: int = 0o777) -> int:
        if str(path).endswith("index.sqlite") and flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, flags, mode)

    monkeypatch.setattr(os, "open", refusing)
    result = CliRunner().invoke(cli, ["--vault", str(vault), *STALE])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 5
    assert result.stderr.count("warning") == 1 and "(Permission denied); reading without it" in result.stderr
    assert not default_location(vault).exists()


HOLD_THE_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("DELETE FROM meta WHERE key = 'nothing'")
print("holding", flush=True)
sys.stdin.read()
"""


def test_a_writer_holding_the_lock_neither_stalls_nor_worries_anyone(vault: Path, parses: list[str]) -> None:
    """Readers read on (WAL); a run that would write skips keeping its work, silently."""
    load(vault, [])
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(default_location(vault))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        warnings: list[str] = []
        parses.clear()
        db = index(vault, warnings)
        try:
            warm = load_vault(vault, Config(), db)
        finally:
            db.close()
        assert parses == [] and warnings == []  # read from the index while it was locked
        (vault / "People/P2.md").write_text("---\nlast-contact: 2026-11-02\n---\n", encoding="utf-8")
        os.utime(vault / "People/P2.md", (OLD + 60, OLD + 60))
        db = index(vault, warnings)
        try:
            changed = load_vault(vault, Config(), db)
        finally:
            db.close()
        assert warnings == [] and parses == ["People/P2.md"]
        assert changed == load_vault(vault, Config()) != warm
        assert holder.poll() is None  # all this while the other process held the lock
        db = index(vault, warnings)  # a long run (the watcher) keeps its index for later writes
        note = Note("People/P9.md", {}, (), (), (), (), is_contact=False)
        db.update([(note, 1, OLD)], [])
        assert "People/P9.md" not in db.entries() and warnings == []
        holder.communicate("")
        db.update([(note, 1, OLD)], [])
        assert "People/P9.md" in db.entries()
        db.close()
    finally:
        if holder.poll() is None:
            holder.communicate("")


@given(st.lists(st.tuples(st.sampled_from(sorted({path for path, _ in EDIT_PATHS})), st.integers(0, 5),
                          st.integers(0, 4).map(bool)), min_size=1, max_size=16),
       st.randoms(use_true_random=False))
@settings(max_examples=80)
def test_through_the_index_every_run_gives_what_a_fresh_read_gives(
        steps: list[tuple[str, int, bool]], rng: random.Random) -> None:
    """Random saves (settled or just now) and deletions on disk, each followed by a run through
    the index (snapshot, patch or build) and one without: the same rows and vault every time."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "v"
        root.mkdir()
        location = Path(folder) / "cache" / "index.sqlite"
        for step, (path, choice, settled) in enumerate(steps):
            texts = [text for p, text in EDIT_PATHS if p == path]
            text = texts[choice] if choice < len(texts) else None
            target = root / path
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(exist_ok=True)
                target.write_text(text, encoding="utf-8")
                if settled:
                    os.utime(target, (OLD + step, OLD + step))
            for _ in range(rng.randrange(1, 3)):  # a second run starts from what the first kept
                db = Index(location, fingerprint(Config().spellings), pytest.fail)
                try:
                    loaded, fresh = snapshot_module.load(root, Config(), db), load_vault(root, Config())
                    assert loaded.rows == listing.rows(fresh.contacts, Config())
                    assert loaded.vault() == fresh
                    assert (loaded.problems, loaded.skipped) == (fresh.problems, fresh.skipped)
                finally:
                    db.close()


def test_a_name_reads_one_contact_from_the_index_and_broken_notes_are_named_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_vault(tmp_path / "v", {
        **{f"People/P{i}.md": f"---\nname: Person {i}\ncadence: 30d\nlast-contact: 2026-10-0{i}\n---\n"
           for i in range(1, 6)},
        "People/Broken.md": "---\ncadence: [30d\n---\n"})
    for note in root.rglob("*.md"):
        os.utime(note, (OLD, OLD))
    assert CliRunner().invoke(cli, ["--vault", str(root), "due"]).exit_code == 0
    asked: list[set[str] | None] = []
    real = Index.contacts

    def recording(self: Index, paths: set[str] | None = None) -> dict[str, Contact] | None:
        asked.append(None if paths is None else set(paths))
        return real(self, paths)

    monkeypatch.setattr(Index, "contacts", recording)
    result = CliRunner().invoke(cli, ["--vault", str(root), "--today", "2026-11-22", "due", "--contact",
                                      "person 3", "--json"])
    assert result.exit_code == 0, result.output
    assert [item["path"] for item in json.loads(result.stdout)] == ["People/P3.md"]
    assert asked == [{"People/P3.md"}]  # not every contact, to find one
    assert result.stderr.count("People/Broken.md:3") == 1  # read twice, said once


def test_a_snapshot_kept_by_other_code_is_read_again(vault: Path, builds: list[int]) -> None:
    """An older snapshot (a field short) is like a damaged one: built again, never a crash."""
    db = index(vault, [])
    try:
        first = load_vault(vault, Config(), db)
        with sqlite3.connect(default_location(vault)) as raw:
            kept = pickle.loads(raw.execute("SELECT value FROM snapshots").fetchone()[0])
            del kept.__dict__["unreadable"]
            older = pickle.dumps(kept)
            raw.execute("UPDATE snapshots SET value = ?, sum = ?", (older, checksum(older)))
        assert load_vault(vault, Config(), db) == first and builds == [5, 5]
    finally:
        db.close()


def test_a_contact_gone_while_the_vault_was_read_is_a_clear_error(vault: Path) -> None:
    """Its row said it was a contact; by the time it is read alone it is not: a message, not a traceback."""
    loaded = snapshot_module.Loaded(snapshot_module.Snapshot("", "", (), (), (), (), ()), None, dict,
                                    lambda: Vault((), (), ()), lambda path: None)
    with pytest.raises(ContactNotFound, match=r"People/P1\.md is no longer a contact"):
        loaded.contact("People/P1.md")


STATS = st.dictionaries(st.sampled_from([f"N{n}.md" for n in range(6)]),
                        st.tuples(st.integers(0, 3), st.integers(0, 3)))


@given(STATS, STATS)
def test_what_changed_between_two_listings_is_every_note_added_changed_or_gone(
        before: dict[str, tuple[int, int]], now: dict[str, tuple[int, int]]) -> None:
    """Whether the notes are the same (compared field by field) or not (as sets of triples)."""
    def listing(stats: dict[str, tuple[int, int]]) -> str:
        return "\0".join(f"{path}\0{size}\0{mtime}" for path, (size, mtime) in sorted(stats.items()))

    changed = snapshot_module._differences(listing(before), listing(now))
    assert changed == {path: before.get(path) for path in before.keys() | now.keys()
                       if before.get(path) != now.get(path)}
