"""Reading and replacing files so that no hostile file hangs a run and no save is lost.

Reading: only regular files, opened without blocking (a FIFO named `x.md` would wait for
a writer forever) and read up to a cap (a symlink to /dev/zero never ends).

Replacing: the new text goes to a temp file, fsynced, then is swapped with the old one
in one atomic exchange where the system has one (Linux `renameat2(RENAME_EXCHANGE)`):
what comes out of the swap is exactly the file the editor last saved, so a save that
slipped in since the note was read is seen, swapped back, and nothing is lost. Without
an exchange, the note is compared right before a plain rename.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

#: No note a person writes comes near this; a file past it is reported and skipped.
READ_LIMIT = 5 * 1024 * 1024
#: Temp files are `.<name>.<pid>-<random>.tmp`: a later run knows whose they are.
TEMP_SUFFIX = ".tmp"
#: A temp file is left from a killed writer when that writer is gone and it is this old.
STALE_TEMP_SECONDS = 60


class Changed(Exception):
    """The file on disk is no longer the one that was read: an editor saved it meanwhile."""


#: An editor that saves in place empties the file, then writes it: an empty file this fresh
#: is read again once, a moment later, before it is taken for empty. (Not one merely cut
#: short: Obsidian saves without a final line break, and the watcher would wait on each.)
FRESH_SECONDS = 1.0
SETTLE_SECONDS = 0.1


def read_regular(path: str | Path, limit: int = READ_LIMIT) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError for anything else."""
    return _read(path, limit)[0]


def read_settled(path: str | Path, limit: int = READ_LIMIT) -> bytes:
    """`read_regular`, but a file found empty just after it changed is read once more."""
    data, mtime = _read(path, limit)
    if not data and time.time() - mtime < FRESH_SECONDS:
        time.sleep(SETTLE_SECONDS)
        data = _read(path, limit)[0]
    return data


#: Non-blocking: opening a FIFO to read would otherwise wait for a writer. (The flags a
#: system lacks are 0.)
_READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_BINARY", 0))


def _read(path: str | Path, limit: int) -> tuple[bytes, float]:
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, f"not a regular file ({_kind(info.st_mode)})", str(path))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, max(min(limit + 1 - size, 1 << 20), 1))
            if not chunk:
                return b"".join(chunks), info.st_mtime
            chunks.append(chunk)
            size += len(chunk)
        raise OSError(errno.EFBIG, f"larger than {limit // 2**20} MB", str(path))
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a file"


def write_temp(folder: Path, name: str, data: bytes, *, durable: bool = True) -> str:
    """A temp file in `folder` holding `data`, named after `name` and this process."""
    import tempfile  # only a command that writes needs it

    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}.{os.getpid()}-", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return temp


def keep_owner_and_mode(temp: str, info: os.stat_result) -> None:
    """The new file gets the old one's mode, and its owner where this process may give it."""
    Path(temp).chmod(stat.S_IMODE(info.st_mode))
    if sys.platform != "win32" and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(PermissionError):  # only root may give a file away
            os.chown(temp, info.st_uid, info.st_gid)


def swap_in(temp: str, target: Path, unchanged: Callable[[bytes], bool]) -> None:
    """Put `temp` in place of `target` if `target` is still what was read; else Changed.

    `unchanged(data)` tells whether the file taken out is the one that was read.
    """
    mine = Path(temp).stat().st_ino
    if _exchange(temp, str(target)):
        try:
            if unchanged(read_regular(temp)):
                return
        except OSError:
            pass
        _swap_back(temp, target, mine)
        raise Changed(str(target))
    if not unchanged(read_regular(target)):  # no exchange here: compare at the last moment
        raise Changed(str(target))
    Path(temp).replace(target)


def _swap_back(temp: str, target: Path, mine: int) -> None:
    """Give the editor's save its place again.

    If yet another save came in by rename meanwhile, it is what the exchange brings back
    out: then that newest save goes back in, and the older one is dropped with our text.
    """
    if not _exchange(temp, str(target)):
        return
    with contextlib.suppress(OSError):
        if Path(temp).stat().st_ino != mine:
            _exchange(temp, str(target))


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """Linux's renameat2, found at the first swap (ctypes is not for a command that only reads)."""
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        function: Callable[..., int] | None = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except OSError:
        return None
    return function


def _exchange(first: str, second: str) -> bool:
    """Swap two paths atomically; False when this system or file system can't."""
    rename = _renameat2()
    if rename is None:
        return False
    if rename(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), second)


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` survive a crash (where folders can be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_TEMP_NAME = re.compile(r"\..+\.(?P<pid>\d+)-[a-z0-9_]+\.tmp")
_swept: set[Path] = set()


def remove_stale_temps(folder: Path) -> None:
    """Temp files in `folder` left by writers that were killed: older than a minute, and
    their process gone. A live writer's are never touched; older temp files without a pid
    are left alone. Once per folder and process: an import writes thousands of notes to one."""
    if folder in _swept:
        return
    _swept.add(folder)
    now = time.time()
    try:
        entries = [(e, m) for e in os.scandir(folder) if (m := _TEMP_NAME.fullmatch(e.name))]
    except OSError:
        return
    for entry, match in entries:
        with contextlib.suppress(OSError):
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS
            if old and not _alive(int(match["pid"])):
                Path(entry.path).unlink()


def is_root() -> bool:
    return sys.platform != "win32" and os.geteuid() == 0


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # there, os.kill would end the process: never sweep
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
