"""Shell completion of NAME arguments: contact names and aliases (bash, zsh, fish).

Pure: the contacts and what has been typed in, the candidates out. The CLI reads the
contacts through the vault's index, so a completion costs what a warm `due` costs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Contact


def names(contacts: Iterable[Contact], typed: str, *, bash: bool = False) -> list[tuple[str, str | None]]:
    """(candidate, help) for each name or alias starting with `typed`, in any case.

    An alias's help is the contact's name. bash inserts a candidate as it is, so there
    spaces, quotes and the like are escaped (zsh and fish quote what they insert).
    """
    key = typed.casefold()
    found: dict[str, str | None] = {}
    for contact in contacts:
        for label in (contact.name, *contact.aliases):
            if label.casefold().startswith(key) and label not in found:
                found[label] = None if label == contact.name else contact.name
    ordered = sorted(found.items(), key=lambda item: (item[0].casefold(), item[0]))
    return [(_for_bash(label) if bash else label, help_) for label, help_ in ordered]


def _for_bash(label: str) -> str:
    """Escaped for the command line, then once more for `read` in click's bash script."""
    return _BASH_SPECIAL.sub(r"\\\g<0>", label).replace("\\", "\\\\")


#: What bash would read as syntax in an inserted word: spaces, quotes, `$`, `&`, `(`…
_BASH_SPECIAL = re.compile(r"[^\w@%+=:,./-]")
