"""The `--json` listings' text: what `json.dumps(objects, indent=2)` prints, made fast.

With `indent`, json falls back to pure Python (0.9 s for 25,000 follow-ups). Every listed
object is flat and non-empty, so json's C encoder with a newline in the separator lays out
each object's lines; the index keeps the follow-ups' objects encoded so (see `listing`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, AnyStr

#: An object's members, one a line, as `indent=2` lays them out inside an array.
_MEMBERS = json.JSONEncoder(ensure_ascii=False, separators=(",\n    ", ": "))


def array(objects: Iterable[dict[str, Any]]) -> str:
    """The array of these flat, non-empty objects."""
    return array_of(members(item) for item in objects)


def members(item: dict[str, Any]) -> str:
    """One object's members, laid out as in the array: `"key": value` lines, no braces."""
    return _MEMBERS.encode(item)[1:-1]


def array_of(encoded: Iterable[str]) -> str:
    """The array of objects given by their `members`."""
    return "".join(array_parts(encoded))


def array_parts(encoded: Iterable[str], size: int = 1000) -> Iterator[str]:
    """The same text in parts of `size` objects: 100,000 follow-ups are 30 MB, written a
    part at a time rather than held whole (and again as bytes)."""
    return _parts(encoded, size, *_TEXT)


def utf8_array_parts(encoded: Iterable[bytes], size: int = 1000) -> Iterator[bytes]:
    """`array_parts` of members encoded in UTF-8, as the index keeps them: written as they
    are, where text would be encoded on the way out (a third of a warm `due`'s output)."""
    return _parts(encoded, size, *_UTF8)


def _parts(encoded: Iterable[AnyStr], size: int, empty: AnyStr, start: AnyStr, seam: AnyStr,
           end: AnyStr) -> Iterator[AnyStr]:
    items = iter(encoded)
    first = list(islice(items, size))
    if not first:
        yield empty
        return
    yield start + seam.join(first)
    while part := list(islice(items, size)):
        yield seam + seam.join(part)
    yield end


#: The array's text around its objects' members: empty, its start, between two objects, its end.
_TEXT = ("[]", "[\n  {\n    ", "\n  },\n  {\n    ", "\n  }\n]")
_UTF8 = tuple(text.encode() for text in _TEXT)
