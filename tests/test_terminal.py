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
    lines = table(("A", "WHAT"), [("x", "日本語のテキストです")], fit=12, shrink=(1,))
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


def test_columns_are_cut_then_left_out_in_order_until_the_table_fits() -> None:
    headers = ("DUE", "WHO", "KIND", "LAST CONTACT", "WHAT")
    row = ("82d late", "Yuki Tanaka", "cadence", "2026-03-01", "Check in (every 6 months)")
    wide = table(headers, [row], fit=80, shrink=(4, 1), drop=(3, 2))
    assert wide[1] == "82d late  Yuki Tanaka  cadence  2026-03-01    Check in (every 6 months)"
    assert table(headers, [row], fit=52, shrink=(4, 1), drop=(3, 2))[1] == (
        "82d late  Yuki Tan…  cadence  2026-03-01    Check i…")  # cut, all kept
    assert table(headers, [row], fit=40, shrink=(4, 1), drop=(3, 2)) == [  # room again for the name
        "DUE       WHO          KIND     WHAT", "82d late  Yuki Tanaka  cadence  Check i…"]
    assert table(headers, [row], fit=20, shrink=(4, 1), drop=(3, 2))[1] == "82d late  Yuki Ta…  Check i…"
    assert table(headers, [row], shrink=(4, 1), drop=(3, 2)) == wide  # no terminal: nothing cut
