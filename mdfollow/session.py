"""A command's session: the vault, its config and the day it is, and the vault read
through its index, once per command, with its broken notes named once on stderr.

Every command of the CLI, and `review`, gets one; it is what stands between the command
line and the library (`snapshot`, `listing`, `contacts`, `publish`).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from . import listing
from .cache import Exported, Index, default_location, fingerprint
from .config import Config, UserConfig
from .links import vault_links
from .listing import Row
from .model import Contact, Problem
from .snapshot import Loaded, load
from .terminal import broken_notes, progress
from .vault import choose_vault, load_config, load_user_config, open_vault

if TYPE_CHECKING:
    from .contacts import Vault

T = TypeVar("T")


@dataclass
class Session:
    """What every command needs: the vault, its config and the day it is."""

    given_vault: Path | None  # --vault or MDFOLLOW_VAULT; else the vault is found (`vault_path`)
    config_path: Path | None
    today: dt.date
    use_cache: bool = True
    pinned: bool = False  # --today given: watch and serve keep that day instead of following the clock
    quiet_skips: bool = field(default=False)
    show_progress: bool = field(default_factory=lambda: sys.stderr.isatty())
    _said: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    @cached_property
    def vault_path(self) -> Path:
        return choose_vault(self.given_vault, Path.cwd(), self.user)

    @cached_property
    def user(self) -> UserConfig:
        return load_user_config()

    @cached_property
    def config(self) -> Config:
        return load_config(open_vault(self.vault_path), self.config_path, self.user)

    def load(self) -> Vault:
        """Read the vault (once); notes too broken to read are named once on stderr."""
        return self._vault

    def _before_parsing(self, paths: list[str]) -> Iterable[str]:
        """Runs only when notes must be parsed: says if YAML will be slow, shows progress."""
        if paths:
            from .notes import HAVE_LIBYAML

            if not HAVE_LIBYAML:
                warn("PyYAML has no libyaml here: reading notes will be about 7x slower")
        return progress(paths, "Reading notes") if self.show_progress else paths

    def index(self, root: Path) -> Index | None:
        """The vault's index in the cache folder, unless --no-cache."""
        if not self.use_cache:
            return None
        return Index(default_location(root), fingerprint(self.config.spellings), warn)

    @cached_property
    def _vault(self) -> Vault:
        return self._read(lambda root, index: _with_vault(self._load(root, index)))

    def listing(self) -> dict[str, Row]:
        """The vault's contact rows (what `due` lists from), without its contacts when
        nothing changed; broken notes are named once on stderr."""
        return self._read(lambda root, index: _with_rows(self._load(root, index)))

    def contact(self, name: str) -> tuple[Contact, tuple[Problem, ...]]:
        """The contact NAME means, found among the index's rows and read alone, and the
        problems found in the vault."""
        return self._read(lambda root, index: _with_contact(self._load(root, index), name))

    def _load(self, root: Path, index: Index | None) -> Loaded:
        return load(root, self.config, index, self._before_parsing)

    def feed(self) -> Exported:
        """The calendar feed on `today`, after the feed state kept from the last one (saved)."""
        from .publish import export_feed

        return self._read(lambda root, index: export_feed(
            root.resolve(), self.config, vault_links(self.config, root.resolve()), self.today, index,
            self._before_parsing))

    def _read(self, read: Callable[[Path, Index | None], tuple[Loaded, T]]) -> T:
        """What `read` makes of the vault through its index; broken notes named once on stderr."""
        root = open_vault(self.vault_path)
        index = self.index(root)
        try:
            vault, result = read(root, index)
        finally:
            if index is not None:
                index.close()
        if not self.quiet_skips:
            for line in broken_notes(vault.problems, vault.skipped):
                if line not in self._said:  # a command may read the vault twice (NAME, then all)
                    self._said.add(line)
                    warn(line)
        return result


def _with_vault(loaded: Loaded) -> tuple[Loaded, Vault]:
    """The read vault and its contacts, read while its index is open."""
    return loaded, loaded.vault()


def _with_contact(loaded: Loaded, name: str) -> tuple[Loaded, tuple[Contact, tuple[Problem, ...]]]:
    """The read vault, and the contact NAME means read while its index is open."""
    from .contacts import resolve  # linking's module: not imported by a warm `due`

    person = resolve(listing.people(loaded.rows), loaded.problems, loaded.skipped, name)
    return loaded, (loaded.contact(person.path), loaded.problems)


def _with_rows(loaded: Loaded) -> tuple[Loaded, dict[str, Row]]:
    """The read vault and its contact rows, read while its index is open."""
    return loaded, loaded.rows


def warn(message: str) -> None:
    """A warning on stderr, as every command words it."""
    click.echo(f"mdfollow: warning: {message}", err=True)
