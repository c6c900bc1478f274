"""Address-book exports -> people -> new contact notes (`mdfollow import`).

Reads vCard 3.0/4.0 (and 2.1: Outlook's quoted-printable) with vobject, Google Contacts CSV
and LinkedIn's Connections.csv with the standard csv module. Pure: text in; people, the
notes to create and the problems out. A malformed card or row is reported with its line and
skipped; it never stops the rest of the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .edit import yaml_list, yaml_text
from .errors import InvalidValue
from .fields import Interval, parse_birthday
from .model import Contact, Problem


@dataclass(frozen=True)
class Person:
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    company: str | None
    birthday: str | None  # YYYY-MM-DD, or --MM-DD without the year
    line: int  # where the card or row starts


def read_people(text: str, source: str) -> tuple[list[Person], list[Problem]]:
    """vCard when the file holds BEGIN:VCARD, else a Google or LinkedIn CSV export."""
    if re.search(r"^BEGIN:VCARD\s*$", text, re.IGNORECASE | re.MULTILINE):
        return _vcards(text, source)
    return _csv(text, source)


# --- vCard ------------------------------------------------------------------------------


#: Where a vCard or CSV line ends: not at U+0085, U+2028 or the other breaks `splitlines`
#: knows, which are text inside a name or a note.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _cards(text: str) -> Iterator[tuple[int, str | None]]:
    """(first line, card text) for each BEGIN:VCARD…END:VCARD; None for one never closed."""
    start: int | None = None
    lines: list[str] = []
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        if re.fullmatch(r"BEGIN:VCARD\s*", line, re.IGNORECASE):
            if start is not None:
                yield start, None
            start, lines = number, []
        if start is not None:
            lines.append(line)
            if re.fullmatch(r"END:VCARD\s*", line, re.IGNORECASE):
                yield start, "\r\n".join(lines) + "\r\n"
                start = None
    if start is not None:
        yield start, None


def _vcards(text: str, source: str) -> tuple[list[Person], list[Problem]]:
    import vobject  # only import needs it

    people: list[Person] = []
    problems: list[Problem] = []
    for start, card_text in _cards(text):
        if card_text is None:
            problems.append(Problem(source, start, "error", "card is never closed (no END:VCARD); skipped"))
            continue
        try:
            card = vobject.readOne(card_text)
        except Exception as error:  # vobject raises several kinds for a malformed card
            where = start + _offending_line(card_text, _reason(error))
            problems.append(Problem(source, where, "error", f"malformed card: {_reason(error)}; skipped"))
            continue
        person = _card_person(card, start, source, problems)
        if person is not None:
            people.append(person)
    return people, problems


def _offending_line(card_text: str, reason: str) -> int:
    """The card line vobject choked on (its own line numbers don't point there), else 0."""
    quoted = reason.partition("Failed to parse line: ")[2].strip()
    lines = _LINE_BREAK.split(card_text)
    return next((i for i, line in enumerate(lines) if quoted and line.strip() == quoted), 0)


def _reason(error: Exception) -> str:
    return re.sub(r"^At line \d+: ", "", str(error).splitlines()[0] if str(error) else type(error).__name__)


def _values(card: object, name: str) -> list[object]:
    return [line.value for line in getattr(card, "contents", {}).get(name, [])]


def _card_person(card: object, start: int, source: str, problems: list[Problem]) -> Person | None:
    name = next((str(v).strip() for v in _values(card, "fn") if str(v).strip()), "")
    if not name:
        for n in _values(card, "n"):
            name = " ".join(p for p in (getattr(n, "prefix", ""), getattr(n, "given", ""),
                                        getattr(n, "additional", ""), getattr(n, "family", ""))
                            if isinstance(p, str) and p).strip()
    emails = _unique(str(v) for v in _values(card, "email"))
    if not name:
        if not emails:
            problems.append(Problem(source, start, "error", "card without a name or an email; skipped"))
            return None
        name = emails[0]
    org = next((v for v in _values(card, "org")), None)
    company = (org[0] if isinstance(org, list) and org else org) or None
    birthday = next((str(v) for v in _values(card, "bday")), None)
    return Person(_clean(name), emails, _unique(str(v) for v in _values(card, "tel")),
                  _clean(str(company)) if company else None,
                  _birthday(birthday, start, source, problems, name), start)


# --- CSV --------------------------------------------------------------------------------

_NAME_PARTS = (("First Name", "Middle Name", "Last Name"), ("Given Name", "Additional Name", "Family Name"))
_COMPANY = ("Organization 1 - Name", "Organization Name", "Company")


def _csv(text: str, source: str) -> tuple[list[Person], list[Problem]]:
    lines = io.StringIO(text, newline="").readlines()  # the csv module's own line ends, no others
    header_at = next((i for i, line in enumerate(lines[:50])
                      if ("First Name" in line and "Last Name" in line) or line.startswith("Name,")), None)
    if header_at is None:
        return [], [Problem(source, 1, "error", "neither a vCard nor a Google or LinkedIn CSV export: "
                                                "no BEGIN:VCARD, and no header row with the names")]
    reader = csv.DictReader(lines[header_at:])
    people: list[Person] = []
    problems: list[Problem] = []
    previous_end = header_at + 1
    for row in reader:
        line = previous_end + 1
        previous_end = header_at + reader.line_num
        person = _row_person(row, line, source, problems)
        if person is not None:
            people.append(person)
    return people, problems


def _row_person(row: Mapping[str, str | None], line: int, source: str,
                problems: list[Problem]) -> Person | None:
    def get(column: str) -> str:
        value = row.get(column)
        return value.strip() if isinstance(value, str) else ""

    name = get("Name")
    for parts in _NAME_PARTS:
        name = name or " ".join(p for p in (get(c) for c in parts) if p)
    emails = _unique(v for column in row if column and re.fullmatch(
        r"E-?mail( \d+ - Value| Address)?", column, re.IGNORECASE) for v in _split(get(column)))
    phones = _unique(v for column in row if column and re.fullmatch(r"Phone \d+ - Value", column)
                     for v in _split(get(column)))
    if not name:
        if not emails:
            if any(get(c) for c in row if c):
                problems.append(Problem(source, line, "error", "row without a name or an email; skipped"))
            return None
        name = emails[0]
    company = next((get(c) for c in _COMPANY if get(c)), None)
    return Person(_clean(name), emails, phones, company,
                  _birthday(get("Birthday") or None, line, source, problems, name), line)


def _split(value: str) -> list[str]:
    """Google puts several values in one cell, separated by ` ::: `."""
    return [part.strip() for part in value.split(":::") if part.strip()]


# --- shared -----------------------------------------------------------------------------


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        value = value.strip()
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return tuple(seen.values())


def _clean(text: str) -> str:
    """One space between words, and composed: an `é` exported as `e` + accent is an `é`."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _name_key(name: str) -> str:
    """Names compare as people read them: composed or not, any case."""
    return unicodedata.normalize("NFC", _clean(name).casefold())


def _birthday(value: str | None, line: int, source: str, problems: list[Problem], name: str) -> str | None:
    """vCard and Google birthdays (`1966-12-06`, `19661206`, `--1206`, `--12-06`) as we write them."""
    if not value:
        return None
    text = value.strip()
    match = re.fullmatch(r"(\d{4}|--)-?(\d{2})-?(\d{2})(?:T.*)?", text)
    if match:
        year = "" if match[1] == "--" else match[1]
        written = f"{year}-{match[2]}-{match[3]}" if year else f"--{match[2]}-{match[3]}"
        try:
            parse_birthday(written)
            return written
        except InvalidValue:
            pass
    problems.append(Problem(source, line, "warning", f"{name}: birthday {text!r} is not a date; left out"))
    return None


# --- what to create ---------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The notes an import creates (person, fields) and the people it skips, with why."""

    create: list[tuple[Person, dict[str, str]]]
    skipped: list[tuple[Person, str]]


def plan_import(people: Sequence[Person], contacts: Sequence[Contact], today: dt.date,
                cadence: str | None, spread: Interval | None) -> Plan:
    """Skip whoever already has a note (by name, alias or email) or came earlier in the file."""
    known: dict[str, str] = {}
    for contact in contacts:
        for key in (contact.name, *contact.aliases, contact.path.rsplit("/", 1)[-1].removesuffix(".md")):
            known.setdefault(f"name:{_name_key(key)}", f"already in the vault ({contact.path})")
        if contact.email:
            known.setdefault(f"email:{contact.email.casefold()}", f"already in the vault ({contact.path}, "
                                                                  "same email)")
    create: list[Person] = []
    skipped: list[tuple[Person, str]] = []
    for person in people:
        keys = [f"name:{_name_key(person.name)}", *(f"email:{e.casefold()}" for e in person.emails)]
        why = next((known[k] for k in keys if k in known), None)
        if why is not None:
            skipped.append((person, why))
            continue
        for key in keys:
            known[key] = f"earlier in the file (line {person.line})"
        create.append(person)
    ordered = sorted(create, key=lambda p: (p.name.casefold(), p.line))
    return Plan([(p, _fields(p, cadence, _spread_day(i, len(ordered), today, spread)))
                 for i, p in enumerate(ordered)], skipped)


def _spread_day(index: int, count: int, today: dt.date, spread: Interval | None) -> dt.date | None:
    """Evenly over the days after today, so 800 new contacts don't all fall due at once."""
    if spread is None:
        return None
    days = max((spread.after(today) - today).days, 1)
    return Interval(1 + index * days // count, "days").after(today)  # never past the calendar's end


def _fields(person: Person, cadence: str | None, next_due: dt.date | None) -> dict[str, str]:
    fields: dict[str, str] = {}
    if cadence:
        fields["cadence"] = cadence
    if next_due:
        fields["next-due"] = next_due.isoformat()
    if person.emails:
        fields["email"] = yaml_text(person.emails[0])
    if person.emails[1:]:
        fields["other-emails"] = yaml_list(list(person.emails[1:]))
    if person.phones:
        fields["phone"] = yaml_text(person.phones[0])
    if person.phones[1:]:
        fields["other-phones"] = yaml_list(list(person.phones[1:]))
    if person.company:
        fields["company"] = yaml_text(person.company)
    if person.birthday:
        birthday = person.birthday
        fields["birthday"] = yaml_text(birthday) if birthday.startswith("--") else birthday
    return fields
