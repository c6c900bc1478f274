"""Every test gets its own index, state and user-config folders, so no test reads another's
cache, state or config, or the user's.

Hypothesis's per-example deadline and its too-slow health check are wall-clock
assertions: on a loaded machine they fail tests that are right. Speed is measured in
bench/, never asserted in tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

#: Where the browser tests leave screenshots of the pages for review.
SCREENSHOTS = Path(os.environ.get("MDFOLLOW_SCREENSHOTS")
                   or Path(__file__).resolve().parent.parent / "screenshots")

settings.register_profile("mdfollow", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("mdfollow")


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("MDFOLLOW_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`$XDG_STATE_HOME` (feed state, tokens, pairings) and `$XDG_CONFIG_HOME` (user config)."""
    folder = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_STATE_HOME", str(folder / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / "config"))
    return folder / "state"


def pytest_sessionstart(session: pytest.Session) -> None:
    for old in SCREENSHOTS.glob("*.png"):  # what the terminal summary points at is this run's
        old.unlink()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    shots = sorted(SCREENSHOTS.glob("*.png"))
    if shots:
        terminalreporter.write_line(f"screenshots of the pages ({len(shots)}): {SCREENSHOTS}")
