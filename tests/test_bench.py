"""A smoke test of the benchmark's code path (timings are never asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

from mdfollow import schedule
from mdfollow.config import Config
from mdfollow.vault import load_vault

from .factories import TODAY

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
from make_vault import make_vault


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_generated_vault_is_deterministic_and_readable(tmp_path: Path) -> None:
    make_vault(400, tmp_path / "a")
    make_vault(400, tmp_path / "b")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    vault = load_vault(tmp_path / "a", Config())
    broken = sorted(f"People/{p.name}" for p in (tmp_path / "a/People").iterdir()
                    if b"cadence: [" in p.read_bytes())
    assert len(broken) == 2  # 0.5% of 400 notes
    assert sorted(vault.skipped) == broken
    assert len(vault.contacts) == 40 - len(broken)
    assert schedule.due(vault.contacts, Config(), TODAY)
