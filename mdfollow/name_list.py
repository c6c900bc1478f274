"""The contacts' names and aliases, kept beside the index for shell completion.

A Tab must not wait for click, YAML and SQLite to load, so whenever the index takes in a
new build of the vault, its names are also written to one small JSON file that `entry`
reads alone. Like the index it holds contact data: private to the user (0600), in the
cache folder, never in the vault; and like the index it is only a cache, made again by
the next run that reads changed notes. Anything odd about it (missing, someone else's,
another format) means completion asks the CLI instead.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .completion import Labels

TYPE_CHECKING = False  # not `typing`'s: importing it would cost a Tab more than reading the names
if TYPE_CHECKING:
    from .model import Contact

NAMES = "names.json"
FORMAT = 1
LIMIT = 64 * 1024 * 1024  # bytes: 100,000 contacts with aliases are a few MB


def keep_names(folder: Path, contacts: Iterable[Contact]) -> None:
    """Write the names into the index's folder, if it is the user's private one (the
    index made it so); a failure only leaves completion to the slower way."""
    from .vault import write_atomic  # the writing side may be heavy: only `read_names` is light

    if not _private(folder):
        return
    data = json.dumps({"format": FORMAT, "names": [[c.name, list(c.aliases)] for c in contacts]})
    try:
        write_atomic(folder / NAMES, data.encode("ascii"), 0o600, durable=False)
    except OSError:
        return  # a full disk or a read-only cache: completion asks the CLI instead


def read_names(folder: Path) -> list[Labels] | None:
    """The names last kept for the vault whose index is in `folder`; None if there are
    none, or the file is not one this user wrote."""
    try:
        fd = os.open(folder / NAMES, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > LIMIT or not _owned(info):
            return None
        try:
            data = json.loads(file.read())
        except ValueError:  # not JSON, or not UTF-8
            return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("names"), list):
        return None
    people: list[Labels] = []
    for entry in data["names"]:
        if not _labels(entry):
            return None
        people.append((entry[0], entry[1]))
    return people


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
