"""New contact notes (`new`, `import`): where each goes in the vault and what it holds.

Both commands make notes the same way: a folder inside the vault that mdfollow reads, a
file name that works on every OS and that no note has yet, and the vault's template (or
the built-in one) with the follow-up fields filled in. Only `free_path` and
`imported_notes` look at the disk (which names are taken).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from .actions import Change
from .addressbook import Person, Plan
from .edit import new_note, note_file_name, yaml_list
from .errors import EditRefused, InvalidValue


def folder_prefix(folder: str) -> str:
    """`People` -> `People/`; a folder outside the vault (`..`, absolute) is refused."""
    parts = [part for part in folder.replace("\\", "/").split("/") if part not in ("", ".")]
    if folder.startswith(("/", "\\")) or ".." in parts or any(":" in part for part in parts):
        raise InvalidValue(f"{folder!r} is not a folder inside the vault")
    return "".join(f"{part}/" for part in parts)


def contact_fields(cadence: str | None, met: dt.date | None, tags: str) -> dict[str, str]:
    """The front matter `new` fills in from its options; `tags` comma-separated, a `#` or
    not (`client, #friend`)."""
    fields: dict[str, str] = {}
    if cadence:
        fields["cadence"] = cadence
    if met:
        fields["met"] = met.isoformat()
    tag_list = [tag.strip().lstrip("#") for tag in tags.split(",") if tag.strip()]
    if tag_list:
        fields["tags"] = yaml_list(tag_list)
    return fields


def imported_notes(plan: Plan, vault: Path, prefix: str, template: str | None, now: dt.datetime,
                   spellings: Mapping[str, str]) -> tuple[list[Change], list[tuple[Person, str]]]:
    """A new note for each person the import plans, each under a name no note has (`Jane Doe
    2.md` beside an older `Jane Doe.md`); and the people whose name gives no file name."""
    taken = _present(vault, prefix)
    changes: list[Change] = []
    refused: list[tuple[Person, str]] = []
    for person, fields in plan.create:
        try:
            file_name = note_file_name(person.name)
        except EditRefused as error:
            refused.append((person, str(error)))
            continue
        path = free_path(vault, prefix, file_name, taken)
        stem = path.rsplit("/", 1)[-1][:-3]
        changes.append(Change(path, None, new_note(person.name, template, now, fields, spellings, stem)))
    return changes, refused


def _present(vault: Path, prefix: str) -> set[str]:
    """The notes already in the folder, in any case: a vault synced to macOS or Windows can't
    hold both `Ana Ruiz.md` and `ana ruiz.md`, and one would overwrite the other there."""
    try:
        return {f"{prefix}{entry.name}".casefold() for entry in (vault / prefix).iterdir()}
    except OSError:  # no such folder yet
        return set()


def same_name(vault: Path, path: str) -> str | None:
    """The note already at `path` in any case (`People/ana ruiz.md` for `People/Ana Ruiz.md`)."""
    prefix = path.rpartition("/")[0] + "/" if "/" in path else ""
    wanted = path.casefold()
    try:
        return next((f"{prefix}{entry.name}" for entry in (vault / prefix).iterdir()
                     if f"{prefix}{entry.name}".casefold() == wanted), None)
    except OSError:  # no such folder yet
        return None


def free_path(vault: Path, prefix: str, file_name: str, taken: set[str]) -> str:
    """A path no note has yet, nor one of `taken` (which it joins): `Jane Doe.md`, else
    `Jane Doe 2.md`, …"""
    stem = file_name[:-3]
    for number in range(1, 10_000):
        candidate = f"{prefix}{stem if number == 1 else f'{stem} {number}'}.md"
        if candidate.casefold() not in taken and not (vault / candidate).exists():
            taken.add(candidate.casefold())
            return candidate
    raise EditRefused(f"no free file name for {stem!r} in {prefix or '.'!r}")
