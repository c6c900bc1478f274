"""How calendar events link back to their notes: a value the CLI makes and the feed uses.

Apart from `feed` so that knowing the links does not import icalendar.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from .config import Config


@dataclass(frozen=True)
class Links:
    """How events link back to notes: `obsidian://` by vault name, `file://` by folder, or none."""

    style: str
    vault_name: str
    vault_uri: str = ""  # file:// URI of the vault folder, for the "file" style
    public_url: str | None = None  # `[serve] public-url`: contacts link to their page there

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - a few Links per process, paths repeat per event
    def to(self, path: str) -> str | None:
        if self.style == "obsidian":
            return f"obsidian://open?vault={quote(self.vault_name, safe='')}&file={quote(path, safe='')}"
        if self.style == "file":
            return f"{self.vault_uri.rstrip('/')}/{quote(path)}"
        return None

    def to_contact(self, path: str) -> str | None:
        """A contact's page where `serve` is reachable, else a link to the note."""
        if self.public_url:
            return f"{self.public_url}/c/{contact_id(path)}"
        return self.to(path)


def contact_id(path: str) -> str:
    """A contact's id in URLs (`/c/<id>`): stable while the note keeps its path, and no name."""
    return hashlib.sha256(f"contact\x1f{path}".encode()).hexdigest()[:16]


def vault_links(config: Config, root: Path) -> Links:
    """The links of this vault's events, as its config says."""
    return Links(config.feed.link, root.name, root.as_uri(), config.serve.public_url)
