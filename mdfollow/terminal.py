"""What a terminal shows: colour or not, tables that fit its width, the broken-notes summary.

Pure but for `progress` and `width`: each takes what it decides on as arguments (the
environment, the width, the problems) and returns text or a choice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

from .model import Problem

COLOR_CHOICES = ("auto", "always", "never")
T = TypeVar("T")


def color(choice: str, environ: Mapping[str, str]) -> bool | None:
    """`--color`: True or False forces it; None leaves it to click (colour on a terminal only).

    `auto` honours NO_COLOR (no-color.org: set and not empty) and TERM=dumb.
    """
    if choice == "always":
        return True
    if choice == "never" or environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    return None


def width() -> int:
    """The terminal's columns (COLUMNS first); 80 when there is no terminal to ask."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def columns(text: str) -> int:
    """Columns on a terminal: CJK and emoji take two."""
    if text.isascii():  # nearly every cell, measured in C
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch)
               else 1 for ch in text)


#: How a table gives up width: ("cut", column) cuts its cells' ends with `…`, down to a
#: few characters; ("cut-start", column) their starts (a path keeps its file name);
#: ("drop", column) leaves the column out.
Give = tuple[str, int]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, fit: int | None = None,
          give: Sequence[Give] = ()) -> list[str]:
    """Rows of cells padded into columns. With `fit`, the table gives up width step by step,
    in the order of `give`, until it fits: which columns to leave out is decided first, and
    the columns that are cut then take back the room a column left out made."""
    widths = [max(columns(r[i]) for r in (headers, *rows)) for i in range(len(headers))]
    shown = list(range(len(headers)))
    starts: set[int] = set()
    if fit is not None:
        floors = {i: min(widths[i], max(columns(headers[i]), 8)) for how, i in give if how != "drop"}
        trial = list(widths)
        for how, index in give:
            if _span(trial, shown) <= fit:
                break
            if how == "drop":
                shown.remove(index)
            else:
                trial[index] = floors[index]
        excess = _span(widths, shown) - fit
        for how, index in give:
            if how != "drop" and index in shown and excess > 0:
                take = min(excess, widths[index] - floors[index])
                widths[index] -= take
                excess -= take
        starts = {index for how, index in give if how == "cut-start"}
    return [_row([_cut(cells[i], widths[i], start=i in starts) for i in shown], [widths[i] for i in shown])
            for cells in (headers, *rows)]


def _span(widths: Sequence[int], shown: Sequence[int]) -> int:
    """The columns a row of these widths takes, two spaces between cells."""
    return sum(widths[i] for i in shown) + 2 * (len(shown) - 1)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell + " " * (width - columns(cell)) for cell, width in zip(cells, widths, strict=False)
                     ).rstrip()


def _cut(cell: str, width: int, *, start: bool = False) -> str:
    if columns(cell) <= width:
        return cell
    if start:  # the end kept: "…/Ben Carter.md"
        return _cut(cell[::-1], width)[::-1]
    if cell.isascii():
        return cell[:width - 1].rstrip() + "…"
    used = 0
    for index, char in enumerate(cell):
        used += columns(char)
        if used > width - 1:
            return cell[:index].rstrip() + "…"
    return cell


def progress(items: list[T], label: str, *, least: int = 500) -> Iterator[T]:
    """A progress bar on stderr while a long list is worked through (a terminal only)."""
    import sys

    import click

    if len(items) < least:
        yield from items
        return
    with click.progressbar(items, label=label, file=sys.stderr) as bar:
        yield from bar


# --- broken notes -----------------------------------------------------------------------

NAMED = 3  # broken notes named on every run; `check` lists them all

_KINDS = (  # what an error message says the problem is: (pattern, one, many)
    (r"broken YAML", "broken YAML block", "broken YAML blocks"),
    (r"never closed", "unclosed front matter", "unclosed front matters"),
    (r"impossible date", "impossible date", "impossible dates"),
    (r"not a date", "date that is not a date", "dates that are not dates"),
    (r"cadence", "unknown cadence", "unknown cadences"),
    (r"cannot read", "unreadable file", "unreadable files"),
    (r"UTF-8", "file that is not UTF-8", "files that are not UTF-8"),
)


def broken_notes(problems: Iterable[Problem], skipped: Iterable[str]) -> list[str]:
    """The warnings every command prints about a vault: up to NAMED notes too broken to read,
    how many more there are, and what the other errors are."""
    skipped = set(skipped)
    problems = list(problems)
    broken = [p for p in problems if p.path in skipped]
    lines = [f"{p.path}:{p.line}: {p.message}" for p in broken[:NAMED]]
    if len(broken) > NAMED:
        lines.append(f"and {len(broken) - NAMED} more: run `mdfollow check`")
    others = [p for p in problems if p.severity == "error" and p.path not in skipped]
    if others:
        more = "more " if broken else ""
        noun = "error" if len(others) == 1 else "errors"
        lines.append(f"{len(others)} {more}{noun} in the vault ({_kinds(others)}): run `mdfollow check`")
    return lines


def _kinds(problems: Sequence[Problem]) -> str:
    counts: dict[tuple[str, str], int] = {}
    for problem in problems:
        kind = next(((one, many) for pattern, one, many in _KINDS if re.search(pattern, problem.message)),
                    ("other problem", "other problems"))
        counts[kind] = counts.get(kind, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    return ", ".join(f"{count} {one if count == 1 else many}" for (one, many), count in ordered)
