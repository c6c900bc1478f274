"""Every writing command, on notes as people write them (CRLF, a BOM, comments, odd spellings,
`%% … %%` and code blocks in the body): only the intended lines change, and the note then
reads as the command meant."""

from __future__ import annotations

import difflib
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mdfollow.cli import cli
from mdfollow.fields import spelling_table
from mdfollow.notes import parse_note

SPELLINGS = spelling_table()
PATH = "People/Jane Doe.md"


@st.composite
def people_notes(draw: st.DrawFn) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    front = [draw(st.sampled_from(["last-contact: 2026-10-01", "LastChatted: 2026-10-01   # lunch",
                                   "last_contact: '2026-10-01'", "lastContact:"]))]
    front += draw(st.lists(st.sampled_from([
        "# a comment line", "cadence: 30d", "contact-frequency: 14", "attempts: 2", "Attempts: 5",
        "sequence: sales", "sequence-start: 2026-11-01", "status: paused", "aliases: [Jane]",
        "First Name: Jane", "company: \"[[Bloom & Co]]\"", "tags:\n  - client", "next-due: 2026-11-01",
    ]), max_size=5, unique=True))
    body = draw(st.lists(st.sampled_from([
        "Runs events.", "Lunch was %% with [[Sam]] %% cancelled.", "%%\nprivate: - 2026-11-30 no\n%%",
        "## Log", "- 2026-10-01 (meeting) lunch", "- [ ] send the deck 📅 2026-11-25",
        "- [ ] call back %% after Monday %% 📅 2026-11-26", "- example:\n    ```\n    ## Log\n    ```",
        "```\n## Log\n```", "## Ideas", "### 2026-10-05", "", "%% never closed",
    ]), max_size=8))
    ending = draw(st.sampled_from(["", newline]))
    text = newline.join(["---", *front, "---", *body]).replace("\n", newline).replace("\r\r", "\r") + ending
    return ("\ufeff" if draw(st.booleans()) else "").encode() + text.encode()


COMMANDS = st.sampled_from([["log", "jane", "--note", "talked"], ["log", "jane", "--no-reply"],
                            ["snooze", "jane", "2w"], ["close", "jane"], ["reopen", "jane"],
                            ["done", "jane", "deck"], ["done", "jane", "call back"]])


@settings(max_examples=60)
@given(people_notes(), COMMANDS)
def test_every_writing_command_changes_only_what_it_means_to(note: bytes, command: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        vault = Path(folder)
        (vault / "People").mkdir()
        (vault / PATH).write_bytes(note)
        result = CliRunner().invoke(cli, ["--vault", folder, "--today", "2026-11-22", "--no-cache", *command])
        after = (vault / PATH).read_bytes()
    if result.exit_code != 0:
        assert after == note and "Traceback" not in result.output, result.output
        return
    before_text, after_text = note.decode(), after.decode()
    assert after_text.startswith("\ufeff") == before_text.startswith("\ufeff")
    crlf = "\r\n" in before_text
    assert all(line.endswith("\r\n") == crlf for line in after_text.splitlines(True)[:-1])
    removed, added = _diff(before_text, after_text)
    old, new = (parse_note(PATH, text, SPELLINGS) for text in (before_text, after_text))
    if command[0] == "log":
        assert [e.text for e in new.entries if e.text not in [o.text for o in old.entries]] == [
            f"- 2026-11-22 {'talked' if len(command) > 2 and command[2] == '--note' else 'no reply yet'}"]
        attempts = new.fields.get("attempts")
        if command[-1] == "--no-reply":
            assert attempts and int(str(attempts[0].value)) >= 1
        elif attempts:
            assert attempts[0].value in (0, None)
    elif command[0] == "done":
        assert len(removed) == len(added) == 1 and "✅ 2026-11-22" in added[0]
    else:
        assert len(removed) <= 1 and len(added) == 1
    assert len(removed) <= 4  # the fields a log may change; every other line is as it was


def _diff(before: str, after: str) -> tuple[list[str], list[str]]:
    lines = list(difflib.ndiff(before.splitlines(), after.splitlines()))  # endings: checked above
    return [x[2:] for x in lines if x.startswith("- ")], [x[2:] for x in lines if x.startswith("+ ")]


@st.composite
def templates(draw: st.DrawFn) -> str:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    last = draw(st.sampled_from(["last-contact: {{date}}", "LastChatted:",
                                 "last_contact: {{date:YYYY-MM-DD}}"]))
    front = draw(st.lists(st.sampled_from([
        "created: {{date:YYYY-MM-DD}} {{time}}", "# a comment", "cadence: 90d", "tags: [person]",
        "aliases:", "company:", "title: \"{{title}}\"",
    ]), max_size=5, unique=True))
    if draw(st.booleans()):
        front.insert(draw(st.integers(0, len(front))), last)
    body = draw(st.lists(st.sampled_from(["# {{title}}", "## Log", "%% {{date:dddd}} %%", "Met at:", ""]),
                         max_size=4))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return bom + newline.join(["---", *front, "---", *body, ""])


@settings(max_examples=60)
@given(templates(), st.booleans())
def test_new_fills_a_template_and_keeps_the_rest(template: str, met: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        vault = Path(folder)
        (vault / "Templates").mkdir()
        (vault / "Templates/Person.md").write_bytes(template.encode())
        result = CliRunner().invoke(cli, ["--vault", folder, "--today", "2026-11-22", "new", "Zoë O'Brien",
                                          *(["--met", "2026-11-21"] if met else [])])
        assert result.exit_code == 0, result.output
        text = (vault / "People/Zoë O'Brien.md").read_bytes().decode()
    assert "{{" not in text and not text.startswith("\ufeff")  # a BOM is no use in a new note
    assert ("\r\n" in text) == ("\r\n" in template)
    note = parse_note("People/Zoë O'Brien.md", text, SPELLINGS)
    assert note.is_contact and not note.problems
    last = [f.value for f in note.fields.get("last-contact", ())]
    assert "2026-11-22" not in map(str, last) if met else True
    kept = [line for line in template.removeprefix("\ufeff").splitlines()
            if "{{" not in line and not line.startswith("---")]
    assert all(line in text.splitlines() for line in kept)
