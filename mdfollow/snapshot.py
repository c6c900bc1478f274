"""The vault as the index last saw it, and what changed since: how a run reads the vault.

The index keeps a small snapshot of the whole vault (every note's size and mtime, the
problems, the contacts' paths), and apart from it each contact's row (`listing`), each
linked contact and the names links resolve against. A run compares the notes' `stat` with
the snapshot, then:

- nothing changed: `due` and `stale` list from the rows, `export` needs the snapshot alone;
  a NAME reads its one contact, and every contact is read back only by a command that
  needs them all (`check`, `review`, the pages);
- a few notes changed: only the contacts they reach are linked again (`contacts.patch`),
  from the notes the index holds, and only those are kept anew;
- else: every note, parsed or read back from the index, is linked again.

A note saved in the last seconds may change again within its mtime's tick: while one is,
nothing is kept but the notes' parses, and the next run takes the snapshot from before.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import cache, partial
from itertools import compress, count
from operator import ne
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from .cache import Index, fingerprint, load_note
from .config import Config
from .errors import ContactNotFound
from .listing import Row, rows
from .model import Contact, Note, Problem
from .vault import RACY_NS, Known, Progress, Scan, collector_paused, read_note, refreshed, scan_notes

if TYPE_CHECKING:  # linking is imported when a note changed: not by a run where none did
    from .contacts import Names, Vault

PATCH_LIMIT = 200  # changed notes beyond which linking every note again is as quick
#: The notes changed since the snapshot, each with its size and mtime as the snapshot saw it
#: (None: a note it did not have).
Changed = dict[str, tuple[int, int] | None]


@dataclass(frozen=True)
class Snapshot:
    """What the index keeps of the vault as a whole: what it was read from, and its
    problems. The notes' sizes and mtimes are one string: pickling 100,000 of them as a dict
    of tuples would cost 20 MB for a moment, at the high-water mark of a cold read."""

    config: str  # repr of the config it was read with
    listing: str  # `Scan.listing`
    problems: tuple[Problem, ...]
    skipped: tuple[str, ...]
    contacts: tuple[str, ...]  # their paths, in order
    unreadable: tuple[Problem, ...]  # folders that could not be listed, names that are not text
    listed: tuple[str, ...]  # the contacts' paths in listing order (`listing.rows`)


def _differences(before: str, now: str) -> Changed:
    """The notes whose size or mtime differ between two listings (`Scan.listing`), or that
    only one has: each with its size and mtime in `before` (None: not in it)."""
    old, new = _fields(before), _fields(now)
    if old[0::3] == new[0::3]:  # the same notes, as after an edit: compared field by field, in C
        places = {place - place % 3 for place in compress(count(), map(ne, old, new))}
        return {old[place]: (int(old[place + 1]), int(old[place + 2])) for place in places}
    kept, seen = _triples(old), _triples(new)
    gone = {path: (int(size), int(mtime)) for path, size, mtime in kept - seen}
    return {path: gone.get(path) for path, _, _ in kept ^ seen}


def _fields(listing: str) -> list[str]:
    fields = listing.split("\0") if listing else []
    if len(fields) % 3:
        raise ValueError("a listing of path, size and mtime triples")
    return fields


def _triples(fields: list[str]) -> set[tuple[str, str, str]]:
    """(path, size, mtime) of every note, as text: compared as they are, in C."""
    triples = iter(fields)
    return set(zip(triples, triples, triples, strict=True))


class Loaded:
    """A vault read through its index: its problems at once; its contact rows and linked
    contacts when asked (from memory, the index, or, if the index lost them, the notes)."""

    def __init__(self, snapshot: Snapshot, key: Callable[[], str] | None, rows: Callable[[], dict[str, Row]],
                 vault: Callable[[], Vault], contact: Callable[[str], Contact | None] | None = None) -> None:
        self.snapshot = snapshot
        self._key = cache(key) if key is not None else None
        self._rows = cache(rows)
        self._vault = cache(vault)
        self._contact = contact

    @property
    def key(self) -> str | None:
        """The vault's key for what is kept along with it (the feed); None when a note is too
        fresh. Worked out when asked (`export`): a hash of every note's size and mtime."""
        return self._key() if self._key is not None else None

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.snapshot.problems

    @property
    def skipped(self) -> tuple[str, ...]:
        return self.snapshot.skipped

    @property
    def rows(self) -> dict[str, Row]:
        """Every contact's row (`listing.Row`), in listing order."""
        return self._rows()

    def vault(self) -> Vault:
        return self._vault()

    def contact(self, path: str) -> Contact:
        """One linked contact (of `rows`): read alone from the index when it can be, not with
        every other one."""
        found = self._contact(path) if self._contact is not None else None
        found = found or next((c for c in self.vault().contacts if c.path == path), None)
        if found is None:  # the note stopped being a contact while this run read the vault
            raise ContactNotFound(f"{path} is no longer a contact (it changed meanwhile); run the "
                                  "command again")
        return found


def load_vault(vault: Path, config: Config, index: Index | None = None,
               progress: Progress | None = None) -> Vault:
    """The whole vault, through the index when there is one."""
    return load(vault, config, index, progress).vault()


@collector_paused(freeze=True)
def load(vault: Path, config: Config, index: Index | None, progress: Progress | None = None) -> Loaded:
    """The vault brought up to date: see the module's docstring. With an index, ask the
    result for what it needs before the index is closed."""
    reader = _Reader(vault, config, scan_notes(vault, config), index, progress)
    if index is None:
        return reader.built(None)[0]
    return reader.through(index)


@dataclass(frozen=True)
class _Reader:
    """One run's reading of the vault: its notes as scanned, through the index if any."""

    vault: Path
    config: Config
    scan: Scan
    index: Index | None
    progress: Progress | None

    def through(self, index: Index) -> Loaded:
        kept = index.snapshot()
        changed = self._changed(kept) if _whole(kept) else None
        key = partial(_key, self.scan, self.config) if _settled(self.scan) else None
        if _whole(kept) and changed == {}:
            return Loaded(kept, key, lambda: self._rows(index, kept), lambda: self._contacts(index, kept, {}),
                          lambda path: _one(index, path))
        return self._renewed(index, kept, changed, key)

    def _renewed(self, index: Index, kept: object, changed: Changed | None,
                 key: Callable[[], str] | None) -> Loaded:
        """The vault with the notes changed since the snapshot taken in (or every note linked
        again), kept in the index unless a note is too fresh."""
        if _whole(kept) and changed is not None:
            patched = self._patched(index, kept, changed)
            if patched is not None:
                snapshot, linked, rows = patched
                loaded = Loaded(snapshot, key, lambda: {**self._rows(index, kept), **rows},
                                lambda: self._contacts(index, snapshot, linked),
                                lambda path: linked.get(path) or _one(index, path))
                # Kept unless a note is too fresh. Then the names kept for completion still
                # hold: a patch renames no one, and a folder changed in the last seconds bars
                # the list anyway.
                if key is not None:
                    place = {path: number for number, path in enumerate(kept.listed)}
                    index.store_snapshot(snapshot, linked.values(), {place[p]: r for p, r in rows.items()})
                    _keep_names(index, self.vault, loaded)
                return loaded
        result, names = self.built(key)
        if key is not None:
            index.store_snapshot(result.snapshot, result.vault().contacts,
                                 dict(enumerate(result.rows.values())), names=names)
        _keep_names(index, self.vault, result)
        return result

    def built(self, key: Callable[[], str] | None) -> tuple[Loaded, Names]:
        """Every note (from the index where unchanged) linked again, and what links resolved
        against."""
        vault, names = self._linked()
        found = rows(vault.contacts, self.config)
        snapshot = Snapshot(repr(self.config), self.scan.listing, vault.problems, vault.skipped,
                            tuple(c.path for c in vault.contacts), tuple(self.scan.unreadable), tuple(found))
        return Loaded(snapshot, key, lambda: found, lambda: vault), names

    def _linked(self) -> tuple[Vault, Names]:
        """Every note linked; the parsed notes are freed on return, before anything else is
        made of the vault (they are most of a cold read's memory)."""
        from .contacts import Linker

        linker = Linker(self.config)
        linker.update({path: known.note for path, known in refreshed(
            self.vault, self.config, {}, self.scan, self.index, self.progress, whole=True).items()})
        return linker.vault(), linker.names

    def _changed(self, kept: Snapshot) -> Changed | None:
        """The notes added, changed or gone since the snapshot, each with its size and mtime
        as the snapshot saw it (None: not in it); None when it can't be told."""
        scan = self.scan
        if (kept.config != repr(self.config) or kept.unreadable != tuple(scan.unreadable)
                or len(scan.stats) != len(scan.paths)):
            return None
        if kept.listing == scan.listing:
            return {}
        try:
            return _differences(kept.listing, scan.listing)
        except ValueError:  # damaged, like any damaged cached value: read again
            return None

    @collector_paused(freeze=True)
    def _rows(self, index: Index, kept: Snapshot) -> dict[str, Row]:
        """The snapshot's rows, from the index; made again if it no longer has them."""
        assert not index.closed, "a vault's rows are read before its index is closed"
        found = index.rows()
        if found is None or len(found) != len(kept.listed):
            return rows(self._linked()[0].contacts, self.config)
        return dict(zip(kept.listed, found, strict=True))  # type: ignore[arg-type]  # kept by `through`

    @collector_paused(freeze=True)
    def _contacts(self, index: Index, kept: Snapshot, linked: Mapping[str, Contact]) -> Vault:
        """The snapshot's linked contacts: `linked`, and the others from the index; linked
        again if it no longer has them."""
        assert not index.closed, "a vault's contacts are read before its index is closed"
        contacts = index.contacts()
        if contacts is None:
            return self._linked()[0]
        contacts.update(linked)
        if contacts.keys() != set(kept.contacts):
            return self._linked()[0]
        from .contacts import Vault

        return Vault(tuple(contacts[path] for path in kept.contacts), kept.problems, kept.skipped)

    def _patched(self, index: Index, kept: Snapshot,
                 changed: Changed) -> tuple[Snapshot, dict[str, Contact], dict[str, Row]] | None:
        """The snapshot with the changed notes taken in, the contacts linked again and their
        rows; None when every note must be linked again."""
        from .contacts import Names, patch

        names = index.names() if len(changed) <= PATCH_LIMIT else None
        if not isinstance(names, Names):
            return None
        stats = {path: seen for path, seen in changed.items() if seen is not None}
        known = stats.keys()
        before = {p: load_note(e) for p, e in index.entries(known).items()
                  if (e.size, e.mtime_ns) == stats[p]}
        if len(before) != len(known) or None in before.values():
            return None  # the index no longer has a note as the snapshot saw it
        scan = self.scan
        fresh = {p: Known(read_note(self.vault, p, self.config), *scan.stats[p])
                 for p in changed if p in scan.stats}
        found = patch(names, lambda paths: index.contacts(paths) or {}, kept.problems, kept.skipped,
                      {p: (before.get(p), fresh[p].note if p in fresh else None) for p in changed},
                      lambda paths: self._notes(index, paths), self.config)
        if found is None:
            return None
        settled = time.time_ns() - RACY_NS
        index.update([(k.note, k.size, k.mtime_ns) for k in fresh.values() if k.mtime_ns < settled],
                     changed.keys() - fresh.keys())
        snapshot = Snapshot(kept.config, scan.listing, found.problems, found.skipped, kept.contacts,
                            kept.unreadable, kept.listed)  # no contact renamed: the same order
        return snapshot, found.contacts, rows(found.contacts.values(), self.config)

    def _notes(self, index: Index, paths: set[str]) -> dict[str, Note]:
        """These notes, from the index when it holds them as they are on disk."""
        stats = self.scan.stats
        found = {p: load_note(e) for p, e in index.entries(paths).items()
                 if stats.get(p) == (e.size, e.mtime_ns)}
        return {p: found.get(p) or read_note(self.vault, p, self.config) for p in paths if p in stats}


def _whole(kept: object) -> TypeGuard[Snapshot]:
    """A snapshot with every field: one kept by other code is read like a damaged one, again."""
    return isinstance(kept, Snapshot) and all(hasattr(kept, f.name) for f in fields(Snapshot))


def _keep_names(index: Index, vault: Path, loaded: Loaded) -> None:
    """The contacts' names beside the index, for shell completion (`name_list`)."""
    from .name_list import keep_names

    keep_names(index.location.parent, vault, loaded.rows)


def _one(index: Index, path: str) -> Contact | None:
    assert not index.closed, "a vault's contacts are read before its index is closed"
    return (index.contacts({path}) or {}).get(path)


def _settled(scan: Scan) -> bool:
    """Whether every note was read and none is too fresh to be trusted (see `RACY_NS`)."""
    settled = time.time_ns() - RACY_NS
    return len(scan.stats) == len(scan.paths) and all(mtime < settled for _, mtime in scan.stats.values())


def _key(scan: Scan, config: Config) -> str:
    """What the vault's reading depends on."""
    data = "\n".join((fingerprint(config.spellings), repr(config), scan.listing, *map(str, scan.unreadable)))
    return hashlib.sha256(data.encode("utf-8", "surrogateescape")).hexdigest()
