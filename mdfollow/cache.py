"""The persistent index: each note's parse, keyed by path, size and mtime, in SQLite.

It lives in the user's cache folder, never in the vault: vaults sit in iCloud, Dropbox and
Syncthing folders, where a syncing SQLite file gets corrupted or duplicated. It is a cache,
never the truth: deleting it loses nothing, and a corrupt, locked or old index costs one
warning line and a rebuild, never a failed command.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .contacts import Vault
from .model import Note
from .state import vault_id

if TYPE_CHECKING:
    from .feed import Rendered  # not imported at run time: icalendar is heavy


@dataclass(frozen=True)
class Exported:
    """What an export made: the feed, the budget's warning ("" if none), its event count."""

    data: bytes
    warning: str
    events: int

SCHEMA = 3
#: Raised when the same bytes come to parse differently (2: YAML aliases are refused),
#: so parses kept by older code are dropped quietly, as for new spellings.
PARSER = 2


@dataclass(frozen=True)
class Entry:
    size: int
    mtime_ns: int
    note: bytes  # the pickled Note


def default_location(vault: Path) -> Path:
    """`$XDG_CACHE_HOME/mdfollow/<hash of the vault's absolute path>/index.sqlite`."""
    base = os.environ.get("MDFOLLOW_CACHE_DIR")
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    root = Path(base) if base else Path(cache_home) / "mdfollow"
    return root / vault_id(vault) / "index.sqlite"


def fingerprint(spellings: Mapping[str, str]) -> str:
    """What a note's parse depends on besides its bytes: the code and the field spellings."""
    data = repr((SCHEMA, PARSER, __version__, sorted(spellings.items())))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


class Index:
    """The notes table; every failure to use it is turned into a warning and a rebuild."""

    def __init__(self, location: Path, key: str, warn: Callable[[str], None]) -> None:
        self.location = location
        self.warn = warn
        self.db: sqlite3.Connection | None = None
        try:
            self.db = self._open(key)
        except sqlite3.OperationalError as error:
            if "locked" in str(error):
                warn(f"the index at {location} is locked by another process; reading without it")
                return
            self._rebuild(key, f"could not open it ({error})")
        except sqlite3.DatabaseError as error:
            self._rebuild(key, f"it is damaged ({error})")
        except OSError as error:
            warn(f"cannot use the index at {location} ({error.strerror or error}); reading without it")

    def _open(self, key: str) -> sqlite3.Connection:
        self.location.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.location, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last write is fine
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA):
                raise sqlite3.DatabaseError(f"schema {version}, expected {SCHEMA}")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS notes "
                       "(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, note BLOB)")
            for table in ("vaults", "states", "feeds", "exports"):  # one kept value each: see `_keep`
                db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB)")
            db.execute(f"PRAGMA user_version = {SCHEMA}")
            row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            if row is None or row[0] != key:  # new code or new spellings: every parse is stale
                with _transaction(db):
                    for table in ("notes", "vaults", "states", "feeds", "exports"):
                        db.execute(f"DELETE FROM {table}")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (key,))
            return db
        except BaseException:
            db.close()
            raise

    def _rebuild(self, key: str, why: str) -> None:
        self.warn(f"the index at {self.location} is unusable: {why}; rebuilding it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.location}{suffix}").unlink(missing_ok=True)
        try:
            self.db = self._open(key)
        except (sqlite3.Error, OSError) as error:
            self.warn(f"could not rebuild the index ({error}); reading without it")

    def entries(self, paths: Collection[str] | None = None) -> dict[str, Entry]:
        """The kept parses: of every note, or of these."""
        if self.db is None:
            return {}
        query = "SELECT path, size, mtime_ns, note FROM notes"
        try:
            if paths is None:
                rows = self.db.execute(query).fetchall()
            else:
                ordered, rows = sorted(paths), []
                for start in range(0, len(ordered), 500):  # SQLite limits a query's parameters
                    chunk = ordered[start:start + 500]
                    rows += self.db.execute(f"{query} WHERE path IN ({','.join('?' * len(chunk))})", chunk)
        except sqlite3.Error as error:
            self.warn(f"cannot read the index ({error}); reading without it")
            self.db = None
            return {}
        return {path: Entry(size, mtime, blob) for path, size, mtime, blob in rows}

    def update(self, notes: Iterable[tuple[Note, int, int]], gone: Iterable[str],
               pickled: Mapping[str, bytes] | None = None) -> None:
        """Store fresh parses (note, size, mtime_ns) and forget deleted notes; `pickled`
        has notes already pickled (by the process that parsed them)."""
        if self.db is None:
            return
        blobs = pickled or {}
        rows = ((n.path, size, mtime, blobs.get(n.path) or pickle.dumps(n, pickle.HIGHEST_PROTOCOL))
                for n, size, mtime in notes)  # streamed: the blobs made here are never all in memory
        try:
            with _transaction(self.db):
                self.db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?)", rows)
                self.db.executemany("DELETE FROM notes WHERE path = ?", [(p,) for p in gone])
        except sqlite3.Error as error:
            self.warn(f"cannot update the index ({error}); the next run reads those notes again")

    def vault(self, key: str) -> Vault | None:
        """The vault built last time from exactly these notes and this config, if kept."""
        found = self._kept("vaults", key)
        return found if isinstance(found, Vault) else None

    def store_vault(self, key: str, vault: Vault, state: object) -> None:
        """Keep only the latest built vault: the next run with nothing changed starts there,
        and one with a few notes changed patches it (`state`: what it was built from)."""
        self._keep("vaults", key, vault)
        self._keep("states", key, state)

    def kept_vault(self) -> tuple[Vault, object] | None:
        """The latest kept vault, whatever its key, and what it was built from."""
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT vaults.key FROM vaults JOIN states USING (key)").fetchone()
        except sqlite3.Error:
            return None
        vault = self.vault(row[0]) if row else None
        return (vault, self._kept("states", row[0])) if vault is not None else None

    def rendered_events(self, key: str) -> Rendered:
        """The calendar events rendered last time (see `feed.render_feed`), if kept."""
        found = self._kept("feeds", key)
        return found if isinstance(found, dict) else {}

    def store_rendered_events(self, key: str, rendered: Rendered) -> None:
        self._keep("feeds", key, dict(rendered))

    def feed(self, key: str) -> Exported | None:
        """The feed exported last time, if `key` (its vault, config, day, feed state…) still fits."""
        found = self._kept("exports", key)
        return found if isinstance(found, Exported) else None

    def store_feed(self, key: str, exported: Exported) -> None:
        self._keep("exports", key, exported)

    def _kept(self, table: str, key: str) -> object:
        if self.db is None:
            return None
        try:
            row = self.db.execute(f"SELECT value FROM {table} WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return _unpickle(row[0]) if row else None

    def _keep(self, table: str, key: str, value: object) -> None:
        """One value per table, the latest: what a run with nothing changed starts from."""
        if self.db is None:
            return
        try:
            with _transaction(self.db):
                self.db.execute(f"DELETE FROM {table}")
                self.db.execute(f"INSERT INTO {table} VALUES (?, ?)",
                                (key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)))
        except sqlite3.Error as error:
            self.warn(f"cannot update the index ({error}); the next run does that work again")

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One transaction for many rows (the connection is in autocommit mode otherwise)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def load_note(entry: Entry) -> Note | None:
    """The cached parse, or None when it can't be read back (then the note is parsed again)."""
    note = _unpickle(entry.note)
    return note if isinstance(note, Note) else None


def _unpickle(data: bytes) -> object:
    try:
        return pickle.loads(data)  # our own cache, in the user's own folder
    except Exception:  # any damage to a cached value means: compute it again
        return None
