"""Notes -> contacts: read each contact note's values, then let the whole vault speak.

A contact's effective last contact is the latest of its own field, its own dated log,
and every interaction note (a daily or meeting note) that links it. Promises are open,
dated tasks anywhere, belonging to whoever the task line links. Pure: notes in, values out.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple, Protocol, TypeVar

from .config import Config, normalize_tag
from .errors import ContactNotFound, InvalidValue
from .fields import STATUSES, Interval, parse_birthday, parse_date, parse_interval
from .model import Contact, Entry, Field, Interaction, Note, Problem, Promise, Status, new_interaction

T = TypeVar("T")
_ISO_PREFIX = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TAG_SEPARATORS = re.compile(r"[\s,]+")
_COUNT = re.compile(r"[0-9]{1,9}")
_WIKILINK = re.compile(r"\[\[([^\[\]|#^]*)")
_EPOCH = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class Vault:
    """Everything the core knows about a vault: its contacts and every problem found."""

    contacts: tuple[Contact, ...]
    problems: tuple[Problem, ...]
    skipped: tuple[str, ...]  # paths of notes too broken to read, reported in `problems`


def build_vault(notes: Iterable[Note], config: Config) -> Vault:
    """The vault the notes make; the same notes in any order make the same vault."""
    linker = Linker(config)
    linker.update({note.path: note for note in notes})
    return linker.vault()


class Linker:
    """The vault, kept up to date while a few notes at a time change (the watcher).

    A note is read once per note object, and an edit links again only the contacts the
    note reached before or reaches now. A contact renamed (or added, or gone) also has the
    notes that mention its old or new names resolved again, and only those: a save costs
    the same in a vault of any size.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self._readings: dict[str, _Reading] = {}
        self._linked: dict[str, Contact] = {}  # contact path -> the contact, linked; path order
        self._contacts: tuple[Contact, ...] = ()
        self._names = Names()
        self._reach: dict[str, _Reach] = {}  # note -> the contacts it counts for
        self._inbound: dict[str, set[str]] = defaultdict(set)  # contact -> the notes that reach it
        # Link target (as resolved) -> the notes that name it, and the notes with a link by folder
        # path: made at the first rename that needs them (a build of every note does not).
        self._mentions: dict[str, set[str]] | None = None
        self._by_path: set[str] = set()

    @property
    def contacts(self) -> tuple[Contact, ...]:
        """Every contact, linked, in path order."""
        return self._contacts

    @property
    def names(self) -> Names:
        """What links resolve against: every contact's names."""
        return self._names

    def update(self, changes: Mapping[str, Note | None]) -> None:
        """Take in the new state of these notes (None: the note is gone)."""
        before = {path: self._readings.get(path) for path in changes}
        for path, note in changes.items():
            old = before[path]
            if note is None:
                self._readings.pop(path, None)
            elif old is None or old.note is not note:
                self._readings[path] = _read(note, self.config)
        redo = {path for path in changes if before[path] is not self._readings.get(path)}
        if self._mentions is not None:
            for path in redo:
                self._mention(self._mentions, path, before[path], self._readings.get(path))
        renamed = [path for path in redo if _naming(before[path]) != _naming(self._readings.get(path))]
        if renamed:
            redo |= self._rename(renamed, before, redo)
        self._link_again(redo)

    def mentions(self) -> dict[str, set[str]]:
        """Which notes name each link target; made once, on the first rename, unless asked for
        sooner (the watcher does, right after its first build, so no save waits for it)."""
        if self._mentions is None:
            self._mentions = defaultdict(set)
            for path, reading in self._readings.items():
                self._mention(self._mentions, path, None, reading)
        return self._mentions

    def vault(self) -> Vault:
        """The contacts and every problem found."""
        readings = self._readings.values()
        problems = [p for r in readings for p in r.problems]
        problems += [_never_due(c, self._readings[c.path].cadence_line) for c in self._contacts
                     if _cadence_without_start(c)]
        skipped = sorted(r.note.path for r in readings if r.note.skipped and r.note.problems)
        return Vault(self._contacts, tuple(sorted(problems, key=_problem_order)), tuple(skipped))

    def _mention(self, mentions: dict[str, set[str]], path: str, old: _Reading | None,
                 new: _Reading | None) -> None:
        for key in _targets(old):
            mentions[key].discard(path)
        targets = _targets(new)
        for key in targets:
            mentions[key].add(path)
        if any("/" in key for key in targets):
            self._by_path.add(path)
        else:
            self._by_path.discard(path)

    def _rename(self, renamed: list[str], before: Mapping[str, _Reading | None], redo: set[str]) -> set[str]:
        """New names for link resolution; the notes whose links may now resolve differently."""
        came_or_went = False
        for path in renamed:
            old, new = _contact(before[path]), _contact(self._readings.get(path))
            if old is not None:
                self._names.remove(old)
            if new is not None:
                self._names.add(new)
                self._linked[path] = new  # linked again by `_link_again`
            else:
                del self._linked[path]
            came_or_went |= (old is None) != (new is None)
        if came_or_went:
            self._linked = dict(sorted(self._linked.items()))
        if len(redo) >= len(self._readings) and redo >= self._readings.keys():
            return set()  # every note is linked again anyway: the first build
        mentions = self.mentions()
        keys = {key for path in renamed for reading in (before[path], self._readings.get(path))
                for key in _names_of(path, reading)}
        redo = {note for key in keys for note in mentions.get(key, ())}
        return redo | self._by_path if came_or_went else redo

    def _link_again(self, paths: set[str]) -> None:
        """Link again the contacts these notes are, reached before, or reach now."""
        touched = set(paths)
        for path in paths:
            for target in self._reach.pop(path, _NOWHERE).targets:
                self._inbound[target].discard(path)
                touched.add(target)
            reading = self._readings.get(path)
            if reading is not None:
                touched |= self._add_reach(path, reading)
        touched &= self._linked.keys()
        for path in touched:
            linked, old = self._link(self._readings[path].contact), self._linked[path]  # type: ignore[arg-type]
            if linked is not old and linked != old:  # an equal contact keeps its object: its events stand
                self._linked[path] = linked
        if touched or len(self._contacts) != len(self._linked):
            self._contacts = tuple(self._linked.values())

    def _add_reach(self, path: str, reading: _Reading) -> set[str]:
        reach = _reach(reading, self._names)
        targets = reach.targets
        if targets:
            self._reach[path] = reach
            for target in targets:
                self._inbound[target].add(path)
        return targets

    def _link(self, base: Contact) -> Contact:
        return _link(base, ((self._readings[p], self._reach[p]) for p in self._inbound.get(base.path, ())))


@dataclass(frozen=True)
class Patch:
    """What a few changed notes make of a vault: the contacts linked again, and the vault's
    problems and skipped notes after them."""

    contacts: dict[str, Contact]
    problems: tuple[Problem, ...]
    skipped: tuple[str, ...]


def patch(names: Names, linked: Callable[[set[str]], Mapping[str, Contact]],
          problems: tuple[Problem, ...], skipped: tuple[str, ...],
          changes: Mapping[str, tuple[Note | None, Note | None]],
          load: Callable[[set[str]], Mapping[str, Note]], config: Config) -> Patch | None:
    """The contacts `changes` (each note's old and new state; None: absent) link again, from
    a vault of which only the names of every contact, the linked contacts `linked` gives,
    its problems and its skipped notes are known; None when every note must be linked
    again (a contact renamed, come or gone).

    Only the contacts the changed notes reached or reach now are linked again, from the
    notes `load` gives: those their interactions and promises came from.
    """
    old = {path: _read(note, config) for path, (note, _) in changes.items() if note is not None}
    new = {path: _read(note, config) for path, (_, note) in changes.items() if note is not None}
    if any(_naming(old.get(path)) != _naming(new.get(path)) for path in changes):
        return None
    reached = {target for r in (*old.values(), *new.values()) for target in _reach(r, names).targets}
    touched = names.paths & {*changes, *reached}
    before = linked(touched)
    if before.keys() != touched:
        return None
    inbound = {path: {path, *_sources(before[path]), *new} for path in touched}
    unchanged = {p for paths in inbound.values() for p in paths} - changes.keys()
    readings = {path: _read(note, config) for path, note in load(unchanged).items()}
    if not unchanged <= readings.keys():
        return None
    readings.update(new)
    after = {}
    for path in touched:
        sources = [readings[p] for p in inbound[path] if p in readings]
        after[path] = _link(readings[path].contact,  # type: ignore[arg-type]
                            ((r, _reach(r, names)) for r in sources))
    return Patch(after, _patched_problems(problems, changes, new, after, readings),
                 tuple(sorted({*(p for p in skipped if p not in changes),
                               *(p for p, r in new.items() if r.note.skipped and r.note.problems)})))


def _patched_problems(problems: tuple[Problem, ...], changes: Mapping[str, object],
                      new: Mapping[str, _Reading], linked: Mapping[str, Contact],
                      readings: Mapping[str, _Reading]) -> tuple[Problem, ...]:
    """The problems of `patch`'s result, in `Linker.vault`'s order (`linked`: the contacts
    linked again)."""
    kept = [p for p in problems
            if p.path not in changes and not (p.path in linked and p.message == _NEVER_DUE)]
    found = [p for reading in new.values() for p in reading.problems]
    never = [_never_due(contact, readings[path].cadence_line) for path, contact in linked.items()
             if _cadence_without_start(contact)]
    return tuple(sorted([*kept, *found, *never], key=_problem_order))


def _sources(contact: Contact) -> set[str]:
    """The notes a linked contact's interactions and promises came from (its own log's lines,
    `path:line`, are its own; a note linking it is named by path, which ends in `.md`)."""
    return ({i.source for i in contact.interactions if not i.source.rpartition(":")[2].isdigit()}
            | {p.source.rpartition(":")[0] for p in contact.promises})


def _link(base: Contact, inbound: Iterable[tuple[_Reading, _Reach]]) -> Contact:
    """The contact with every interaction and promise in the vault that names it."""
    seen: list[Interaction] = []
    promises: set[Promise] = set()
    for reading, reach in inbound:
        if reading.seen is not None and base.path in reach.seen:
            seen.append(reading.seen)
        promises.update(promise for (promise, _), owners
                        in zip(reading.promises, reach.owners, strict=True) if base.path in owners)
    if not seen and not promises:  # the contact as its note has it: its own log is newest first
        return base
    own = [base.last_contact] if base.last_contact else []
    return replace(base, last_contact=max([*(i.date for i in seen), *own], default=None),
                   promises=tuple(sorted(promises, key=lambda p: (p.due, p.source, p.text))),
                   interactions=_newest_first([*base.interactions, *seen]))


class _Reach(NamedTuple):
    """The contacts a note counts for: as met (an interaction note), and each promise's owners.

    Tuples, not sets: a vault of 100,000 notes keeps one for every note that links a person.
    """

    seen: tuple[str, ...]
    owners: tuple[tuple[str, ...], ...]  # one for each of the reading's promises

    @property
    def targets(self) -> set[str]:
        return set(self.seen).union(*self.owners)


_NOWHERE = _Reach((), ())


def _reach(reading: _Reading, resolve: Names) -> _Reach:
    here = reading.note.path
    seen = tuple({p for name in reading.names for p in resolve(name) if p != here})
    owners = tuple(tuple(_owners(reading, links, resolve)) for _, links in reading.promises)
    return _Reach(seen, owners) if seen or owners else _NOWHERE


@dataclass(frozen=True)
class _Reading:
    """What one note tells the vault before its links are resolved."""

    note: Note
    contact: Contact | None  # a contact note's own fields, read
    problems: tuple[Problem, ...]
    seen: Interaction | None  # a daily or meeting note: how it counts for the people it names
    names: tuple[str, ...]  # the people it names as met that day: link targets, `people`
    promises: tuple[tuple[Promise, tuple[str, ...]], ...]  # open dated tasks, with their links
    cadence_line: int = 1  # where a contact's cadence is written


def _read(note: Note, config: Config) -> _Reading:
    problems = list(note.problems)
    if note.skipped:
        return _Reading(note, None, tuple(problems), None, (), ())
    contact = _read_contact(note, config, problems) if note.is_contact else None
    day = _interaction_date(note)
    seen = Interaction(day, f"linked from {note.stem}", note.path) if day is not None else None
    promises = tuple((Promise(task.text, task.date, f"{note.path}:{task.line}"), task.links)
                     for task in note.tasks if task.status == "open" and task.date is not None)
    cadence = note.fields.get("cadence")
    return _Reading(note, contact, tuple(problems), seen, _interaction_names(note) if seen else (), promises,
                    cadence[0].line if cadence else 1)


def _contact(reading: _Reading | None) -> Contact | None:
    return reading.contact if reading is not None else None


def _naming(reading: _Reading | None) -> tuple[str, tuple[str, ...]] | None:
    """What link resolution knows of a note: a contact's name and aliases."""
    contact = _contact(reading)
    return (contact.name, contact.aliases) if contact is not None else None


def _targets(reading: _Reading | None) -> set[str]:
    """The link targets a note's interactions and promises name, as the resolver keys them."""
    if reading is None:
        return set()
    return {_key(t) for t in (*reading.names, *(link for _, links in reading.promises for link in links))}


def _names_of(path: str, reading: _Reading | None) -> set[str]:
    """The keys a contact is found by without a folder: its file name, name and aliases."""
    contact = _contact(reading)
    if contact is None:
        return set()
    return {_stem(path).casefold(), contact.name.casefold(), *(a.casefold() for a in contact.aliases)}


def _owners(reading: _Reading, links: tuple[str, ...], resolve: Names) -> set[str]:
    """Whoever a promise's task line links; in a contact note, failing that, that contact."""
    owners = {p for link in links for p in resolve(link)}
    return owners or ({reading.note.path} if reading.note.is_contact else set())


def _problem_order(problem: Problem) -> tuple[str, int, str]:
    return (problem.path, problem.line, problem.message)


def _newest_first(interactions: list[Interaction]) -> tuple[Interaction, ...]:
    return tuple(sorted(interactions, key=_DATE_AND_SOURCE, reverse=True))


_DATE_AND_SOURCE = operator.itemgetter(0, 2)  # an interaction's (date, source), in C


class Named(Protocol):
    """Whatever a person can be found by: a contact, or its row in the index."""

    @property
    def path(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


N = TypeVar("N", bound=Named)


def resolve(contacts: Sequence[N], problems: Iterable[Problem], skipped: Collection[str], name: str) -> N:
    """The contact NAME means, for every command that takes one (see `find_contact`); a name
    that is only that of a note too broken to read (`skipped`, its `problems`) says so."""
    try:
        return find_contact(contacts, name)
    except ContactNotFound:
        key = name.strip().casefold()
        for problem in problems:
            if problem.path in skipped and key in problem.path.rsplit("/", 1)[-1].casefold():
                raise ContactNotFound(f"{problem.path} can't be read, so it can't be changed: "
                                      f"{problem.message.removesuffix('; note skipped')}") from None
        raise


def find_contact(contacts: Sequence[N], name: str) -> N:
    """The contact a person means by `name`: the note's path (`Work/John Smith`, `.md` or
    not), else display name, file name or alias, any case.

    Failing an exact match, the start of each word will do (`grace` for Grace Okafor,
    `j doe` for Jane Doe) when only one contact fits.
    """
    by_path = _by_path(contacts, name)
    if by_path is not None:
        return by_path
    key = _name_key(name)
    found = [c for c in contacts if key in _names(c)]
    if not found:
        words = key.split()
        found = [c for c in contacts if words and any(_word_prefixes(words, n) for n in _names(c))]
    if len(found) == 1:
        return found[0]
    if found:
        listed = "; ".join(f"{c.name} ({c.path})" for c in found)
        raise ContactNotFound(f"{name!r} could be any of: {listed}. Use the full name, an alias, "
                              "or the note's path.")
    import difflib  # only a name nobody answers to needs it

    known = {_accents_folded(n): c.name for c in contacts for n in _names(c)}
    close = {known[n]: None for n in difflib.get_close_matches(_accents_folded(key), list(known), n=3,
                                                                 cutoff=0.6)}
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ContactNotFound(f"no contact called {name!r}.{hint}")


def _by_path(contacts: Sequence[N], name: str) -> N | None:
    path = name.strip().replace("\\", "/").removeprefix("./")
    if "/" not in path and not path.casefold().endswith(".md"):
        return None
    wanted = path.casefold() if path.casefold().endswith(".md") else f"{path}.md".casefold()
    return next((c for c in contacts if c.path.casefold() == wanted), None)


def tell_apart(shown: Iterable[tuple[str, str]], contacts: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Path -> the name to show for each (name, path) shown: the name, and where another
    contact has it too, the shortest end of their folders that differs (`John Smith
    (Work)`, `John Smith (People)`). `contacts`: the (name, path) of every contact; one pass
    over them: `due` runs it every time."""
    pairs = list(shown)
    wanted = {name.casefold() for name, _ in pairs}
    groups: dict[str, list[str]] = {}
    for name, path in contacts:
        key = name.casefold()
        if key in wanted:
            groups.setdefault(key, []).append(path)
    result = {}
    for name, path in pairs:
        same = groups.get(name.casefold(), [])
        result[path] = f"{name} ({_telling(path, same)})" if len(same) > 1 else name
    return result


def _telling(path: str, paths: list[str]) -> str:
    folders = [p.split("/")[:-1] for p in paths]
    mine = path.split("/")[:-1]
    for depth in range(1, max(map(len, folders)) + 1):
        ends = [tuple(f[-depth:]) for f in folders]
        if len(set(ends)) == len(ends):
            return "/".join(mine[-depth:]) or path
    return path


def shared_names(contacts: Sequence[Contact]) -> list[Problem]:
    """A warning on each contact that shares its name or an alias with another contact."""
    owners: dict[str, dict[str, Contact]] = {}
    for contact in contacts:
        for name in _names(contact):
            owners.setdefault(name, {})[contact.path] = contact
    problems = []
    for contact in contacts:
        for name in sorted(_names(contact)):
            others = [p for p in owners[name] if p != contact.path]
            if others:
                spelled = next(n for n in (contact.name, _stem(contact.path), *contact.aliases)
                               if " ".join(n.split()).casefold() == name)
                problems.append(Problem(contact.path, 1, "warning",
                                        f"{spelled!r} also names {', '.join(others)}: give the note's path "
                                        f"to tell them apart (`mdfollow log \"{contact.path[:-3]}\"`)"))
    return problems


def answering_to(contacts: Sequence[N], *names: str) -> list[N]:
    """The contacts that any of `names` already names exactly: name, file name or alias."""
    keys = {" ".join(name.split()).casefold() for name in names}
    return [c for c in contacts if keys & _names(c)]


def _names(contact: Named) -> set[str]:
    return {_name_key(n) for n in (contact.name, _stem(contact.path), *contact.aliases)}


def _name_key(name: str) -> str:
    """Names compare as people read them: any case, accents composed or not (macOS file
    names and some address books decompose `é` into `e` and an accent)."""
    return unicodedata.normalize("NFC", " ".join(name.split()).casefold())


def _accents_folded(name: str) -> str:
    """For suggestions only: `chloe` is close to `chloé`."""
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))


def _word_prefixes(words: list[str], name: str) -> bool:
    """Each query word starts a different word of the name, in order."""
    parts = name.split()
    index = 0
    for word in words:
        while index < len(parts) and not parts[index].startswith(word):
            index += 1
        if index == len(parts):
            return False
        index += 1
    return True


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


# --- one contact note -------------------------------------------------------------------


class _Reader:
    """Reads a note's fields, turning each bad value into a problem instead of an exception."""

    def __init__(self, note: Note, problems: list[Problem]) -> None:
        self.note = note
        self.fields = note.fields  # most of the names asked for are not written: no call for those
        self.problems = problems
        self._values: dict[str, Sequence[Field]] = {}

    def report(self, field: Field, severity: str, message: str) -> None:
        self.problems.append(Problem(self.note.path, field.line, severity,  # type: ignore[arg-type]
                                     f"{field.key}: {message}"))

    def values(self, name: str) -> Sequence[Field]:
        """The field's non-empty occurrences; two spellings of one field is a warning (once)."""
        found = self._values.get(name)
        if found is not None:
            return found
        fields = self.fields.get(name)
        if fields is None:
            return ()
        if len(fields) == 1:  # as a field nearly always is: no list to make
            found = self._values[name] = () if _empty(fields[0].value) else fields
            return found
        found = self._values[name] = [f for f in fields if not _empty(f.value)]
        if len(found) > 1:
            spelled = " and ".join(f"`{f.key}` (line {f.line})" for f in found)
            rule = "the latest date counts" if name == "last-contact" else "the first counts"
            self.report(found[1], "warning", f"{name} is written twice, as {spelled}; {rule}")
        return found

    def parsed(self, name: str, parse: Callable[[object], T]) -> list[T]:
        result: list[T] = []
        if name not in self.fields:
            return result
        for field in self.values(name):
            try:
                result.append(parse(field.value))
            except InvalidValue as error:
                self.report(field, "error", str(error))
        return result

    def first(self, name: str, parse: Callable[[object], T]) -> T | None:
        if name not in self.fields:
            return None
        found = self.parsed(name, parse)
        return found[0] if found else None

    def text(self, name: str) -> str | None:
        if name not in self.fields:
            return None
        found = self.values(name)
        return str(found[0].value).strip() if found else None

    def names(self, name: str) -> tuple[str, ...]:
        if name not in self.fields:
            return ()
        found = self.values(name)
        return _string_list(found[0].value) if found else ()


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _string_list(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(str(item).strip() for item in items if not _empty(item) and not isinstance(item, dict))


def _read_contact(note: Note, config: Config, problems: list[Problem]) -> Contact:
    read = _Reader(note, problems)
    tags = tuple(t.lstrip("#") for tag in read.names("tags") for t in _TAG_SEPARATORS.split(tag) if t)
    cadence, cadence_source = _cadence(read, tags, config)
    name = read.text("name") or note.stem
    return Contact(
        path=note.path,
        name=name,
        aliases=read.names("aliases"),
        tags=tags,
        status=_status(read),
        last_contact=max([*read.parsed("last-contact", parse_date), *map(_DATE, note.entries)], default=None),
        next_due=read.first("next-due", parse_date),
        cadence=cadence,
        cadence_source=cadence_source,
        met=read.first("met", parse_date),
        snooze_until=read.first("snooze-until", parse_date),
        attempts=read.first("attempts", _count) or 0,
        max_attempts=read.first("max-attempts", _positive) or config.max_attempts,
        sequence=_sequence(read, config),
        sequence_start=read.first("sequence-start", parse_date),
        birthday=read.first("birthday", parse_birthday),
        promises=(),
        email=read.text("email"),
        company=read.text("company"),
        met_at=read.text("met-at"),
        phone=read.text("phone"),
        latest_log=max(note.entries, key=_DATE_AND_LINE).text if note.entries else None,
        interactions=_own_log(note.path, note.entries),
    )


_DATE, _DATE_AND_LINE = operator.attrgetter("date"), operator.attrgetter("date", "line")


def _own_log(path: str, entries: tuple[Entry, ...]) -> tuple[Interaction, ...]:
    """The contact's log lines as interactions, newest first (as `_link` leaves them: most
    contacts are linked from no other note): a comprehension, for the 200,000 of them in
    an imported address book."""
    return _newest_first([new_interaction((date, text, f"{path}:{line}")) for line, date, text in entries])


def _cadence(read: _Reader, tags: Sequence[str], config: Config) -> tuple[Interval | None, str]:
    own = read.first("cadence", parse_interval)
    if own is not None:
        return own, "note"
    by_tag = sorted((interval.after(_EPOCH), tag, interval)
                    for tag in tags if (interval := config.tag_cadences.get(normalize_tag(tag))))
    if by_tag:
        return by_tag[0][2], f"tag #{by_tag[0][1]}"
    if config.default_cadence is not None:
        return config.default_cadence, "default"
    return None, ""


def _status(read: _Reader) -> Status:
    status: Status = "active"
    for field in read.values("status"):
        value = str(field.value).strip().casefold()
        if value in STATUSES:
            status = value  # type: ignore[assignment]
        else:
            read.report(field, "warning",
                        f"unknown status {field.value!r} (active, paused or closed); read as active")
        break
    if status == "active" and any(f.value is True or str(f.value).casefold() == "true"
                                  for f in read.values("paused")):
        return "paused"
    return status


def _sequence(read: _Reader, config: Config) -> str | None:
    name = read.text("sequence")
    if name is None:
        return None
    field = read.values("sequence")[0]
    if name.casefold() not in config.sequences:
        read.report(field, "warning", f"unknown sequence {name!r} (known: "
                    f"{', '.join(sorted(config.sequences))}); the other rules apply")
        return None
    if not read.values("sequence-start") and not read.values("met"):
        read.report(field, "warning", "a sequence needs sequence-start or met to count from; "
                    "the other rules apply")
        return None
    return name.casefold()


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidValue(f"not a whole number: {value!r}")
    text = str(value).strip()
    if not _COUNT.fullmatch(text):
        raise InvalidValue(f"not a whole number: {value!r}")
    return int(text)


def _positive(value: object) -> int:
    count = _count(value)
    if count < 1:
        raise InvalidValue(f"must be at least 1, not {value!r}")
    return count


def _cadence_without_start(contact: Contact) -> bool:
    return (contact.cadence_source == "note" and contact.last_contact is None
            and contact.met is None and contact.next_due is None and contact.sequence is None
            and contact.status == "active")


_NEVER_DUE = ("has a cadence but no last contact or met date, so it never falls due; "
              "add last-contact (it is listed by `stale`)")


def _never_due(contact: Contact, line: int) -> Problem:
    return Problem(contact.path, line, "warning", _NEVER_DUE)


# --- the rest of the vault: interactions and promises ----------------------------------

class Names:
    """Wikilink target -> contact paths, the way Obsidian resolves it: path, file name, alias.

    Kept up to date as contacts come, go and are renamed; answers are remembered until then.
    """

    def __init__(self) -> None:
        self.paths: set[str] = set()  # every contact's
        self._by_path: dict[str, list[str]] = defaultdict(list)
        self._by_stem: dict[str, list[str]] = defaultdict(list)
        self._by_name: dict[str, list[str]] = defaultdict(list)
        self._answers: dict[str, tuple[str, ...]] = {}

    def add(self, contact: Contact) -> None:
        self.paths.add(contact.path)
        for table, key in self._keys(contact.path, contact.name, contact.aliases):
            table[key].append(contact.path)
        self._answers.clear()

    def __getstate__(self) -> dict[str, object]:
        """Kept in the index without the answers remembered (they may be many)."""
        return {**self.__dict__, "_answers": {}}

    def remove(self, contact: Contact) -> None:
        self.paths.discard(contact.path)
        for table, key in self._keys(contact.path, contact.name, contact.aliases):
            table[key].remove(contact.path)
            if not table[key]:
                del table[key]
        self._answers.clear()

    def _keys(self, path: str, name: str,
              aliases: tuple[str, ...]) -> Iterator[tuple[dict[str, list[str]], str]]:
        without_ext = path[:-3] if path.lower().endswith(".md") else path
        yield self._by_path, without_ext.casefold()
        yield self._by_stem, _stem(path).casefold()
        for key in {name.casefold(), *(a.casefold() for a in aliases)}:
            yield self._by_name, key

    def __call__(self, target: str) -> tuple[str, ...]:
        found = self._answers.get(target)
        if found is None:
            found = self._answers[target] = self._resolve(_key(target))
        return found

    def _resolve(self, key: str) -> tuple[str, ...]:
        if "/" in key:
            exact = self._by_path.get(key.lstrip("/"))
            return tuple(exact or (p for k, ps in self._by_path.items() if k.endswith("/" + key) for p in ps))
        return tuple(self._by_stem.get(key) or self._by_name.get(key) or ())


def _key(target: str) -> str:
    key = target.strip().casefold()
    return key[:-3] if key.endswith(".md") else key


def _interaction_date(note: Note) -> dt.date | None:
    """Daily and meeting notes: dated by an ISO file name, else by a `date` with people."""
    match = _ISO_PREFIX.match(note.stem)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    dates = note.fields.get("date")
    if dates and note.fields.get("people"):
        try:
            return parse_date(dates[0].value)
        except InvalidValue:
            return None
    return None


def _interaction_names(note: Note) -> tuple[str, ...]:
    names = [name for field in note.fields.get("people", ()) for name in _people(field.value)]
    if _ISO_PREFIX.match(note.stem):
        names += [link.target for link in note.links]
    return tuple(names)


def _people(value: object) -> list[str]:
    """`people: ["[[Jane Doe]]", Sam Lee]` -> link targets, or the plain names."""
    names: list[str] = []
    for item in _string_list(value):
        links = _WIKILINK.findall(item)
        names += links or [item]
    return names
