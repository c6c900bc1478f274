"""The vault on disk: which files are notes, reading them safely, and the config file.

This is the I/O edge in front of the pure core (`notes`, `contacts`, `schedule`): a file
that cannot be read or decoded becomes a problem for `check`, never an exception.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import pickle
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import filterfalse
from pathlib import Path

from . import fileio
from .cache import Index, dumps, load_note
from .config import Config, UserConfig, parse_config, parse_user_config, user_defaults
from .errors import ConfigError, EditRefused, InvalidValue, OutputError, VaultNotFound
from .locations import CONFIG_NAME, find_vault, user_config_path
from .model import Note, Problem

CONFIG_LIMIT = 1024 * 1024  # bytes: a config is a few lines
STATE_FOLDER = ".mdfollow"  # what belongs to the vault but not to git: the feed, later the token


def default_feed_path(vault: Path) -> Path:
    return vault / STATE_FOLDER / "follow-ups.ics"


#: How every feed mdfollow writes begins, and the start of its PRODID (`feed.PRODID`,
#: not imported: that would import icalendar for an export the index already holds).
_FEED_START = b"BEGIN:VCALENDAR"
_FEED_PRODID = b"PRODID:-//mdfollow//"


def feed_target(output: Path | None, vault: Path, *, force: bool, stdout: bool = True) -> Path | None:
    """Where the feed may go: None for `-` (stdout), else a file that is ours to replace.

    Never a note (`.md`), never a folder made up on the way, and never over a file that is
    not a feed mdfollow wrote (its first bytes and PRODID say so) unless `force`.
    """
    if output is not None and str(output) == "-":
        if not stdout:
            raise InvalidValue("-o -: a feed kept current can't go to stdout; give a file name")
        return None
    target = output or default_feed_path(vault)
    if target.suffix.casefold() == ".md":
        raise EditRefused(f"{target} is a note, not a feed: give a file name ending in .ics")
    if output is not None and not target.parent.is_dir():
        what = "is not a folder" if target.parent.exists() else "does not exist"
        raise OutputError(f"cannot write {target}: the folder {target.parent} {what}")
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a folder")
    _regular_or_missing(target)
    if not force and not _ours(target):
        raise EditRefused(f"{target} is not a feed mdfollow wrote; nothing was written "
                          "(--force replaces it)")
    return target


def _regular_or_missing(target: Path) -> None:
    """Never a device, FIFO, socket or link, even with --force.

    The feed is renamed into place: over `/dev/null` (as root) that would replace the
    device itself with a file, and over a link it would replace the link, not its target.
    """
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        what = "a link" if stat.S_ISLNK(mode) else "not a regular file"
        raise EditRefused(f"{target} is {what}; nothing was written: give the path of a feed file "
                          "(or - for stdout)")


def _ours(path: Path) -> bool:
    """Whether the file is missing, empty, or a feed mdfollow wrote: nothing else to lose."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return not head or (head.removeprefix(b"\xef\xbb\xbf").startswith(_FEED_START) and _FEED_PRODID in head)


def write_atomic(path: Path, data: bytes, mode: int = 0o644, *, exclusive: bool = False,
                 durable: bool = True) -> None:
    """Write to a temp file beside `path`, fsync, rename: a reader never sees half a file.

    `exclusive` never replaces an existing file (FileExistsError instead), atomically.
    Not `durable`: no fsync, for a file made again at once if a crash loses it (the
    watcher's feed, rewritten when it starts); readers still never see half a file.
    """
    _make_folder(path.parent)
    fileio.remove_stale_temps(path.parent)
    temp = fileio.write_temp(path.parent, path.name, data, durable=durable)
    try:
        Path(temp).chmod(mode)
        if exclusive:
            os.link(temp, path)
        else:
            Path(temp).replace(path)
        if durable:
            fileio.sync_folder(path.parent)
    finally:
        Path(temp).unlink(missing_ok=True)


def read_for_edit(vault: Path, path: str) -> tuple[bytes, str]:
    """The note's bytes (to detect a concurrent save) and its text."""
    try:
        data = fileio.read_settled(vault / path)
        return data, data.decode("utf-8")
    except OSError as error:
        raise EditRefused(f"cannot read {path}: {_reason(error)}") from None
    except UnicodeDecodeError:
        raise EditRefused(f"{path} is not UTF-8 text; nothing was written") from None


def note_text(vault: Path, path: str) -> str:
    """A note's text as far as it can be read ("" if it can't), to point at a line in it."""
    try:
        return fileio.read_regular(vault / path).decode("utf-8", "replace")
    except OSError:
        return ""


def replace_note(vault: Path, path: str, before: bytes, text: str) -> None:
    """Write the edited note, unless it changed on disk since it was read (an editor saved)."""
    try:
        target, info = _writable_note(vault, path)
        fileio.remove_stale_temps(target.parent)
        temp = fileio.write_temp(target.parent, target.name, text.encode("utf-8"))
        try:
            fileio.keep_owner_and_mode(temp, info)
            fileio.swap_in(temp, target, lambda data: data == before)
            fileio.sync_folder(target.parent)
        finally:
            Path(temp).unlink(missing_ok=True)
    except fileio.Changed:
        raise EditRefused(f"{path} changed on disk while mdfollow was editing it (an editor "
                          "saved it?); nothing was written: run the command again") from None
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_reason(error)}") from None


def _writable_note(vault: Path, path: str) -> tuple[Path, os.stat_result]:
    """The file to replace (a symlink's target inside the vault) and its stat; EditRefused
    for a note a rename can't replace without losing something."""
    target = vault / path
    if target.is_symlink():
        target = target.resolve()
        if not target.is_relative_to(vault.resolve()):
            raise EditRefused(f"{path} is a link to {target}, outside the vault; nothing was "
                              "written (edit that file, or replace the link with the note)")
    info = target.stat()
    if not stat.S_ISREG(info.st_mode):
        raise EditRefused(f"{path} is not a regular file; nothing was written")
    if info.st_nlink > 1:
        raise EditRefused(f"{path} has {info.st_nlink} hard links, which a safe write would break; "
                          "nothing was written")
    if not info.st_mode & 0o222 or (not fileio.is_root() and not os.access(target, os.W_OK)):
        raise EditRefused(f"{path} is read-only; nothing was written (make it writable first)")
    return target, info


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
    folder.mkdir(parents=folder.name != STATE_FOLDER)  # never the vault itself, if it was deleted
    if folder.name == STATE_FOLDER:
        (folder / ".gitignore").write_text("# mdfollow's generated files: not for git\n*\n",
                                           encoding="utf-8")


def open_vault(path: Path) -> Path:
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise VaultNotFound(f"vault {path} {what} (give --vault PATH or set MDFOLLOW_VAULT)")
    return path


def choose_vault(given: Path | None, here: Path, user: UserConfig) -> Path:
    """The vault a command works on: --vault (or MDFOLLOW_VAULT), else the folder `here` or
    the nearest above it that is a vault (like git), else the user config's `vault`."""
    if given is not None:
        return open_vault(given)
    found = find_vault(here)
    if found is not None:
        return found
    if user.vault:
        return open_vault(Path(user.vault).expanduser())
    raise VaultNotFound(f"{here} is not in a vault (no .obsidian/ or {CONFIG_NAME} here or above): "
                        "give --vault PATH, set MDFOLLOW_VAULT, or put vault = \"~/Notes\" in "
                        f"{user_config_path()}")


def load_user_config() -> UserConfig:
    """The user config, or an empty one when there is none."""
    path = user_config_path()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return UserConfig()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file: {_reason(error)}") from None
    return parse_user_config(text, str(path))


def load_config(vault: Path, config_path: Path | None, user: UserConfig | None = None) -> Config:
    """The given config file (which must exist), else `<vault>/.mdfollow.toml` if present,
    over the user config's defaults."""
    path = config_path or vault / CONFIG_NAME
    if config_path is None and not path.exists():
        return user_defaults(user) if user else Config()
    try:
        text = fileio.read_regular(path, CONFIG_LIMIT).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file: {_reason(error)}") from None
    return parse_config(text, str(path), user)


def note_paths(vault: Path, template_folders: Sequence[str],
               unreadable: list[Problem] | None = None) -> Iterator[str]:
    """Vault-relative POSIX paths of every note, folder by folder as `os.walk` goes (a
    folder's notes, then its folders'), sorted; dot-folders and templates skipped, links to
    folders not followed.

    Folders that can't be listed, and notes whose file name is not UTF-8 (no index, feed or
    terminal can hold it), are added to `unreadable`, so they are reported, not lost.
    """
    problems: list[Problem] = [] if unreadable is None else unreadable
    for prefix, names in _note_folders(str(vault), "", template_folders, problems):
        paths = [prefix + name for name in names]
        odd = [path for path in filterfalse(str.isascii, paths) if not _utf8(path)]  # ASCII is text
        for path in odd:
            shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            problems.append(Problem(shown, 1, "error", "the file name is not UTF-8 text; rename "
                                                       "the file; note skipped"))
        yield from (path for path in paths if path not in odd) if odd else paths


def _note_folders(root: str, prefix: str, template_folders: Sequence[str],
                  unreadable: list[Problem]) -> Iterator[tuple[str, list[str]]]:
    """The folder `prefix` ("" or "a/b/") under `root` and each folder in it: its prefix and
    its notes' names, sorted. Strings, not pathlib (10 µs a note), and one `scandir` a folder."""
    folders, files = [], []
    try:
        with os.scandir(f"{root}{os.sep}{prefix}" if prefix else root) as entries:
            for entry in entries:
                try:
                    folder = entry.is_dir()
                except OSError:
                    folder = False
                if not folder:
                    files.append(entry.name)
                elif not entry.is_symlink():  # a link to a folder is not walked, as by os.walk
                    folders.append(entry.name)
    except OSError as error:
        where = prefix.rstrip("/") or "."
        unreadable.append(Problem(where, 1, "warning",
                                  f"cannot read this folder: {_reason(error)}; its notes are skipped"))
        return
    yield prefix, sorted(filter(_NOTE_NAME.match, files))
    for name in sorted(folders):
        if not _skipped_folder(name, template_folders):
            yield from _note_folders(root, f"{prefix}{name}/", template_folders, unreadable)


def is_note_path(path: str, template_folders: Sequence[str]) -> bool:
    """Whether a vault-relative path is one `note_paths` would list."""
    *folders, name = path.split("/")
    return (_is_note_name(name) and _utf8(path)
            and not any(_skipped_folder(f, template_folders) for f in folders))


def _utf8(path: str) -> bool:
    """A name from a file system that is not UTF-8 text comes with surrogate escapes."""
    return path.isascii() or _SURROGATE_ESCAPE.search(path) is None


_SURROGATE_ESCAPE = re.compile("[\udc80-\udcff]")


def notes_folder(vault: Path, folder: str, template_folders: Sequence[str]) -> None:
    """Refuse a vault-relative `folder/` whose notes would never be read, or that a link
    leads outside the vault: new notes there would be lost, or written elsewhere."""
    if not is_note_path(f"{folder}x.md", template_folders):
        raise InvalidValue(f"mdfollow does not read notes in {folder or '.'!r} (a dot-folder or a "
                           "template folder): choose another --folder")
    if not (vault / folder).resolve().is_relative_to(vault.resolve()):
        raise InvalidValue(f"{folder!r} leads outside the vault (a link to "
                           f"{(vault / folder).resolve()}): choose another --folder")


def _skipped_folder(name: str, template_folders: Sequence[str]) -> bool:
    return name.startswith(".") or name in template_folders


def _is_note_name(name: str) -> bool:
    return _NOTE_NAME.match(name) is not None


#: A note's file name: ends in `.md` in any case, doesn't start with a dot. A pattern, for
#: `filter` to go through a folder's names in C (100,000 names: 20 ms as Python calls).
_NOTE_NAME = re.compile(r"[^.].*\.[mM][dD]\Z", re.DOTALL)


def read_note(vault: Path, path: str, config: Config) -> Note:
    from .notes import parse_note  # YAML is imported only when a note must be parsed

    try:
        data = fileio.read_settled(f"{vault}{os.sep}{path}")
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
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """Reading a vault makes hundreds of thousands of small objects and no cycles; the
    cyclic collector would walk them again and again for nothing (15% of a cold read).

    `freeze` keeps what exists at the end out of its sight for good (reference counting
    still frees it): for a command's one read, after which the collector would walk the
    vault on every collection (half of a warm `due` at 100,000 notes). Not for a long
    run, where cyclic garbage frozen by chance would never be freed.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()


Progress = Callable[[list[str]], Iterable[str]]
RACY_NS = 2_000_000_000  # a note saved this recently may change again within its mtime tick


@dataclass(frozen=True)
class Scan:
    """Which notes there are, their stat, and the folders that could not be listed."""

    paths: list[str]
    stats: dict[str, tuple[int, int]]  # size and mtime_ns: a whole stat_result is 10x the memory
    unreadable: list[Problem]

    @cached_property
    def listing(self) -> str:
        """Every note with its size and mtime, in one string: path NUL size NUL mtime NUL …"""
        return "\0".join(f"{p}\0{size}\0{mtime}" for p, (size, mtime) in self.stats.items())


def scan_notes(vault: Path, config: Config) -> Scan:
    unreadable: list[Problem] = []
    paths = list(note_paths(vault, config.template_folders, unreadable))
    stats: dict[str, tuple[int, int]] = {}
    root = str(vault) + os.sep
    stat_of = os.stat
    for path in paths:
        try:
            found = stat_of(root + path)  # pathlib costs 10 µs a note here
        except OSError:
            continue  # read_note reports it
        stats[path] = (found.st_size, found.st_mtime_ns)
    return Scan(paths, stats, unreadable)


@dataclass(frozen=True)
class Known:
    """A note as read, with the size and mtime of the file it was read from."""

    note: Note
    size: int
    mtime_ns: int


@collector_paused()
def refresh_notes(vault: Path, config: Config, known: Mapping[str, Known],
                  paths: Iterable[str] | None = None, index: Index | None = None,
                  progress: Progress | None = None) -> dict[str, Known]:
    """`known` brought up to date, re-reading only notes whose size or mtime moved.

    With `paths` (vault-relative, from a file watcher) only those are looked at; without,
    every note is, and one the index holds as it is on disk is not parsed again. A note
    that did not change keeps its very `Known`, so callers can tell by identity.
    `progress` wraps the list of notes that must be parsed (a progress bar, say).
    """
    if paths is None:
        return refreshed(vault, config, known, scan_notes(vault, config), index, progress, whole=True)
    result = dict(known)
    stats: dict[str, tuple[int, int]] = {}
    gone = []
    for path in {p for p in paths if is_note_path(p, config.template_folders)}:
        try:
            stat = os.stat(f"{vault}{os.sep}{path}")  # noqa: PTH116 - see _scan
            stats[path] = (stat.st_size, stat.st_mtime_ns)
        except (FileNotFoundError, NotADirectoryError):
            result.pop(path, None)
            gone.append(path)
    if index is not None and gone:
        index.update([], gone)
    fresh = refreshed(vault, config, known, Scan(sorted(stats), stats, []), index, progress, whole=False)
    return {**result, **fresh}


def refreshed(vault: Path, config: Config, known: Mapping[str, Known], scan: Scan,
               index: Index | None, progress: Progress | None, *, whole: bool) -> dict[str, Known]:
    """The notes of `scan` (`whole`: the entire vault): from `known` or, on a whole scan,
    the index when unchanged on disk; else parsed."""
    found: dict[str, Known] = {}
    missing = []
    settled = time.time_ns() - RACY_NS  # a note saved after this may change within its mtime tick
    for path in scan.paths:
        old = known.get(path)
        if old is not None and old.mtime_ns < settled and scan.stats.get(path) == (old.size, old.mtime_ns):
            found[path] = old
        else:
            missing.append(path)
    # The index only helps with notes not in `known`: a known one that moved, or was saved
    # in the last seconds, has no row that matches. (After a save, the watcher's whole-vault
    # pass would otherwise load every row.)
    unknown = whole and any(path not in known for path in missing)
    entries = index.entries() if index is not None and unknown else {}
    for path in missing:
        entry = entries.get(path)
        if entry and scan.stats.get(path) == (entry.size, entry.mtime_ns):
            cached = load_note(entry)
            if cached is not None:
                found[path] = Known(cached, entry.size, entry.mtime_ns)
    parse = [path for path in missing if path not in found]
    pickled: dict[str, bytes] = {}
    for path, note, blob in _parsed(vault, config, parse, progress):
        found[path] = Known(note, *scan.stats.get(path, (-1, -1)))
        if blob is not None:
            pickled[path] = blob
    if index is not None and (parse or entries):
        index.update([(found[p].note, found[p].size, found[p].mtime_ns) for p in parse
                      if found[p].size >= 0 and found[p].mtime_ns < settled],
                     set(entries) - set(scan.paths), pickled)
    ordered = {path: found[path] for path in scan.paths}  # the vault's order, however found
    for problem in scan.unreadable:  # a folder that can't be listed: reported, its notes skipped
        ordered[problem.path] = Known(Note(problem.path, {}, (), (), (), (problem,), is_contact=False,
                                           skipped=True), -1, -1)
    return ordered


FORK_FROM = 2000  # notes to parse from which a second process parsing part of them pays off


def _parsed(vault: Path, config: Config, paths: list[str],
            progress: Progress | None) -> Iterator[tuple[str, Note, bytes | None]]:
    """Each note parsed, and pickled when that came free; many of them, four in nine in a
    forked process (which also pickles them, so both finish at about the same moment) while
    this one does the rest.

    Fork only where it is safe and cheap: Linux, two cores or more, no other thread running.
    If the child fails in any way, its share is parsed here.
    """
    mine = len(paths) * 5 // 9 if _can_fork(len(paths)) else len(paths)
    child = _fork_parsing(vault, config, paths[mine:]) if mine < len(paths) else None
    for path in progress(paths[:mine]) if progress else paths[:mine]:
        yield path, read_note(vault, path, config), None
    blobs = _collect(*child) if child is not None else None
    if blobs is not None and len(blobs) == len(paths) - mine:
        for path, blob in zip(paths[mine:], blobs, strict=True):
            yield path, pickle.loads(blob), blob  # one at a time: a note's worth of unpickler memo
    else:
        for path in paths[mine:]:
            yield path, read_note(vault, path, config), None


def _can_fork(count: int) -> bool:
    import threading

    return (count >= FORK_FROM and sys.platform == "linux" and (os.cpu_count() or 1) > 1
            and threading.active_count() == 1)


def _fork_parsing(vault: Path, config: Config, paths: list[str]) -> tuple[int, int] | None:
    """A child process parsing `paths` and sending the notes down a pipe: (pid, its read end)."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: parse, send, and leave without running any of the parent's exit code
        try:
            os.close(read_end)
            blobs = [dumps(read_note(vault, path, config)) for path in paths]
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(blobs, pipe, pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, read_end: int) -> list[bytes] | None:
    """The child's pickled notes (each pickled alone: the index keeps them so)."""
    try:
        with os.fdopen(read_end, "rb") as pipe:
            blobs = pickle.load(pipe)
    except Exception:  # a child that died midway: its half is parsed here again
        blobs = None
    finally:
        os.waitpid(pid, 0)
    return blobs if isinstance(blobs, list) else None
