"""`mdfollow review` as a person uses it: keys typed into a real pseudo-terminal (80×24)."""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pexpect
import pytest

SAMPLE = Path(__file__).parent.parent / "sample-vault"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SAMPLE, tmp_path / "vault"))


def spawn(vault: Path, *args: str, path: str | None = None) -> pexpect.spawn:
    """The same Python and environment as the tests, in a terminal of 80 columns by 24 lines."""
    return pexpect.spawn(sys.executable, ["-m", "mdfollow", "--vault", str(vault), "--today", "2026-11-27",
                                          "review", *args],
                         env={**os.environ, "TERM": "xterm", "VISUAL": "", "EDITOR": "",
                              "PATH": path or os.environ.get("PATH", "")},
                         dimensions=(24, 80), encoding="utf-8", timeout=30, cwd=str(vault))


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def changed_files(vault: Path) -> dict[str, tuple[bytes, bytes]]:
    names = [str(path.relative_to(SAMPLE)) for path in sorted(SAMPLE.rglob("*.md"))]
    pairs = {name: ((SAMPLE / name).read_bytes(), (vault / name).read_bytes()) for name in names}
    return {path: pair for path, pair in pairs.items() if pair[0] != pair[1]}


def test_log_ping_snooze_tick_undo_quit(vault: Path) -> None:
    child = spawn(vault)
    screen = io.StringIO()
    child.logfile_read = screen
    child.expect_exact("── Yuki Tanaka ")
    child.expect_exact("n next · b back · u undo · ? help · q quit")
    child.send("l")
    child.expect_exact("What happened (Enter for none): ")
    child.send("caught up on her trip\r")
    child.expect_exact("Logged 2026-11-27 caught up on her trip — Yuki Tanaka")
    child.expect_exact("── Rosa Delgado ")
    child.send("p")
    child.expect_exact("Logged 2026-11-27 no reply yet — Rosa Delgado")
    child.expect_exact("1 unanswered in a row; the last try comes after 6.")
    child.expect_exact("── Martin Kowalski ")
    child.send("s")
    child.expect_exact("Snooze until (1w, 2w, YYYY-MM-DD; Enter = 1w): ")
    child.send("\r")
    child.expect_exact("Snoozed Martin Kowalski until 2026-12-04")
    for name in ("Sam Lee", "Grace Okafor", "Ben Carter", "Kenji Watanabe"):
        child.expect_exact(f"── {name} ")
        child.expect_exact("> ")
        child.send("n" if name != "Kenji Watanabe" else "t")
    child.expect_exact("Tick which promise? 1-1")
    child.send("1")
    child.expect_exact("Done: return Kenji's book (The Art of Gathering) (People/Kenji Watanabe.md:8)")
    child.expect_exact("── Priya Natarajan ")
    child.expect_exact("> ")
    child.send("u")
    child.expect_exact("Undone: People/Kenji Watanabe.md is back as it was before")
    child.expect_exact("── Kenji Watanabe ")
    child.expect_exact("> ")
    child.send("q")
    child.expect_exact("Followed up 1 · pinged 1 · snoozed 1 · 10 left for next time")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    lines = screen.getvalue().replace("\r\n", "\n").split("\n")
    assert max(columns(line) for line in lines if not line.startswith("mdfollow: warning:")) <= 80
    assert len(lines) > 100  # thirteen people's screens were looked at, or some of them

    changed = changed_files(vault)
    assert sorted(changed) == ["People/Martin Kowalski.md", "People/Rosa Delgado.md", "People/Yuki Tanaka.md"]
    before, after = changed["People/Yuki Tanaka.md"]
    assert after == before.replace(b"last-contact: 2026-03-01", b"last-contact: 2026-11-27") + \
        b"\n## Log\n- 2026-11-27 caught up on her trip\n"
    before, after = changed["People/Rosa Delgado.md"]
    assert after == before.replace(b"last-contact: 2026-02-30\ncadence: fortnite\n",
                                   b"last-contact: 2026-11-27\ncadence: fortnite\nattempts: 1\n") + \
        b"\n## Log\n- 2026-11-27 no reply yet\n"
    before, after = changed["People/Martin Kowalski.md"]
    assert after == before.replace(b"attempts: 6\n", b"attempts: 6\nsnooze-until: 2026-12-04\n")


def test_ctrl_c_leaves_the_notes_as_they_were_and_still_sums_up(vault: Path) -> None:
    child = spawn(vault)
    child.expect_exact("> ")
    child.send("l")
    child.expect_exact("What happened (Enter for none): ")
    child.send("half a sentence")
    child.sendintr()
    child.expect_exact("Followed up 0 · pinged 0 · snoozed 0 · 13 left for next time")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert changed_files(vault) == {}


def test_help_draft_and_a_key_that_does_nothing(vault: Path, tmp_path: Path) -> None:
    child = spawn(vault, "--kind", "first", path=str(tmp_path))
    child.expect_exact("── Priya Natarajan ")
    child.expect_exact("> ")
    child.send("?")
    child.expect_exact("u  undo the last change")
    child.send("x")
    child.expect_exact("No action on 'x': ? shows the keys.")
    child.send("d")
    child.expect_exact("Hi Priya,")
    child.expect_exact("y copies it · any other key goes back ")
    child.send("n")
    child.expect_exact("Not copied.")
    child.send("d")
    child.expect_exact("y copies it · any other key goes back ")
    child.send("y")  # no clipboard tool on this PATH: the terminal's own clipboard
    child.expect_exact("\x1b]52;c;")
    child.expect_exact("\x07")
    assert base64.b64decode(child.before).decode("utf-8").startswith("Subject: Thank you, Priya\n\nHi Priya,")
    child.expect_exact("Sent to the terminal's clipboard (OSC 52).")
    child.send(" ")
    child.expect_exact("That's everyone due.")
    child.expect_exact("Followed up 0 · pinged 0 · snoozed 0 · 1 left for next time")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert changed_files(vault) == {}


def test_edit_in_the_editor_close_when_confirmed_and_undo_at_the_end(vault: Path, tmp_path: Path) -> None:
    editor = tmp_path / "editor"
    editor.write_text('#!/bin/sh\nprintf "\\n- 2026-11-27 called her\\n" >> "$1"\n', encoding="utf-8")
    editor.chmod(0o755)
    child = pexpect.spawn(sys.executable, ["-m", "mdfollow", "--vault", str(vault), "--today", "2026-11-27",
                                           "review", "--limit", "2"],
                          env={**os.environ, "TERM": "xterm", "VISUAL": str(editor)},
                          dimensions=(24, 80), encoding="utf-8", timeout=30, cwd=str(vault))
    child.expect_exact("── Yuki Tanaka ")
    child.expect_exact("> ")
    child.send("e")
    child.expect_exact("Read Yuki Tanaka's note again.")
    child.expect_exact("── Rosa Delgado ")  # the log line the editor added: nothing left due
    child.expect_exact("> ")
    child.send("c")
    child.expect_exact("Close Rosa Delgado? No more follow-ups; promises still stand. y to confirm ")
    child.send("n")
    child.expect_exact("Rosa Delgado stays open.")
    child.send("c")
    child.expect_exact("y to confirm ")
    child.send("y")
    child.expect_exact("Rosa Delgado: status closed")
    child.expect_exact("That's everyone due. u undoes the last change; any other key finishes ")
    assert b"status: closed\n" in (vault / "People" / "Rosa Delgado.md").read_bytes()
    child.send("u")
    child.expect_exact("Undone: People/Rosa Delgado.md is back as it was before “Rosa Delgado: status")
    child.expect_exact("── Rosa Delgado ")
    child.expect_exact("> ")
    child.send("q")
    child.expect_exact("Followed up 0 · pinged 0 · snoozed 0 · 1 left for next time")
    child.expect(pexpect.EOF)
    changed = changed_files(vault)
    assert list(changed) == ["People/Yuki Tanaka.md"]
    assert changed["People/Yuki Tanaka.md"][1].endswith(b"\n- 2026-11-27 called her\n")


def test_one_commit_for_the_session_and_nothing_due_says_so(
        vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("GIT_AUTHOR", "GIT_COMMITTER"):  # a fresh machine has no git identity
        monkeypatch.setenv(f"{key}_NAME", "T")
        monkeypatch.setenv(f"{key}_EMAIL", "t@example.com")
    git = ["git", "-C", str(vault), "-c", "core.quotepath=off"]
    subprocess.run(["git", "init", "-q", str(vault)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "my notes"], check=True)
    child = spawn(vault, "--commit", "--tag", "family")
    child.expect_exact("── Chloé Martin ")
    child.expect_exact("> ")
    child.send("p")
    child.expect_exact("That's everyone due. u undoes the last change; any other key finishes ")
    child.send("x")
    child.expect_exact("Followed up 0 · pinged 1 · snoozed 0 · 0 left for next time")
    child.expect_exact("Committed 1 note.")
    child.expect(pexpect.EOF)
    log = subprocess.run([*git, "log", "-1", "--format=%B", "--name-only"], capture_output=True, text=True,
                         check=True).stdout
    assert log.startswith("Follow-up review 2026-11-27: followed up 0, pinged 1, snoozed 0, 0 left")
    assert "Pinged: Chloé Martin" in log and "People/Chloé Martin.md" in log
    nothing = spawn(vault, "--tag", "family")
    nothing.expect_exact("Nothing due today (2026-11-27). You're all caught up.")
    nothing.expect(pexpect.EOF)
