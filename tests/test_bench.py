"""A smoke test of the benchmark's code path (timings are never asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mdfollow import schedule
from mdfollow.config import Config
from mdfollow.snapshot import load_vault
from mdfollow.vault import read_note

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


def test_the_contacts_shape_is_an_address_book_where_nearly_everyone_is_due(tmp_path: Path) -> None:
    make_vault(400, tmp_path / "a", shape="contacts")
    make_vault(400, tmp_path / "b", shape="contacts")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    vault = load_vault(tmp_path / "a", Config())
    assert len(list((tmp_path / "a/Companies").iterdir())) == 4
    assert len(vault.skipped) == 1 and vault.skipped[0].startswith("Contacts/")  # 0.5% of 396
    assert len(vault.contacts) == 395
    due = schedule.due(vault.contacts, Config(), TODAY)
    assert len({f.path for f in due if f.kind in ("explicit", "cadence")}) > 0.9 * len(vault.contacts)
    assert sum(c.birthday is not None for c in vault.contacts) > 0.3 * len(vault.contacts)
    logs = [len(read_note(tmp_path / "a", c.path, Config()).entries) for c in vault.contacts]
    assert sum(count >= 5 for count in logs) > 0.8 * len(vault.contacts)
    first_names = [c.aliases[0] for c in vault.contacts]
    assert len(first_names) / len(set(first_names)) > 4  # aliases collide


def test_the_serve_load_benchmark_runs_and_reports(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(Path(__file__).parent.parent / "bench" / "serve_load.py"),
                           "--notes", "40", "--bursts", "1", "--burst", "10", "--slowloris", "20"],
                          capture_output=True, text=True, check=False, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^burst(?:s| 1 \(ab\)): 10 of 10 answered 200; p50 [\d.]+ ms, p99 ", done.stdout, re.M)
    assert "with 20 slowloris connections held: 20 of 20 legitimate requests answered 200" in done.stdout
    assert re.search(r"^server memory: \d+ MB before", done.stdout, re.M)
