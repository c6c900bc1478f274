"""The reference pages `mdfollow help TOPIC` prints, shipped inside the package.

An installed copy has no docs beside it, so the package carries them: `notes.md` and
`config.md` here are links to the project's docs/notes.md and docs/config.md (a wheel
holds copies), and a topic is a part of one, cut at its headings, so the help and the docs
can never tell two stories. `json.md` is a page of its own.
"""

from __future__ import annotations

from importlib import resources

from ..errors import InvalidValue

TOPICS = {
    "rules": "which notes are contacts, the effective last contact, promises, who is due",
    "fields": "the front-matter fields and every spelling read",
    "config": "the config file, .mdfollow.toml",
    "json": "the stable fields of every --json output",
}
_FIELDS = "### Fields and their spellings"
#: topic -> (the page it is cut from, the heading it starts at, a heading inside it to leave out)
_SECTIONS = {"rules": ("notes.md", "## Contact notes", _FIELDS), "fields": ("notes.md", _FIELDS, None),
             "config": ("config.md", "## Config file", None)}


def page(topic: str) -> str:
    """The topic's page; an unknown topic is a usage error naming the known ones."""
    name = topic.strip().casefold()
    if name not in TOPICS:
        raise InvalidValue(f"no help topic {topic!r}; topics: {', '.join(TOPICS)} (or a command's name)")
    if name not in _SECTIONS:
        return _read(f"{name}.md")
    source, start, skip = _SECTIONS[name]
    markdown = _read(source)
    text = section(markdown, start)
    return text.replace(section(markdown, skip), "") if skip else text


def _read(name: str) -> str:
    return (resources.files(__name__) / name).read_text(encoding="utf-8")


def section(markdown: str, heading: str) -> str:
    """From the line `heading` to the next heading of its level or above (outside code)."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = markdown.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if line.rstrip() == heading)
    except StopIteration:
        raise InvalidValue(f"this copy's docs have no {heading!r} section; see the project's "
                           "docs online") from None
    fence = False
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line.startswith(("```", "~~~")):
            fence = not fence
        elif not fence and line.startswith("#"):
            depth = len(line) - len(line.lstrip("#"))
            if depth <= level and line[depth:depth + 1] == " ":
                return "".join(lines[start:index]).rstrip() + "\n"
    return "".join(lines[start:]).rstrip() + "\n"
