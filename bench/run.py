"""Timings of mdfollow against the floors and its peers, all measured in one run.

    python bench/run.py --notes 1000,10000,100000 --shapes notes,contacts

Prints one Markdown table per shape and vault size (median of --repeat runs, ratios to the
read floor of the same run, and the issues' targets where they set one), then every target
met or missed, and the machine it ran on. obsidiantools' vault index is a peer at 1,000
notes when it is installed (`pip install obsidiantools`). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import frontmatter

from mdfollow.cache import Index, fingerprint
from mdfollow.config import Config
from mdfollow.contacts import Vault
from mdfollow.links import Links
from mdfollow.publish import export_feed
from mdfollow.snapshot import load_vault

sys.path.insert(0, str(Path(__file__).parent))
from make_vault import make_vault

OUT = Path(__file__).resolve().parent / "out"
TODAY = ["--today", "2026-11-22"]
BENCH_DAY = dt.date(2026, 11, 22)
# The child's own high-water mark: getrusage() would also count this (large) parent, whose
# memory a forked child carries until it execs.
PEAK_RSS = ("import atexit, runpy, sys; atexit.register(lambda: sys.stderr.write(next("
            "l for l in open('/proc/self/status') if l.startswith('VmHWM')))); "
            "sys.argv[0] = 'mdfollow'; runpy.run_module('mdfollow', run_name='__main__')")


@dataclass(frozen=True)
class Row:
    what: str
    value: float
    unit: str = "s"
    target: float | None = None  # the target at this shape and size, when it sets one
    how: str = ""  # how the target is set, when not in seconds or MiB ("0.6x the naive loop")

    @property
    def met(self) -> bool:
        return self.target is None or self.value <= self.target

    def cells(self, floor: float) -> str:
        ratio = f"{self.value / floor:.2f}x" if self.unit == "s" else ""
        if self.target is None:
            verdict = ""
        else:
            limit = f"{self.target:.3g} {self.unit}" + (f" ({self.how})" if self.how else "")
            verdict = f"<= {limit}: {'met' if self.met else '**missed**'}"
        return f"| {self.what} | {self.value:.3f} {self.unit} | {ratio} | {verdict} |"


@dataclass(frozen=True)
class Targets:
    """What the issues ask of one shape at one size (None: no target)."""

    cold_index: float | None = None
    due_warm: float | None = None
    edit_then_due: float | None = None
    due_no_index_vs_naive: float | None = None
    export_warm: float | None = None  # in process
    export_warm_process: float | None = None
    watcher: tuple[float, float] | None = None  # median, p90
    rss_warm: float | None = None
    rss_cold: float | None = None


def targets(shape: str, notes: int) -> Targets:
    if shape == "notes" and notes == 10_000:  # issue 6
        return Targets(cold_index=0.4, due_warm=0.15, edit_then_due=0.2, export_warm=0.1,
                       watcher=(0.02, 0.05))
    if shape == "notes" and notes >= 100_000:
        return Targets(due_warm=1.0, rss_cold=300)
    if shape == "contacts" and notes == 10_000:  # issue 15
        return Targets(due_warm=0.15, rss_warm=80, edit_then_due=0.2, due_no_index_vs_naive=0.6,
                       export_warm_process=0.15, watcher=(0.02, 0.05))
    if shape == "contacts" and notes >= 100_000:
        return Targets(due_warm=1.0, rss_warm=300)
    return Targets()


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
            with open(os.path.join(folder, name), "rb") as handle:  # noqa: PTH123, PTH118 - the floor
                total += len(handle.read())
    return total


def stat_all(vault: Path) -> int:
    return sum(1 for folder, _, files in os.walk(vault) for name in files
               if os.stat(os.path.join(folder, name)).st_size >= 0)  # noqa: PTH116, PTH118 - the floor


def naive_loop(vault: Path) -> int:
    """What anyone would write with the same libraries."""
    count = 0
    for path in vault.rglob("*.md"):
        try:
            frontmatter.load(str(path))
            count += 1
        except Exception:  # the naive loop skips what breaks
            pass
    return count


OBSIDIANTOOLS = """
import contextlib, io, statistics, sys, time
from pathlib import Path
import obsidiantools.api as otools
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a line per broken note
        otools.Vault(Path(sys.argv[1])).connect().gather()
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def obsidiantools_index(vault: Path, repeat: int) -> float:
    """Median seconds of its vault index, timed in a process of its own: its imports (pandas,
    numpy and their threads) would otherwise stay in this one and slow every later row."""
    done = subprocess.run([sys.executable, "-c", OBSIDIANTOOLS, str(vault), str(repeat)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ImportError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    return float(done.stdout)


SAVED = 1_700_000_000  # one fixed moment: aging again moves only the notes touched since


def age(vault: Path) -> None:
    """Real notes were saved long ago; fresh ones are never trusted to the index (racy mtime)."""
    for path in vault.rglob("*.md"):
        os.utime(path, (SAVED, SAVED))


def with_index(vault: Path, config: Config, cache: Path) -> Vault:
    index = Index(cache / "index.sqlite", fingerprint(config.spellings), print)
    try:
        return load_vault(vault, config, index)
    finally:
        index.close()


def export(vault: Path, config: Config, cache: Path, links: Links) -> bytes:
    """What `mdfollow export` does, in process: the vault and its feed through the index."""
    index = Index(cache / "index.sqlite", fingerprint(config.spellings), print)
    try:
        return export_feed(vault, config, links, BENCH_DAY, index)[1].data
    finally:
        index.close()


def mdfollow(vault: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "mdfollow", "--vault", str(vault), *TODAY, *args]


def env(cache: Path) -> dict[str, str]:
    """A process of mdfollow gets its own index. It also starts in `cache`, outside the source
    tree, so that it runs the installed package: `-m` would import the tree's, compiling it
    again on every start wherever PYTHONDONTWRITEBYTECODE is set."""
    cache.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "MDFOLLOW_CACHE_DIR": str(cache)}


def run_process(command: list[str], cache: Path) -> None:
    subprocess.run(command, capture_output=True, check=False, env=env(cache), cwd=cache)


def peak_rss(vault: Path, cache: Path, *args: str) -> float:
    """MiB, of `mdfollow ARGS` run in a fresh process."""
    done = subprocess.run([sys.executable, "-c", PEAK_RSS, "--vault", str(vault), *TODAY, *args],
                          capture_output=True, text=True, check=False, env=env(cache), cwd=cache)
    return int(done.stderr.splitlines()[-1].split()[1]) / 1024


def replaced(feed: Path) -> tuple[int, int]:
    """Which file the feed is: the watcher renames a new one into place. Polled instead of
    reading 2 MB, so that polling costs the watcher no CPU and the timing no delay."""
    try:
        stat = feed.stat()
    except FileNotFoundError:
        return (0, 0)
    return (stat.st_ino, stat.st_mtime_ns)


def watcher_latency(vault: Path, people: Path, cache: Path, edits: int) -> tuple[float, float]:
    """Seconds from a note's write to the new feed on disk, less the debounce: median, p90.

    Each save renames a contact the feed shows (its name + " Bench N": the feed's order of
    names, and so what its budget keeps, stays the same)."""
    debounce = 0.05
    feed = vault / ".mdfollow" / "follow-ups.ics"
    feed.unlink(missing_ok=True)
    command = mdfollow(vault, "watch", "--debounce", str(int(debounce * 1000)))
    watcher = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               env=env(cache), cwd=cache)
    assert watcher.stdout is not None
    watcher.stdout.readline()  # "Watching …": the first feed is written
    shown = unfolded(feed.read_bytes())
    note, name = next((p, found[1]) for p in sorted(people.glob("*.md"))
                      if b"cadence: [" not in (data := p.read_bytes())
                      and (found := re.search(rb"^name: (.+?)\r?$", data, re.MULTILINE))
                      and found[1] in shown)
    original = note.read_bytes()
    latencies = []
    try:
        for number in range(edits):
            marker = name + f" Bench {number}".encode()
            seen = replaced(feed)
            started = time.perf_counter()
            note.write_bytes(original.replace(b"name: " + name, b"name: " + marker, 1))
            while True:
                if replaced(feed) != seen:
                    seen, data = replaced(feed), feed.read_bytes()
                    if marker in data or marker in unfolded(data):
                        break
                if time.perf_counter() - started > 60:
                    raise RuntimeError(f"the watcher never showed {marker!r}")
                time.sleep(0.0002)
            latencies.append(time.perf_counter() - started - debounce)
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
        note.write_bytes(original)
    latencies.sort()
    return statistics.median(latencies), latencies[int(len(latencies) * 0.9)]


def unfolded(data: bytes) -> bytes:
    return data.replace(b"\r\n ", b"")


def bench(shape: str, notes: int, repeat: int, edits: int) -> tuple[float, list[Row]]:
    vault = OUT / (f"vault-{notes}" if shape == "notes" else f"{shape}-{notes}")
    if not vault.exists():
        make_vault(notes, vault, shape=shape)
        age(vault)
    config = Config()
    cache = Path(tempfile.mkdtemp(prefix="mdfollow-bench-"))
    goal = targets(shape, notes)
    slow = 1 if notes >= 100_000 else repeat  # rows that read every note: once at 100,000
    floor = median_seconds(lambda: read_all(vault), repeat)
    naive = median_seconds(lambda: naive_loop(vault), slow)
    rows = [Row("read every file's bytes (floor)", floor),
            Row("stat every file (floor)", median_seconds(lambda: stat_all(vault), repeat)),
            Row("naive frontmatter.load() loop (peer)", naive)]
    if notes <= 1000 and shape == "notes":
        try:
            rows.append(Row("obsidiantools vault index (peer)", obsidiantools_index(vault, repeat)))
        except ImportError as error:
            print(f"({notes:,} notes: obsidiantools did not run ({error}); its row is left out)")
    rows.append(Row("mdfollow: read, parse and link every note, no index", median_seconds(
        lambda: load_vault(vault, config), slow)))
    rows.append(Row("mdfollow: cold index (no index yet)", median_seconds(
        lambda: with_index(vault, config, cache / f"cold-{time.time_ns()}"), slow), target=goal.cold_index))
    warm = cache / "warm"
    with_index(vault, config, warm)
    rows.append(Row("mdfollow: warm index, no change", median_seconds(
        lambda: with_index(vault, config, warm), repeat)))
    links = Links("obsidian", vault.name)
    events = export(vault, config, warm, links).count(b"BEGIN:VEVENT")
    rows.append(Row(f"export cold ({events:,} events: index and feed)", median_seconds(
        lambda: export(vault, config, cache / f"export-{time.time_ns()}", links), slow)))
    rows.append(Row("export warm", median_seconds(lambda: export(vault, config, warm, links), repeat),
                    target=goal.export_warm))
    process = cache / "process"
    due = mdfollow(vault, "due", "--json")
    ratio = goal.due_no_index_vs_naive
    rows.append(Row("`mdfollow due`, no index yet, whole process", median_seconds(
        lambda: run_process(due, cache / f"due-cold-{time.time_ns()}"), slow),
        target=ratio * naive if ratio else None, how=f"{ratio:g}x the naive loop" if ratio else ""))
    run_process(due, process)
    rows.append(Row("`mdfollow due`, warm, whole process",
                    median_seconds(lambda: run_process(due, process), repeat), target=goal.due_warm))
    exporting = mdfollow(vault, "export", "-o", str(cache / "feed.ics"))
    run_process(exporting, process)
    rows.append(Row("`mdfollow export`, warm, whole process",
                    median_seconds(lambda: run_process(exporting, process), repeat),
                    target=goal.export_warm_process))
    edited = sorted((vault / ("Daily" if shape == "notes" else "Contacts")).glob("*.md"))[0]
    original = edited.read_bytes()

    def edit_then_due() -> None:
        edited.write_bytes(original + f"\n- {time.time_ns()} edit\n".encode())
        run_process(due, process)

    rows.append(Row("one note edited, then `mdfollow due`, whole process",
                    median_seconds(edit_then_due, repeat), target=goal.edit_then_due))
    moments = iter(range(SAVED + 1, SAVED + 1_000_000))

    def settled_edit_then_due() -> None:  # saved seconds ago: the patched vault is kept too
        edited.write_bytes(original + f"\n- {time.time_ns()} edit\n".encode())
        moment = next(moments)
        os.utime(edited, (moment, moment))
        run_process(due, process)

    rows.append(Row("the same, the edit saved seconds before", median_seconds(settled_edit_then_due, repeat)))
    edited.write_bytes(original)
    age(vault)
    if edits:
        people = vault / ("People" if shape == "notes" else "Contacts")
        median, p90 = watcher_latency(vault, people, cache / "watch", edits)
        rows.append(Row(f"watcher: write to new feed, less debounce, median of {edits}", median,
                        target=goal.watcher[0] if goal.watcher else None))
        rows.append(Row("watcher: p90", p90, target=goal.watcher[1] if goal.watcher else None))
    age(vault)  # the watcher put its note back just now: settle it, and the index is warm again
    run_process(due, process)
    rows.append(Row("peak RSS, `mdfollow due` warm", peak_rss(vault, process, "due", "--json"), "MiB",
                    target=goal.rss_warm))
    rows.append(Row("peak RSS, `mdfollow due` with a cold index",
                    peak_rss(vault, cache / "rss-cold", "due", "--json"), "MiB", target=goal.rss_cold))
    shutil.rmtree(cache, ignore_errors=True)  # its indexes: ~40 MB per 10,000 notes, each
    return floor, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", default="1000,10000")
    parser.add_argument("--shapes", default="notes,contacts", help="notes (mixed), contacts, or both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--edits", type=int, default=50, help="watcher edits to time (0: none)")
    args = parser.parse_args()
    # Stopped midway, still run the `finally` blocks that put edited notes back.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.machine()}; median of {args.repeat} runs\n")
    verdicts = []
    for notes in (int(n) for n in args.notes.split(",")):  # both shapes at each size, smallest first
        for shape in args.shapes.split(","):
            floor, rows = bench(shape, notes, args.repeat, args.edits)
            title = f"{notes:,} notes, shape `{shape}`"
            print(f"{title}\n\n| what | measured | vs read floor | target |\n|---|---:|---:|---|")
            for row in rows:
                print(row.cells(floor))
            print(flush=True)
            verdicts += [(title, row, floor) for row in rows if row.target is not None]
    met = sum(row.met for _, row, _ in verdicts)
    print(f"Targets: {met} of {len(verdicts)} met\n")
    for title, row, floor in verdicts:
        ratio = f", {row.value / floor:.2f}x the read floor" if row.unit == "s" else ""
        print(f"- {'met' if row.met else 'MISSED'}: {title}: {row.what}: {row.value:.3f} {row.unit}"
              f"{ratio} (target {row.target:.3g} {row.unit}{', ' + row.how if row.how else ''})")


if __name__ == "__main__":
    main()
