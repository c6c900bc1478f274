"""The secrets `serve` keeps: pairing links that expire and are used once, devices kept
as hashes, a private form key; and the server's open-files limit."""

from __future__ import annotations

import datetime as dt
import resource
import stat
from pathlib import Path

import pytest

from mdfollow.errors import InvalidValue, OutputError
from mdfollow.state import state_dir
from mdfollow.web.credentials import Pairings, form_key
from mdfollow.web.server import raise_open_files_limit

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


def test_a_pairing_link_works_once_and_for_ten_minutes(tmp_path: Path) -> None:
    clock = Clock()
    pairings = Pairings(tmp_path, clock)
    code, name = pairings.new_link(None)
    late, _ = pairings.new_link("tablet")
    clock.now = T0 + dt.timedelta(minutes=9, seconds=59)
    found = pairings.redeem(code)
    assert found is not None and found[0].name == name == "device-1"
    assert pairings.redeem(code) is None  # used
    clock.now = T0 + dt.timedelta(minutes=10)
    assert pairings.redeem(late) is None  # expired
    device, secret = found
    assert pairings.device(secret) == device
    assert pairings.device(secret + "x") is None
    kept = (state_dir(tmp_path) / "pairings.json").read_text(encoding="utf-8")
    assert secret not in kept and code not in kept  # only hashes are kept
    assert stat.S_IMODE((state_dir(tmp_path) / "pairings.json").stat().st_mode) == 0o600


def test_device_names_are_unique_and_revoking_forgets_them(tmp_path: Path) -> None:
    pairings = Pairings(tmp_path, Clock())
    first = pairings.redeem(pairings.new_link("phone")[0])
    assert first is not None
    with pytest.raises(InvalidValue, match="'phone' is taken"):
        pairings.new_link("phone")
    assert pairings.new_link(None)[1] == "device-1"
    assert [d.name for d in pairings.devices()] == ["phone"]
    assert pairings.revoke("tablet") == 0
    assert pairings.revoke("phone") == 1
    assert pairings.device(first[1]) is None
    assert pairings.devices() == []


def test_the_form_key_is_made_once_and_private(tmp_path: Path) -> None:
    warnings: list[str] = []
    key = form_key(tmp_path, warnings.append)
    assert len(key) >= 32 and form_key(tmp_path, warnings.append) == key
    path = state_dir(tmp_path) / "form-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o640)
    assert form_key(tmp_path, warnings.append) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "readable by others" in warnings[0]


def test_the_open_files_limit_is_raised_as_far_as_allowed() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))
        raised = raise_open_files_limit(4096)
        assert raised == (4096 if hard == resource.RLIM_INFINITY else min(4096, hard))
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == raised
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_damaged_pairings_file_lets_no_device_in_and_pair_says_why(tmp_path: Path) -> None:
    pairings = Pairings(tmp_path, Clock())
    found = pairings.redeem(pairings.new_link("phone")[0])
    assert found is not None
    (state_dir(tmp_path) / "pairings.json").write_text("{not json", encoding="utf-8")
    assert pairings.device(found[1]) is None
    with pytest.raises(OutputError, match=r"cannot read the pairings in .*pairings\.json"):
        pairings.devices()
