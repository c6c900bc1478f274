"""The vault on disk: which files are notes, reading them safely, and the config file.

This is the I/O edge in front of the pure core (`notes`, `contacts`, `schedule`): a file
that cannot be read or decoded becomes a problem for `check`, never an exception.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .cache import Index, fingerprint, load_note
from .config import Config, parse_config
from .contacts import Vault, build_vault
from .errors import ConfigError, EditRefused, OutputError, VaultNotFound
from .model import Note, Problem

CONFIG_NAME = ".mdfollow.toml"
STATE_FOLDER = ".mdfollow"  # what belongs to the vault but not to git: the feed, later the token


def default_feed_path(vault: Path) -> Path:
    return vault / STATE_FOLDER / "follow-ups.ics"


def write_atomic(path: Path, data: bytes, mode: int = 0o644, *, exclusive: bool = False) -> None:
    """Write to a temp file beside `path`, fsync, rename: a reader never sees half a file.

    `exclusive` never replaces an existing file (FileExistsError instead), atomically.
    """
    import tempfile  # only writes need it

    _make_folder(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).chmod(mode)
        if exclusive:
            os.link(temp, path)
            Path(temp).unlink()
        else:
            Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_for_edit(vault: Path, path: str) -> tuple[bytes, str]:
    """The note's bytes (to detect a concurrent save) and its text."""
    try:
        data = (vault / path).read_bytes()
        return data, data.decode("utf-8")
    except OSError as error:
        raise EditRefused(f"cannot read {path}: {_reason(error)}") from None
    except UnicodeDecodeError:
        raise EditRefused(f"{path} is not UTF-8 text; nothing was written") from None


def replace_note(vault: Path, path: str, before: bytes, text: str) -> None:
    """Write the edited note, unless it changed on disk since it was read (an editor saved)."""
    target = vault / path
    try:
        if target.read_bytes() != before:
            raise EditRefused(f"{path} changed on disk while mdfollow was editing it (an editor "
                              "saved it?); nothing was written: run the command again")
        mode = stat.S_IMODE(target.stat().st_mode)
        write_atomic(target, text.encode("utf-8"), mode)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_reason(error)}") from None


def create_note(vault: Path, path: str, text: str) -> None:
    try:
        write_atomic(vault / path, text.encode("utf-8"), exclusive=True)
    except FileExistsError:
        raise EditRefused(f"{path} already exists; nothing was written") from None
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_reason(error)}") from None


def _make_folder(folder: Path) -> None:
    """Create the folder; the vault's own state folder also gets a .gitignore of everything."""
    if folder.is_dir():
        return
    if folder.exists():
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(folder))
    folder.mkdir(parents=True)
    if folder.name == STATE_FOLDER:
        (folder / ".gitignore").write_text("# mdfollow's generated files: not for git\n*\n",
                                           encoding="utf-8")


def open_vault(path: Path) -> Path:
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise VaultNotFound(f"vault {path} {what} (give --vault PATH or set MDFOLLOW_VAULT)")
    return path


def load_config(vault: Path, config_path: Path | None) -> Config:
    """The given config file (which must exist), else `<vault>/.mdfollow.toml` if present."""
    path = config_path or vault / CONFIG_NAME
    if config_path is None and not path.exists():
        return Config()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file: {_reason(error)}") from None
    return parse_config(text, str(path))


def note_paths(vault: Path, template_folders: Sequence[str],
               unreadable: list[Problem] | None = None) -> Iterator[str]:
    """Vault-relative POSIX paths of every note, sorted; dot-folders and templates skipped.

    Folders that can't be listed are added to `unreadable`, so they are reported, not lost.
    """
    skip = set(template_folders)

    def report(error: OSError) -> None:
        if unreadable is not None:
            where = Path(error.filename or vault).relative_to(vault).as_posix()
            unreadable.append(Problem(where, 1, "warning",
                                      f"cannot read this folder: {_reason(error)}; its notes are skipped"))

    root = str(vault)
    for folder, dirs, files in os.walk(root, onerror=report):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in skip)
        relative = os.path.relpath(folder, root).replace(os.sep, "/")  # strings: pathlib is slow here
        prefix = "" if relative == "." else relative + "/"
        for name in sorted(files):
            if name.lower().endswith(".md") and not name.startswith("."):
                yield prefix + name


def read_note(vault: Path, path: str, config: Config) -> Note:
    from .notes import parse_note  # YAML is imported only when a note must be parsed

    try:
        with open(f"{vault}{os.sep}{path}", "rb") as handle:  # noqa: PTH123 - pathlib costs 10 µs a note
            data = handle.read()
    except OSError as error:
        return _unreadable(path, 1, f"cannot read: {_reason(error)}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        note = parse_note(path, data.decode("utf-8", "replace"), config.spellings)
        if not note.is_contact:
            return Note(path, {}, (), (), (), (), is_contact=False, skipped=True)
        line = data.count(b"\n", 0, error.start) + 1
        return _unreadable(path, line, f"not UTF-8 text (byte 0x{data[error.start]:02x}); "
                                       "save it as UTF-8")
    return parse_note(path, text, config.spellings)


def _unreadable(path: str, line: int, message: str) -> Note:
    problem = Problem(path, line, "error", f"{message}; note skipped")
    return Note(path, {}, (), (), (), (problem,), is_contact=True, skipped=True)


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading a vault makes hundreds of thousands of small objects and no cycles; the
    cyclic collector would walk them again and again for nothing (15% of a cold read)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
def load_vault(vault: Path, config: Config, index: Index | None = None,
               progress: Progress | None = None) -> Vault:
    """The whole vault; when no note changed since the last run, straight from the index."""
    scan = _scan(vault, config)
    key = _vault_key(scan, config) if index is not None else None
    cached = index.vault(key) if index is not None and key is not None else None
    if cached is not None:
        return cached
    result = build_vault(_notes(vault, config, scan, index, progress), config)
    if index is not None and key is not None:
        index.store_vault(key, result)
    return result


Progress = Callable[[list[str]], Iterable[str]]
RACY_NS = 2_000_000_000  # a note saved this recently may change again within its mtime tick


@dataclass(frozen=True)
class _Scan:
    """Which notes there are, their stat, and the folders that could not be listed."""

    paths: list[str]
    stats: dict[str, os.stat_result]
    unreadable: list[Problem]


def _scan(vault: Path, config: Config) -> _Scan:
    unreadable: list[Problem] = []
    paths = list(note_paths(vault, config.template_folders, unreadable))
    stats: dict[str, os.stat_result] = {}
    root = str(vault) + os.sep
    for path in paths:
        try:
            stats[path] = os.stat(root + path)  # noqa: PTH116 - pathlib costs 10 µs a note here
        except OSError:
            continue  # read_note reports it
    return _Scan(paths, stats, unreadable)


def _vault_key(scan: _Scan, config: Config) -> str | None:
    """What the built vault depends on; None when a note is too fresh to be trusted."""
    now = time.time_ns()
    if len(scan.stats) != len(scan.paths) or any(now - s.st_mtime_ns <= RACY_NS for s in scan.stats.values()):
        return None
    state = "\0".join(f"{p}\0{s.st_size}\0{s.st_mtime_ns}" for p, s in scan.stats.items())
    data = "\n".join((fingerprint(config.spellings), repr(config), state, *map(str, scan.unreadable)))
    return hashlib.sha256(data.encode("utf-8", "surrogateescape")).hexdigest()


@_collector_paused()
def load_notes(vault: Path, config: Config, index: Index | None = None,
               progress: Progress | None = None) -> list[Note]:
    """Every note, parsed, or taken from the index when its size and mtime are unchanged.

    `progress` wraps the list of notes that must be parsed (a progress bar, say).
    """
    return _notes(vault, config, _scan(vault, config), index, progress)


def _notes(vault: Path, config: Config, scan: _Scan, index: Index | None,
           progress: Progress | None) -> list[Note]:
    paths, stats, unreadable = scan.paths, scan.stats, scan.unreadable
    known = index.entries() if index is not None else {}
    found: dict[str, Note] = {}
    for path in stats:
        entry = known.get(path)
        if entry and (entry.size, entry.mtime_ns) == (stats[path].st_size, stats[path].st_mtime_ns):
            cached = load_note(entry)
            if cached is not None:
                found[path] = cached
    missing = [path for path in paths if path not in found]
    fresh = [read_note(vault, path, config) for path in (progress(missing) if progress else missing)]
    found.update((note.path, note) for note in fresh)
    if index is not None:
        now = time.time_ns()
        index.update([(n, stats[n.path].st_size, stats[n.path].st_mtime_ns) for n in fresh
                      if n.path in stats and now - stats[n.path].st_mtime_ns > RACY_NS],
                     set(known) - set(paths))
    notes = [found[path] for path in paths]
    return notes + [Note(p.path, {}, (), (), (), (p,), is_contact=False, skipped=True) for p in unreadable]
