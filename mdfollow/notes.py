"""The text of one note -> its front-matter fields, log entries, tasks and links.

Pure: `parse_note(path, text, spellings)` reads nothing but its arguments. It never
raises on any text; what is wrong becomes a :class:`Problem` with a 1-based line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import yaml
from frontmatter.default_handlers import SafeLoader, YAMLHandler

from . import plain_yaml
from .errors import InvalidValue
from .fields import FOLLOW_UP_FIELDS, normalize_key, parse_date
from .model import Entry, Field, Link, Note, Problem, Task, TaskStatus, new_entry, new_field

#: False when PyYAML was built without libyaml: parsing still works, 7x slower.
HAVE_LIBYAML = issubclass(SafeLoader, yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else False


class NoteLoader(SafeLoader):  # type: ignore[misc, valid-type]
    """python-frontmatter's safe loader (libyaml's when present) that survives bad dates.

    PyYAML raises ValueError for the whole block on an unquoted `2026-02-30`; keeping it
    as a string lets the rest of the note be read and the date be reported.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
        """Refuse aliases: nine lines of `*a` can stand for a billion items ("billion
        laughs"), which every later step would walk; people don't write them by hand."""
        if node in self.constructed_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "an alias (*name) to an earlier value: mdfollow does not read aliases",
                node.start_mark)
        return super().construct_object(node, deep)

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """Refuse merge keys (`<<: *a`): merged aliases multiply the same way."""
        for key, _ in node.value:
            if key.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "a merge key (<<): mdfollow does not read merge keys", key.start_mark)


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


NoteLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
#: Front matter is a few lines; a megabyte of it (one huge value) would cost a hundred times that.
FRONT_MATTER_LIMIT = 256 * 1024
_YAML = YAMLHandler()

#: The lines that open and close front matter (matched without their line ending).
OPEN_FENCE = re.compile(r"---[ \t]*")
CLOSE_FENCE = re.compile(r"(?:---|\.\.\.)[ \t]*")
_CLOSE_LINE = re.compile(rf"^{CLOSE_FENCE.pattern}$", re.MULTILINE)  # the same fence, found in a text
#: A top-level `key:` at the start of a front-matter line; `key` without its quotes.
TOP_KEY = re.compile(r"""(?P<q>["']?)(?P<key>[^\s#"'{}\[\],&*!|>%@`?-][^:]*?)(?P=q)[ \t]*:(?=\s|$)""")
_ANY_KEY = re.compile(r"""[ \t]*(?:-[ \t]+)?["']?(?P<key>[^:"'#{}\[\]]+?)["']?[ \t]*:""")
_LIST_OR_HEADING = frozenset("-*+#")
# What makes a body walked line by line (see `_scan_body`).
_FENCE_OR_COMMENT = re.compile(r"```|~~~|%%")
_ANY_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_TASK = re.compile(r"[ \t]*[-*+][ \t]+\[(?P<status>[^\]])\][ \t]?(?P<text>.*)")
_DATE_WORD = r"(?:\*\*|\[\[)?(?P<date>\d{4}-\d{2}-\d{2})(?:\*\*|\]\])?(?=$|[\s:,.;)\u2013\u2014-])"
_LOG_ITEM = re.compile(r"[ \t]*[-*+][ \t]+(?:\[[xX]\][ \t]+)?" + _DATE_WORD)
_HEADING = re.compile(r"#{1,6}[ \t]+" + _DATE_WORD)
_LINK = re.compile(r"!?\[\[(?P<target>[^\[\]|#^]*)(?:[#^][^\[\]|]*)?(?:\|(?P<label>[^\[\]]*))?\]\]")
# Tasks and log lines, found in a body that starts with a line break: each match is a whole line.
_TASK_LINE = re.compile(r"\n[ \t]*[-*+][ \t]+\[(?P<status>[^\]\n])\][ \t]?(?P<text>[^\n]*)")
_EVERY_LINE = re.compile(r"\n(?:(?P<line>(?:[ \t]*[-*+][ \t]+(?:\[[xX]\][ \t]+)?|#{1,6}[ \t]+)"
                         + _DATE_WORD + r"[^\n]*)|[^\n]*)")  # a log line, or any other line
#: A link within one line, found by its `[[` (an embed's `!` changes nothing that is kept).
_LINK_IN_TEXT = re.compile(r"\[\[(?P<target>[^\[\]|#^\n]*)(?:[#^][^\[\]|\n]*)?"
                           r"(?:\|(?P<label>[^\[\]\n]*))?\]\]")
_DUE_MARKERS = tuple(
    # (Tasks emoji and the value after it, Dataview name), in the order a date is chosen
    (re.compile(emoji + r"[ \t]*(\S*)"), name)
    for emoji, name in (
        (r"(?:\U0001F4C5|\U0001F4C6|\U0001F5D3\uFE0F?)", "due"),
        (r"[\u23F3\u231B]\uFE0F?", "scheduled"),
        (r"\U0001F6EB", "start"),
    )
)
_EMOJI_FIELD = re.compile(
    r"(?:\U0001F4C5|\U0001F4C6|\U0001F5D3\uFE0F?|[\u23F3\u231B]\uFE0F?|\U0001F6EB|\u2795|\u2705|\u274C)"
    r"[ \t]*\S*"
)
_PRIORITY = re.compile(r"[\u23EB\U0001F53C\U0001F53D\U0001F53A\u23EC]\uFE0F?")
_INLINE_FIELD = re.compile(r"[\[(](?P<key>[\w -]+)::[ \t]*(?P<value>[^\])]*)[\])]")
_BLOCK_ID = re.compile(r"[ \t]\^[\w-]+$")
_INLINE_COMMENT = re.compile(r"%%.*?(?:%%|$)")


@dataclass(frozen=True)
class _FrontMatter:
    text: str
    first_line: int  # line number of the first line inside the fences
    body_line: int  # line number of the first body line
    body_offset: int  # where the body starts in the note's text


def parse_note(path: str, text: str, spellings: Mapping[str, str]) -> Note:
    """Read one note. `spellings` maps normalized key spellings to canonical fields."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:  # a CR ends a line only before LF, or at the very end
        text = text.replace("\r\n", "\n").removesuffix("\r")
    front, problems = _find_front_matter(path, text, spellings)
    if front is None and any(p.severity == "error" for p in problems):
        return _skipped(path, tuple(problems))
    fields: dict[str, tuple[Field, ...]] = {}
    unknown: list[Field] = []
    if front is not None:
        loaded, key_lines, yaml_problem = _load_yaml(path, front)
        if yaml_problem is not None:
            if _mentions_follow_up_key(front.text, spellings):
                return _skipped(path, (yaml_problem,))
        elif isinstance(loaded, dict):
            fields, unknown = _fields(front, loaded, spellings,
                                     _key_lines(front) if key_lines is None else key_lines)
        elif loaded is not None and _mentions_follow_up_key(front.text, spellings):
            problems.append(Problem(path, front.first_line, "warning",
                                    "front matter is not a mapping of `key: value` lines; not read"))
    is_contact = not FOLLOW_UP_FIELDS.isdisjoint(fields)
    if is_contact:
        problems += _misspellings(path, unknown, spellings)
    start, line = (front.body_offset, front.body_line) if front else (0, 1)
    entries, links, tasks, body_problems = _scan_body(path, text, start, line, is_contact)
    return Note(path, fields, entries, links, tasks, (*problems, *body_problems), is_contact)


def _skipped(path: str, problems: tuple[Problem, ...]) -> Note:
    return Note(path, {}, (), (), (), problems, is_contact=True, skipped=True)


def _find_front_matter(
    path: str, text: str, spellings: Mapping[str, str]
) -> tuple[_FrontMatter | None, list[Problem]]:
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    if not OPEN_FENCE.fullmatch(first):
        if re.fullmatch(r"\+\+\+[ \t]*", first):
            inside = "\n".join(text.split("\n", 40)[1:40])
            if _mentions_follow_up_key(inside.replace("=", ":"), spellings):
                return None, [Problem(path, 1, "warning",
                                      "TOML front matter (+++) is not read; write YAML between --- lines")]
        return None, []
    close = _CLOSE_LINE.search(text, end + 1) if end >= 0 else None
    if close is not None:
        body_line = text.count("\n", 0, close.start()) + 2
        return _FrontMatter(text[end + 1:close.start()], 2, body_line, min(close.end() + 1, len(text))), []
    if _mentions_follow_up_key(text[end + 1:] if end >= 0 else "", spellings):
        return None, [Problem(path, 1, "error",
                              "front matter is never closed (no closing --- line); note skipped")]
    return None, []


def _load_yaml(path: str, front: _FrontMatter) -> tuple[object, dict[str, int] | None, Problem | None]:
    """The front matter's value, the line of each key when the plain reading knows them
    (else None), or what is wrong with it."""
    if len(front.text) > FRONT_MATTER_LIMIT:
        return None, None, Problem(path, front.first_line, "error",
                                   f"front matter larger than {FRONT_MATTER_LIMIT // 1024} KB; note skipped")
    try:  # the plain reading builds values with libyaml's constructors, so it fails as they do
        keys: list[tuple[str, int]] = []
        plain = plain_yaml.load(front.text, NoteLoader, keys)
        if plain is not None:
            return plain, plain_key_lines(front.first_line, keys), None
        return _YAML.load(front.text, Loader=NoteLoader), None, None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = front.first_line + (mark.line if mark else 0)
        what = error.problem or error.context or "invalid YAML"
        if "{{" in front.text:
            what += " (an unrendered template placeholder like {{date}}? quote it)"
        return None, None, Problem(path, line, "error", f"broken YAML: {what}; note skipped")
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as error:
        return None, None, Problem(path, front.first_line, "error",
                                   f"broken YAML: {error}; note skipped")


def _mentions_follow_up_key(text: str, spellings: Mapping[str, str]) -> bool:
    """Whether broken front matter was meant to hold follow-up fields (so it is reported)."""
    for line in text.splitlines():
        match = _ANY_KEY.match(line)
        if match and spellings.get(normalize_key(match["key"])) in FOLLOW_UP_FIELDS:
            return True
    return False


def _fields(
    front: _FrontMatter, loaded: dict[object, object], spellings: Mapping[str, str], key_lines: dict[str, int]
) -> tuple[dict[str, tuple[Field, ...]], list[Field]]:
    """The fields mdfollow reads, by canonical name, and the keys it does not know."""
    fields: dict[str, list[Field]] = {}
    unknown: list[Field] = []
    for key, value in loaded.items():
        if not isinstance(key, str):
            continue
        field = new_field((key, value, key_lines.get(key, front.first_line)))
        canonical = spellings.get(_normalized(key))
        if canonical is not None:
            fields.setdefault(canonical, []).append(field)
        else:
            unknown.append(field)
    return {name: tuple(found) for name, found in fields.items()}, unknown


def _misspellings(path: str, unknown: list[Field], spellings: Mapping[str, str]) -> list[Problem]:
    known = _follow_up_spellings(spellings)
    problems = []
    for field in unknown:
        close = _close_match(normalize_key(field.key), known)
        if close:
            problems.append(Problem(path, field.line, "warning", f"`{field.key}` looks like a "
                                    f"misspelling of `{spellings[close]}`; it is not read"))
    return problems


def _follow_up_spellings(spellings: Mapping[str, str]) -> tuple[str, ...]:
    """The spellings of follow-up fields, sorted: worked out again only for another table
    than the last (every note of a vault is read with the same one)."""
    last, known = _FOLLOW_UP_SPELLINGS[-1]
    if last != spellings:
        known = tuple(sorted(k for k, canonical in spellings.items() if canonical in FOLLOW_UP_FIELDS))
        _FOLLOW_UP_SPELLINGS[-1] = (dict(spellings), known)
    return known


_FOLLOW_UP_SPELLINGS: list[tuple[dict[str, str], tuple[str, ...]]] = [({}, ())]


def _key_lines(front: _FrontMatter) -> dict[str, int]:
    """The line of each top-level key, the first time it is written (TOP_KEY reads it)."""
    lines: dict[str, int] = {}
    for offset, line in enumerate(front.text.split("\n")):
        match = TOP_KEY.match(line)
        if match:
            lines.setdefault(match["key"].strip(), front.first_line + offset)
    return lines


def plain_key_lines(first_line: int, keys: list[tuple[str, int]]) -> dict[str, int]:
    """`_key_lines` of front matter the plain reading took, from its keys as written and
    their lines' indexes, without a regex a line: TOP_KEY reads such a key whole, unless it
    starts with `-` or a space of any kind, or holds a colon (then it reads none)."""
    lines: dict[str, int] = {}
    for key, offset in keys:
        if key[0] != "-" and not key[0].isspace() and ":" not in key:
            lines.setdefault(key.strip(), first_line + offset)
    return lines


#: `normalize_key` of the few keys a vault writes, once each, not for each of their 150,000 lines.
_normalized = functools.lru_cache(maxsize=4096)(normalize_key)


@functools.lru_cache(maxsize=4096)
def _close_match(key: str, known: tuple[str, ...]) -> str | None:
    if len(key) < 5:
        return None
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.85)
    return close[0] if close else None


# --- body -------------------------------------------------------------------------------


def _scan_body(
    path: str, text: str, start: int, first_line: int, is_contact: bool
) -> tuple[tuple[Entry, ...], tuple[Link, ...], tuple[Task, ...], tuple[Problem, ...]]:
    """Log entries, counting links, tasks; problems only where they concern a person.

    A body with code fences or `%%` comments is walked line by line to skip those; any
    other is read by a few regex scans over its text, not a Python loop over its lines.
    """
    if ("`" in text or "~" in text or "%" in text) and _FENCE_OR_COMMENT.search(text, start):
        return _walk_lines(path, _prose_lines(text[start:].split("\n"), first_line), is_contact)
    return _scan_text(path, "\n" + text[start:], first_line, is_contact)


def _walk_lines(
    path: str, lines: Iterator[tuple[int, str]], is_contact: bool
) -> tuple[tuple[Entry, ...], tuple[Link, ...], tuple[Task, ...], tuple[Problem, ...]]:
    """`_scan_body` one line at a time: the reading `_scan_text` must agree with."""
    entries: list[Entry] = []
    links: list[Link] = []
    tasks: list[Task] = []
    problems: list[Problem] = []
    for number, line in lines:
        head = line.lstrip()[:1]
        if head not in _LIST_OR_HEADING:
            if "[[" in line:
                links.extend(Link(target, number) for target in _link_targets(line))
            continue
        task = _TASK.match(line)
        if task:
            parsed, problem = _task(path, number, task["status"], task["text"])
            tasks.append(parsed)
            if problem and (is_contact or parsed.links):
                problems.append(problem)
            if parsed.status != "done":
                continue
        dated = (_LOG_ITEM.match(line) or _HEADING.match(line)) if is_contact else None  # a person's log
        if dated:
            try:
                entries.append(Entry(number, _log_date(dated["date"]), line.strip()))
            except InvalidValue as error:
                problems.append(Problem(path, number, "error", str(error)))
        if "[[" in line:
            links.extend(Link(target, number) for target in _link_targets(line))
    return tuple(entries), tuple(links), tuple(tasks), tuple(problems)


def _scan_text(
    path: str, body: str, first_line: int, is_contact: bool
) -> tuple[tuple[Entry, ...], tuple[Link, ...], tuple[Task, ...], tuple[Problem, ...]]:
    """`_walk_lines` over every line of `body` (which starts with a line break), by regex.

    Tasks, a person's dated lines and links are each found by one scan: a line is one or
    none of the first two, and links count except on an open or cancelled task's line.
    """
    tasks: list[Task] = []
    problems: list[Problem] = []
    not_counted: set[int] = set()  # the lines of open and cancelled tasks
    for number, match in _numbered(_TASK_LINE.finditer(body), body, first_line):
        task, problem = _task(path, number, match["status"], match["text"])
        tasks.append(task)
        if problem and (is_contact or task.links):
            problems.append(problem)
        if task.status != "done":
            not_counted.add(number)
    entries: list[Entry] = []
    if is_contact:  # one (line, date) for every line, ("", "") but for a log line: no counting
        found = _EVERY_LINE.findall(body)
        try:  # a comprehension and the C date parser, for the 200,000 lines of an address book's logs
            entries = [new_entry((number, _ISO_DAY(date), line.strip()))
                       for number, (line, date) in enumerate(found, first_line) if date]
        except ValueError:  # an impossible date: line by line, each one reported
            entries = _log_entries(path, found, first_line, problems)
        if tasks and problems:
            problems.sort(key=lambda problem: problem.line)  # one a line at most: the walk's order
    links: list[Link] = []
    if "[[" in body:
        for number, match in _numbered(_LINK_IN_TEXT.finditer(body), body, first_line):
            target = match["target"].strip()
            if target and number not in not_counted:
                links.append(Link(target, number))
    return tuple(entries), tuple(links), tuple(tasks), tuple(problems)


def _log_entries(path: str, found: list[tuple[str, str]], first_line: int,
                 problems: list[Problem]) -> list[Entry]:
    """The log lines of `_EVERY_LINE.findall`; a problem for each one whose date is impossible."""
    entries = []
    for number, (line, date) in enumerate(found, first_line):
        if date:
            try:
                entries.append(new_entry((number, _log_date(date), line.strip())))
            except InvalidValue as error:
                problems.append(Problem(path, number, "error", str(error)))
    return entries


def _numbered(matches: Iterator[re.Match[str]], body: str,
              first_line: int) -> Iterator[tuple[int, re.Match[str]]]:
    """Each match with the number of its line (`body`'s first line break opens `first_line`)."""
    number, counted = first_line - 1, 0
    for match in matches:
        number += body.count("\n", counted, match.start() + 1)
        counted = match.start() + 1
        yield number, match


#: A log line's date: one object a day, not a line (2,000,000 lines at 100,000 contacts).
_ISO_DAY = functools.lru_cache(maxsize=4096)(dt.date.fromisoformat)


def _log_date(text: str) -> dt.date:
    """A log line's `YYYY-MM-DD`: the C parser for the 200,000 of an address book's logs,
    `parse_date` (and its message) for an impossible one."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return parse_date(text)


def _prose_lines(lines: list[str], first_line: int) -> Iterator[tuple[int, str]]:
    """Body lines outside fenced code blocks, with `%% comments %%` cut out, and their numbers.

    A fence opens at any indentation, as one inside a list item does (`- example:` then an
    indented fence). A comment is cut out of its line, however many lines it spans: only
    the comment goes, not the text around it.
    """
    fence: str | None = None
    in_comment = False
    for number, line in enumerate(lines, first_line):
        if fence is not None:
            if _closes(line, fence):
                fence = None
            continue
        if not in_comment and ("`" in line or "~" in line):
            code = _ANY_FENCE.match(line)
            if code:
                fence = code[1]
                continue
        if "%%" in line:
            line, in_comment = _uncommented(line, in_comment)
            if line.strip():
                yield number, line
        elif not in_comment:
            yield number, line


def _closes(line: str, fence: str) -> bool:
    """A fence closes with at least as many of the same character, and nothing after them."""
    stripped = line.strip()
    return stripped.startswith(fence) and not stripped.strip(fence[0])


def _uncommented(line: str, in_comment: bool) -> tuple[str, bool]:
    """The line without what is inside `%% … %%`, and whether a comment is still open after it."""
    kept = []
    for index, part in enumerate(line.split("%%")):
        if index:
            in_comment = not in_comment
        if not in_comment:
            kept.append(part)
    return " ".join(kept), in_comment


def _link_targets(line: str) -> list[str]:
    return [m["target"].strip() for m in _LINK.finditer(line) if m["target"].strip()]


def _task(path: str, number: int, mark: str, text: str) -> tuple[Task, Problem | None]:
    status: TaskStatus = "done" if mark in "xX" else "cancelled" if mark == "-" else "open"
    date, problem = _task_date(path, number, text) if status == "open" else (None, None)
    return Task(number, status, task_title(text), date, tuple(_link_targets(text))), problem


def _task_date(path: str, number: int, text: str) -> tuple[dt.date | None, Problem | None]:
    """Due, else scheduled, else start: Obsidian Tasks emoji or Dataview `[due:: …]`."""
    inline = {m["key"].strip().casefold(): m["value"] for m in _INLINE_FIELD.finditer(text)}
    for marker, name in _DUE_MARKERS:
        emoji = marker.search(text)
        value = emoji[1] if emoji else inline.get(name)
        if value is None:
            continue
        try:
            return parse_date(value), None
        except InvalidValue as error:
            return None, Problem(path, number, "error", f"promise {name} date: {error}")
    return None, None


def task_title(text: str) -> str:
    """The task as a person would read it: no comments, emoji fields, inline fields or link brackets."""
    text = _INLINE_COMMENT.sub(" ", text)
    text = _EMOJI_FIELD.sub("", text)
    text = _PRIORITY.sub("", text)
    text = _INLINE_FIELD.sub("", text)
    text = _BLOCK_ID.sub("", text)
    text = _LINK.sub(lambda m: (m["label"] or m["target"].rsplit("/", 1)[-1]).strip(), text)
    return " ".join(text.split())
