"""The writing commands through CliRunner: log, snooze, done, close, reopen, new, history."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mdfollow import cli as cli_module
from mdfollow import vault as vault_module
from mdfollow.cli import cli

from .factories import write_vault

JANE = """
---
name: Jane Doe
aliases: [Jane]
# how we met: the spring fair
LastChatted: 2026-10-20   # lunch
cadence: 30d
company: "[[Bloom & Co]]"
---
Runs events.

## Log
- 2026-10-20 (meeting) lunch

## Ideas
- send her the florist list
"""


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "vault", {
        "People/Jane Doe.md": JANE,
        "People/Sam Lee.md": "---\nsequence: sales\nsequence-start: 2026-11-10\nattempts: 2\n---\n",
        "People/Martin.md": "---\nlast-contact: 2026-09-15\ncadence: 60d\nattempts: 6\n---\n",
        "People/Jane Smith.md": "---\ncadence: 90d\nnext-due: 2026-11-01\nlast-contact: 2026-08-01\n---\n",
        "Meetings/2026-11-19 Kickoff.md": "- [ ] send [[Jane Doe]] the deck 📅 2026-11-25\n"
                                          "- [ ] send [[Jane Doe]] the budget 📅 2026-11-26\n",
    })


def run(vault: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--vault", str(vault), "--today", "2026-11-22", *args])


def read(vault: Path, path: str) -> str:
    return (vault / path).read_bytes().decode("utf-8")


def test_log_changes_only_the_fields_and_appends_to_the_log_section(vault: Path) -> None:
    result = run(vault, "log", "Jane Doe", "--via", "email", "--note", "sent the florist's name")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("Logged 2026-11-22 (email) sent the florist's name — Jane Doe "
                             "(People/Jane Doe.md)\n")
    expected = JANE.lstrip("\n").replace("LastChatted: 2026-10-20   # lunch",
                                         "LastChatted: 2026-11-22   # lunch")
    logged = "- 2026-11-22 (email) sent the florist's name\n"
    expected = expected.replace("- 2026-10-20 (meeting) lunch\n", "- 2026-10-20 (meeting) lunch\n" + logged)
    assert read(vault, "People/Jane Doe.md") == expected


def test_a_log_is_a_conversation_whatever_the_via_it_resets_attempts_and_ends_a_sequence(vault: Path) -> None:
    result = run(vault, "log", "sam", "--via", "email", "--note", "wants a demo")
    assert result.stdout.splitlines()[1:] == [
        "A conversation: the 2 unanswered tries before it no longer count.",
        "The sales sequence ends here: it has done its job."]
    assert read(vault, "People/Sam Lee.md") == (
        "---\nsequence:\nsequence-start: 2026-11-10\nattempts: 0\nlast-contact: 2026-11-22\n---\n\n"
        "## Log\n- 2026-11-22 (email) wants a demo\n")


def test_only_no_reply_counts_an_unanswered_try_and_says_so(vault: Path) -> None:
    result = run(vault, "log", "jane doe", "--via", "call", "--no-reply")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Logged 2026-11-22 (call) no reply yet — Jane Doe (People/Jane Doe.md)",
        "1 unanswered in a row; the last try comes after 6."]
    assert "attempts: 1\n" in read(vault, "People/Jane Doe.md")
    run(vault, "log", "jane doe", "--via", "meeting")
    assert "attempts: 0\n" in read(vault, "People/Jane Doe.md")


def test_seven_plain_logs_never_close_anyone(vault: Path) -> None:
    for _ in range(7):
        assert run(vault, "log", "martin", "--via", "email").exit_code == 0
    text = read(vault, "People/Martin.md")
    assert "attempts: 0\n" in text and "status" not in text


def test_an_unanswered_last_try_closes_the_contact_and_says_how_to_reopen(vault: Path) -> None:
    result = run(vault, "log", "martin", "--via", "email", "--no-reply", "--note", "closing the loop")
    text = read(vault, "People/Martin.md")
    assert "attempts: 7\n" in text and "status: closed\n" in text
    assert result.stdout.splitlines()[1] == ("That was the last try: Martin is closed. "
                                             "`mdfollow reopen Martin` to follow up again.")
    result = run(vault, "log", "martin", "--date", "2026-11-23")
    assert result.stdout.splitlines()[1:] == [
        "A conversation: the 7 unanswered tries before it no longer count.",
        "Martin is closed: no check-ins until `mdfollow reopen Martin`; promises still stand."]


def test_the_try_before_the_last_says_the_next_is_the_last(vault: Path) -> None:
    write_vault(vault, {"People/Lu Chen.md":
                        "---\nlast-contact: 2026-11-01\ncadence: 14d\nattempts: 5\n---\n"})
    result = run(vault, "log", "lu", "--no-reply")
    assert result.stdout.splitlines()[1] == ("6 unanswered in a row: the next follow-up, on 2026-12-06, "
                                             "is the last try (close the loop).")


def test_log_asks_for_future_to_log_more_than_a_day_ahead(vault: Path) -> None:
    before = read(vault, "People/Jane Doe.md")
    result = run(vault, "log", "jane doe", "--date", "2062-11-01")
    assert result.exit_code == 2 and "more than a day ahead" in result.stderr and "--future" in result.stderr
    assert read(vault, "People/Jane Doe.md") == before
    assert run(vault, "log", "jane doe", "--date", "2026-11-23").exit_code == 0
    assert run(vault, "log", "jane doe", "--date", "2026-12-01", "--future").exit_code == 0
    assert "LastChatted: 2026-12-01" in read(vault, "People/Jane Doe.md")


def test_last_contact_never_moves_back_and_a_passed_next_due_is_emptied(vault: Path) -> None:
    run(vault, "log", "jane smith", "--date", "2026-07-01", "--note", "found an old email")
    text = read(vault, "People/Jane Smith.md")
    assert "last-contact: 2026-08-01\n" in text and "- 2026-07-01 found an old email" in text
    run(vault, "log", "jane smith", "--date", "2026-11-20")
    text = read(vault, "People/Jane Smith.md")
    assert "next-due:\n" in text and "last-contact: 2026-11-20\n" in text


def test_dry_run_prints_the_diff_and_changes_nothing(vault: Path) -> None:
    before = read(vault, "People/Jane Doe.md")
    result = run(vault, "log", "jane", "--via", "email", "--dry-run")
    assert result.exit_code == 0
    assert "-LastChatted: 2026-10-20   # lunch\n+LastChatted: 2026-11-22   # lunch\n" in result.stdout
    assert result.stdout.startswith("--- a/People/Jane Doe.md\n+++ b/People/Jane Doe.md\n")
    assert read(vault, "People/Jane Doe.md") == before


def test_crlf_bom_and_no_final_newline_survive_a_log(tmp_path: Path) -> None:
    note = b"\xef\xbb\xbf---\r\nlast_contact: '2026-10-01'\r\ntags:\r\n\t- x\r\n---\r\nBody"
    vault = write_vault(tmp_path, {"Ana.md": b"\xef\xbb\xbf---\r\nlast_contact: '2026-10-01'\r\n---\r\nBody"})
    assert run(vault, "log", "ana").exit_code == 0
    assert (vault / "Ana.md").read_bytes() == (b"\xef\xbb\xbf---\r\nlast_contact: '2026-11-22'\r\n---\r\n"
                                               b"Body\r\n\r\n## Log\r\n- 2026-11-22 in touch")
    (vault / "Ana.md").write_bytes(note)
    result = run(vault, "log", "ana")
    assert result.exit_code == 4 and "Ana.md can't be read, so it can't be changed" in result.stderr
    assert (vault / "Ana.md").read_bytes() == note


def test_permissions_are_kept(vault: Path) -> None:
    (vault / "People/Jane Doe.md").chmod(0o600)
    run(vault, "snooze", "jane", "1w")
    assert oct((vault / "People/Jane Doe.md").stat().st_mode & 0o777) == "0o600"


def test_a_note_saved_meanwhile_is_not_overwritten(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = vault_module.read_for_edit

    def read_then_editor_saves(root: Path, path: str) -> tuple[bytes, str]:
        found = real(root, path)
        (root / path).write_text("---\ncadence: 7d\n---\nthe editor's version\n", encoding="utf-8")
        return found

    monkeypatch.setattr(cli_module, "read_for_edit", read_then_editor_saves)
    result = run(vault, "log", "jane")
    assert result.exit_code == 5
    assert "changed on disk while mdfollow was editing it" in result.stderr
    assert read(vault, "People/Jane Doe.md") == "---\ncadence: 7d\n---\nthe editor's version\n"


def test_unsafe_notes_are_refused_untouched(tmp_path: Path) -> None:
    flow = "---\n{last-contact: 2026-10-01, cadence: 30d}\n---\n"
    vault = write_vault(tmp_path, {"F.md": flow})
    result = run(vault, "close", "f")
    assert (result.exit_code, read(vault, "F.md")) == (5, flow)
    assert "one flow mapping" in result.stderr


def test_snooze_takes_a_while_or_a_date(vault: Path) -> None:
    assert run(vault, "snooze", "jane", "2w").stdout == "Snoozed Jane Doe until 2026-12-06\n"
    assert "snooze-until: 2026-12-06\n" in read(vault, "People/Jane Doe.md")
    run(vault, "snooze", "jane", "2027-01-15")
    assert "snooze-until: 2027-01-15\n" in read(vault, "People/Jane Doe.md")
    result = run(vault, "snooze", "jane", "later")
    assert result.exit_code == 2 and "neither a date" in result.stderr


def test_a_snooze_into_the_past_is_refused_and_a_closed_contact_is_named(vault: Path) -> None:
    before = read(vault, "People/Jane Doe.md")
    for until in ("2020-01-01", "2026-11-22"):
        result = run(vault, "snooze", "jane doe", until)
        assert result.exit_code == 2 and "is not after today (2026-11-22)" in result.stderr
        assert result.stdout == "" and read(vault, "People/Jane Doe.md") == before
    run(vault, "close", "jane doe")
    assert run(vault, "snooze", "jane doe", "1w").stdout.splitlines() == [
        "Snoozed Jane Doe until 2026-11-29",
        "Jane Doe is closed: no check-ins until `mdfollow reopen 'Jane Doe'`; promises still stand."]


def test_done_ticks_the_promise_wherever_it_is(vault: Path) -> None:
    result = run(vault, "done", "jane", "DECK")
    assert result.exit_code == 0, result.output
    assert read(vault, "Meetings/2026-11-19 Kickoff.md") == (
        "- [x] send [[Jane Doe]] the deck 📅 2026-11-25 ✅ 2026-11-22\n"
        "- [ ] send [[Jane Doe]] the budget 📅 2026-11-26\n")
    assert result.stdout == "Done: send Jane Doe the deck (Meetings/2026-11-19 Kickoff.md:1)\n"


def test_done_with_no_or_several_matches_lists_the_promises(vault: Path) -> None:
    result = run(vault, "done", "jane", "send")
    assert result.exit_code == 4
    assert "more than one open promise" in result.stderr and "the budget (due 2026-11-26" in result.stderr
    assert run(vault, "done", "jane", "flowers").exit_code == 4


def test_close_and_reopen(vault: Path) -> None:
    assert run(vault, "close", "martin").stdout == "Martin: status closed\n"
    assert "status: closed\n" in read(vault, "People/Martin.md")
    assert run(vault, "reopen", "martin").exit_code == 0
    assert "status: active\n" in read(vault, "People/Martin.md")
    assert run(vault, "reopen", "martin").stdout == "Martin: nothing to change.\n"


def test_names_resolve_by_alias_or_word_starts_and_ambiguity_lists_candidates(vault: Path) -> None:
    result = run(vault, "close", "jane")  # the alias of Jane Doe wins over the prefix of Jane Smith
    assert result.stdout == "Jane Doe: status closed\n"
    result = run(vault, "close", "j")
    assert result.exit_code == 4 and "could be any of" in result.stderr and "Jane Smith" in result.stderr
    result = run(vault, "close", "Jnae Smith")
    assert result.exit_code == 4 and "Did you mean 'Jane Smith'" in result.stderr


def test_new_from_the_built_in_template(vault: Path) -> None:
    result = run(vault, "new", "Zoë O'Brien", "--cadence", "every 2 weeks", "--met", "2026-11-21",
                 "--tags", "client, #friend")
    assert result.stdout == "Created People/Zoë O'Brien.md\n"
    assert read(vault, "People/Zoë O'Brien.md") == (
        "---\nlast-contact:\ncadence: every 2 weeks\nmet: 2026-11-21\ntags: [\"client\", \"friend\"]\n"
        "---\n\n## Log\n")
    due = json.loads(run(vault, "due", "--json").stdout)
    assert {"contact": "Zoë O'Brien", "kind": "first", "due": "2026-11-22"}.items() <= due[-1].items()


def test_new_from_the_vaults_template_with_placeholders(vault: Path) -> None:
    write_vault(vault, {"Templates/Person.md": "---\ncreated: {{date}}\nlast-contact:\ncadence: 90d\n---\n"
                                               "# {{title}}\n"})
    result = run(vault, "new", "Ana / Acme", "--folder", "")
    assert result.exit_code == 0, result.output
    assert read(vault, "Ana - Acme.md") == (
        "---\ncreated: 2026-11-22\nlast-contact:\ncadence: 90d\nname: \"Ana / Acme\"\n---\n# Ana / Acme\n")


def test_new_never_overwrites_and_dry_run_shows_the_new_file(vault: Path) -> None:
    assert run(vault, "new", "Jane Doe").exit_code == 5
    write_vault(vault, {"People/Bo.md": "not a contact\n"})
    result = run(vault, "new", "Bo")
    assert result.exit_code == 5 and "already exists" in result.stderr
    assert read(vault, "People/Bo.md") == "not a contact\n"
    result = run(vault, "new", "Cy", "--dry-run")
    assert result.stdout.startswith("--- /dev/null\n+++ b/People/Cy.md\n")
    assert not (vault / "People/Cy.md").exists()
    assert run(vault, "new", "Cy", "--cadence", "sometimes").exit_code == 2


def test_history_without_git(vault: Path) -> None:
    write_vault(vault, {"Daily/2026-11-19.md": "Coffee with [[Jane]].\n"})
    run(vault, "log", "jane", "--via", "email", "--note", "hello")
    result = run(vault, "history", "jane", "--json")
    assert json.loads(result.stdout) == [
        {"date": "2026-11-22", "kind": "log", "text": "- 2026-11-22 (email) hello",
         "source": "People/Jane Doe.md:13"},
        {"date": "2026-11-19", "kind": "note", "text": "linked from 2026-11-19",
         "source": "Daily/2026-11-19.md"},
        {"date": "2026-10-20", "kind": "log", "text": "- 2026-10-20 (meeting) lunch",
         "source": "People/Jane Doe.md:12"},
    ]


# --- git --------------------------------------------------------------------------------


@pytest.fixture
def repo(vault: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
                       "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com",
                       "GIT_AUTHOR_DATE": "2026-11-01T10:00:00", "GIT_COMMITTER_DATE": "2026-11-01T10:00:00"
                       }.items():
        monkeypatch.setenv(key, value)
    git(vault, "init", "-q")
    git(vault, "add", ".")
    git(vault, "commit", "-qm", "start")
    return vault


def git(vault: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(vault), *args], capture_output=True, text=True,
                          check=True).stdout


def test_commit_commits_exactly_the_changed_note(repo: Path) -> None:
    (repo / "People/Martin.md").write_text("---\ncadence: 7d\n---\n", encoding="utf-8")
    git(repo, "add", "People/Martin.md")  # staged by the person, not ours to commit
    (repo / "Scratch.md").write_text("untracked\n", encoding="utf-8")
    result = run(repo, "log", "jane", "--via", "email", "--commit")
    assert result.exit_code == 0, result.output
    assert git(repo, "log", "-1", "--format=%s").strip() == "log: Jane Doe (email)"
    assert git(repo, "show", "--name-only", "--format=", "HEAD").splitlines() == ["People/Jane Doe.md"]
    assert git(repo, "status", "--porcelain").splitlines() == ["M  People/Martin.md", "?? Scratch.md"]


def test_autocommit_from_the_config(repo: Path) -> None:
    write_vault(repo, {".mdfollow.toml": "[git]\nautocommit = true\n"})
    assert run(repo, "close", "martin").exit_code == 0
    assert git(repo, "log", "-1", "--format=%s").strip() == "close: Martin"


def test_no_commit_and_nothing_written_when_git_cannot(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = read(vault, "People/Jane Doe.md")
    result = run(vault, "log", "jane", "--commit")
    assert result.exit_code == 6 and "not in a git work tree" in result.stderr
    monkeypatch.setattr("shutil.which", lambda name: None)
    result = run(vault, "log", "jane", "--commit")
    assert result.exit_code == 6 and "git is not installed" in result.stderr
    assert read(vault, "People/Jane Doe.md") == before


def test_a_conflicted_index_stops_the_command_before_it_writes(repo: Path) -> None:
    git(repo, "checkout", "-qb", "other")
    (repo / "People/Martin.md").write_text("---\ncadence: 1d\n---\n", encoding="utf-8")
    git(repo, "commit", "-qam", "other")
    git(repo, "checkout", "-q", "-")
    (repo / "People/Martin.md").write_text("---\ncadence: 2d\n---\n", encoding="utf-8")
    git(repo, "commit", "-qam", "mine")
    subprocess.run(["git", "-C", str(repo), "merge", "-q", "other"], capture_output=True, check=False)
    before = read(repo, "People/Jane Doe.md")
    result = run(repo, "log", "jane", "--commit")
    assert result.exit_code == 6 and "unresolved conflicts" in result.stderr
    assert read(repo, "People/Jane Doe.md") == before


def test_history_reads_field_changes_from_git(repo: Path) -> None:
    run(repo, "log", "jane", "--via", "email", "--commit", "--date", "2026-11-10")
    run(repo, "snooze", "jane", "1w", "--commit")
    run(repo, "log", "jane", "--via", "call", "--commit")
    rows = json.loads(run(repo, "history", "jane", "--json").stdout)
    git_rows = [(r["text"], r["source"].split(" ", 1)[1]) for r in rows if r["kind"] == "git"]
    assert git_rows == [("last-contact: 2026-11-10 → 2026-11-22", "log: Jane Doe (call)"),
                        ("last-contact: 2026-10-20 → 2026-11-10", "log: Jane Doe (email)"),
                        ("last-contact: (none) → 2026-10-20", "start")]
    assert [r["date"] for r in rows] == sorted((r["date"] for r in rows), reverse=True)


# --- import -------------------------------------------------------------------------------

ADDRESSBOOK = Path(__file__).parent / "addressbook"


def test_import_creates_safe_notes_and_a_second_import_changes_nothing(vault: Path) -> None:
    result = run(vault, "import", str(ADDRESSBOOK / "google.vcf"), "--cadence", "90d", "--spread", "30d",
                 "-v")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "  created People/Ana - Ruiz- CEO-.md",
        "  skipped Jane Doe: already in the vault (People/Jane Doe.md)",
        "  skipped Sam Lee: already in the vault (People/Sam Lee.md)",
        "  google.vcf:17: warning: Sam Lee: birthday '19850230' is not a date; left out",
        "  google.vcf:25: error: malformed card: Failed to parse line: FN Broken line without a colon; "
        "skipped",
        "  google.vcf:32: error: card without a name or an email; skipped",
        "  google.vcf:36: error: card is never closed (no END:VCARD); skipped",
        "Created 1 note; skipped 2; 4 problems.",
    ]
    assert read(vault, "People/Ana - Ruiz- CEO-.md") == (
        '---\nlast-contact:\ncadence: 90d\nnext-due: 2026-11-23\nemail: "ana@example.com"\n'
        'name: "Ana / Ruiz: CEO?"\n---\n\n## Log\n')
    due = {i["contact"]: i["due"] for i in json.loads(run(vault, "due", "--within", "30d", "--json").stdout)}
    assert due["Ana / Ruiz: CEO?"] == "2026-11-23"
    again = run(vault, "import", str(ADDRESSBOOK / "google.vcf"))
    assert again.stdout.splitlines()[-1] == "Created 0 notes; skipped 3 (-v lists them); 4 problems."


def test_import_never_overwrites_a_file_of_the_same_name(vault: Path) -> None:
    write_vault(vault, {"People/Grace Okafor.md": "A note about a talk, not a contact.\n"})
    result = run(vault, "import", str(ADDRESSBOOK / "google.csv"), "--folder", "People", "--verbose")
    assert "  created People/Grace Okafor 2.md" in result.stdout.splitlines()
    assert read(vault, "People/Grace Okafor.md") == "A note about a talk, not a contact.\n"
    assert 'name: "Grace Okafor"' in read(vault, "People/Grace Okafor 2.md")


def test_import_dry_run_writes_nothing(vault: Path) -> None:
    result = run(vault, "import", str(ADDRESSBOOK / "linkedin.csv"), "--dry-run")
    assert result.stdout.splitlines() == [
        "would create People/Omar Haddad.md", "would create People/Priya Natarajan.md",
        "Would create 2 notes; skipped 0; 0 problems."]
    assert not (vault / "People/Omar Haddad.md").exists()


def test_import_commits_what_it_created(repo: Path) -> None:
    assert run(repo, "import", str(ADDRESSBOOK / "outlook.vcf"), "--commit").exit_code == 0
    assert git(repo, "log", "-1", "--format=%s").strip() == "import: 1 contact from outlook.vcf"
    assert git(repo, "-c", "core.quotePath=false", "show", "--name-only", "--format=", "HEAD"
               ).splitlines() == ["People/Jörg Müller.md"]


def test_import_refuses_what_it_cannot_read(vault: Path, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("First Name,Last Name\nJos\xe9,Ruiz\n".encode("latin-1"))
    result = run(vault, "import", str(latin))
    assert result.exit_code == 2 and "is not UTF-8 text" in result.stderr
    assert run(vault, "import", str(latin), "--cadence", "sometimes").exit_code == 2


@pytest.mark.parametrize("folder", ["../outside", "/tmp", "a/../../b", "C:/x"])
def test_notes_are_only_created_inside_the_vault(vault: Path, folder: str) -> None:
    result = run(vault, "new", "Eve", "--folder", folder)
    assert result.exit_code == 2 and "is not a folder inside the vault" in result.stderr
    assert run(vault, "import", str(ADDRESSBOOK / "outlook.vcf"), "--folder", folder).exit_code == 2
    assert not list(vault.parent.glob("**/Eve.md"))


def test_nested_folders_are_fine(vault: Path) -> None:
    assert run(vault, "new", "Eve", "--folder", "People/Friends/").stdout == "Created People/Friends/Eve.md\n"


# --- two contacts of one name, and dates far ahead ----------------------------------------


@pytest.fixture
def twins(vault: Path) -> Path:
    return write_vault(vault, {"People/John Smith.md":
                               "---\ncadence: 7d\nlast-contact: 2026-11-01\n---\n",
                               "Work/Acme/John Smith.md":
                               "---\ncadence: 7d\nlast-contact: 2026-11-02\n---\n"})


@pytest.mark.parametrize("name", ["Work/Acme/John Smith", "Work/Acme/John Smith.md",
                                  "work/acme/john smith.MD", "./Work/Acme/John Smith"])
def test_every_name_argument_also_takes_the_notes_path(twins: Path, name: str) -> None:
    assert run(twins, "log", "John Smith").exit_code == 4
    result = run(twins, "log", name, "--note", "hi")
    assert result.exit_code == 0, result.output
    assert "- 2026-11-22 hi" in read(twins, "Work/Acme/John Smith.md")
    assert "## Log" not in read(twins, "People/John Smith.md")
    assert run(twins, "history", name, "--json").exit_code == 0


def test_due_tells_two_contacts_of_one_name_apart_and_check_warns(twins: Path) -> None:
    who = [line.split("  ")[1].strip() for line in run(twins, "due").stdout.splitlines()[3:]]
    assert "John Smith (People)" in who and "John Smith (Acme)" in who
    result = run(twins, "check")
    assert ("People/John Smith.md:1: warning: 'John Smith' also names Work/Acme/John Smith.md: give the "
            "note's path to tell them apart (`mdfollow log \"People/John Smith\"`)"
            ) in result.stdout.splitlines()
    assert "Work/Acme/John Smith.md:1: warning: 'John Smith' also names People/John Smith.md" in result.stdout


def test_check_warns_about_dates_far_in_the_future(vault: Path) -> None:
    write_vault(vault, {"People/Typo.md":
                        "---\nlast-contact: 2062-11-01\nmet: 2062-01-01\ncadence: 7d\n---\n",
                        "People/Log Typo.md":
                        "---\ncadence: 7d\n---\n## Log\n- 2026-11-01 ok\n- 2206-11-02 typo\n",
                        "People/Planned.md": "---\nlast-contact: 2026-12-20\ncadence: 7d\n---\n"})
    lines = run(vault, "check").stdout.splitlines()
    # past the hundred-year horizon: said once, by the horizon's warning
    assert [line for line in lines if line.startswith("People/Log Typo.md:6:")] == [
        "People/Log Typo.md:6: warning: log date 2206-11-02 is more than 100 years ahead: a typo? "
        "Nothing on that day is shown"]
    assert "People/Typo.md:1: warning: last-contact 2062-11-01 is 13128 days in the future (a typo?): it " \
           "hides Typo from due and stale until then" in lines
    assert "People/Typo.md:1: warning: met 2062-01-01 is 12824 days in the future (a typo?)" in lines
    assert not any("Planned" in line for line in lines)


# --- new contacts: names taken, templates --------------------------------------------------


@pytest.mark.parametrize("name", ["Jane", "jane doe", "Martin", "  JANE  "])
def test_new_refuses_a_name_that_already_names_a_contact_by_file_name_or_alias(vault: Path,
                                                                               name: str) -> None:
    result = run(vault, "new", name)
    assert result.exit_code == 5
    assert "already names" in result.stderr and "nothing was written" in result.stderr
    assert sorted(p.name for p in (vault / "People").iterdir()) == [
        "Jane Doe.md", "Jane Smith.md", "Martin.md", "Sam Lee.md"]


def test_import_skips_whoever_a_name_or_alias_already_names(vault: Path, tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("First Name,Last Name,E-mail 1 - Value\nJane,,\nMartin,,\nNew,Person,\n",
                                    encoding="utf-8")
    result = run(vault, "import", str(tmp_path / "c.csv"), "-v")
    assert result.stdout.splitlines() == [
        "  created People/New Person.md",
        "  skipped Jane: already in the vault (People/Jane Doe.md)",
        "  skipped Martin: already in the vault (People/Martin.md)",
        "Created 1 note; skipped 2; 0 problems."]


def test_new_with_met_from_a_template_that_fills_last_contact_with_today(vault: Path) -> None:
    write_vault(vault, {"Templates/Person.md": "---\nlast-contact: {{date}}\ncadence: 90d\n---\n"
                                               "# {{title}}, added {{date:dddd D MMMM}} at {{time:H}}h\n"})
    result = run(vault, "new", "Priya Natarajan", "--met", "2026-11-21")
    assert result.exit_code == 0, result.output
    text = read(vault, "People/Priya Natarajan.md")
    assert text.startswith("---\nlast-contact:\ncadence: 90d\nmet: 2026-11-21\n---\n"
                           "# Priya Natarajan, added Sunday 22 November at ")
    due = json.loads(run(vault, "due", "--json").stdout)
    assert {"contact": "Priya Natarajan", "kind": "first", "due": "2026-11-22"}.items() <= due[-1].items()
    assert run(vault, "new", "Omar Haddad").exit_code == 0
    assert read(vault, "People/Omar Haddad.md").startswith("---\nlast-contact: 2026-11-22\n")  # no --met


def test_templater_commands_are_left_alone_with_a_warning(vault: Path) -> None:
    write_vault(vault, {"Templates/Person.md": "---\nlast-contact:\n---\n<% tp.file.cursor() %>\n"})
    result = run(vault, "new", "Lu")
    assert result.exit_code == 0
    assert "Templater commands (<% … %>); they are left as they are" in result.stderr
    assert read(vault, "People/Lu.md") == "---\nlast-contact:\n---\n<% tp.file.cursor() %>\n"


def test_an_import_that_reads_nobody_exits_5(vault: Path, tmp_path: Path) -> None:
    (tmp_path / "junk.txt").write_text("just some words\nand more\n", encoding="utf-8")
    result = run(vault, "import", str(tmp_path / "junk.txt"))
    assert result.exit_code == 5
    assert result.stdout.startswith("  junk.txt:1: error: neither a vCard nor a Google or LinkedIn CSV")
    assert result.stderr == "mdfollow: error: nobody could be read from junk.txt; nothing was written\n"


def test_a_large_import_ends_with_the_summary_and_lists_notes_only_with_v(vault: Path,
                                                                           tmp_path: Path) -> None:
    rows = "".join(f"Person,Number {n},p{n}@example.com\n" for n in range(600))
    (tmp_path / "big.csv").write_text("First Name,Last Name,E-mail 1 - Value\n" + rows, encoding="utf-8")
    result = run(vault, "import", str(tmp_path / "big.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "Created 600 notes; skipped 0; 0 problems.\n"
    assert len(list((vault / "People").glob("Person Number *.md"))) == 600


def test_a_log_line_never_lands_in_a_code_block_or_an_unclosed_comment(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"A.md": "---\nlast-contact: 2026-10-01\n---\n## Log\n```\n## Log\n```\n",
                                   "B.md": "---\nlast-contact: 2026-10-01\n---\n%% never closed\n"})
    assert run(vault, "log", "a", "--note", "hi").exit_code == 0
    assert read(vault, "A.md").endswith("```\n## Log\n```\n- 2026-11-22 hi\n")
    result = run(vault, "log", "b")
    assert result.exit_code == 5 and "would not be read where it goes" in result.stderr
    assert read(vault, "B.md") == "---\nlast-contact: 2026-10-01\n---\n%% never closed\n"


def test_check_json_lists_the_doubts_too(twins: Path) -> None:
    problems = json.loads(run(twins, "check", "--json").stdout)
    assert {"path": "Work/Acme/John Smith.md", "line": 1, "severity": "warning",
            "message": "'John Smith' also names People/John Smith.md: give the note's path to tell them "
                       "apart (`mdfollow log \"Work/Acme/John Smith\"`)"} in problems


def test_new_beside_a_note_whose_name_differs_only_in_case_is_refused(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"People/ana ruiz.md": "Met at the fair; no follow-up yet.\n"})
    result = run(vault, "new", "Ana Ruiz")
    assert result.exit_code == 5 and "People/ana ruiz.md already exists" in result.stderr
    assert sorted(p.name for p in (vault / "People").iterdir()) == ["ana ruiz.md"]
    assert run(vault, "new", "Ana Ruiz", "--folder", "Clients").exit_code == 0  # elsewhere, fine
