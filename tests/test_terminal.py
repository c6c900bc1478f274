"""What a terminal shows: colour choices, the table's width, and the same in a real terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mdfollow.cli import cli
from mdfollow.terminal import color, table

from .factories import write_vault

SMALL = Path(__file__).parent / "vaults" / "small"


@pytest.mark.parametrize(("choice", "environ", "expected"), [
    ("auto", {}, None), ("auto", {"NO_COLOR": "1"}, False), ("auto", {"NO_COLOR": ""}, None),
    ("auto", {"TERM": "dumb"}, False), ("always", {"NO_COLOR": "1", "TERM": "dumb"}, True),
    ("never", {"TERM": "xterm-256color"}, False),
])
def test_color_choice(choice: str, environ: dict[str, str], expected: bool | None) -> None:
    assert color(choice, environ) is expected


def test_color_always_and_never_through_the_cli() -> None:
    args = ["--vault", str(SMALL), "--today", "2026-11-22", "-q", "due"]
    assert "\x1b[" in CliRunner().invoke(cli, [*args, "--color", "always"]).stdout
    assert "\x1b[" not in CliRunner().invoke(cli, [*args, "--color", "never"]).stdout
    assert "\x1b[" in CliRunner(env={"NO_COLOR": "1"}).invoke(cli, [*args, "--color", "always"]).stdout


def test_cells_are_cut_with_an_ellipsis_counting_wide_characters() -> None:
    lines = table(("A", "WHAT"), [("x", "日本語のテキストです")], fit=12, give=[("cut", 1)])
    assert lines == ["A  WHAT", "x  日本語の…"]


def in_a_terminal(*args: str, env: dict[str, str], columns: int = 80) -> str:
    """The command's output as a terminal of `columns` shows it (a real pseudo-terminal)."""
    main, child = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "TERM")}
    process = subprocess.Popen([sys.executable, "-m", "mdfollow", *args], stdin=child, stdout=child,
                               stderr=child, env={**environ, **env}, close_fds=True)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode("utf-8")


def test_a_real_terminal_gets_colour_unless_no_color_or_dumb_and_a_table_that_fits(tmp_path: Path) -> None:
    args = ("--vault", str(SMALL), "--today", "2026-11-22", "-q", "due", "--within", "30d")
    shown = in_a_terminal(*args, env={"TERM": "xterm"})
    assert "\x1b[1m" in shown and "\x1b[31m" in shown
    assert "\x1b[" not in in_a_terminal(*args, env={"TERM": "xterm", "NO_COLOR": "1"})
    assert "\x1b[" not in in_a_terminal(*args, env={"TERM": "dumb"})
    for columns in (60, 40, 30):  # a laptop's split pane, then a phone's terminal
        narrow = in_a_terminal(*args, env={"TERM": "dumb"}, columns=columns)
        assert max(len(line) for line in narrow.splitlines()) <= columns and "…" in narrow
        assert ("LAST CONTACT" in narrow) is (columns == 60) and ("KIND" in narrow) is (columns >= 40)
        stale = in_a_terminal("--vault", str(SMALL), "--today", "2026-11-22", "-q", "stale", "--since", "1d",
                              env={"TERM": "dumb"}, columns=columns)
        table_lines = stale.split("\r\n\r\n", 1)[1].splitlines()  # the title above may wrap
        assert max(len(line) for line in table_lines) <= columns and "DAYS" in table_lines[0]
        history = in_a_terminal("--vault", str(SMALL), "-q", "history", "Jane Doe", env={"TERM": "dumb"},
                                columns=columns)
        table_lines = history.split("\r\n\r\n", 1)[1].splitlines()
        assert max(len(line) for line in table_lines) <= columns and "WHAT" in table_lines[0]


DUE_GIVES = (("cut", 4), ("drop", 3), ("cut", 1), ("drop", 2))  # as `due` gives up width


def test_columns_are_cut_then_left_out_in_order_until_the_table_fits() -> None:
    headers = ("DUE", "WHO", "KIND", "LAST CONTACT", "WHAT")
    rows = [("82d late", "Yuki Tanaka", "cadence", "2026-03-01", "Check in (every 6 months)"),
            ("8d late", "Martin Kowalski", "break-up", "2026-09-15", "Last try after 6 unanswered")]
    assert table(headers, rows, fit=78, give=DUE_GIVES) == table(headers, rows)  # it fits: nothing given
    assert table(headers, rows, fit=70, give=DUE_GIVES)[2] == (
        "8d late   Martin Kowalski  break-up  2026-09-15    Last try after 6 u…")  # WHAT is cut first
    # then LAST CONTACT is left out before a name is cut, and WHAT takes back the room it leaves
    assert table(headers, rows, fit=55, give=DUE_GIVES) == [
        "DUE       WHO              KIND      WHAT",
        "82d late  Yuki Tanaka      cadence   Check in (every 6…",
        "8d late   Martin Kowalski  break-up  Last try after 6…"]
    assert table(headers, rows, fit=40, give=DUE_GIVES)[2] == "8d late   Martin Ko…  break-up  Last tr…"
    assert table(headers, rows, fit=30, give=DUE_GIVES)[2] == "8d late   Martin Ko…  Last tr…"
    assert table(headers, rows, give=DUE_GIVES) == table(headers, rows)  # no width to fit: nothing cut


def test_a_path_is_cut_at_its_start_so_its_file_name_stays() -> None:
    lines = table(("WHO", "NOTE"), [("Ben", "People/Clients/Ben Carter.md")], fit=20, give=[("cut-start", 1)])
    assert lines == ["WHO  NOTE", "Ben  …/Ben Carter.md"]


def test_history_and_stale_are_whole_when_piped(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    long = "- 2026-11-20 a long lunch about the new office, the hiring plan and the trip to Lisbon in May\n"
    vault = write_vault(tmp_path, {"People/Jane Doe.md": "---\ncadence: 30d\n---\n" + long})
    for command in (["history", "Jane Doe"], ["stale", "--since", "1d"]):
        piped = subprocess.run([sys.executable, "-m", "mdfollow", "--vault", str(vault), *command],
                               capture_output=True, text=True, env=environ, check=True).stdout
        assert "…" not in piped and "People/Jane Doe.md" in piped, command
        assert "Lisbon in May" in piped or command[0] == "stale"
