"""The reference pages `mdfollow help TOPIC` prints, shipped inside the package.

An installed copy has no README beside it, so the package carries it: `README.md` here is
a link to the project's README (a wheel holds a copy), and a topic is a part of it, cut
at its headings, so the help and the README can never tell two stories. `json.md` is a
page of its own.
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
#: topic -> (the README's heading it starts at, a heading inside it to leave out)
_SECTIONS = {"rules": ("## Contact notes", _FIELDS), "fields": (_FIELDS, None),
             "config": ("## Config file", None)}


def page(topic: str) -> str:
    """The topic's page; an unknown topic is a usage error naming the known ones."""
    name = topic.strip().casefold()
    if name not in TOPICS:
        raise InvalidValue(f"no help topic {topic!r}; topics: {', '.join(TOPICS)} (or a command's name)")
    if name not in _SECTIONS:
        return _read(f"{name}.md")
    start, skip = _SECTIONS[name]
    readme = _read("README.md")
    text = section(readme, start)
    return text.replace(section(readme, skip), "") if skip else text


def _read(name: str) -> str:
    return (resources.files(__name__) / name).read_text(encoding="utf-8")


def section(markdown: str, heading: str) -> str:
    """From the line `heading` to the next heading of its level or above (outside code)."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = markdown.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if line.rstrip() == heading)
    except StopIteration:
        raise InvalidValue(f"this copy's README has no {heading!r} section; see the project's "
                           "README online") from None
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
