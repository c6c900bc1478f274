"""The README stays a guide, and every relative link in it and in docs/ leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(markdown: str) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens (outside code)."""
    found, fence = set(), False
    for line in markdown.splitlines():
        if line.startswith(("```", "~~~")):
            fence = not fence
        elif not fence and re.match(r"#{1,6} ", line):
            text = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return found


def test_the_readme_is_a_guide_under_its_budget() -> None:
    readme = (ROOT / "README.md").read_bytes()
    assert len(readme) < 30_000
    for reference in ("docs/notes.md", "docs/commands.md", "docs/config.md"):
        assert f"]({reference})" in readme.decode("utf-8"), reference


def test_every_relative_link_leads_to_a_file_and_heading() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path) if path else page
            assert linked.exists(), f"{page.name}: {target}"
            if anchor and linked.suffix == ".md":
                assert anchor in anchors(linked.read_text(encoding="utf-8")), f"{page.name}: {target}"
