"""Two processes making the feed of one vault (a watcher, an `export` from cron): each starts
from the state the other kept, so an event changed by both moves its SEQUENCE forward twice
and a calendar takes both changes (`publish`, `feed_state.one_at_a_time`)."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mdfollow.config import Config
from mdfollow.errors import OutputError
from mdfollow.feed_state import LOCK_NAME, one_at_a_time, state_path
from mdfollow.links import Links
from mdfollow.model import Contact
from mdfollow.publish import Publisher
from mdfollow.snapshot import load_vault

from .factories import write_vault

NOW = dt.datetime(2026, 11, 30, 9, 0, 30, tzinfo=dt.timezone.utc)  # one minute for every feed here
TODAY = dt.date(2026, 11, 30)
LINKS = Links("none", "vault")


def jane(vault: Path, tag: str) -> tuple[Contact, ...]:
    """The vault's contacts once Jane's note has this tag: her follow-up's event (same UID)
    changes its content."""
    note = f"---\ncadence: 30d\nlast-contact: 2026-10-20\ntags: [{tag}]\n---\n"
    write_vault(vault, {"People/Jane Doe.md": note})
    return load_vault(vault, Config()).contacts


def publisher(vault: Path) -> Publisher:
    return Publisher(vault, Config(), LINKS, today=TODAY, clock=lambda: NOW)


def sequence(feed: bytes) -> int:
    """The SEQUENCE of Jane's follow-up."""
    found = re.findall(r"\nSEQUENCE:(\d+)", feed.decode())
    assert len(found) == 1
    return int(found[0])


def test_a_state_saved_by_another_process_in_the_same_minute_is_read_again(tmp_path: Path) -> None:
    watcher, export = publisher(tmp_path), publisher(tmp_path)
    first = sequence(watcher.make(jane(tmp_path, "client")).data)
    second = sequence(export.make(jane(tmp_path, "friend")).data)
    third = sequence(watcher.make(jane(tmp_path, "mentor")).data)
    assert first < second < third


def test_a_feed_made_while_another_is_being_made_waits_and_starts_from_its_state(tmp_path: Path) -> None:
    watcher, export = publisher(tmp_path), publisher(tmp_path)
    watcher.make(jane(tmp_path, "client"))
    inside, go = threading.Event(), threading.Event()
    make_feed = watcher.feed

    def slow(*args: object) -> object:
        inside.set()
        assert go.wait(10)
        return make_feed(*args)  # type: ignore[arg-type]

    watcher.feed = slow  # type: ignore[assignment]
    made: dict[str, bytes] = {}
    first = threading.Thread(target=lambda: made.update(watcher=watcher.make(
        jane(tmp_path, "friend")).data))
    first.start()
    assert inside.wait(10)
    held = subprocess.run([sys.executable, "-c", LOCKED, str(state_path(tmp_path).parent / LOCK_NAME)],
                          capture_output=True, text=True, check=True).stdout
    assert held == "held\n"  # another process can't take the lock meanwhile
    contacts = jane(tmp_path, "mentor")
    second = threading.Thread(target=lambda: made.update(export=export.make(contacts).data))
    second.start()
    second.join(0.5)
    assert second.is_alive()  # it waits for the feed being made
    go.set()
    first.join(10)
    second.join(10)
    assert sequence(made["export"]) > sequence(made["watcher"])
    assert subprocess.run([sys.executable, "-c", LOCKED, str(state_path(tmp_path).parent / LOCK_NAME)],
                          capture_output=True, text=True, check=True).stdout == "free\n"


LOCKED = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except BlockingIOError:
    print("held")
"""


def test_a_state_folder_that_cannot_be_written_is_still_a_clear_error(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    contacts = jane(vault, "client")
    folder = state_path(vault).parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder", encoding="utf-8")  # neither the lock nor the state can be kept
    with pytest.raises(OutputError, match="cannot keep the feed's state"):
        publisher(vault).make(contacts)


def test_a_save_of_the_same_size_in_the_same_tick_is_told_by_its_new_inode(tmp_path: Path) -> None:
    watcher, export = publisher(tmp_path), publisher(tmp_path)
    watcher.make(jane(tmp_path, "aaaaaa"))
    before = state_path(tmp_path).stat()
    second = sequence(export.make(jane(tmp_path, "bbbbbb")).data)
    os.utime(state_path(tmp_path), ns=(before.st_atime_ns, before.st_mtime_ns))  # one mtime tick
    assert state_path(tmp_path).stat().st_size == before.st_size
    assert sequence(watcher.make(jane(tmp_path, "cccccc")).data) > second


def test_a_lock_held_too_long_is_said_and_the_feed_made_without_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    contacts = jane(tmp_path, "client")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(state_dir_of(tmp_path) / LOCK_NAME)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        monkeypatch.setattr("mdfollow.publish.one_at_a_time", functools.partial(one_at_a_time, wait=0.2))
        said: list[str] = []
        made = publisher(tmp_path).make(contacts, said.append)
    finally:
        holder.kill()
        holder.wait()
    assert sequence(made.data) > 0 and state_path(tmp_path).exists()
    assert len(said) == 1 and "held the feed's lock" in said[0] and "making the feed without it" in said[0]


HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
time.sleep(60)
"""


def state_dir_of(vault: Path) -> Path:
    folder = state_path(vault).parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_without_fcntl_the_feed_is_made_all_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fcntl", None)  # as on Windows: `import fcntl` fails
    assert sequence(publisher(tmp_path).make(jane(tmp_path, "client")).data) > 0
    assert not (state_path(tmp_path).parent / LOCK_NAME).exists()
