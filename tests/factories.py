"""Shared helpers: build notes and vaults from text, without touching the disk."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping
from pathlib import Path

from mdfollow.config import Config
from mdfollow.contacts import Vault, build_vault
from mdfollow.fields import spelling_table
from mdfollow.model import Note
from mdfollow.notes import parse_note

TODAY = dt.date(2026, 11, 22)


def note(text: str, path: str = "People/Jane Doe.md") -> Note:
    return parse_note(path, textwrap.dedent(text).lstrip("\n"), spelling_table())


def vault(files: Mapping[str, str], config: Config | None = None) -> Vault:
    config = config or Config()
    notes = [parse_note(path, textwrap.dedent(text).lstrip("\n"), config.spellings)
             for path, text in files.items()]
    return build_vault(notes, config)


def write_vault(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root
