"""The review session as a state machine, on a copy of the sample vault (no terminal)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from mdfollow import schedule
from mdfollow.cli import cli
from mdfollow.errors import EditRefused, InvalidValue
from mdfollow.model import Contact, FollowUp
from mdfollow.review import Review, agenda_of, screen, snooze_until
from mdfollow.snapshot import load_vault
from mdfollow.vault import load_config

from .factories import write_vault

SAMPLE = Path(__file__).parent.parent / "sample-vault"
TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SAMPLE, tmp_path / "vault"))


def start(vault: Path, limit: int | None = None) -> Review:
    config = load_config(vault, None)

    def agenda() -> list[tuple[Contact, list[FollowUp]]]:
        contacts = load_vault(vault, config).contacts
        return agenda_of(schedule.due(contacts, config, TODAY), contacts)

    return Review(vault, config, TODAY, agenda, lambda contact: f"Hi {contact.name}\n", limit)


def note(vault: Path, name: str) -> bytes:
    return (vault / "People" / f"{name}.md").read_bytes()


def original(name: str) -> bytes:
    return (SAMPLE / "People" / f"{name}.md").read_bytes()


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_the_people_are_those_due_lists_in_its_order(vault: Path) -> None:
    review = start(vault)
    names = [review.cards[path].contact.name for path in review.order]
    result = CliRunner().invoke(cli, ["--vault", str(vault), "--today", "2026-11-27", "due", "--json"])
    listed = list(dict.fromkeys(item["contact"] for item in json.loads(result.stdout)))
    assert names == listed
    assert names[:3] == ["Yuki Tanaka", "Rosa Delgado", "Martin Kowalski"]
    priya = review.cards["People/Priya Natarajan.md"]
    assert [item.kind for item in priya.items] == ["first", "promise"]  # all her items on one screen
    assert [review.cards[p].contact.name for p in start(vault, limit=2).order] == names[:2]


def test_logging_writes_two_lines_and_the_person_leaves_the_list(vault: Path) -> None:
    review = start(vault)
    said = review.log("  caught up on   her trip ")
    assert said == "Logged 2026-11-27 caught up on her trip — Yuki Tanaka"
    assert note(vault, "Yuki Tanaka") == original("Yuki Tanaka").replace(
        b"last-contact: 2026-03-01", b"last-contact: 2026-11-27"
    ) + b"\n## Log\n- 2026-11-27 caught up on her trip\n"
    assert review.card.contact.name == "Rosa Delgado"
    assert review.cards["People/Yuki Tanaka.md"].items == ()


def test_a_ping_counts_a_try_and_a_last_unanswered_try_closes(vault: Path) -> None:
    review = start(vault)
    review.next()
    review.next()
    assert review.card.contact.name == "Martin Kowalski"
    assert review.ping() == ("Logged 2026-11-27 no reply yet — Martin Kowalski\nThat was the last try: "
                             "Martin Kowalski is closed. `mdfollow reopen 'Martin Kowalski'` to follow "
                             "up again.")
    text = note(vault, "Martin Kowalski").decode()
    assert "attempts: 7\n" in text and "status: closed\n" in text
    assert text.endswith("## Log\n- 2026-11-27 no reply yet\n")


def test_snooze_is_a_week_unless_told_and_bad_input_writes_nothing(vault: Path) -> None:
    review = start(vault)
    with pytest.raises(InvalidValue, match="neither a date"):
        review.snooze("soonish")
    assert note(vault, "Yuki Tanaka") == original("Yuki Tanaka")
    assert review.snooze("") == "Snoozed Yuki Tanaka until 2026-12-04"
    assert note(vault, "Yuki Tanaka") == original("Yuki Tanaka").replace(
        b"next-deu: 2026-12-10\n", b"next-deu: 2026-12-10\nsnooze-until: 2026-12-04\n")
    assert snooze_until(TODAY, "2026-12-24") == dt.date(2026, 12, 24)
    assert snooze_until(TODAY, "10d") == dt.date(2026, 12, 7)


def test_snoozing_says_promises_stay_and_ticking_one_writes_where_it_is(vault: Path) -> None:
    review = start(vault)
    while review.card.contact.name != "Ana Ruiz":
        review.next()
    assert review.snooze("2w").endswith("(promises and birthdays are never snoozed)")
    meeting = vault / "Meetings" / "Quarterly review.md"
    before = meeting.read_bytes()
    promise = review.card.contact.promises[0]
    said = review.tick(1)
    assert said == f"Done: {promise.text} ({promise.source})"
    changed = [pair for pair in zip(before.splitlines(), meeting.read_bytes().splitlines(), strict=True)
               if pair[0] != pair[1]]
    assert len(changed) == 1 and changed[0][1].endswith("\u2705 2026-11-27".encode())
    assert review.finished  # Ana was the last one due
    with pytest.raises(InvalidValue):
        start(vault).tick(3)


def test_undo_restores_the_bytes_and_goes_back_to_that_person(vault: Path) -> None:
    review = start(vault)
    review.log("")
    review.ping()
    assert review.summary() == "Followed up 1 · pinged 1 · snoozed 0 · 11 left for next time"
    assert review.undo().startswith("Undone: People/Rosa Delgado.md is back")
    assert note(vault, "Rosa Delgado") == original("Rosa Delgado")
    assert review.card.contact.name == "Rosa Delgado"
    assert review.summary() == "Followed up 1 · pinged 0 · snoozed 0 · 12 left for next time"
    (vault / "People" / "Yuki Tanaka.md").write_bytes(note(vault, "Yuki Tanaka") + b"edited by hand\n")
    with pytest.raises(EditRefused, match="changed since"):
        review.undo()
    assert note(vault, "Yuki Tanaka").endswith(b"edited by hand\n")
    assert start(vault).undo() == "Nothing to undo."


def test_back_and_next_skip_people_with_nothing_left(vault: Path) -> None:
    review = start(vault)
    assert review.back() == "This is the first one."
    review.log("")  # Yuki leaves
    review.next()
    assert review.card.contact.name == "Martin Kowalski"
    review.back()
    assert review.card.contact.name == "Rosa Delgado"
    assert review.back() == "This is the first one."


def test_close_and_a_session_commit_listing_who_was_done(
        vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("GIT_AUTHOR", "GIT_COMMITTER"):  # a fresh machine has no git identity
        monkeypatch.setenv(f"{key}_NAME", "T")
        monkeypatch.setenv(f"{key}_EMAIL", "t@example.com")
    subprocess.run(["git", "init", "-q", str(vault)], check=True)
    git = ["git", "-C", str(vault), "-c", "core.quotepath=off"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)
    review = start(vault)
    review.log("")
    review.close()
    assert b"status: closed\n" in note(vault, "Rosa Delgado")
    assert review.commit_message() == (
        "Follow-up review 2026-11-27: followed up 1, pinged 0, snoozed 0, closed 1, 11 left for next time\n\n"
        "Followed up: Yuki Tanaka\nClosed: Rosa Delgado")
    assert review.commit() == "Committed 2 notes."
    shown = subprocess.run([*git, "show", "--stat", "--format=%B", "HEAD"], capture_output=True, text=True,
                           check=True).stdout
    assert "Closed: Rosa Delgado" in shown and "People/Yuki Tanaka.md" in shown
    assert "People/Martin Kowalski.md" not in shown


def test_every_screen_fits_80_by_24(vault: Path) -> None:
    long_promises = "".join(f"- [ ] send Jane a very long promise number {n} about the florist and the "
                            f"boat and the conference 📅 2026-11-2{n}\n" for n in range(1, 9))
    wide = "- 2026-11-20 (call) 通話した、とても長い日本語のメモがここに続きます" * 3
    jane = (SAMPLE / "People" / "Jane Doe.md").read_text(encoding="utf-8")
    write_vault(vault, {"People/Jane Doe.md": f"{jane}{long_promises}{wide}\n"})
    review = start(vault)
    seen = 0
    while not review.finished:
        lines = screen(review)
        assert len(lines) <= 22  # and the prompt line below
        assert all(columns(line) <= 80 for line in lines)
        seen += 1
        review.next()
    assert seen == 13
    review = start(vault)
    while review.card.contact.name != "Jane Doe":
        review.next()
    shown = "\n".join(screen(review))
    assert "… and 3 more" in shown and "… and 6 more" in shown and "jane@example.com" in shown
    assert "2026-10-20 (meeting) lunch; she is hiring a second planner" in shown


def test_review_refuses_without_a_terminal(vault: Path) -> None:
    result = CliRunner().invoke(cli, ["--vault", str(vault), "review"], input="q")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("mdfollow: error: review is interactive and needs a terminal")
    assert [p.name for p in (vault / "People").iterdir()] == [p.name for p in (SAMPLE / "People").iterdir()]
