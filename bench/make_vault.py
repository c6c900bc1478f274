"""A deterministic synthetic vault that looks like a heavy Obsidian user's.

People/, Daily/, Meetings/ and Projects/ notes in realistic proportions, wikilinks from
daily and meeting notes to people, promises, CRLF and a BOM in a few notes, unicode names,
0.5% broken notes, and a templates folder. Same arguments, same bytes.

    python bench/make_vault.py --notes 10000 --out bench/out/vault-10000
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


def make_vault(notes: int, out: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
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
    while sum(len(w) + 1 for w in words) < size:
        words.append(rng.choice(WORDS))
    return "\n".join(" ".join(words[i:i + 12]) for i in range(0, len(words), 12))


def _date(rng: random.Random) -> str:
    return (START + dt.timedelta(days=rng.randrange(700))).isoformat()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    make_vault(args.notes, args.out, args.seed)


if __name__ == "__main__":
    main()
