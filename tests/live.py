"""Running `mdfollow watch` / `serve` as real processes, and waiting on conditions, not sleeps."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

TIMEOUT = 30.0


def wait_until(condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Live:
    """A `python -m mdfollow … watch|serve` process whose output lines are collected."""

    def __init__(self, vault: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mdfollow", "--vault", str(vault), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        for stream, sink in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, sink), daemon=True).start()

    def _read(self, stream: object, sink: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink.append(line.rstrip("\n"))

    def wait_for_output(self, pattern: str, *, err: bool = False) -> re.Match[str]:
        found: list[re.Match[str]] = []

        def seen() -> bool:
            exited = self.process.poll() is not None
            for line in (self.err if err else self.out):
                match = re.search(pattern, line)
                if match:
                    found.append(match)
                    return True
            if exited:
                time.sleep(0.2)  # let the readers drain what the process wrote last
                if not any(re.search(pattern, line) for line in (self.err if err else self.out)):
                    raise AssertionError(f"exited {self.process.returncode}: {self.out} {self.err}")
            return False

        wait_until(seen, f"{pattern!r} in the output")
        return found[0]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def summaries(feed: bytes) -> set[str]:
    """The summaries of the feed's open events (not the done or cancelled ones it keeps a while)."""
    text = feed.decode("utf-8").replace("\r\n ", "")
    found = set()
    for event in text.split("BEGIN:VEVENT")[1:]:
        summary = re.search(r"^SUMMARY:(.*?)\r?$", event, re.MULTILINE)
        if summary and "\r\nSTATUS:CANCELLED\r\n" not in event and not summary[1].startswith("✓"):
            found.add(summary[1])
    return found
