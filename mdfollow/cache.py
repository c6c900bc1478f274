"""The persistent index in SQLite: each note's parse (keyed by path, size and mtime), each
linked contact, and what the vault as a whole looked like last time (see `snapshot`).

It lives in the user's cache folder, never in the vault: vaults sit in iCloud, Dropbox and
Syncthing folders, where a syncing SQLite file gets corrupted or duplicated. It is a cache,
never the truth: deleting it loses nothing, and a corrupt, locked, read-only or old index
costs at most one warning line, never a failed command or a wrong answer. Every value
carries a checksum (a damaged one is read afresh); nothing is unpickled from a folder that
another user owns or could write to; readers never wait for a writer, and a writer that
can't have the lock at once leaves the index as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import marshal
import os
import pickle
import sqlite3
import stat
import sys
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .locations import index_folder
from .model import Contact, Note

if TYPE_CHECKING:
    from .feed import Rendered  # not imported at run time: icalendar is heavy

@dataclass(frozen=True)
class Exported:
    """What an export made: the feed, the budget's warning ("" if none), its event count."""

    data: bytes
    warning: str
    events: int


SCHEMA = 12
BUSY_TIMEOUT = 0.05  # seconds a statement waits for another process's write lock
#: Bytes a page. The index holds 30,000 values of a few KB (a contact with its log, a note's
#: parse) read whole, and rows read in a row: a cold read of 10,000 contacts writes 66 MB
#: (not 75) at two thirds of the cost of SQLite's 4 KB pages, and a warm one reads fewer
#: pages. (64 KB pages cost a little less again, but 24 MB more memory in a cold read.)
PAGE_SIZE = 16384
#: The contacts' rows are kept this many to a value, a marshalled tuple, in the order given
#: (the listing's: see `snapshot`): a warm `due` reads them all at once, in the order it
#: goes through them (100,000 rows kept one a value took 5 µs each, mostly Python a value),
#: and a patch rewrites only the few values it touches.
ROWS_PER_VALUE = 1000
MMAP_BYTES = 1 << 28  # the index is read through a memory map: no read call a page
_KEPT_TABLES = ("snapshots", "names", "feeds", "exports")  # one kept value each: see `_keep`
#: Raised when the same bytes come to parse differently (2: YAML aliases are refused), or a
#: parse or contact pickles differently (3: named tuples, log dates as day numbers; 4: a
#: contact as a tuple of values), so values kept by older code are dropped quietly, as for
#: new spellings.
PARSER = 4


@dataclass(frozen=True)
class Entry:
    size: int
    mtime_ns: int
    note: bytes  # the pickled Note, its checksum verified


def default_location(vault: Path) -> Path:
    """`$XDG_CACHE_HOME/mdfollow/<hash of the vault's absolute path>/index.sqlite`."""
    return index_folder(vault) / "index.sqlite"


def fingerprint(spellings: Mapping[str, str]) -> str:
    """What a note's parse depends on besides its bytes: the code and the field spellings
    (and Python's version: marshal's format, which keeps the rows, may change with it)."""
    data = repr((SCHEMA, PARSER, __version__, sys.version_info[:2], sorted(spellings.items())))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def checksum(blob: bytes) -> int:
    """CRC-32 of a stored value: a flipped bit or a torn write is a miss, never a wrong answer
    (the folder's permissions, not the checksum, keep out values planted on purpose)."""
    return zlib.crc32(blob)


class _OtherSchema(Exception):
    """The index was made by another version of mdfollow: rebuilt without a word."""


class _Unusable(Exception):
    """The index can't be used this run; the message says why (None: say nothing)."""


class Index:
    """The notes table and the kept values; every failure to use it costs at most one warning.

    A failure to read means running without the index; a write that can't have the lock at
    once (another mdfollow is writing) is skipped silently: the next run does that work.
    """

    def __init__(self, location: Path, key: str, warn: Callable[[str], None]) -> None:
        self.location = location
        self.warn = warn
        self.db: sqlite3.Connection | None = None
        self._damage_said = False
        self._generation: int | None = None  # the checksum of the snapshot read or kept last
        self.closed = False
        try:
            self.db = self._open_private(key)
        except _Unusable as error:
            if error.args[0] is not None:
                warn(f"cannot use the index at {location} ({error.args[0]}); reading without it")
        except _OtherSchema as error:  # made by another version of mdfollow: a cache, not damage
            self._rebuild(key, str(error), quietly=True)
        except sqlite3.DatabaseError as error:  # corrupt: not a locking problem
            self._rebuild(key, f"it is damaged ({error})")

    def _open_private(self, key: str) -> sqlite3.Connection:
        """The index, opened only from a folder of the user's own that nobody else can write."""
        try:
            if _private_folder(self.location.parent):
                self.warn(f"the index folder {self.location.parent} was writable by others: "
                          "emptied it and made it private")
            _private_file(self.location)
            return self._open(key)
        except OSError as error:
            raise _Unusable(error.strerror or str(error)) from None
        except sqlite3.OperationalError as error:  # could not open, read-only, disk full, locked
            raise _Unusable(None if _busy(error) else str(error)) from None

    def _open(self, key: str) -> sqlite3.Connection:
        db = sqlite3.connect(self.location, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # a new file's: before WAL writes its header
                db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last write is fine
            db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA):
                raise _OtherSchema(f"schema {version}, expected {SCHEMA}")
            if version == 0:
                _create(db, key)
            row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            if row is None or row[0] != key:  # new code or new spellings: every parse is stale
                with _transaction(db):
                    for table in ("notes", "contacts", "rows", *_KEPT_TABLES):
                        db.execute(f"DELETE FROM {table}")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (key,))
            return db
        except BaseException:
            db.close()
            raise

    def _rebuild(self, key: str, why: str, *, quietly: bool = False) -> None:
        try:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.location}{suffix}").unlink(missing_ok=True)
            self.db = self._open_private(key)
        except (sqlite3.Error, OSError, _Unusable) as error:
            self.warn(f"the index at {self.location} is unusable: {why}, and could not be made "
                      f"again ({error}); reading without it")
            return
        if not quietly:
            self.warn(f"the index at {self.location} is unusable: {why}; rebuilding it")

    def _failed(self, error: sqlite3.Error, doing: str) -> None:
        """A lock taken by another process skips this read or write, silently (a watcher keeps
        its index for the next one); any other error ends the use of the index, with a word."""
        if self.db is not None and not _busy(error):
            self.db.close()
            self.db = None
            self.warn(f"cannot {doing} the index at {self.location} ({error}); reading without it")

    def _damaged(self) -> None:
        if not self._damage_said:
            self._damage_said = True
            self.warn(f"the index at {self.location} holds a damaged value (checksum mismatch); "
                      "reading those notes again")

    def entries(self, paths: Collection[str] | None = None) -> dict[str, Entry]:
        """The kept parses: of every note, or of these; a damaged one is left out."""
        if self.db is None:
            return {}
        query = "SELECT path, size, mtime_ns, note, sum FROM notes"
        try:
            rows = list(self._of_paths(query, paths))
        except sqlite3.Error as error:
            self._failed(error, "read")
            return {}
        found = {path: Entry(size, mtime, blob)
                 for path, size, mtime, blob, crc in rows if checksum(blob) == crc}
        if len(found) != len(rows):
            self._damaged()
        return found

    def update(self, notes: Iterable[tuple[Note, int, int]], gone: Iterable[str],
               pickled: Mapping[str, bytes] | None = None) -> None:
        """Store fresh parses (note, size, mtime_ns) and forget deleted notes; `pickled`
        has notes already pickled (by the process that parsed them)."""
        if self.db is None:
            return
        blobs = pickled or {}

        def rows() -> Iterator[tuple[str, int, int, bytes, int]]:  # streamed: never all in memory
            for note, size, mtime in notes:
                blob = blobs.get(note.path) or dumps(note)
                yield note.path, size, mtime, blob, checksum(blob)

        try:
            with _transaction(self.db):
                self.db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?, ?)", rows())
                self.db.executemany("DELETE FROM notes WHERE path = ?", [(p,) for p in gone])
        except sqlite3.Error as error:
            self._failed(error, "update")

    def snapshot(self) -> object:
        """The vault as the last run left it (`snapshot.Snapshot`), if kept; what is read
        after it (contacts, rows, names) is what was kept with it, or nothing."""
        found, self._generation = self._kept_with_sum("snapshots", "vault")
        return found

    def store_snapshot(self, snapshot: object, contacts: Iterable[Contact], rows: Mapping[int, object], *,
                       names: object = None) -> None:
        """Keep the snapshot with these contacts and their rows (by their place in the
        listing, see `rows`), in one transaction. With `names` (what links resolve
        against), every contact is given and those not given are forgotten; without, only
        the contacts that changed are, and names stay."""
        if self.db is None:
            return
        blob = pickle.dumps(snapshot, pickle.HIGHEST_PROTOCOL)

        def pickled(values: Iterable[tuple[str, object]]) -> Iterator[tuple[str, bytes, int]]:
            for path, value in values:  # streamed: never all in memory
                data = dumps(value)
                yield path, data, checksum(data)

        try:
            with _transaction(self.db):
                if names is not None:
                    self.db.execute("DELETE FROM contacts")
                    self.db.execute("DELETE FROM rows")
                    self._put("names", "vault", pickle.dumps(names, pickle.HIGHEST_PROTOCOL))
                self.db.executemany("INSERT OR REPLACE INTO contacts VALUES (?, ?, ?)",
                                    pickled((c.path, c) for c in contacts))
                self._store_rows(rows, whole=names is not None)
                self._put("snapshots", "vault", blob)
            self._generation = checksum(blob)
        except sqlite3.Error as error:
            self._failed(error, "update")

    def _store_rows(self, rows: Mapping[int, object], *, whole: bool) -> None:
        """The rows in their values; unless `whole`, a value's other rows are kept (one that
        can't be read back is dropped: the next run makes every row again)."""
        assert self.db is not None
        given: dict[int, dict[int, object]] = {}
        for place, row in rows.items():
            given.setdefault(place // ROWS_PER_VALUE, {})[place % ROWS_PER_VALUE] = row
        kept: dict[int, object] = {}
        if given and not whole:
            found = self._of_keys("SELECT key, value, sum FROM rows", given)
            kept = self._decoded(found, marshal.loads) or {}
        before: dict[int, Sequence[object]] = {}
        for number, changed in given.items():
            old = [None] * len(changed) if whole else kept.get(number)
            if isinstance(old, (list, tuple)) and max(changed) < len(old):
                before[number] = old
        self.db.executemany("DELETE FROM rows WHERE key = ?", [(n,) for n in given.keys() - before.keys()])

        def values() -> Iterator[tuple[int, bytes, int]]:  # streamed: never all in memory
            for number, old in before.items():
                new = list(old)
                for offset, row in given[number].items():
                    new[offset] = row
                data = marshal.dumps(tuple(new))  # type: ignore[arg-type]  # plain data: `listing.Row`
                yield number, data, checksum(data)

        self.db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)", values())

    def contacts(self, paths: Collection[str] | None = None) -> dict[str, Contact] | None:
        """The linked contacts kept with the snapshot: every one, or these; None when one is
        missing or damaged (then the caller links them again)."""
        found = self._with_snapshot("SELECT path, contact, sum FROM contacts", paths)
        if found is None or not all(isinstance(c, Contact) for c in found.values()):
            return None
        return found if paths is None or found.keys() == set(paths) else None  # type: ignore[return-value]

    def rows(self) -> list[object] | None:
        """Every contact's row (`listing.Row`) kept with the snapshot, in the order they were
        given (their places); None when a value of them is damaged."""
        found = self._with_snapshot("SELECT key, value, sum FROM rows", None, marshal.loads)
        if found is None or not all(isinstance(rows, tuple) for rows in found.values()):
            return None
        return [row for _, rows in sorted(found.items()) for row in rows]  # type: ignore[attr-defined]

    def names(self) -> object:
        """What links resolved against when the snapshot was made (`contacts.Names`)."""
        found = self._with_snapshot("SELECT key, value, sum FROM names", None)
        return found.get("vault") if found is not None else None

    def _with_snapshot(self, query: str, paths: Collection[str] | None,
                       load: Callable[[bytes], object] = pickle.loads) -> dict[str, object] | None:
        """(key, value, checksum) rows, `load`ed one at a time (never all their bytes at
        once), as kept with the snapshot read or kept last: None when another run kept a
        newer snapshot meanwhile, or a value is damaged."""
        if self.db is None:
            return None
        try:
            self.db.execute("BEGIN")  # one read: the values and the snapshot they were kept with
            try:
                if self._kept_sum("snapshots", "vault") != self._generation or self._generation is None:
                    return None
                return self._decoded(self._of_paths(query, paths), load)
            finally:
                self.db.execute("COMMIT")
        except sqlite3.Error as error:
            self._failed(error, "read")
            return None

    def _decoded(self, rows: Iterable[tuple[Any, bytes, int]],
                 load: Callable[[bytes], object]) -> dict[Any, object] | None:
        found = {}
        for key, blob, crc in rows:
            value = _loaded(blob, load) if checksum(blob) == crc else None
            if value is None:
                self._damaged()
                return None
            found[key] = value
        return found

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

    def _of_paths(self, query: str, paths: Collection[str] | None) -> Iterator[Any]:
        """The query's rows, or those `WHERE path IN paths`, a chunk at a time: SQLite limits
        a query's parameters."""
        assert self.db is not None
        if paths is None:
            yield from self.db.execute(query)
            return
        ordered = sorted(paths)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            yield from self.db.execute(f"{query} WHERE path IN ({','.join('?' * len(chunk))})", chunk)

    def _of_keys(self, query: str, keys: Collection[int]) -> Iterator[Any]:
        """The query's rows `WHERE key IN keys` (a few: a patch's changed contacts' rows)."""
        assert self.db is not None
        yield from self.db.execute(f"{query} WHERE key IN ({','.join('?' * len(keys))})", list(keys))

    def _kept_sum(self, table: str, key: str) -> int | None:
        """The checksum of a kept value: which one it is, without reading it."""
        if self.db is None:
            return None
        row = self.db.execute(f"SELECT sum FROM {table} WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _kept(self, table: str, key: str) -> object:
        return self._kept_with_sum(table, key)[0]

    def _kept_with_sum(self, table: str, key: str) -> tuple[object, int | None]:
        """A kept value, and its checksum (which value it is)."""
        if self.db is None:
            return None, None
        try:
            row = self.db.execute(f"SELECT value, sum FROM {table} WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as error:
            self._failed(error, "read")
            return None, None
        if row is None:
            return None, None
        if checksum(row[0]) != row[1]:
            self._damaged()
            return None, None
        return _unpickle(row[0]), row[1]

    def _keep(self, table: str, key: str, value: object) -> None:
        """One value per table, the latest: what a run with nothing changed starts from."""
        if self.db is None:
            return
        try:
            with _transaction(self.db):
                self._put(table, key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        except sqlite3.Error as error:
            self._failed(error, "update")

    def _put(self, table: str, key: str, blob: bytes) -> None:
        assert self.db is not None
        self.db.execute(f"DELETE FROM {table}")
        self.db.execute(f"INSERT INTO {table} VALUES (?, ?, ?)", (key, blob, checksum(blob)))

    def close(self) -> None:
        self.closed = True
        if self.db is not None:
            self.db.close()
            self.db = None


def _create(db: sqlite3.Connection, key: str) -> None:
    with _transaction(db):
        if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA:
            return  # another process made it meanwhile
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE notes (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, "
                   "note BLOB, sum INTEGER)")
        db.execute("CREATE TABLE contacts (path TEXT PRIMARY KEY, contact BLOB, sum INTEGER)")
        db.execute("CREATE TABLE rows (key INTEGER PRIMARY KEY, value BLOB, sum INTEGER)")  # ROWS_PER_VALUE
        for table in _KEPT_TABLES:
            db.execute(f"CREATE TABLE {table} (key TEXT PRIMARY KEY, value BLOB, sum INTEGER)")
        db.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (key,))
        db.execute(f"PRAGMA user_version = {SCHEMA}")


def _private_folder(folder: Path) -> bool:
    """Make the index's folder (0700), or check it is the user's own and nobody else can write
    in it: unpickling runs code, so a value planted there would run as the user.

    A folder of the user's that others could write to is emptied and made private (True).
    """
    if not folder.is_dir():
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
    if os.name != "posix":  # no owner or mode bits to check (Windows: the profile is private)
        return False
    info = folder.stat()
    if info.st_uid != os.getuid():
        raise _Unusable(f"its folder belongs to another user (uid {info.st_uid})")
    if stat.S_IMODE(info.st_mode) & 0o077:
        folder.chmod(0o700)
        if stat.S_IMODE(info.st_mode) & 0o022:  # others could have written here: trust nothing
            for suffix in ("", "-wal", "-shm"):
                Path(f"{folder / 'index.sqlite'}{suffix}").unlink(missing_ok=True)
            return True
    return False


def _private_file(location: Path) -> None:
    """The index file, the user's own, readable by nobody else (0600): it holds contact data.
    Never through a symlink; SQLite gives its -wal and -shm files the same mode."""
    if os.name != "posix":
        return
    fd = os.open(location, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        info = os.fstat(fd)
        if info.st_uid != os.getuid():
            raise _Unusable(f"it belongs to another user (uid {info.st_uid})")
        if stat.S_IMODE(info.st_mode) != 0o600:
            os.fchmod(fd, 0o600)
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.chmod(f"{location}{suffix}", 0o600)  # noqa: PTH101 - beside the fd above
    finally:
        os.close(fd)


def _busy(error: sqlite3.Error) -> bool:
    """Another process holds the lock: not a problem worth a word."""
    name = getattr(error, "sqlite_errorname", "")
    return name in ("SQLITE_BUSY", "SQLITE_LOCKED") or "database is locked" in str(error)


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


def dumps(value: object) -> bytes:
    """A note, contact or row pickled alone, without pickle's memo: a fifth quicker, for the
    30,000 values a cold read of 10,000 contacts keeps. They hold no cycles (YAML aliases are
    refused) and few repeated objects, which are pickled again where they repeat."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return buffer.getvalue()


def load_note(entry: Entry) -> Note | None:
    """The cached parse, or None when it can't be read back (then the note is parsed again)."""
    note = _unpickle(entry.note)
    return note if isinstance(note, Note) else None


def _unpickle(data: bytes) -> object:
    return _loaded(data, pickle.loads)


def _loaded(data: bytes, load: Callable[[bytes], object]) -> object:
    try:
        return load(data)  # checksummed, from a private folder of the user's own
    except Exception:  # any damage to a cached value means: compute it again
        return None
