"""The feed's shell: the kept state and the clock in, the feed bytes and a warning out.

`export`, `watch` and `serve` all make the feed here, so the same vault, config, day and
state give the same bytes whichever made it. The state is saved before the feed is
written: a feed that failed to be written was never seen, and shows the same values next
time; a state that failed to be saved would let the next feed repeat a SEQUENCE.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .cache import Exported, Index
from .config import Config
from .errors import OutputError
from .feed_state import (
    LOCK_NAME,
    WAIT,
    FeedState,
    StateJson,
    load_state,
    one_at_a_time,
    read_state,
    save_state,
    state_path,
)
from .links import Links
from .model import Contact
from .snapshot import Loaded, load
from .vault import Progress

if TYPE_CHECKING:
    from .feed import Made

Clock = Callable[[], dt.datetime]


def local_now() -> dt.datetime:
    """The wall clock, aware, in the local time zone: its date is the user's today."""
    return dt.datetime.now().astimezone()


class Publisher:
    """Makes the feed of one vault again and again (the watcher, `serve`) or once (`export`).

    `today` pins the day (`--today`); otherwise it is the clock's local date, so a long-running
    `serve` rolls over at midnight. The state file is read again when another process (an
    `export` from cron) changed it since.
    """

    def __init__(self, vault: Path, config: Config, links: Links, *, today: dt.date | None = None,
                 clock: Clock | None = None, durable: bool = True) -> None:
        from .feed import Feed  # icalendar only when a feed is made

        self.vault, self.config, self.pinned = vault, config, today
        self.clock = clock or local_now
        self.durable = durable
        self.feed = Feed(config, links)
        self.state: FeedState | None = None
        self.state_json = StateJson()  # the text of the entries of the last state, kept
        self._state_file = state_path(vault)  # found once: it resolves the vault's path
        self._stamp: tuple[int, int, int] | None = None  # the state file's inode, size and mtime as last seen
        self.warned = False

    def today(self) -> dt.date:
        return self.pinned or self.clock().date()

    def make(self, contacts: Sequence[Contact], report: Callable[[str], None] | None = None) -> Made:
        """The feed of these contacts now; the state saved; the budget's warning said once."""
        with one_at_a_time(self.vault) as locked:
            if not locked and report is not None:
                report(f"another mdfollow has held the feed's lock ({self._state_file.parent / LOCK_NAME}) "
                       f"for {WAIT:.0f} s: making the feed without it")
            if self.state is None or self._file_stamp() != self._stamp:
                self._stamp = self._file_stamp()
                self.state = load_state(self.vault)
            made = self.feed(contacts, self.today(), self.clock().astimezone(dt.timezone.utc), self.state)
            if made.state != self.state:
                try:
                    save_state(self.vault, self.state_json(made.state), durable=self.durable)
                except OSError as error:
                    raise OutputError(f"cannot keep the feed's state in {self._state_file}: "
                                      f"{error.strerror or error}") from None
                self.state, self._stamp = made.state, self._file_stamp()
        if made.cut and not self.warned and report is not None:
            report(made.cut.warning(self.config))
            self.warned = True
        return made

    def _file_stamp(self) -> tuple[int, int, int] | None:
        """The state file as last seen: each save is a new file (a rename), so a new inode
        tells another process's save even within the mtime's granularity."""
        try:
            found = self._state_file.stat()
        except OSError:
            return None
        return found.st_ino, found.st_size, found.st_mtime_ns


def export_feed(vault: Path, config: Config, links: Links, today: dt.date, index: Index | None,
                progress: Progress | None = None, clock: Clock | None = None) -> tuple[Loaded, Exported]:
    """`export`: the vault as read and its feed on `today`.

    When the notes, the config and the day are those of the last export and the state is
    the one it left, the feed is the same (an export is a fixed point of its own state): it
    comes straight from the index, without even importing icalendar.
    """
    loaded = load(vault, config, index, progress)
    key = loaded.key
    if index is None or key is None:
        return loaded, _exported(Publisher(vault, config, links, today=today, clock=clock), loaded, index)
    kept = index.feed(_export_key(key, config, links, today, read_state(vault)))
    if kept is not None:
        return loaded, kept
    publisher = Publisher(vault, config, links, today=today, clock=clock)
    exported = _exported(publisher, loaded, index)
    assert publisher.state is not None
    index.store_feed(_export_key(key, config, links, today, publisher.state_json(publisher.state)),
                     exported)
    return loaded, exported


def _exported(publisher: Publisher, loaded: Loaded, index: Index | None) -> Exported:
    """One feed, reusing the events the index kept rendered from the last one."""
    from .feed import RENDERER

    if index is not None:
        publisher.feed.rendered = index.rendered_events(RENDERER)
    made = publisher.make(loaded.vault().contacts)
    if index is not None:
        index.store_rendered_events(RENDERER, publisher.feed.rendered)
    return Exported(made.data, made.cut.warning(publisher.config) if made.cut else "", made.events)


def _export_key(vault_key: str, config: Config, links: Links, today: dt.date, state: str) -> str:
    parts = (vault_key, repr(config), repr(links), _renderer(), today.isoformat(), state)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _renderer() -> str:
    """Which code renders the feed, found without importing icalendar."""
    import importlib.util

    spec = importlib.util.find_spec("icalendar")
    origin = spec.origin if spec is not None else None
    return f"mdfollow {__version__}, icalendar {origin} {Path(origin).stat().st_mtime_ns if origin else 0}"
