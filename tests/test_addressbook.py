"""Reading address-book exports, and deciding whom to create and whom to skip."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from mdfollow.addressbook import Person, plan_import, read_people
from mdfollow.fields import Interval

from .factories import TODAY, vault

FILES = Path(__file__).parent / "addressbook"


def read(name: str) -> tuple[list[Person], list[str]]:
    people, problems = read_people((FILES / name).read_bytes().decode("utf-8-sig"), name)
    return people, [str(p) for p in problems]


def test_vcard_3_with_groups_photos_folding_and_broken_cards() -> None:
    people, problems = read("google.vcf")
    assert people[0] == Person("Jane Doe", ("jane@example.com", "Jane.Home@example.com"),
                               ("+1 555 0100", "+1 555 0199"), "Bloom & Co", "1966-12-06", 1)
    assert [(p.name, p.line) for p in people] == [("Jane Doe", 1), ("Sam Lee", 17), ("Ana / Ruiz: CEO?", 27)]
    assert problems == [
        "google.vcf:17: warning: Sam Lee: birthday '19850230' is not a date; left out",
        "google.vcf:25: error: malformed card: Failed to parse line: FN Broken line without a colon; skipped",
        "google.vcf:32: error: card without a name or an email; skipped",
        "google.vcf:36: error: card is never closed (no END:VCARD); skipped",
    ]


def test_vcard_2_1_quoted_printable_and_4_0_birthdays_without_a_year() -> None:
    assert read("outlook.vcf") == ([Person("Jörg Müller", ("joerg@example.de",), ("+49 170 000",), None,
                                           "--12-06", 1)], [])
    people, _ = read("apple.vcf")
    assert [(p.name, p.birthday) for p in people] == [("李 Wei", "--04-17"), ("Jane Doe", None)]


def test_google_contacts_csv() -> None:
    people, problems = read("google.csv")
    assert people == [
        Person("Grace Okafor", ("grace@example.org",), ("+234 800 000", "+234 800 111"), "Accel",
               "1980-03-14", 2),
        Person("Tomás Ferreira", ("tomas@example.pt", "tomas.f@example.pt"), (), None, "--11-30", 5),
        Person("only-email@example.com", ("only-email@example.com",), (), None, None, 6),
    ]
    assert problems == ["google.csv:7: error: row without a name or an email; skipped"]


def test_linkedin_connections_with_notes_before_the_header() -> None:
    people, problems = read("linkedin.csv")
    assert [(p.name, p.emails, p.company, p.line) for p in people] == [
        ("Priya Natarajan", (), "Data Summit", 5), ("Omar Haddad", ("omar@example.com",), "Lisbon Labs", 6)]
    assert problems == []


def test_anything_else_is_one_clear_problem() -> None:
    assert read_people("just some text\n", "x.txt") == ([], read_people("", "x.txt")[1])
    assert "neither a vCard nor" in read_people("", "x.txt")[1][0].message


def test_people_with_a_note_already_are_skipped_by_name_alias_or_email() -> None:
    contacts = vault({
        "People/Jane Doe.md": "---\ncadence: 30d\n---\n",
        "People/G.md": "---\nname: Someone\naliases: [Grace Okafor]\ncadence: 30d\n---\n",
        "People/Tom.md": "---\ncadence: 30d\nemail: TOMAS.F@example.pt\n---\n",
    }).contacts
    people = [*read("google.vcf")[0], *read("google.csv")[0], Person("Jane Doe", (), (), None, None, 99)]
    plan = plan_import(people, contacts, TODAY, "90d", None)
    assert [p.name for p, _ in plan.create] == ["Ana / Ruiz: CEO?", "only-email@example.com", "Sam Lee"]
    assert [(p.name, why) for p, why in plan.skipped] == [
        ("Jane Doe", "already in the vault (People/Jane Doe.md)"),
        ("Grace Okafor", "already in the vault (People/G.md)"),
        ("Tomás Ferreira", "already in the vault (People/Tom.md, same email)"),
        ("Jane Doe", "already in the vault (People/Jane Doe.md)"),
    ]
    within = plan_import([Person("A", ("a@x",), (), None, None, 1), Person("B", ("A@X",), (), None, None, 5)],
                         (), TODAY, None, None)
    assert [(p.name, why) for p, why in within.skipped] == [("B", "earlier in the file (line 1)")]


def test_the_fields_written_for_a_person() -> None:
    plan = plan_import(read("google.vcf")[0][:1], (), TODAY, "quarterly", None)
    assert plan.create[0][1] == {
        "cadence": "quarterly", "email": '"jane@example.com"', "other-emails": '["Jane.Home@example.com"]',
        "phone": '"+1 555 0100"', "other-phones": '["+1 555 0199"]', "company": '"Bloom & Co"',
        "birthday": "1966-12-06"}


def test_spread_puts_first_follow_ups_evenly_over_the_days() -> None:
    people = [Person(f"P{i:03d}", (), (), None, None, i) for i in range(800)]
    plan = plan_import(people, (), TODAY, None, Interval(30, "days"))
    days = Counter(dt.date.fromisoformat(fields["next-due"]) for _, fields in plan.create)
    assert min(days) == TODAY + dt.timedelta(days=1) and max(days) == TODAY + dt.timedelta(days=30)
    assert len(days) == 30 and set(days.values()) <= {26, 27}
    again = plan_import(list(reversed(people)), (), TODAY, None, Interval(30, "days"))
    assert [(p.name, f) for p, f in again.create] == [(p.name, f) for p, f in plan.create]
    few = plan_import(people[:3], (), TODAY, None, Interval(30, "days"))
    assert [f["next-due"] for _, f in few.create] == ["2026-11-23", "2026-12-03", "2026-12-13"]
