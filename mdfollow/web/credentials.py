"""The secrets `serve` keeps: the feed token, the paired devices, the key that signs forms.

All live in the vault's state folder (`mdfollow.state`), never in the vault: vaults are
synced to iCloud or Dropbox and pushed to git remotes. Files are 0600 in a 0700 folder;
what a device holds (its cookie) is kept only as a hash, so reading the state folder does
not let anyone in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidValue, OutputError
from ..state import ensure_state_dir
from ..vault import STATE_FOLDER, write_atomic

Warn = Callable[[str], None]
PAIR_LINK_LIFETIME = dt.timedelta(minutes=10)
_MIN_TOKEN = 22  # characters of base64: at least 128 bits


def _write_private(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data, 0o600)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


def _read_secret(path: Path, warn: Warn) -> str | None:
    """A secret kept in a file; one readable by others is made private again, with a warning."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if len(value) < _MIN_TOKEN:
        return None
    if mode & 0o077:
        warn(f"{path} was readable by others (mode {mode:04o}); it is now 0600, but anyone who "
             "read it may know the secret: consider `serve --rotate-token`")
        _write_private(path, f"{value}\n".encode("ascii"))
    return value


def _state(vault: Path) -> Path:
    try:
        return ensure_state_dir(vault)
    except OSError as error:
        raise OutputError(f"cannot make mdfollow's state folder: {error.strerror or error}") from None


def load_token(vault: Path, warn: Warn, *, rotate: bool = False) -> str:
    """The vault's feed token (192 random bits), made on first use or when rotated.

    A token kept inside the vault by earlier versions (`<vault>/.mdfollow/token`) moves to
    the state folder, so the feed URL survives the move and the vault no longer holds it.
    """
    path = _state(vault) / "token"
    old = vault / STATE_FOLDER / "token"
    token = None if rotate else _read_secret(path, warn)
    if token is None and not rotate and old.is_file():
        token = _read_secret(old, lambda _: None)
        if token is not None:
            _write_private(path, f"{token}\n".encode("ascii"))
            warn(f"the feed token moved from {old} to {path}, out of the vault")
    if token is None:
        token = secrets.token_urlsafe(24)
        _write_private(path, f"{token}\n".encode("ascii"))
    if old.exists():
        try:
            old.unlink()  # the vault is synced and pushed: no secret stays in it
        except OSError as error:
            warn(f"cannot remove the old feed token {old}: {error.strerror or error}; remove it by hand")
    return token


def form_key(vault: Path, warn: Warn) -> bytes:
    """The key that signs every form (`csrf`); made once, kept in the state folder."""
    path = _state(vault) / "form-key"
    key = _read_secret(path, warn)
    if key is None:
        key = secrets.token_urlsafe(32)
        _write_private(path, f"{key}\n".encode("ascii"))
    return key.encode("ascii")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Device:
    """A paired device: its name and when it was paired; its id signs its forms."""

    id: str
    name: str
    paired: str


class Pairings:
    """Paired devices and pending one-time links, in `pairings.json` of the state folder.

    `mdfollow pair` (one process) writes what `serve` (another) reads, so every change
    happens under a lock on the file, and `serve` reads it again only when it changed.
    """

    def __init__(self, vault: Path, now: Callable[[], dt.datetime]) -> None:
        self.path = _state(vault) / "pairings.json"
        self._now = now
        self._seen: tuple[int, int] | None = None
        self._devices: dict[str, Device] = {}

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, dict[str, str]]]]:
        lock = self.path.with_name("pairings.lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = self._load()
            before = json.dumps(data, sort_keys=True)
            yield data
            if json.dumps(data, sort_keys=True) != before:
                _write_private(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
        finally:
            os.close(fd)

    def _load(self) -> dict[str, dict[str, dict[str, str]]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError) as error:
            raise OutputError(f"cannot read the pairings in {self.path}: {error}") from None
        if not isinstance(data, dict):
            data = {}
        return {"devices": dict(data.get("devices") or {}), "links": dict(data.get("links") or {})}

    def new_link(self, name: str | None) -> tuple[str, str]:
        """A one-time pairing code (valid 10 minutes) for a device called `name`; (code, name)."""
        code = secrets.token_urlsafe(24)
        now = self._now()
        with self._locked() as data:
            taken = {d["name"] for d in data["devices"].values()} | {
                link["name"] for link in data["links"].values()}
            if name is None:
                name = next(f"device-{n}" for n in range(1, len(taken) + 2) if f"device-{n}" not in taken)
            elif not name.strip() or name in taken:
                raise InvalidValue(f"{name!r} is {'taken' if name in taken else 'not a name'}: "
                                   "`mdfollow pair --list` shows the devices")
            data["links"] = {k: v for k, v in data["links"].items() if v["expires"] > now.isoformat()}
            data["links"][_digest(code)] = {"name": name.strip(),
                                            "expires": (now + PAIR_LINK_LIFETIME).isoformat()}
        return code, name.strip()

    def redeem(self, code: str) -> tuple[Device, str] | None:
        """Use a one-time code: the new device and the secret for its cookie, or None."""
        now = self._now()
        with self._locked() as data:
            link = data["links"].pop(_digest(code), None)
            if link is None or link["expires"] <= now.isoformat():
                return None
            secret = secrets.token_urlsafe(32)
            device = Device(secrets.token_hex(8), link["name"], now.replace(microsecond=0).isoformat())
            data["devices"][_digest(secret)] = {"id": device.id, "name": device.name,
                                                "paired": device.paired}
        return device, secret

    def device(self, secret: str) -> Device | None:
        """The device whose cookie holds `secret`; pairings are read again when the file changed."""
        try:
            info = self.path.stat()
            seen = (info.st_mtime_ns, info.st_size)
        except OSError:
            return None
        if seen != self._seen:
            try:
                self._devices = {key: Device(**value) for key, value in self._load()["devices"].items()}
            except (OutputError, TypeError):  # unreadable: no device gets in until it is fixed
                self._devices = {}
            self._seen = seen
        return self._devices.get(_digest(secret))

    def devices(self) -> list[Device]:
        return sorted((Device(**v) for v in self._load()["devices"].values()), key=lambda d: d.name)

    def revoke(self, name: str | None) -> int:
        """Forget the device called `name` (None: every device); how many were forgotten."""
        with self._locked() as data:
            keep = {k: v for k, v in data["devices"].items() if name is not None and v["name"] != name}
            gone = len(data["devices"]) - len(keep)
            data["devices"] = keep
            if name is None:
                data["links"] = {}
        return gone
