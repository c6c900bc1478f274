"""Where mdfollow keeps what must outlive a run but must not travel with the vault.

Vaults are synced to iCloud or Dropbox and pushed to git remotes, so secrets (the feed
token, device pairings) and the feed's memory of what calendars were shown (UIDs,
SEQUENCE values, done events) live per user, per vault, outside it:
`$XDG_STATE_HOME/mdfollow/<vault id>/`. Unlike the index (a cache, rebuilt at will), this
is state: `--no-cache` and a deleted index leave it alone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path


def vault_id(vault: Path) -> str:
    """A short name for a vault that says nothing about it: a hash of its absolute path."""
    return hashlib.sha256(str(vault.resolve()).encode("utf-8")).hexdigest()[:16]


def state_dir(vault: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """The vault's state folder (not created here: see `ensure_state_dir`)."""
    home = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(home) / "mdfollow" / vault_id(vault)


def ensure_state_dir(vault: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """The state folder, made private (0700) if it is new: it holds secrets and contact data."""
    folder = state_dir(vault, environ)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder
