"""The plain subset of YAML that most front matter is written in, read without a YAML parser.

libyaml spends most of its time on a typical ten-line front matter building parser events
in Python. The lines people and Obsidian actually write — `key: value`, `key: [a, b]`,
`key:` followed by `  - item` lines, quoted text without escapes, comments — are read here
with one regular expression a line, and each scalar is still resolved and constructed by
the loader's own resolver and constructors, so values and types are the ones libyaml gives.
Anything else (escapes, nesting, anchors, tags, multi-line values, tabs) returns None and
goes to libyaml. `tests/test_plain_yaml.py` checks with hypothesis that the two agree.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_CONSTRUCTED = frozenset({"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                          "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"})

# Never in a plain line: controls, every kind of line break (YAML also breaks at NEL, LS and
# PS), tab, BOM, surrogates and non-characters.
_NEVER = r"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff"
_INDICATORS = r"\-?:,\[\]{}#&*!|>'\"%@`"
#: A plain scalar in block context: no leading indicator (but `-x`), no `: `, no ` #`, and
#: no trailing space; a colon or hash inside a word is text.
_PLAIN = (rf"(?:[^ {_NEVER}{_INDICATORS}]|-(?=[^\s\-\[\]{{}},#:]))"
          rf"(?:[^ {_NEVER}:#]|:(?=\S)|(?<=[^ ])#| +(?=[^\s#:]|:\S))*")
#: Inside `[ ]`, flow indicators end a scalar: no commas, brackets, braces or colons at all.
_FLOW_PLAIN = (rf"[^ {_NEVER}{_INDICATORS}]"
               rf"(?:[^ {_NEVER}:#,\[\]{{}}]|(?<=[^ ])#| +(?=[^\s#:,\]]))*")
_QUOTED = rf""""[^{_NEVER}"\\]*"|'(?:[^{_NEVER}']|'')*'"""
_SCALAR = rf"(?:{_QUOTED}|{_PLAIN})"
_FLOW_ITEM = rf"(?:{_QUOTED}|{_FLOW_PLAIN})"
_FLOW_SEQ = rf"\[ *(?:{_FLOW_ITEM}(?: *, *{_FLOW_ITEM})* *)?\]"
_COMMENT = rf"#[^{_NEVER}]*"  # a control or line break in a comment breaks the whole block
_END = rf"(?: +{_COMMENT})? *"  # trailing spaces, or a comment

_KEY_LINE = re.compile(rf"(?P<key>{_PLAIN}) *:(?: +(?P<value>{_SCALAR}|{_FLOW_SEQ}))?{_END}")
#: The commonest key line, `key: plain words`, which `_KEY_LINE` reads the same: 4x quicker.
_SIMPLE_LINE = re.compile(r"(?P<key>[A-Za-z][\w-]*): (?P<value>[\w.(/+](?:[\w .@+/()-]*[\w.@+/()-])?)",
                          re.ASCII)
_ITEM_LINE = re.compile(rf"(?P<indent> *)-(?: +(?P<value>{_SCALAR}))?{_END}")
_FLOW_ITEMS = re.compile(_FLOW_ITEM)
_BLANK_OR_COMMENT = re.compile(rf" *(?:{_COMMENT})?")
_MAX_KEY = 1000  # libyaml refuses a key longer than 1024 characters


class _NotPlain(Exception):
    """A scalar whose tag needs more than plain reading (merge keys, `=`)."""


_CONSTRUCTOR = SafeConstructor()  # its scalar methods read nothing but the node given


def load(text: str, loader: type[Any],
         keys: list[tuple[str, int]] | None = None) -> dict[object, object] | None:
    """The mapping `loader` reads from `text`, or None when the text is not plain.

    `loader` gives the resolver and constructors: a loader that keeps an impossible date
    as text does so here too. `keys` receives each key as written and its line's index.
    """
    mapping: dict[object, object] = {}
    open_key: object = _NotPlain  # the key whose `- item` lines may follow
    items: list[object] | None = None
    indent = 0
    values = _VALUES.setdefault(loader, {})
    if len(values) > _KEEP_VALUES:
        values.clear()
    lines = _LINES.setdefault(loader, {})
    if len(lines) > _KEEP_VALUES:
        lines.clear()
    try:
        for index, line in enumerate(text.split("\n")):
            known = lines.get(line)  # one lookup: another thread may empty the table
            if known is not None:  # a `key: value` line read before, in this note or another
                written, key, value = known
                open_key, items = _NotPlain, None
                if keys is not None:
                    keys.append((written, index))
                mapping[key] = list(value) if type(value) is tuple else value
                continue
            if (not line or line[0] in " #") and _BLANK_OR_COMMENT.fullmatch(line):
                continue
            if open_key is not _NotPlain:
                item = _ITEM_LINE.fullmatch(line)
                if item is not None and (items is None or len(item["indent"]) == indent):
                    if items is None:
                        items, indent = [], len(item["indent"])
                        mapping[open_key] = items
                    items.append(_scalar(item["value"], loader, values))
                    continue
                open_key, items = _NotPlain, None
            match = _SIMPLE_LINE.fullmatch(line) or _KEY_LINE.fullmatch(line)
            if match is None or len(match["key"]) > _MAX_KEY:
                return None
            key, value = _scalar(match["key"], loader, values), match["value"]
            if keys is not None:
                keys.append((match["key"], index))
            if value is None:
                open_key = key
                mapping[key] = None
            elif value[0] == "[":
                listed = mapping[key] = [_scalar(item, loader, values) for item in _FLOW_ITEMS.findall(value)]
                lines[line] = (match["key"], key, tuple(listed))
            else:
                scalar = mapping[key] = _scalar(value, loader, values)
                lines[line] = (match["key"], key, scalar)
    except _NotPlain:
        return None
    return mapping or None


#: Plain scalars as each loader read them: a vault writes the same keys, dates, numbers and
#: words thousands of times, and resolving and building one takes a few µs of Python. The
#: values are all immutable (text, dates, numbers, booleans, None); a bounded number is kept.
_VALUES: dict[type[Any], dict[str, object]] = {}
_KEEP_VALUES = 4096
#: Whole `key: value` lines as each loader read them: (the key as written, the key, the
#: value, a list as a tuple). An address book repeats most of its lines (`cadence: 90`,
#: `tags: [client]`, dates), and a line found here costs no regex and no lookup of its parts.
_LINES: dict[type[Any], dict[str, tuple[str, object, object]]] = {}


def _scalar(text: str | None, loader: type[Any], values: dict[str, object]) -> object:
    if text is None:
        return None
    if text[0] == '"':
        return text[1:-1]
    if text[0] == "'":
        return text[1:-1].replace("''", "'")
    value = values.get(text, _NotPlain)  # one lookup: another thread may empty the table
    if value is not _NotPlain:
        return value
    tag = _resolve(text, loader)
    if tag == _STR:
        value = text
    elif tag == _NULL:
        value = None
    elif tag in _CONSTRUCTED:
        value = loader.yaml_constructors[tag](_CONSTRUCTOR, ScalarNode(tag, text))
    else:
        raise _NotPlain(tag)
    values[text] = value
    return value


def _resolve(text: str, loader: type[Any]) -> str:
    """PyYAML's implicit resolution of a plain scalar (`BaseResolver.resolve`)."""
    table = loader.yaml_implicit_resolvers
    for resolvers in (table.get(text[0], ()), table.get(None, ())):
        for tag, regexp in resolvers:
            if regexp.match(text):
                return str(tag)
    return _STR
