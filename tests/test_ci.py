"""CI runs exactly the README's test command, and that command installs what tests need."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"run the whole test suite.*?```sh\n(.*?)\n```", readme, re.S)
    assert command is not None
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == command[1] == "./scripts/test"
    script = (ROOT / "scripts/test").read_text(encoding="utf-8")
    assert 'pip install ".[test]"' in script and "apt-get install" in script
    assert script.strip().splitlines()[-1] == 'python -m pytest "$@"'
