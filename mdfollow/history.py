"""Git as the history of a vault: commit what mdfollow wrote, read back how fields changed.

Uses the `git` command line, as the person would. Every failure is a :class:`GitError` with
a message that says what to do.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import GitError
from .fields import normalize_key
from .model import Contact
from .notes import TOP_KEY

_TRACKED = ("last-contact", "next-due")
_NO_GIT = "git is not installed (or not on PATH): install it, or drop --commit"


@dataclass(frozen=True)
class FieldChange:
    """One commit's change to a note's last-contact or next-due."""

    date: dt.date
    commit: str
    subject: str
    field: str
    old: str
    new: str


def _git(vault: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    if shutil.which("git") is None:
        raise GitError(_NO_GIT)
    done = subprocess.run(["git", "-C", str(vault), *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise GitError(f"git {args[0]} failed: {(done.stderr or done.stdout).strip()}")
    return done


def is_work_tree(vault: Path) -> bool:
    if shutil.which("git") is None:
        return False
    return _git(vault, "rev-parse", "--is-inside-work-tree", check=False).stdout.strip() == "true"


def ready_to_commit(vault: Path) -> None:
    """Checked before anything is written, so a refused commit leaves no half-done change."""
    if shutil.which("git") is None:
        raise GitError(_NO_GIT)
    if not is_work_tree(vault):
        raise GitError(f"{vault} is not in a git work tree: run `git init` there, or drop --commit")
    if _git(vault, "ls-files", "--unmerged").stdout.strip():
        raise GitError("the git index has unresolved conflicts: resolve them first; nothing was written")
    lock = vault / _git(vault, "rev-parse", "--git-path", "index.lock").stdout.strip()
    if lock.exists():
        raise GitError(f"{lock} exists: another git command is running (or one crashed and "
                       "left it: then remove it); nothing was written")


def commit(vault: Path, paths: Sequence[str], message: str) -> None:
    """Commit exactly these vault-relative paths, whatever else is staged."""
    _git(vault, "add", "--", *paths)
    _git(vault, "commit", "--quiet", "--only", "-m", message, "--", *paths)


def field_changes(vault: Path, path: str, spellings: Mapping[str, str]) -> list[FieldChange]:
    """How the note's last-contact and next-due changed, commit by commit, newest first."""
    if not is_work_tree(vault):
        return []
    done = _git(vault, "log", "--follow", "--format=%x1e%H%x1f%ad%x1f%s", "--date=short", "-p",
                "--unified=0", "--", path, check=False)
    changes: list[FieldChange] = []
    for record in done.stdout.split("\x1e")[1:]:
        header, _, patch = record.partition("\n")
        commit_id, day, subject = header.split("\x1f", 2)
        before: dict[str, str] = {}
        after: dict[str, str] = {}
        for line in patch.splitlines():
            if line[:1] in ("+", "-") and not line.startswith(("+++", "---")):
                found = _field(line[1:], spellings)
                if found:
                    (after if line[0] == "+" else before)[found[0]] = found[1]
        for name in _TRACKED:
            if (name in before or name in after) and before.get(name, "") != after.get(name, ""):
                changes.append(FieldChange(dt.date.fromisoformat(day), commit_id[:10], subject, name,
                                           before.get(name, ""), after.get(name, "")))
    return changes


def timeline(contact: Contact, vault: Path, spellings: Mapping[str, str]) -> list[dict[str, str]]:
    """`history`'s rows (and its `--json` objects), newest first: the contact's log lines and
    the daily notes that link it, then how git saw its dates change."""
    rows = [{"date": i.date.isoformat(), "kind": "log" if ":" in i.source else "note", "text": i.text,
             "source": i.source} for i in contact.interactions]
    rows += [{"date": c.date.isoformat(), "kind": "git",
              "text": f"{c.field}: {c.old or '(none)'} → {c.new or '(none)'}",
              "source": f"{c.commit} {c.subject}"} for c in field_changes(vault, contact.path, spellings)]
    return sorted(rows, key=lambda row: row["date"], reverse=True)


def _field(line: str, spellings: Mapping[str, str]) -> tuple[str, str] | None:
    match = TOP_KEY.match(line)
    if match is None:
        return None
    canonical = spellings.get(normalize_key(match["key"]))
    if canonical not in _TRACKED:
        return None
    value = re.sub(r"\s+#.*$", "", line[match.end():]).strip().strip("'\"")
    return canonical, value
