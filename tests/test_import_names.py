"""Imports that once aborted, duplicated people or made notes mdfollow never reads:
names that make no file name, dot-names and dot-folders, odd line breaks in CSV cells,
decomposed accents, and a folder linked outside the vault."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mdfollow.addressbook import read_people
from mdfollow.cli import cli

from .factories import write_vault

CHLOE = "Chlo\u00e9 Martin"  # composed, as most systems write it


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "vault", {
        f"People/{CHLOE}.md": "---\nlast-contact: 2026-10-01\ncadence: 30d\n---\n"})


def run(vault: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--vault", str(vault), "--today", "2026-11-22", *args])


def vcards(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "cards.vcf"
    path.write_text("".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEND:VCARD\r\n" for name in names),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_name_without_a_usable_file_name_skips_that_card_only(
        vault: Path, tmp_path: Path, dry_run: bool) -> None:
    cards = vcards(tmp_path, ".", "..", "/", "...", "x" * 300, "Omar Haddad")
    result = run(vault, "import", str(cards), "-v", *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-6:-1] == [
        "  skipped .: '.' gives no usable file name", "  skipped ..: '..' gives no usable file name",
        "  skipped ...: '...' gives no usable file name", "  skipped /: '/' gives no usable file name",
        f"  skipped {'x' * 300}: {'x' * 40!r}… is too long for a file name"]
    assert f"{'Would create' if dry_run else 'Created'} 1 note; skipped 5; 0 problems." in lines
    assert ("would create People/Omar Haddad.md" in lines) == dry_run
    assert (vault / "People/Omar Haddad.md").exists() != dry_run


def test_a_dot_name_makes_a_note_that_is_read(vault: Path, tmp_path: Path) -> None:
    result = run(vault, "import", str(vcards(tmp_path, ".hidden Person")), "-v")
    assert result.exit_code == 0, result.output
    assert "  created People/hidden Person.md" in result.stdout.splitlines()
    assert 'name: ".hidden Person"' in (vault / "People/hidden Person.md").read_text(encoding="utf-8")
    assert run(vault, "import", str(vcards(tmp_path, ".hidden Person"))).stdout.startswith(
        "Created 0 notes; skipped 1")  # read back, so a second import adds nothing


@pytest.mark.parametrize("folder", ["Templates", ".obsidian", "People/.trash", "templates/People"])
def test_folders_whose_notes_are_never_read_are_refused(vault: Path, tmp_path: Path, folder: str) -> None:
    imported = run(vault, "import", str(vcards(tmp_path, "Omar Haddad")), "--folder", folder)
    created = run(vault, "new", "Omar Haddad", "--folder", folder)  # `new` as well: the note would be lost
    for result in (imported, created):
        assert result.exit_code == 2
        assert "mdfollow does not read notes in" in result.stderr
        assert "choose another --folder" in result.stderr
    assert not list(vault.rglob("Omar Haddad.md"))


def test_a_folder_linked_outside_the_vault_is_refused(vault: Path, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (vault / "Linked").symlink_to(tmp_path / "outside")
    for command in (["import", str(vcards(tmp_path, "Omar Haddad"))], ["new", "Omar Haddad"]):
        result = run(vault, *command, "--folder", "Linked")
        assert result.exit_code == 2 and "leads outside the vault" in result.stderr
    assert list((tmp_path / "outside").iterdir()) == []


@pytest.mark.parametrize("odd", ["\u0085", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c"])
def test_csv_cells_with_other_line_breaks_stay_one_person(odd: str) -> None:
    text = ("First Name,Last Name,E-mail 1 - Value\r\n"
            f'Ana,"Ruiz{odd}Lopez",ana@example.com\r\n'
            "Sam,Lee,sam@example.com\r\n")
    people, problems = read_people(text, "contacts.csv")
    assert problems == []
    assert [(p.name, p.emails, p.line) for p in people] == [
        ("Ana Ruiz Lopez", ("ana@example.com",), 2), ("Sam Lee", ("sam@example.com",), 3)]


def test_a_vcard_name_with_a_line_separator_stays_one_card() -> None:
    people, problems = read_people("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\u2028Ruiz\r\n"
                                   "EMAIL:ana@example.com\r\nEND:VCARD\r\n", "cards.vcf")
    assert problems == []
    assert [(p.name, p.emails) for p in people] == [("Ana Ruiz", ("ana@example.com",))]


def test_a_decomposed_name_is_the_same_person(vault: Path, tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", CHLOE.upper())
    assert decomposed != CHLOE.upper()
    zoe = unicodedata.normalize("NFD", "Zo\u00eb Ng")
    result = run(vault, "import", str(vcards(tmp_path, decomposed, zoe)), "-v")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        "  created People/Zo\u00eb Ng.md",
        f"  skipped {unicodedata.normalize('NFC', decomposed)}: already in the vault (People/{CHLOE}.md)",
        "Created 1 note; skipped 1; 0 problems."]


def test_a_name_typed_decomposed_finds_the_contact_and_suggestions_ignore_accents(vault: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "chlo\u00e9 martin")
    logged = run(vault, "log", decomposed, "--note", "call", "--dry-run")
    assert logged.exit_code == 0, logged.output
    assert f"b/People/{CHLOE}.md" in logged.stdout
    unknown = run(vault, "log", "Chloe Marten")
    assert unknown.exit_code == 4
    assert f"Did you mean '{CHLOE}'?" in unknown.stderr
