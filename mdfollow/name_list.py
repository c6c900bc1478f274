"""The contacts' names and aliases, kept beside the index for shell completion.

A Tab must not wait for click, YAML and SQLite to load, so whenever the index takes in a
new build of the vault, its names are also written to one small JSON file that `entry`
reads alone. Like the index it holds contact data: private to the user (0600), in the
cache folder, never in the vault; and like the index it is only a cache, written again by
the next run that reads changed notes.

It also keeps the modification times of the folders holding contacts, and of the vault's
own: a note created, deleted or renamed there since (`mdfollow new`, a new note in
Obsidian) changes them, and then completion asks the CLI, which reads the vault again and
writes the list anew. A note edited in place (a new alias) is seen by the next command
that reads the vault. Anything odd about the file (missing, someone else's, another
format) means completion asks the CLI too.

click's reply to a shell differs between its releases (fish's has had three forms since
8.3), so the list also says which of `completion.STYLES` the installed click uses for each
shell, found by asking click itself, and which Python installation and click that was:
once click is upgraded, or from another installation, the CLI answers until it has
written the list anew.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from .completion import STYLES, Labels

TYPE_CHECKING = False  # not `typing`'s: importing it would cost a Tab more than reading the names
if TYPE_CHECKING:
    from .listing import Row

NAMES = "names.json"
FORMAT = 3
LIMIT = 64 * 1024 * 1024  # bytes: 100,000 contacts with aliases are a few MB


def keep_names(folder: Path, vault: Path, rows: Mapping[str, Row]) -> None:
    """Write the names of the vault's contacts (their rows, by path) into its index's
    folder, if that is the user's private one (the index made it so); a failure leaves
    completion to the CLI."""
    from .vault import write_atomic  # the writing side may be heavy: only `read_names` is light

    if not _private(folder):
        return
    people = [[row[0], list(row[1])] for row in rows.values()]
    try:
        folders = _stamps(vault, {"", *(path.rpartition("/")[0] for path in rows)})
        data = json.dumps({"format": FORMAT, "folders": folders, "click": _click(), "styles": click_styles(),
                           "names": people})
        write_atomic(folder / NAMES, data.encode("ascii"), 0o600, durable=False)
    except OSError:
        return  # a folder gone meanwhile, a full disk, a read-only cache: the CLI answers


#: (value, help) items whose formats tell every style apart: a colon, a newline, a tab.
PROBES = (("a:b\nc\td", None), ("a:b\nc\td", "x:y\nz\tw"), ("e", ""), ("f:g", "_"))


def click_styles() -> dict[str, str]:
    """Which of `STYLES` the installed click formats items with, for each shell it has."""
    from click import Command
    from click.shell_completion import CompletionItem, get_completion_class

    styles: dict[str, str] = {}
    for shell in ("bash", "zsh", "fish"):
        kind = get_completion_class(shell)
        if kind is None:
            continue
        formatter = kind(Command("mdfollow"), {}, "mdfollow", "_MDFOLLOW_COMPLETE")
        clicks = [formatter.format_completion(CompletionItem(value, help=help_)) for value, help_ in PROBES]
        same = [name for name, style in STYLES.items() if [style(*probe) for probe in PROBES] == clicks]
        if same:
            styles[shell] = same[0]
    return styles


def _click() -> list[object]:
    """The Python installation (two installs of mdfollow may share a vault's index) and its
    click's completion module: a new release replaces this file."""
    from click import shell_completion

    info = Path(shell_completion.__file__).stat()
    return [sys.prefix, shell_completion.__file__, info.st_mtime_ns, info.st_size]


def _stamps(vault: Path, folders: Iterable[str]) -> dict[str, int]:
    """Each folder's mtime; -1 (never matched) for one changed in the last 2 s, when a note
    could have come in since the vault was read and still leave the same mtime."""
    from .vault import RACY_NS

    settled = time.time_ns() - RACY_NS
    stamps = {name: (vault / name).stat().st_mtime_ns for name in folders}
    return {name: mtime if mtime < settled else -1 for name, mtime in stamps.items()}


def read_names(folder: Path, vault: Path, shell: str) -> tuple[list[Labels], str] | None:
    """The names kept for `vault`, whose index is in `folder`, and the style of `shell`'s
    reply; None if there are none, the file is not one this user wrote, a folder holding
    contacts changed since, or click did (or its reply to `shell` is none of `STYLES`)."""
    data = _read(folder / NAMES)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    styles = data.get("styles")
    style = styles.get(shell) if isinstance(styles, dict) else None
    if not isinstance(style, str) or style not in STYLES or not _same_click(data.get("click")):
        return None
    if not _unchanged(vault, data.get("folders")):
        return None
    names = data.get("names")
    if not isinstance(names, list) or not all(_labels(entry) for entry in names):
        return None
    return [(entry[0], entry[1]) for entry in names], style


def _read(path: Path) -> object:
    """The JSON in `path`, if it is a regular file of the user's that nobody else may read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > LIMIT or not _owned(info):
            return None
        try:
            return json.loads(file.read())
        except ValueError:  # not JSON, or not UTF-8
            return None


def _same_click(stamp: object) -> bool:
    if not isinstance(stamp, list) or len(stamp) != 4 or stamp[0] != sys.prefix:
        return False
    if not isinstance(stamp[1], str):
        return False
    try:
        info = Path(stamp[1]).stat()
    except OSError:
        return False
    return [info.st_mtime_ns, info.st_size] == stamp[2:]


def _unchanged(vault: Path, folders: object) -> bool:
    if not isinstance(folders, dict):
        return False
    try:
        return all((vault / name).stat().st_mtime_ns == mtime for name, mtime in folders.items())
    except (OSError, TypeError):
        return False


def _labels(entry: object) -> bool:
    return (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
            and isinstance(entry[1], list) and all(isinstance(alias, str) for alias in entry[1]))


def _private(folder: Path) -> bool:
    try:
        info = folder.stat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and _owned(info)


def _owned(info: os.stat_result) -> bool:
    """The user's own, and nobody else may read or write it (no owner on Windows)."""
    return os.name != "posix" or (info.st_uid == os.getuid() and not stat.S_IMODE(info.st_mode) & 0o077)
