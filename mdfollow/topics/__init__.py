"""The reference pages `mdfollow help TOPIC` prints, shipped inside the package.

An installed copy has no README; these pages are what it says about itself.
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


def page(topic: str) -> str:
    """The topic's page; an unknown topic is a usage error naming the known ones."""
    name = topic.strip().casefold()
    if name not in TOPICS:
        raise InvalidValue(f"no help topic {topic!r}; topics: {', '.join(TOPICS)} (or a command's name)")
    return (resources.files(__name__) / f"{name}.md").read_text(encoding="utf-8")
