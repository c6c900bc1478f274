"""How long the shell waits for `mdfollow log <TAB>`: completion of NAME at a vault size.

    python bench/completion.py --notes 10000 [--shape contacts] [--typed ja]

Builds (or reuses) the synthetic vault, warms its index with one `due` (which also writes
the names list completion reads), then times the whole completion process the shell starts
against `python -c pass` and `mdfollow --version` measured in the same run: once answered
from the names list, once by the full CLI (click and the warm vault, then writing the list
again), as when there is no list or it is out of date.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_vault import make_vault

from mdfollow.locations import index_folder
from mdfollow.name_list import NAMES

OUT = Path(__file__).resolve().parent / "out"


def timed(command: list[str], env: dict[str, str], cwd: Path, repeat: int,
          before: Callable[[], object] = lambda: None) -> tuple[float, float]:
    """(fastest, median) seconds of `repeat` runs, each after `before` (not timed)."""
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--shape", choices=("notes", "contacts"), default="notes")
    parser.add_argument("--typed", default="ja", help="what is typed before the Tab")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    vault = OUT / (f"vault-{args.notes}" if args.shape == "notes" else f"vault-{args.shape}-{args.notes}")
    if not vault.is_dir():
        make_vault(args.notes, vault, shape=args.shape)
        time.sleep(2.1)  # notes saved in the last 2 s are read again by every run, never kept
    mdfollow = shutil.which("mdfollow", path=str(Path(sys.executable).parent))
    assert mdfollow, "install the project first: pip install -e ."
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "MDFOLLOW_CACHE_DIR": cache, "MDFOLLOW_VAULT": str(vault)}
        subprocess.run([mdfollow, "due"], env=env, cwd=cache, capture_output=True, check=True)
        complete = {**env, "_MDFOLLOW_COMPLETE": "bash_complete", "COMP_WORDS": f"mdfollow log {args.typed}",
                    "COMP_CWORD": "2"}
        rows = [("python -c pass", timed([sys.executable, "-c", "pass"], env, Path(cache), args.repeat)),
                ("mdfollow --version", timed([mdfollow, "--version"], env, Path(cache), args.repeat)),
                (f"mdfollow log {args.typed}<TAB>", timed([mdfollow], complete, Path(cache), args.repeat))]
        names = index_folder(vault, env) / NAMES
        rows.append((f"mdfollow log {args.typed}<TAB>, full CLI (no names list)",
                     timed([mdfollow], complete, Path(cache), args.repeat,
                           before=lambda: names.unlink(missing_ok=True))))  # the CLI writes it again
    load = os.getloadavg()[0]
    print(f"{args.notes:,} notes ({args.shape}), {args.repeat} runs, load {load:.1f} "
          f"on {os.cpu_count()} cores\n")
    print("| process | fastest | median |\n|---|---|---|")
    for name, (fastest, median) in rows:
        print(f"| {name} | {fastest * 1000:.0f} ms | {median * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
