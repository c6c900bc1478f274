"""The vault's own templates: a note for a new person, a draft per kind of follow-up.

Read from the vault's template folders (`Templates/Person.md`, `Templates/mdfollow/<kind>.md`);
the built-in drafts ship with mdfollow. Shared by the CLI and the pages.
"""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .errors import EditRefused


def vault_template(vault: Path, config: Config, name: str = "Person.md") -> str | None:
    """The vault's own template `<template folder>/NAME`, if it has one."""
    for folder in config.template_folders:
        candidate = vault / folder / name
        if candidate.is_file():
            try:
                return candidate.read_bytes().decode("utf-8-sig")  # its line endings kept
            except (OSError, UnicodeDecodeError) as error:
                raise EditRefused(f"cannot read the template {candidate}: {error}") from None
    return None


def draft_template(vault: Path, config: Config, kind: str) -> str:
    """The vault's draft for this kind, else the built-in one."""
    from importlib import resources

    own = vault_template(vault, config, f"mdfollow/{kind}.md")
    return own if own is not None else \
        (resources.files("mdfollow") / "drafts" / f"{kind}.md").read_text(encoding="utf-8")
