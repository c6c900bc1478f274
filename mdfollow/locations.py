"""Where a vault, the user config and a vault's index are: paths only, nothing read.

Light on purpose (os, pathlib, hashlib): shell completion finds the vault and its names
file with these before it decides whether the rest of mdfollow must be loaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .state import vault_id

CONFIG_NAME = ".mdfollow.toml"


def find_vault(here: Path) -> Path | None:
    """`here` or its nearest parent holding `.obsidian/` or `.mdfollow.toml`: only a folder
    that says it is a vault is read without being named (never a whole home or disk)."""
    for folder in (here, *here.parents):
        if (folder / ".obsidian").is_dir() or (folder / CONFIG_NAME).is_file():
            return folder
    return None


def user_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CONFIG_HOME/mdfollow/config.toml` (`~/.config/…` when unset or not absolute)."""
    base = environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "mdfollow" / "config.toml"


def index_folder(vault: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CACHE_HOME/mdfollow/<vault id>/` (or `$MDFOLLOW_CACHE_DIR/<vault id>/`): the
    index, and the names shell completion reads, never in the vault."""
    base = environ.get("MDFOLLOW_CACHE_DIR")
    cache_home = environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    root = Path(base) if base else Path(cache_home) / "mdfollow"
    return root / vault_id(vault)
