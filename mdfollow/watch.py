"""watchdog -> debounced, incremental rebuilds of the feed while people edit their notes.

Editors save in odd ways (in place, write-then-rename, delete and re-create, a `git pull`
touching 500 notes), so events only say *that* something changed: after a quiet spell the
whole vault is looked at again, and just the notes whose size or mtime moved are re-read.
That ends in the right state however the events arrived.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from .cache import Index
from .config import Config
from .contacts import Linker
from .errors import OutputError, VaultNotFound
from .links import Links
from .model import Note
from .publish import Clock, Publisher
from .vault import Known, collector_paused, refresh_notes, write_atomic

Report = Callable[[str], None]
LOOK_AGAIN_AFTER = 1.0  # seconds of quiet after a save before the whole vault is compared


class FeedBuilder:
    """Builds the feed from the vault, keeping a note's last good state while it is broken.

    A half-typed front matter must not make a contact vanish from people's calendars; a
    deleted note does disappear. The feed is the one `export` makes for the same day
    (`today`, else the clock's local date: see `new_day`). `feed` holds its bytes; the
    budget's warning goes to `report`, once.
    """

    def __init__(self, vault: Path, config: Config, links: Links, output: Path,
                 index: Index | None, report: Report, *, today: dt.date | None = None,
                 clock: Clock | None = None) -> None:
        self.vault, self.config, self.links, self.output = vault, config, links, output
        self.index = index
        self.report = report
        self.feed: bytes | None = None
        self._known: dict[str, Known] = {}  # every note as read, with its size and mtime
        self._notes: dict[str, Note] = {}  # what each note counted as in the last build
        self._said: set[str] = set()  # problems already reported, so each is said once
        self._linker = Linker(config)
        self._publisher = Publisher(vault, config, links, today=today, clock=clock, durable=False)
        self._day: dt.date | None = None  # the day of the last feed

    def new_day(self) -> bool:
        """Whether the day changed since the last feed (midnight, local time): then it is
        made again, overdue follow-ups moving onto the new today."""
        if self._day is None or self._publisher.today() == self._day:
            return False
        self._write_feed([])
        return True

    @collector_paused()
    def rebuild(self, paths: Collection[str] | None = None) -> list[str]:
        """Re-read what changed and rewrite the feed if its bytes changed; the paths that changed.

        `paths` (vault-relative) are the notes a file watcher saw change: only those are
        read. Without, the whole vault is compared by size and mtime: events can be lost or
        come for a whole folder, so `watch` does that too once the saves have gone quiet.
        """
        if not self.vault.is_dir():
            raise VaultNotFound(f"the vault folder {self.vault} is gone; stopping")
        # The index speeds up the first read only; after it, the watcher leaves the notes' rows
        # as the commands' snapshot saw them, so a command run meanwhile patches its snapshot
        # with the notes saved since instead of reading the whole vault again.
        index = self.index if not self._known else None
        changed = self._take_in(refresh_notes(self.vault, self.config, self._known, paths, index), paths)
        if changed or self.feed is None:
            self._write_feed(changed)
        return changed

    def _take_in(self, known: dict[str, Known], paths: Collection[str] | None) -> list[str]:
        """Keep the notes re-read; the paths whose note now counts differently."""
        candidates = known.keys() | self._known.keys() if paths is None else paths
        moved = [p for p in candidates if known.get(p) is not self._known.get(p)]
        self._known = known
        changed = []
        for path in moved:
            before = self._notes.pop(path, None)
            if path in known:  # an equal note keeps its object: the Linker need not read it again
                note = self._keep_last_good(known[path].note, before)
                self._notes[path] = before if before is not None and note == before else note
            if self._notes.get(path) != before:
                changed.append(path)
        return sorted(changed)

    def _write_feed(self, changed: list[str]) -> None:
        self._linker.update({path: self._notes.get(path) for path in changed})
        self._linker.mentions()  # after the first build, not on the first rename
        self._day = self._publisher.today()
        data = self._publisher.make(self._linker.contacts, self.report).data
        if data != self.feed:
            try:
                write_atomic(self.output, data, _feed_mode(self.output), durable=False)  # made again at start
            except OSError as error:
                if not self.vault.is_dir():
                    raise VaultNotFound(f"the vault folder {self.vault} is gone; stopping") from None
                raise OutputError(f"cannot write the feed {self.output}: {error.strerror or error}") from None
            self.feed = data

    def _keep_last_good(self, note: Note, previous: Note | None) -> Note:
        if not note.skipped:
            self._said = {s for s in self._said if not s.startswith(f"{note.path}:")}
            return note
        keep = previous is not None and not previous.skipped
        for problem in note.problems:
            message = f"{problem.path}:{problem.line}: {problem.message}"
            if keep:
                message = message.removesuffix("; note skipped") + "; keeping its last good state"
            if message not in self._said:
                self._said.add(message)
                self.report(message)
        return previous if keep and previous is not None else note


def _feed_mode(path: Path) -> int:
    """Private (0600): the feed lists people and promises. A mode given to the file stays."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o600


class _Changes(FileSystemEventHandler):
    """Which notes changed since `take`; dot-folders (and so the feed) are ignored."""

    def __init__(self, vault: Path) -> None:
        self.root = f"{vault}{os.sep}"
        self.event = threading.Event()
        self.last = 0.0  # time.monotonic() of the latest event
        self._lock = threading.Lock()
        self._paths: set[str] | None = set()  # None: a folder changed, look at everything

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = os.fsdecode(raw)
            if not path:
                continue
            relative = path[len(self.root):].replace(os.sep, "/") if path.startswith(self.root) else ""
            if any(part.startswith(".") for part in relative.split("/")):
                continue
            with self._lock:
                if event.is_directory:
                    if event.event_type == "modified":  # its files' own events say what changed
                        continue
                    self._paths = None  # a folder came, went or moved
                elif not relative.lower().endswith(".md"):
                    continue
                elif self._paths is not None:
                    self._paths.add(relative)
                self.last = time.monotonic()
            self.event.set()

    def take(self) -> set[str] | None:
        """The notes that changed since the last call; None when only a look at all will do."""
        with self._lock:
            paths, self._paths = self._paths, set()
        return paths


def start_observer(vault: Path, handler: FileSystemEventHandler, report: Report) -> BaseObserver:
    """inotify where it can; polling (with a word why) when the system's watch limit is hit."""
    observer: BaseObserver = Observer()
    try:
        observer.schedule(handler, str(vault), recursive=True)
        observer.start()
        return observer
    except OSError as error:
        if not vault.is_dir():  # deleted before the observer could start
            raise VaultNotFound(f"the vault folder {vault} is gone; stopping") from None
        if error.errno not in (errno.ENOSPC, errno.EMFILE):
            raise
        report("the system's inotify watch limit is reached (raise fs.inotify.max_user_watches); "
               "polling the vault every second instead")
    observer = PollingObserver(timeout=1)
    observer.schedule(handler, str(vault), recursive=True)
    observer.start()
    return observer


COME_BACK_WITHIN = 10.0  # seconds a vault folder that vanished may take to be made again


def watch(builder: FeedBuilder, stop: threading.Event, debounce: float,
          log: Report | None = None, on_change: Callable[[bytes], None] | None = None) -> None:
    """Rebuild after each burst of changes has been quiet for `debounce` seconds, until `stop`.

    A vault folder that vanishes (a sync tool or `git checkout` making it again) is waited
    for, and the new folder watched; one that stays away stops the watch.
    """
    deadline = 0.0
    while True:
        began = time.monotonic()
        try:
            _watch_folder(builder, stop, debounce, log, on_change)
            return
        except VaultNotFound:
            if began > deadline:  # newly gone, not a folder that went again while being armed
                deadline = time.monotonic() + COME_BACK_WITHIN
            if not _came_back(builder.vault, stop, deadline):
                raise
            builder.report(f"the vault folder {builder.vault} was made again; watching the new one")


def _came_back(vault: Path, stop: threading.Event, deadline: float) -> bool:
    while not stop.is_set() and time.monotonic() < deadline:
        stop.wait(0.1)
        if vault.is_dir():
            return True
    return stop.is_set()


def _watch_folder(builder: FeedBuilder, stop: threading.Event, debounce: float,
                  log: Report | None, on_change: Callable[[bytes], None] | None) -> None:
    changes = _Changes(builder.vault)
    try:
        observer = start_observer(builder.vault, changes, builder.report)
    except (FileNotFoundError, NotADirectoryError):  # gone again, or a folder in it, while armed
        raise VaultNotFound(f"the vault folder {builder.vault} is gone; stopping") from None
    # A look at the whole vault, once all is quiet: for events lost or never sent, and at first
    # for saves made before the observer ran, which have no event of their own.
    owed = True
    try:
        while not stop.is_set():
            if not changes.event.wait(timeout=LOOK_AGAIN_AFTER if owed else 0.5):
                before = builder.feed
                if builder.new_day():
                    _said(builder, log, on_change, before, "a new day")
                if owed:
                    _rebuild(builder, None, log, on_change, only_news=True)
                    owed = False
                elif not builder.vault.is_dir():
                    raise VaultNotFound(f"the vault folder {builder.vault} is gone; stopping")
                continue
            changes.event.clear()
            while not stop.is_set() and (left := changes.last + debounce - time.monotonic()) > 0:
                stop.wait(left)  # debounce: until `debounce` has passed since the latest event
            if stop.is_set():
                break
            paths = changes.take()  # empty: events that came after the last take named no note
            _rebuild(builder, paths, log, on_change, only_news=paths == set())
            owed = paths is not None
    finally:
        observer.stop()
        observer.join(timeout=5)


def _rebuild(builder: FeedBuilder, paths: set[str] | None, log: Report | None,
             on_change: Callable[[bytes], None] | None, *, only_news: bool = False) -> None:
    """Rebuild and say so; `only_news`: say nothing when nothing changed (a look just in case)."""
    started = time.perf_counter()
    before = builder.feed
    changed = builder.rebuild(paths)
    if log is not None and (changed or not only_news):
        what = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        _said(builder, log, on_change, before, what or "nothing that counts changed", started)
    else:
        _said(builder, None, on_change, before, "", started)


def _said(builder: FeedBuilder, log: Report | None, on_change: Callable[[bytes], None] | None,
          before: bytes | None, what: str, started: float | None = None) -> None:
    """Pass a changed feed on, and log the rebuild."""
    if builder.feed is not None and builder.feed != before and on_change is not None:
        on_change(builder.feed)
    if log is not None:
        feed = "feed rewritten" if builder.feed != before else "feed unchanged"
        took = f" in {(time.perf_counter() - started) * 1000:.0f} ms" if started is not None else ""
        log(f"rebuilt{took}: {what}; {feed}")
