"""`watch` as a real process through what once stopped it or blanked its feed: a vault
folder deleted and made again, a kill and a restart, saves made in place; and the
privacy of the feed file it writes."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from mdfollow.cli import cli
from mdfollow.config import Config
from mdfollow.vault import read_note

from .factories import write_vault
from .live import Live, summaries, wait_until


def note(name: str) -> str:
    return f"---\nname: {name}\nlast-contact: 2026-11-01\ncadence: 30d\n---\n"


def feed_of(feed: Path) -> set[str]:
    try:
        return summaries(feed.read_bytes())
    except FileNotFoundError:
        return set()


def test_a_vault_made_again_at_the_same_path_is_watched_again(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "vault", {"People/Jane.md": note("Jane")})
    feed = tmp_path / "feed.ics"
    live = Live(vault, "watch", "-o", str(feed), "--debounce", "50")
    try:
        live.wait_for_output("^Watching ")
        wait_until(lambda: feed_of(feed) == {"Follow up: Jane"}, "the first feed")
        shutil.rmtree(vault)
        time.sleep(1.5)  # gone long enough to be noticed, as a `git checkout` or a sync tool does
        write_vault(vault, {"People/Sam.md": note("Sam"), "People/Ana.md": note("Ana")})
        wait_until(lambda: feed_of(feed) == {"Follow up: Sam", "Follow up: Ana"}, "the new vault's feed")
        live.wait_for_output("was made again; watching the new one", err=True)
        (vault / "People/Lee.md").write_text(note("Lee"), encoding="utf-8")  # the new folder is watched
        wait_until(lambda: "Follow up: Lee" in feed_of(feed), "a save in the new folder")
    finally:
        assert live.stop() == 0, live.err


def test_a_killed_watcher_restarts_on_the_same_vault_and_feed(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "vault", {"People/Jane.md": note("Jane")})
    feed = vault / ".mdfollow/follow-ups.ics"
    first = Live(vault, "watch", "--debounce", "50")
    first.wait_for_output("^Watching ")
    wait_until(lambda: feed_of(feed) == {"Follow up: Jane"}, "the first feed")
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=30)
    (vault / "People/Sam.md").write_text(note("Sam"), encoding="utf-8")  # while no one watches
    second = Live(vault, "watch", "--debounce", "50")
    try:
        second.wait_for_output("^Watching ")
        wait_until(lambda: feed_of(feed) == {"Follow up: Jane", "Follow up: Sam"}, "the restarted feed")
        assert [p.name for p in feed.parent.iterdir() if p.name.endswith(".tmp")] == []
    finally:
        assert second.stop() == 0


def test_the_feed_file_is_private_unless_its_mode_was_chosen(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "vault", {"People/Jane.md": note("Jane")})
    feed = vault / ".mdfollow/follow-ups.ics"
    live = Live(vault, "watch", "--debounce", "50")
    try:
        live.wait_for_output("^Watching ")
        assert feed.stat().st_mode & 0o777 == 0o600
        feed.chmod(0o644)  # shared on purpose
        (vault / "People/Sam.md").write_text(note("Sam"), encoding="utf-8")
        wait_until(lambda: "Follow up: Sam" in feed_of(feed), "the rewritten feed")
        assert feed.stat().st_mode & 0o777 == 0o644
    finally:
        assert live.stop() == 0, live.err


def _save_in_place_soon(path: Path, text: str) -> threading.Thread:
    """An editor that empties the file now and writes it 10 ms later."""
    path.write_text("", encoding="utf-8")

    def write() -> None:
        time.sleep(0.01)
        path.write_text(text, encoding="utf-8")

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_note_caught_empty_mid_save_is_read_again(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "vault", {"People/Jane.md": note("Jane")})
    _save_in_place_soon(vault / "People/Jane.md", note("Jane")).join()  # a settled save first
    saving = _save_in_place_soon(vault / "People/Jane.md", note("Janet"))
    found = read_note(vault, "People/Jane.md", Config())
    saving.join()
    assert found.is_contact and found.fields["name"][0].value == "Janet"


def test_log_finds_a_contact_whose_note_is_being_saved_in_place(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "vault", {"People/Jane.md": note("Jane")})
    saving = _save_in_place_soon(vault / "People/Jane.md", note("Jane"))
    result = CliRunner().invoke(cli, ["--vault", str(vault), "--no-cache", "--today", "2026-11-22",
                                      "log", "Jane", "--note", "call", "--dry-run"])
    saving.join()
    assert result.exit_code == 0, result.output
    assert "+- 2026-11-22 call" in result.stdout
