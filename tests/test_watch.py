"""`mdfollow watch` as a real process against a real temporary vault."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from mdfollow import vault as vault_module
from mdfollow import watch as watch_module
from mdfollow.cli import cli
from mdfollow.config import Config, FeedConfig
from mdfollow.errors import VaultNotFound
from mdfollow.links import Links
from mdfollow.publish import Publisher
from mdfollow.watch import FeedBuilder

from .factories import write_vault
from .live import Live, summaries, wait_until

TODAY = dt.date(2026, 11, 22)
PINNED = ("--today", TODAY.isoformat())


def note(name: str, extra: str = "") -> str:
    return f"---\nname: {name}\nlast-contact: 2026-11-01\ncadence: 30d\n{extra}---\n"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    files = {"People/Jane.md": note("Jane"), "People/Sam.md": note("Sam"),
             ".mdfollow.toml": "[feed]\nper-day = 600\n"}  # a burst of 500 due on one day: no digest
    return write_vault(tmp_path / "vault", files)


@pytest.fixture
def watching(vault: Path) -> Iterator[Live]:
    live = Live(vault, *PINNED, "watch", "--debounce", "50", "-v")
    live.wait_for_output(r"^Watching ")
    yield live
    assert live.stop() == 0


def feed_of(vault: Path) -> set[str]:
    try:
        return summaries((vault / ".mdfollow" / "follow-ups.ics").read_bytes())
    except FileNotFoundError:
        return set()


def until_feed(vault: Path, expected: set[str]) -> None:
    wait_until(lambda: feed_of(vault) == expected, f"the feed to show {expected}")


def test_the_feed_follows_every_kind_of_save(vault: Path, watching: Live) -> None:
    until_feed(vault, {"Follow up: Jane", "Follow up: Sam"})
    (vault / "People/Jane.md").write_text(note("Janet"), encoding="utf-8")  # in place
    until_feed(vault, {"Follow up: Janet", "Follow up: Sam"})
    temp = vault / "People/.Jane.md.tmp"  # write-temp-then-rename, as vim and VS Code do
    temp.write_text(note("Janine"), encoding="utf-8")
    temp.replace(vault / "People/Jane.md")
    until_feed(vault, {"Follow up: Janine", "Follow up: Sam"})
    (vault / "Friends").mkdir()
    (vault / "People/Jane.md").replace(vault / "Friends/Jane.md")  # moved between folders
    wait_until(lambda: b"file=Friends%2FJane.md" in (vault / ".mdfollow/follow-ups.ics").read_bytes(),
               "the moved note's link")
    (vault / "Friends/Jane.md").unlink()  # deleted
    until_feed(vault, {"Follow up: Sam"})
    (vault / "People/Sam.md").unlink()  # deleted and re-created
    (vault / "People/Sam.md").write_text(note("Sammy"), encoding="utf-8")
    until_feed(vault, {"Follow up: Sammy"})


def test_a_burst_of_500_new_notes_ends_in_the_right_state(vault: Path, watching: Live) -> None:
    for index in range(500):
        (vault / "People" / f"P{index}.md").write_text(note(f"P{index}"), encoding="utf-8")
    expected = {f"Follow up: P{i}" for i in range(500)} | {"Follow up: Jane", "Follow up: Sam"}
    until_feed(vault, expected)
    shutil.rmtree(vault / "People")
    until_feed(vault, set())


def test_a_note_broken_mid_edit_keeps_its_last_good_state(vault: Path, watching: Live) -> None:
    until_feed(vault, {"Follow up: Jane", "Follow up: Sam"})
    (vault / "People/Sam.md").write_text("---\nname: Samuel\ncadence: [30d\n---\n", encoding="utf-8")
    watching.wait_for_output(r"People/Sam.md:\d+: broken YAML: .*; keeping its last good state", err=True)
    assert feed_of(vault) == {"Follow up: Jane", "Follow up: Sam"}
    (vault / "People/Sam.md").write_text(note("Samuel"), encoding="utf-8")
    until_feed(vault, {"Follow up: Jane", "Follow up: Samuel"})
    assert sum("broken YAML" in line for line in watching.err) == 1


def test_the_feed_is_rewritten_only_when_its_bytes_change(vault: Path, watching: Live) -> None:
    until_feed(vault, {"Follow up: Jane", "Follow up: Sam"})
    feed = vault / ".mdfollow/follow-ups.ics"
    before = feed.stat().st_mtime_ns
    (vault / "People/Jane.md").write_text(note("Jane") + "A new line in the body.\n", encoding="utf-8")
    watching.wait_for_output(r"rebuilt in \d+ ms: nothing that counts changed; feed unchanged", err=True)
    assert feed.stat().st_mtime_ns == before
    (vault / ".obsidian").mkdir()
    (vault / ".obsidian/workspace.md").write_text(note("Not a note"), encoding="utf-8")
    (vault / "People/Sam.md").write_text(note("Sam", "status: closed\n"), encoding="utf-8")
    until_feed(vault, {"Follow up: Jane"})
    assert not any(".obsidian" in line for line in watching.err)


def test_a_vanished_vault_stops_with_a_clear_reason(vault: Path) -> None:
    live = Live(vault, "watch", "--debounce", "50")
    live.wait_for_output(r"^Watching ")
    shutil.rmtree(vault)
    wait_until(lambda: live.process.poll() is not None, "the watcher to stop")
    assert live.process.returncode == 2
    live.wait_for_output(r"the vault folder .* is gone; stopping", err=True)


def test_an_unwritable_feed_is_a_clear_error(vault: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    live = Live(vault, "watch", "-o", str(tmp_path / "file" / "feed.ics"))
    wait_until(lambda: live.process.poll() is not None, "the watcher to give up")
    assert live.process.returncode == 3
    live.wait_for_output(r"cannot write .*feed.ics: the folder .*file is not a folder", err=True)


# --- the rebuild itself, in process: named notes first, then the whole vault -------------


def builder_for(vault: Path) -> FeedBuilder:
    root = vault.resolve()
    return FeedBuilder(root, Config(), Links("obsidian", root.name), root / ".mdfollow/follow-ups.ics",
                       None, pytest.fail, today=TODAY)


def test_a_rebuild_reads_the_named_notes_and_catches_what_events_missed(
        vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builder = builder_for(vault)
    assert builder.rebuild() == ["People/Jane.md", "People/Sam.md"]
    feeds: list[set[str]] = []
    real = vault_module.write_atomic

    def recording(path: Path, data: bytes, mode: int = 0o644, **flags: bool) -> None:
        feeds.append(summaries(data))
        real(path, data, mode, **flags)

    monkeypatch.setattr(watch_module, "write_atomic", recording)
    (vault / "People/Jane.md").write_text(note("Janet"), encoding="utf-8")
    (vault / "People/Ana.md").write_text(note("Ana"), encoding="utf-8")  # no event for this one
    assert builder.rebuild({"People/Jane.md"}) == ["People/Jane.md"]  # only the named note is read
    assert feeds == [{"Follow up: Janet", "Follow up: Sam"}]
    assert builder.rebuild() == ["People/Ana.md"]  # the whole-vault look finds the one missed
    assert feeds[-1] == {"Follow up: Ana", "Follow up: Janet", "Follow up: Sam"}
    (vault / "People/Sam.md").unlink()
    (vault / "Templates").mkdir()
    (vault / "Templates/Person.md").write_text(note("Template"), encoding="utf-8")
    assert builder.rebuild({"People/Sam.md", "Templates/Person.md", ".obsidian/x.md"}) == ["People/Sam.md"]
    assert feeds[-1] == feed_of(vault) == {"Follow up: Ana", "Follow up: Janet"}
    assert builder.rebuild(set()) == [] and len(feeds) == 3  # nothing changed: nothing written


@contextlib.contextmanager
def watching_in_a_thread(builder: FeedBuilder) -> Iterator[None]:
    """`watch` runs in a thread for the block, then must stop cleanly, having raised nothing."""
    stop, failures = threading.Event(), []

    def run() -> None:
        try:
            watch_module.watch(builder, stop, 0.05)
        except Exception as error:  # asserted on below
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive() and failures == []


def test_a_save_made_before_the_watch_began_is_taken_in_once_all_is_quiet(
        vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builder = builder_for(vault)
    builder.rebuild()
    (vault / "People/Sam.md").write_text(note("Samuel"), encoding="utf-8")  # no observer yet
    monkeypatch.setattr(watch_module, "LOOK_AGAIN_AFTER", 0.2)
    with watching_in_a_thread(builder):
        until_feed(vault, {"Follow up: Jane", "Follow up: Samuel"})


def test_a_save_whose_event_said_nothing_is_found_once_saves_go_quiet(
        vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builder = builder_for(vault)
    builder.rebuild()
    monkeypatch.setattr(watch_module._Changes, "take", lambda self: set())  # events name no note
    monkeypatch.setattr(watch_module, "LOOK_AGAIN_AFTER", 0.2)
    with watching_in_a_thread(builder):
        time.sleep(0.2)  # the observer is running
        (vault / "People/Jane.md").write_text(note("Janet"), encoding="utf-8")
        until_feed(vault, {"Follow up: Janet", "Follow up: Sam"})


def test_a_vault_deleted_during_a_rebuild_stops_the_watcher_and_stays_deleted(
        vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builder = builder_for(vault)

    real = Publisher.make

    def deleting(*args: Any) -> Any:
        shutil.rmtree(vault)
        return real(*args)

    monkeypatch.setattr(Publisher, "make", deleting)
    with pytest.raises(VaultNotFound, match="is gone; stopping"):
        builder.rebuild()
    assert not vault.exists()


# --- the day: pinned, or the clock's, rolling over at midnight -----------------------------


class Clock:
    """A wall clock the test moves: local time, as `publish.local_now` gives it."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def test_the_feed_rolls_over_at_local_midnight_without_a_restart(vault: Path) -> None:
    zone = dt.timezone(dt.timedelta(hours=-8))  # local midnight is 08:00 UTC
    clock = Clock(dt.datetime(2026, 11, 30, 23, 59, 58, tzinfo=zone))
    root = vault.resolve()
    builder = FeedBuilder(root, Config(), Links("obsidian", root.name), root / ".mdfollow/follow-ups.ics",
                          None, pytest.fail, clock=clock)
    builder.rebuild()
    assert feed_of(vault) == {"Follow up: Jane", "Follow up: Sam"}  # due 12-01
    served: list[bytes] = []
    stop, failures = threading.Event(), []

    def run() -> None:
        try:
            watch_module.watch(builder, stop, 0.05, on_change=served.append)
        except Exception as error:  # asserted on below
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        time.sleep(0.3)
        assert served == []  # nothing changed yet
        clock.now = dt.datetime(2026, 12, 2, 0, 0, 1, tzinfo=zone)  # two days later, just after midnight
        until_feed(vault, {"Follow up: Jane (1 day late)", "Follow up: Sam (1 day late)"})
        wait_until(lambda: served and summaries(served[-1]) == feed_of(vault), "serve to get the new feed")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive() and failures == []
    stamps = re.findall(rb"LAST-MODIFIED:(\d{8}T\d{6}Z)", served[-1])
    assert stamps == [b"20261202T080001Z"] * 2  # the clock of the feed that changed them, in UTC


def test_watch_and_serve_give_what_export_gives_for_the_same_day(vault: Path) -> None:
    exported = CliRunner().invoke(cli, ["--vault", str(vault), *PINNED, "export", "-o", "-"]).stdout_bytes
    live = Live(vault, *PINNED, "watch")
    live.wait_for_output(r"^Watching ")
    assert live.stop() == 0
    assert (vault / ".mdfollow/follow-ups.ics").read_bytes() == exported
    later = ("--today", "2026-12-05")
    live = Live(vault, *later, "serve", "--port", "0")
    url = urlsplit(live.wait_for_output(r"^  (http://\S+)$")[1])
    connection = http.client.HTTPConnection("127.0.0.1", url.port, timeout=20)
    connection.request("GET", url.path)
    body = connection.getresponse().read()
    connection.close()
    assert live.stop() == 0
    assert b"Follow up: Jane (4 days late)" in body
    assert body == CliRunner().invoke(cli, ["--vault", str(vault), *later, "export", "-o", "-"]).stdout_bytes


def test_the_watcher_says_once_what_the_budget_left_out(vault: Path) -> None:
    root = vault.resolve()
    said: list[str] = []
    config = Config(feed=FeedConfig(max_events=1))
    builder = FeedBuilder(root, config, Links("obsidian", root.name), root / ".mdfollow/follow-ups.ics",
                          None, said.append, today=TODAY)
    builder.rebuild()
    assert len(feed_of(vault)) == 1
    (vault / "People/Ana.md").write_text(note("Ana"), encoding="utf-8")
    builder.rebuild()
    assert said == ["the calendar feed leaves out 1 event of the next 90 days (1 follow-up) to stay within "
                    "1 events and 1000000 bytes ([feed] max-events, max-bytes; Google drops feeds over "
                    "about 1 MB); `mdfollow due --within 90d` lists everything"]
