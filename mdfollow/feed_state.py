"""What the feed remembers between runs: what calendars were shown, so they are kept right.

Per UID of the last feed: its SEQUENCE, LAST-MODIFIED and a hash of its content (an
unchanged event keeps both, byte for byte); where and why it was shown (sticky placement,
telling a done cycle from a cancelled one); the done and cancelled events kept `keep-done`
days; and the UIDs of ended cycles (never used again), forgotten after `RETIRED_FOR` days
(a digest's or a birthday's once its day has passed: it cannot come back).
This is state, not cache: it lives in the state folder (`state.py`), apart from the index,
and `--no-cache` leaves it alone. Lost, it costs one jump forward of SEQUENCE and
LAST-MODIFIED (they count from the clock), never a step back. It stays small: about one
line per event in the feed, plus the ended cycles of the last year.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from .state import ensure_state_dir, state_dir
from .vault import write_atomic

FILE_NAME = "feed-state.json"
LOCK_NAME = "feed.lock"
VERSION = 1
_V = TypeVar("_V")


@dataclass(frozen=True)
class Shown:
    """An open event of the last feed."""

    uid0: str  # the cycle's first UID: the key its retirement is kept under
    kind: str  # "follow-up", "promise", "birthday" or "digest"
    due: dt.date
    day: dt.date
    own: bool  # a follow-up or promise shown as its own event (not in a digest)
    path: str
    anchor: str  # a follow-up's last contact then; a promise's "path:line"
    attempts: int
    summary: str
    url: str | None
    categories: tuple[str, ...]
    content: str
    sequence: int
    modified: dt.datetime


@dataclass(frozen=True)
class Ended:
    """A done or cancelled event, kept in the feed until `until`."""

    day: dt.date
    summary: str
    description: str
    url: str | None
    categories: tuple[str, ...]
    status: str | None  # None: done ("✓ …"); "CANCELLED"
    until: dt.date
    content: str = ""
    sequence: int = 0
    modified: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class FeedState:
    shown: dict[str, Shown] = field(default_factory=dict)
    ended: dict[str, Ended] = field(default_factory=dict)
    retired: dict[str, tuple[int, dt.date]] = field(default_factory=dict)  # uid0 -> (generation, until)

    def to_json(self) -> str:
        return StateJson()(self)


class StateJson:
    """A state's JSON, one entry at a time, reusing the text of the entries the last state
    shared (the watcher saves the state on every save: 1,000 events are ~340 KB of it).
    The text is `json.dumps` of the whole, keys sorted."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str], tuple[object, str]] = {}

    def __call__(self, state: FeedState) -> str:
        parts: dict[tuple[str, str], tuple[object, str]] = {}
        sections = [self._section(parts, "ended", state.ended, _ended_values),
                    self._section(parts, "retired", state.retired, _retired_values),
                    self._section(parts, "shown", state.shown, _shown_values)]
        self._parts = parts
        return f'{{{",".join(sections)},"version":{VERSION}}}'

    def _section(self, parts: dict[tuple[str, str], tuple[object, str]], name: str,
                 entries: Mapping[str, _V], values: Callable[[_V], list[object]]) -> str:
        texts = []
        for key in sorted(entries):
            value = entries[key]
            found = self._parts.get((name, key))
            if found is None or found[0] is not value:
                found = (value, f"{_JSON.encode(key)}:{_JSON.encode(values(value))}")
            parts[name, key] = found
            texts.append(found[1])
        return f'"{name}":{{{",".join(texts)}}}'

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _shown_values(s: Shown) -> list[object]:
    return [s.uid0, s.kind, s.due.isoformat(), s.day.isoformat(), s.own, s.path, s.anchor, s.attempts,
            s.summary, s.url, list(s.categories), s.content, s.sequence, _moment(s.modified)]


def _ended_values(e: Ended) -> list[object]:
    return [e.day.isoformat(), e.summary, e.description, e.url, list(e.categories), e.status,
            e.until.isoformat(), e.content, e.sequence, _moment(e.modified)]


def _retired_values(retired: tuple[int, dt.date]) -> list[object]:
    return [retired[0], retired[1].isoformat()]


def parse_state(text: str) -> FeedState:
    """The kept state; anything unreadable is no state (values then jump forward, never back)."""
    try:
        data = json.loads(text)
        if data.get("version") != VERSION:
            return FeedState()
        shown = {uid: Shown(v[0], v[1], _day(v[2]), _day(v[3]), bool(v[4]), v[5], v[6], int(v[7]), v[8],
                            v[9], tuple(v[10]), v[11], int(v[12]), _parse_moment(v[13]))
                 for uid, v in data["shown"].items()}
        ended = {uid: Ended(_day(v[0]), v[1], v[2], v[3], tuple(v[4]), v[5], _day(v[6]), v[7], int(v[8]),
                            _parse_moment(v[9])) for uid, v in data["ended"].items()}
        retired = {uid0: (int(v[0]), _day(v[1])) for uid0, v in data["retired"].items()}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return FeedState()
    return FeedState(shown, ended, retired)


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _moment(when: dt.datetime) -> str:
    return when.strftime("%Y%m%dT%H%M%SZ")


def _parse_moment(text: str) -> dt.datetime:
    if len(text) != 16 or text[8] != "T" or text[15] != "Z":
        raise ValueError(text)
    return dt.datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[11:13]),
                       int(text[13:15]), tzinfo=dt.timezone.utc)  # strptime is 20 times slower


def state_path(vault: Path) -> Path:
    return state_dir(vault) / FILE_NAME


def read_state(vault: Path) -> str:
    """The state file's text; "" when there is none (or it cannot be read)."""
    try:
        return state_path(vault).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def load_state(vault: Path) -> FeedState:
    return parse_state(read_state(vault))


def save_state(vault: Path, text: str, *, durable: bool = True) -> None:
    """The state's JSON, atomically (temp file + rename), private: it names people and
    promises. Not `durable` (the watcher, on every save): a crash may lose the last one,
    which costs a jump forward of SEQUENCE and LAST-MODIFIED, never a step back."""
    write_atomic(ensure_state_dir(vault) / FILE_NAME, text.encode("utf-8"), 0o600, durable=durable)


#: Seconds a feed waits for another process's feed before it is made without the lock.
WAIT = 10.0


@contextmanager
def one_at_a_time(vault: Path, wait: float = WAIT) -> Iterator[bool]:
    """Hold the vault's feed lock: while a watcher and an `export` from cron both make a feed,
    each starts from the state the other saved. Two feeds made from one state could give an
    event changed by both the same SEQUENCE (it counts minutes), and a calendar that took
    the first would never take the second.

    Yields False once `wait` seconds went by with another process holding it (a stopped
    one), and the feed is made without it rather than never; where there is no lock to take
    (no `fcntl`, a file system without locks, a state folder that can't be written) it is
    made without it too, and saving the state then says what is wrong."""
    try:
        import fcntl

        fd = os.open(ensure_state_dir(vault) / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except (ImportError, OSError):
        yield True
        return
    try:
        yield _locked(fcntl, fd, wait)
    finally:
        os.close(fd)  # which releases the lock, as the end of the process does


def _locked(fcntl: ModuleType, fd: int, wait: float) -> bool:
    """Polled, not blocking: a blocked flock would outlast Ctrl-C in the watcher."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        except OSError:  # no locks on this file system (some NFS, FUSE)
            return True
