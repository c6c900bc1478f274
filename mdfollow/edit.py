"""Surgical edits on a note's text: set front-matter fields, append a log line, tick a task.

Pure: text in, text out. Only the lines of the fields being changed (or inserted) and the
appended line differ; key order, comments, quoting, unknown keys, blank lines, line endings,
a BOM and a missing final newline all survive, because the note is never re-serialized:
a note someone has kept for years is worth more than any convenience. Anything that can't
be edited that way is refused with :class:`EditRefused`, and every edit is checked by
parsing the result before it is returned.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

from .config import Config
from .contacts import build_vault
from .errors import EditRefused
from .fields import FOLLOW_UP_FIELDS, normalize_key
from .model import Contact
from .notes import CLOSE_FENCE, OPEN_FENCE, TOP_KEY, NoteLoader, parse_note, task_title
from .templates import fill

_LOG_HEADING = re.compile(r"(?P<level>#{1,6})[ \t]+(?:log|interactions|history)[ \t]*#*[ \t]*$",
                          re.IGNORECASE)
_HEADING = re.compile(r"(#{1,6})[ \t]")
_OPEN_TASK = re.compile(r"(?P<lead>[ \t]*[-*+][ \t]+\[)(?P<mark>[^\]xX-])(?P<rest>\].*)")
_BLOCK_ID = re.compile(r"(?P<id>[ \t]+\^[\w-]+)$")


@dataclass(frozen=True)
class _Lines:
    """A note split into lines that keep their own endings, so joining gives back the text."""

    lines: list[str]
    open_index: int | None  # index of the opening fence, None without front matter
    close_index: int | None

    @property
    def newline(self) -> str:
        """The ending most of the note's lines have: a note edited on two systems mixes them."""
        crlf = sum(1 for line in self.lines if line.endswith("\r\n"))
        return "\r\n" if crlf * 2 > sum(1 for line in self.lines if line.endswith("\n")) else "\n"

    def text(self) -> str:
        return "".join(self.lines)


def _split(text: str) -> _Lines:
    lines = _split_lf(text)
    if not lines or not OPEN_FENCE.fullmatch(lines[0].removeprefix("\ufeff").rstrip("\r\n")):
        return _Lines(lines, None, None)
    for index in range(1, len(lines)):
        if CLOSE_FENCE.fullmatch(lines[index].rstrip("\r\n")):
            return _Lines(lines, 0, index)
    return _Lines(lines, None, None)


def _split_lf(text: str) -> list[str]:
    """Split after each `\\n` only: other characters that Python calls line breaks are text."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]


# --- front matter -----------------------------------------------------------------------


def set_fields(text: str, changes: Mapping[str, str | None], spellings: Mapping[str, str]) -> str:
    """Set canonical fields to YAML scalars (`"2026-11-22"`, `"closed"`, `"3"`).

    `""` writes the key with no value (added if missing); None empties it only if present.
    A field is written under the spelling the note already uses; a new one is added, under
    its canonical spelling, just before the closing `---`.
    """
    note = _split(text)
    if note.open_index is None or note.close_index is None:
        if text.lstrip("\ufeff").startswith("---"):
            raise EditRefused("its front matter is never closed (no closing --- line)")
        return _with_new_front_matter(text, note, changes)
    before = _load(note)
    lines = list(note.lines)
    inserted: list[str] = []
    for canonical, value in changes.items():
        index = _field_line(note, before, canonical, spellings)
        if index is None:
            if value is not None:
                inserted.append(_new_line(canonical, value, note.newline))
            continue
        lines[index] = _replace_value(lines[index], value)
    lines[note.close_index:note.close_index] = inserted
    result = "".join(lines)
    _check(before, _load(_split(result)), changes, spellings)
    return result


def _with_new_front_matter(text: str, note: _Lines, changes: Mapping[str, str | None]) -> str:
    newline = note.newline
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    fields = "".join(_new_line(name, value, newline) for name, value in changes.items()
                     if value is not None)
    return f"{bom}---{newline}{fields}---{newline}{text.removeprefix(bom)}"


def _new_line(canonical: str, value: str, newline: str) -> str:
    return f"{canonical}:{' ' + value if value else ''}{newline}"


def _load(note: _Lines) -> dict[object, object]:
    assert note.open_index is not None and note.close_index is not None
    body = "".join(note.lines[note.open_index + 1:note.close_index])
    first = next((line.strip() for line in body.splitlines()
                  if line.strip() and not line.lstrip().startswith("#")), "")
    if first.startswith("{"):
        raise EditRefused("its front matter is one flow mapping `{…}`; edit it by hand")
    try:
        loaded = yaml.load(body, Loader=NoteLoader)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as error:
        raise EditRefused(f"its front matter is not valid YAML ({_first_line(error)}); "
                          "fix it first (`mdfollow check` shows where)") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise EditRefused("its front matter is not a mapping of `key: value` lines")
    return loaded


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _field_line(note: _Lines, loaded: Mapping[object, object], canonical: str,
                spellings: Mapping[str, str]) -> int | None:
    """The line of the field's first spelling, if it is a plain one-line `key: value`."""
    assert note.open_index is not None and note.close_index is not None
    field = _field_of(canonical, spellings)
    keys = [k for k in loaded if isinstance(k, str) and _field_of(k, spellings) == field]
    if not keys:
        return None
    for index in range(note.open_index + 1, note.close_index):
        match = TOP_KEY.match(note.lines[index])
        if match and match["key"] == keys[0]:
            if not _one_line(note, index, keys[0], loaded[keys[0]]):
                raise EditRefused(f"`{keys[0]}` spans several lines; edit it by hand")
            return index
    raise EditRefused(f"`{keys[0]}` is inside a nested structure or flow mapping; edit it by hand")


def _one_line(note: _Lines, index: int, key: str, value: object) -> bool:
    assert note.close_index is not None
    following = note.lines[index + 1] if index + 1 < note.close_index else ""
    if (following[:1] in (" ", "\t") and following.strip()) or following.startswith("- "):
        return False
    try:
        alone = yaml.load(note.lines[index], Loader=NoteLoader)
    except yaml.YAMLError:
        return False
    return isinstance(alone, dict) and key in alone and alone[key] == value


def _replace_value(line: str, value: str | None) -> str:
    match = TOP_KEY.match(line)
    assert match is not None
    head, rest = line[:match.end()], line[match.end():]
    ending = _ending(rest)
    rest = rest[:len(rest) - len(ending)]
    old, comment = _split_comment(rest)
    space = old[:len(old) - len(old.lstrip())] or " "
    old_value = old.strip()
    quote = old_value[0] if old_value[:1] in ("'", '"') else ""
    if not value:
        return f"{head}{comment}{ending}"
    return f"{head}{space}{quote}{value}{quote}{comment}{ending}"


def _split_comment(rest: str) -> tuple[str, str]:
    """`value  # note` -> (`value`, `  # note`), minding `#` inside quotes."""
    quote = ""
    for index, char in enumerate(rest):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and not rest[:index].strip():
            quote = char
        elif char == "#" and (index == 0 or rest[index - 1] in " \t"):
            cut = len(rest[:index].rstrip(" \t"))
            return rest[:cut], rest[cut:]
    return rest.rstrip(" \t"), rest[len(rest.rstrip(" \t")):]


def _field_of(key: str, spellings: Mapping[str, str]) -> str:
    """The field a key names: its canonical name, or (for keys mdfollow doesn't read) itself."""
    normalized = normalize_key(key)
    return spellings.get(normalized, normalized)


def _check(before: Mapping[object, object], after: Mapping[object, object],
           changes: Mapping[str, str | None], spellings: Mapping[str, str]) -> None:
    """Read the edited front matter back: exactly the intended fields changed."""
    def changed(key: object) -> str | None:
        return _field_of(key, spellings) if isinstance(key, str) else None

    targets = {_field_of(name, spellings) for name in changes}
    for key, value in before.items():
        if changed(key) not in targets and repr(after.get(key, _MISSING)) != repr(value):
            raise EditRefused(f"editing would have changed `{key}` too; nothing was written")
    for canonical, value in changes.items():
        found = [after[k] for k in after if changed(k) == _field_of(canonical, spellings)]
        if not value:
            ok = (not found and value is None) or (bool(found) and found[0] is None)
        else:  # as YAML reads it, or the same text when the note quotes its value
            ok = bool(found) and found[0] in (yaml.load(f"v: {value}", Loader=NoteLoader)["v"], value)
        if not ok:
            raise EditRefused(f"could not set {canonical} safely; nothing was written")


_MISSING = object()


# --- body -------------------------------------------------------------------------------


def append_log(text: str, entry: str) -> str:
    """Add `entry` as the last line of the `## Log` section, made at the end when absent."""
    note = _split(text)
    lines = list(note.lines)
    newline = note.newline
    start = note.close_index + 1 if note.close_index is not None else 0
    found = _log_section(lines, start)
    if found is None:
        ended = bool(lines) and lines[-1].endswith("\n")
        if lines and not ended:
            lines[-1] += newline
        if lines and lines[-1].strip():
            lines.append(newline)
        lines += [f"## Log{newline}", entry + (newline if ended or not lines else "")]
        return "".join(lines)
    section, level = found
    last = section
    fence = False
    while last + 1 < len(lines) and (fence or not _ends_section(lines[last + 1], level)):
        fence ^= lines[last + 1].lstrip().startswith(("```", "~~~"))
        last += 1
    while last > section and not lines[last].strip():
        last -= 1
    if not lines[last].endswith("\n"):
        lines[last] += newline
        lines.insert(last + 1, entry)
    else:
        lines.insert(last + 1, entry + newline)
    return "".join(lines)


def _log_section(lines: list[str], start: int) -> tuple[int, int] | None:
    """The `## Log` heading's index and level (outside code blocks), if there is one."""
    fence = False
    for index in range(start, len(lines)):
        stripped = lines[index].rstrip("\r\n")
        heading = _LOG_HEADING.fullmatch(stripped)
        if stripped.lstrip().startswith(("```", "~~~")):
            fence = not fence
        elif not fence and heading:
            return index, len(heading["level"])
    return None


def _ends_section(line: str, level: int) -> bool:
    """A heading of the log's level or above ends it; `### 2026-11-18` entries stay inside."""
    heading = _HEADING.match(line)
    return heading is not None and len(heading[1]) <= level


def tick_task(text: str, line: int, expected: str, on: dt.date) -> str:
    """Mark the open task on 1-based `line` done, with the Obsidian Tasks `✅ date`.

    `expected` is the task's text as it was read; a different line there is refused.
    """
    note = _split(text)
    if not 1 <= line <= len(note.lines):
        raise EditRefused(f"line {line} is gone; the note changed since it was read")
    original = note.lines[line - 1]
    ending = _ending(original)
    content = original[:len(original) - len(ending)]
    match = _OPEN_TASK.fullmatch(content)
    if match is None or task_title(match["rest"][1:]) != expected:
        raise EditRefused(f"line {line} is no longer that open task; the note changed since it was read")
    done = f"{match['lead']}x{match['rest']}"
    block = _BLOCK_ID.search(done)
    stamp = f" \u2705 {on.isoformat()}"
    done = done[:block.start()] + stamp + block["id"] if block else done.rstrip(" \t") + stamp
    lines = list(note.lines)
    lines[line - 1] = done + ending
    return "".join(lines)


# --- what the writing commands change ---------------------------------------------------

def log_interaction(text: str, path: str, config: Config, *, on: dt.date, entry: str,
                    replied: bool, closes: bool) -> str:
    """Record an interaction: last-contact (never backwards), attempts, the log line.

    A conversation (`replied`) resets `attempts` and ends a follow-up `sequence` (it has
    done its job); an unanswered try counts one more. A next-due that the interaction
    has now passed is emptied; `closes` (an unanswered last try) sets `status: closed`.
    """
    contact = contact_of(text, path, config)
    changes: dict[str, str | None] = {}
    last = max(filter(None, (contact.last_contact, on)))
    if contact.last_contact is None or on > contact.last_contact:
        changes["last-contact"] = on.isoformat()
    if contact.next_due is not None and contact.next_due <= last:
        changes["next-due"] = None
    if replied:
        if contact.attempts:
            changes["attempts"] = "0"
        changes["sequence"] = None
    else:
        changes["attempts"] = str(contact.attempts + 1)
    if closes:
        changes["status"] = "closed"
    result = append_log(set_fields(text, changes, config.spellings), entry)
    if _entries_on(result, path, config, on) != _entries_on(text, path, config, on) + 1:
        raise EditRefused("the log line would not be read where it goes (inside a %% comment or a code "
                          "block that is never closed?); close it first, nothing was written")
    return result


def _entries_on(text: str, path: str, config: Config, on: dt.date) -> int:
    return sum(1 for entry in parse_note(path, text, config.spellings).entries if entry.date == on)


def contact_of(text: str, path: str, config: Config) -> Contact:
    """The contact a note's text describes on its own (its fields and log, no inbound links)."""
    vault = build_vault([parse_note(path, text, config.spellings)], config)
    if not vault.contacts:
        raise EditRefused(f"{path} is no longer a contact note, or can't be read: "
                          f"{'; '.join(p.message for p in vault.problems) or 'no follow-up fields'}")
    return vault.contacts[0]


_UNSAFE_IN_FILE_NAMES = re.compile(r'[/\\:*?"<>|\x00-\x1f]')
BUILT_IN_TEMPLATE = "---\nlast-contact:\n---\n\n## Log\n"


def note_file_name(name: str) -> str:
    """A file name that works on every OS; the person's name stays in `name` when it differs."""
    stem = " ".join(_UNSAFE_IN_FILE_NAMES.sub("-", name).split()).strip(". ")  # `.x.md` is never read
    if not stem.strip(" .-"):
        raise EditRefused(f"{name!r} gives no usable file name")
    if len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        raise EditRefused(f"{name[:40]!r}… is too long for a file name")
    return f"{stem}.md"


#: File names have 255 bytes at most: room for `.md` and a ` 9999` that tells two apart.
MAX_STEM_BYTES = 255 - len(".md") - len(" 9999")


def new_note(name: str, template: str | None, now: dt.datetime, fields: Mapping[str, str],
             spellings: Mapping[str, str], stem: str) -> str:
    """A new contact note from the vault's template (or the built-in one), fields filled.

    `stem` is the file's name without `.md`; when it isn't the person's name, `name:` is set.
    A template that fills last-contact with today (`last-contact: {{date}}`) gets it emptied
    when `met` is given: meeting someone is not following up, and the thank-you is due.
    """
    source = template if template is not None else BUILT_IN_TEMPLATE
    text = fill(source, name, now)
    changes = dict(fields)
    if stem != name:
        changes["name"] = yaml_text(name)
    present = _fields_of(text, spellings)
    today = (now.date(), now.date().isoformat())
    if "met" in fields and "{{" in source and present.get("last-contact") in today:
        changes["last-contact"] = ""
    if not FOLLOW_UP_FIELDS & (present.keys() | changes.keys()):
        changes["last-contact"] = ""  # so the note counts as a contact: "never contacted"
    return set_fields(text, changes, spellings)


def _fields_of(text: str, spellings: Mapping[str, str]) -> dict[str, object]:
    """The canonical fields of the front matter, with their values (first spelling wins)."""
    note = _split(text)
    if note.open_index is None or note.close_index is None:
        return {}
    found: dict[str, object] = {}
    for key, value in _load(note).items():
        canonical = spellings.get(normalize_key(key)) if isinstance(key, str) else None
        if canonical is not None:
            found.setdefault(canonical, value)
    return found


def yaml_text(value: str) -> str:
    """A YAML scalar that reads back as exactly `value`."""
    return json.dumps(value, ensure_ascii=False)


def yaml_list(values: list[str]) -> str:
    return "[" + ", ".join(yaml_text(v) for v in values) + "]"
