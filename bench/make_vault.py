"""Deterministic synthetic vaults in two shapes. Same arguments, same bytes.

`notes` (a heavy Obsidian user's): People/, Daily/, Meetings/ and Projects/ notes in realistic
proportions, wikilinks from daily and meeting notes to people, promises, CRLF and a BOM in a
few notes, unicode names, 0.5% broken notes, and a templates folder.

`contacts` (an imported address book, a salesperson's vault): every note a contact but one in
a hundred (company notes), most with an explicit `next-due`, ~40% with a birthday, aliases that
collide (each first name ~8 times), a dated log of 5-40 lines in most bodies, links to company
notes, 2% unicode names, 2% CRLF, 1% BOM, 0.5% broken. Nearly every contact is due.

    python bench/make_vault.py --notes 10000 --shape contacts --out bench/out/contacts-10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

FIRST = ["Jane", "Sam", "Ana", "Priya", "Tomás", "Chloé", "Omar", "Grace", "Kenji", "Lena", "Yuki",
         "Noah", "Zoë", "Björn", "Aiko", "Mateus", "Fatima", "Ines", "李", "Olu"]
LAST = ["Doe", "Lee", "Ruiz", "Natarajan", "Ferreira", "Martin", "Haddad", "Okafor", "Watanabe",
        "Fischer", "Tanaka", "Williams", "Müller", "Novak", "García", "Kowalski", "O'Brien", "王"]
WORDS = ["follow", "up", "about", "the", "proposal", "pricing", "lunch", "coffee", "hiring", "plan",
         "roadmap", "intro", "deck", "board", "meeting", "spring", "event", "florist", "sailing",
         "conference", "talk", "paper", "quote", "design", "launch"]
START = dt.date(2025, 1, 1)


def make_vault(notes: int, out: Path, seed: int = 7, shape: str = "notes") -> None:
    rng = random.Random(seed)
    if shape == "contacts":
        _contacts_vault(rng, notes, out)
        return
    people = max(1, notes // 10)
    names = _names(rng, people)
    counts = {"Daily": notes * 5 // 10, "Meetings": notes * 2 // 10}
    counts["Projects"] = notes - people - counts["Daily"] - counts["Meetings"]
    for index, name in enumerate(names):  # one person in 20 broken: 0.5% of all notes
        _write(out / "People" / f"{name}.md", _person(rng, name), rng, broken=index % 20 == 19)
    for index in range(counts["Daily"]):
        day = START + dt.timedelta(days=index % 700)
        stem = day.isoformat() if index < 700 else f"{day.isoformat()} note {index}"
        _write(out / "Daily" / f"{stem}.md", _linking_note(rng, names, day), rng)
    for index in range(counts["Meetings"]):
        day = START + dt.timedelta(days=rng.randrange(700))
        _write(out / "Meetings" / f"{day.isoformat()} Meeting {index}.md",
               _linking_note(rng, names, day), rng)
    for index in range(counts["Projects"]):
        _write(out / "Projects" / f"Project {index}.md", _project(rng, names), rng)
    _write(out / "Templates" / "Person.md", "---\nlast-contact: {{date}}\ncadence: 90d\n---\n", rng)


def _names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    for index in range(count):
        names.append(f"{rng.choice(FIRST)} {rng.choice(LAST)} {index}")
    return names


def _prose(rng: random.Random, size: int) -> str:
    words: list[str] = []
    length = 0
    while length < size:
        words.append(rng.choice(WORDS))
        length += len(words[-1]) + 1
    return "\n".join(" ".join(words[i:i + 12]) for i in range(0, len(words), 12))


def _date(rng: random.Random, days: int = 700) -> str:
    return (START + dt.timedelta(days=rng.randrange(days))).isoformat()


def _person(rng: random.Random, name: str) -> str:
    fields = [f"name: {name}", f"last-contact: {_date(rng)}",
              f"cadence: {rng.choice(['30d', '2w', '3m', 'quarterly', 'every 2 weeks', '90'])}",
              f"tags: [{rng.choice(['client', 'family', 'friend', 'prospect'])}]",
              f"email: {name.split()[0].lower()}@example.com"]
    fields += [f"extra-{i}: value {i}" for i in range(rng.randrange(0, 15))]
    if rng.random() < 0.1:
        fields.append(f"birthday: 19{rng.randrange(50, 99)}-0{rng.randrange(1, 9)}-1{rng.randrange(9)}")
    body = [_prose(rng, rng.randrange(300, 2000)), "", "## Log"]
    body += [f"- {_date(rng)} (email) {rng.choice(WORDS)}" for _ in range(rng.randrange(1, 8))]
    if rng.random() < 0.3:
        body.append(f"- [ ] send {name.split()[0]} the {rng.choice(WORDS)} 📅 {_date(rng)}")
    return "---\n" + "\n".join(fields) + "\n---\n" + "\n".join(body) + "\n"


def _linking_note(rng: random.Random, names: list[str], day: dt.date) -> str:
    lines = [f"# {day.isoformat()}", _prose(rng, rng.randrange(400, 3000))]
    for _ in range(rng.randrange(0, 4)):
        lines.append(f"- talked with [[{rng.choice(names)}]] about {rng.choice(WORDS)}")
    if rng.random() < 0.2:
        lines.append(f"- [ ] email [[{rng.choice(names)}]] the {rng.choice(WORDS)} 📅 {_date(rng)}")
    front = f"---\ndate: {day.isoformat()}\ntags: [daily]\n---\n" if rng.random() < 0.5 else ""
    return front + "\n".join(lines) + "\n"


def _project(rng: random.Random, names: list[str]) -> str:
    lines = ["---", "status: active", f"due: {_date(rng)}", "---", _prose(rng, rng.randrange(500, 5000))]
    if rng.random() < 0.3:
        lines.append(f"- [ ] ask [[{rng.choice(names)}]] for a quote [due:: {_date(rng)}]")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str, rng: random.Random, broken: bool = False) -> None:
    if broken:
        text = text.replace("cadence: ", "cadence: [", 1)
    data = text.encode("utf-8")
    if rng.random() < 0.02:
        data = data.replace(b"\n", b"\r\n")
    if rng.random() < 0.01:
        data = b"\xef\xbb\xbf" + data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _contacts_vault(rng: random.Random, notes: int, out: Path) -> None:
    companies = [f"{_word_name(rng)} {rng.choice(['Inc', 'GmbH', 'Ltd', 'Labs', 'Partners'])} {i}"
                 for i in range(max(1, notes // 100))]
    firsts = [_word_name(rng) for _ in range(max(1, (notes - len(companies)) // 8))]
    for company in companies:
        _write(out / "Companies" / f"{company}.md",
               f"---\ntags: [company]\n---\n# {company}\n{_prose(rng, rng.randrange(200, 800))}\n", rng)
    for index in range(notes - len(companies)):
        first = rng.choice(firsts)
        if rng.random() < 0.02:
            first = rng.choice(["Chloé", "Zoë", "Björn", "Tomás", "李", "Søren", "Ñico"])
        name = f"{first} {rng.choice(LAST)} {index}"
        _write(out / "Contacts" / f"{name}.md", _imported(rng, name, first, rng.choice(companies)), rng,
               broken=index % 200 == 199)
    _write(out / "Templates" / "Person.md", "---\nlast-contact: {{date}}\ncadence: 90d\n---\n", rng)


def _word_name(rng: random.Random) -> str:
    return "".join(rng.choice(["ka", "lo", "mi", "ra", "sen", "to", "vi", "an", "el", "dor", "is", "ne"])
                   for _ in range(rng.randrange(2, 4))).capitalize()


def _imported(rng: random.Random, name: str, first: str, company: str) -> str:
    """A contact as an address-book import and a year of use leave it."""
    fields = [f"name: {name}", f"aliases: [{first}]", f"last-contact: {_date(rng, 590)}",
              f"cadence: {rng.choice(['30d', '2w', '3m', 'quarterly', '90'])}",
              f"tags: [{rng.choice(['client', 'prospect', 'lead', 'partner'])}, imported]",
              f"email: {first.lower()}.{rng.randrange(10**6)}@example.com",
              f'company: "[[{company}]]"']
    if rng.random() < 0.8:
        fields.append(f"next-due: {(START + dt.timedelta(days=rng.randrange(600, 690))).isoformat()}")
    if rng.random() < 0.4:
        month, day = rng.randrange(1, 13), rng.randrange(1, 29)
        fields.append(f"birthday: 19{rng.randrange(50, 99)}-{month:02}-{day:02}")
    fields += [f"phone: +1 555 {rng.randrange(10**6):06}", f"source: import {rng.randrange(3)}"]
    fields += [f"extra-{i}: value {i}" for i in range(rng.randrange(0, 9))]
    body = [f"Works at [[{company}]].", _prose(rng, rng.randrange(200, 1500)), "", "## Log"]
    if rng.random() < 0.9:
        body += [f"- {_date(rng, 590)} ({rng.choice(['email', 'call', 'coffee'])}) "
                 + _prose(rng, rng.randrange(20, 90)).replace("\n", " ") for _ in range(rng.randrange(5, 41))]
    if rng.random() < 0.2:
        body.append(f"- [ ] send {first} the {rng.choice(WORDS)} 📅 {_date(rng)}")
    return "---\n" + "\n".join(fields) + "\n---\n" + "\n".join(body) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shape", choices=["notes", "contacts"], default="notes")
    args = parser.parse_args()
    make_vault(args.notes, args.out, args.seed, args.shape)


if __name__ == "__main__":
    main()
