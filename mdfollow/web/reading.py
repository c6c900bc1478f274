"""The vault as the pages see it: up to date at every request, re-reading only what changed.

The pages do not wait for the watcher: each request compares the notes' sizes and mtimes
and re-reads just the notes that moved, so a page shown right after a save (or an action)
shows that save.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..config import Config
from ..contacts import Linker
from ..links import contact_id
from ..model import Contact
from ..vault import Known, refresh_notes


class LiveVault:
    def __init__(self, vault: Path, config: Config) -> None:
        self.vault, self.config = vault, config
        self._lock = threading.Lock()
        self._known: dict[str, Known] = {}
        self._linker = Linker(config)
        self._by_id: dict[str, Contact] = {}

    def contacts(self) -> tuple[Contact, ...]:
        with self._lock:
            known = refresh_notes(self.vault, self.config, self._known)
            moved = {p for p in known.keys() | self._known.keys() if known.get(p) is not self._known.get(p)}
            if moved:
                self._linker.update({p: known[p].note if p in known else None for p in moved})
                self._by_id = {contact_id(c.path): c for c in self._linker.contacts}
            self._known = known
            return self._linker.contacts

    def contact(self, id: str) -> Contact | None:
        """The contact with this id, as the vault is now."""
        self.contacts()
        return self._by_id.get(id)

    def path_of(self, id: str) -> str | None:
        """The note of the contact with this id, without reading the vault again if known."""
        known = self._by_id.get(id)
        return known.path if known is not None else next(
            (c.path for c in self.contacts() if contact_id(c.path) == id), None)
