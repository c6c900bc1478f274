"""Timings of mdfollow against the floors and the naive loop, measured in one run.

    python bench/run.py --notes 1000,10000

Prints a Markdown table (median of --repeat runs) and the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import frontmatter

from mdfollow.cache import Index, fingerprint
from mdfollow.config import Config
from mdfollow.feed import Links, build_feed
from mdfollow.vault import load_vault, note_paths

sys.path.insert(0, str(Path(__file__).parent))
from make_vault import make_vault

OUT = Path(__file__).parent / "out"


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def read_all(vault: Path) -> int:
    total = 0
    for folder, dirs, files in os.walk(vault):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            total += len((Path(folder) / name).read_bytes())
    return total


def stat_all(vault: Path) -> int:
    return sum(1 for folder, _, files in os.walk(vault) for name in files
               if (Path(folder) / name).stat().st_size >= 0)


def naive_loop(vault: Path) -> int:
    """What anyone would write with the same libraries."""
    count = 0
    for path in vault.rglob("*.md"):
        try:
            frontmatter.load(str(path))
            count += 1
        except Exception:
            pass
    return count


# The child's own high-water mark: getrusage() would also count this (large) parent, whose
# memory a forked child carries until it execs.
PEAK_RSS = ("import atexit, runpy, sys; atexit.register(lambda: sys.stderr.write(next("
            "l for l in open('/proc/self/status') if l.startswith('VmHWM')))); "
            "sys.argv[0] = 'mdfollow'; runpy.run_module('mdfollow', run_name='__main__')")


def whole_process(vault: Path, repeat: int) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of `mdfollow due` as a user runs it."""
    args = ["--vault", str(vault), "--today", "2026-11-22", "due", "--json"]
    command = [sys.executable, "-m", "mdfollow", *args]
    seconds = median_seconds(lambda: subprocess.run(command, capture_output=True, check=False), repeat)
    peak = subprocess.run([sys.executable, "-c", PEAK_RSS, *args], capture_output=True, text=True,
                          check=False).stderr.splitlines()[-1]
    return seconds, int(peak.split()[1]) / 1024


def age(vault: Path) -> None:
    """Real notes were saved long ago; fresh ones are never trusted to the index (racy mtime)."""
    past = time.time() - 3600
    for path in vault.rglob("*.md"):
        os.utime(path, (past, past))


def with_index(vault: Path, config: Config, cache: Path) -> object:
    index = Index(cache / "index.sqlite", fingerprint(config.spellings), print)
    try:
        return load_vault(vault, config, index)
    finally:
        index.close()


def bench(notes: int, repeat: int) -> list[tuple[str, float, str]]:
    vault = OUT / f"vault-{notes}"
    if not vault.exists():
        make_vault(notes, vault)
        age(vault)
    config = Config()
    cache = Path(tempfile.mkdtemp(prefix="mdfollow-bench-"))
    os.environ["MDFOLLOW_CACHE_DIR"] = str(cache)
    floor = median_seconds(lambda: read_all(vault), repeat)
    rows = [
        ("read every file's bytes (floor)", floor),
        ("stat every file (floor)", median_seconds(lambda: stat_all(vault), repeat)),
        ("walk the vault (mdfollow)", median_seconds(lambda: list(note_paths(vault, ("Templates",))),
                                                     repeat)),
        ("naive frontmatter.load() loop", median_seconds(lambda: naive_loop(vault), repeat)),
        ("mdfollow: read + parse + schedule, no index, in-process", median_seconds(
            lambda: load_vault(vault, config), repeat)),
        ("mdfollow: cold index (build it), in-process", median_seconds(
            lambda: with_index(vault, config, cache / f"cold-{time.time_ns()}"), repeat)),
    ]
    with_index(vault, config, cache / "warm")
    rows.append(("mdfollow: warm index, no change, in-process",
                 median_seconds(lambda: with_index(vault, config, cache / "warm"), repeat)))
    contacts = load_vault(vault, config).contacts
    links = Links("obsidian", vault.name)
    events = build_feed(contacts, config, links).count(b"BEGIN:VEVENT")
    rows.append((f"build the feed from parsed contacts ({events:,} events)",
                 median_seconds(lambda: build_feed(contacts, config, links), repeat)))
    seconds, rss = whole_process(vault, repeat)
    rows.append(("mdfollow due, warm index, whole process", seconds))
    edited = next(iter(sorted((vault / "People").glob("*.md"))))
    original = edited.read_bytes()

    def edit_then_due() -> None:
        edited.write_bytes(original + f"\n- {time.time_ns()} edit\n".encode())
        subprocess.run([sys.executable, "-m", "mdfollow", "--vault", str(vault), "due", "--json"],
                       capture_output=True, check=False)

    rows.append(("one note edited, then mdfollow due, whole process", median_seconds(edit_then_due, repeat)))
    edited.write_bytes(original)
    age(vault)
    shutil.rmtree(cache, ignore_errors=True)
    result = [(name, value, f"{value / floor:.1f}x") for name, value in rows]
    result.append(("peak RSS of `mdfollow due` (MiB)", rss, ""))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.machine()}; median of {args.repeat} runs\n")
    for notes in (int(n) for n in args.notes.split(",")):
        print(f"{notes:,} notes\n\n| what | seconds | vs read floor |\n|---|---:|---:|")
        for name, value, ratio in bench(notes, args.repeat):
            print(f"| {name} | {value:.3f} | {ratio} |")
        print()


if __name__ == "__main__":
    main()
