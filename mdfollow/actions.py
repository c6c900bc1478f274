"""What the writing commands change in a note, shared by the CLI and the pages.

One place decides what "I talked to her", "I pinged him", "snooze", "close" and "done"
mean for a note's text, so a tap on a phone and a command in a terminal leave the very
same bytes; both write through `vault.replace_note` (surgical, atomic, refusing a note that
changed since it was read), `write` doing it for the pages one change at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import schedule
from .config import Config
from .model import Contact, Promise
from .vault import create_note, replace_note

# YAML (edit) and git (history) are imported where used, so that `due` starts fast.


@dataclass(frozen=True)
class Change:
    """One note's new text; `before` is None for a note that doesn't exist yet."""

    path: str
    before: bytes | None
    after: str


def write(vault: Path, changes: Sequence[Change], message: str, *, commit: bool,
          progress: Callable[[list[Change]], Iterable[Change]] | None = None) -> None:
    """Write the changes, each refused if its note changed since read; then commit them.

    `progress` wraps the changes (the CLI's progress bar on a big import).
    """
    from . import history

    if commit:
        history.ready_to_commit(vault)  # before anything is written: no half-done change
    for change in progress(list(changes)) if progress else changes:
        if change.before is None:
            create_note(vault, change.path, change.after)
        else:
            replace_note(vault, change.path, change.before, change.after)
    if commit:
        history.commit(vault, [c.path for c in changes], message)


def log_entry(on: dt.date, via: str | None, text: str, replied: bool) -> str:
    """`- 2026-11-30 (call) asked about the launch`; an empty text says what happened."""
    words = " ".join(text.split()) or ("in touch" if replied else "no reply yet")
    return f"- {on.isoformat()}{f' ({via})' if via else ''} {words}"


def logged(contact: Contact, note: str, config: Config, *, on: dt.date, entry: str,
           replied: bool) -> str:
    """The note with the interaction recorded; an unanswered last try closes the contact."""
    from .edit import log_interaction

    follow_up = schedule.current(contact, config)
    closes = not replied and follow_up is not None and follow_up.kind == "break-up"
    return log_interaction(note, contact.path, config, on=on, entry=entry, replied=replied, closes=closes)


def snoozed(note: str, config: Config, until: dt.date) -> str:
    from .edit import set_fields

    return set_fields(note, {"snooze-until": until.isoformat()}, config.spellings)


def with_status(note: str, config: Config, status: str) -> str:
    from .edit import set_fields

    return set_fields(note, {"status": status}, config.spellings)


def ticked(note: str, promise: Promise, on: dt.date) -> str:
    """The promise's task line marked done; refused if that line is no longer the promise."""
    from .edit import tick_task

    _, _, line = promise.source.rpartition(":")
    return tick_task(note, int(line), promise.text, on)
