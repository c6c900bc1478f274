"""The CLI through click's CliRunner: output, JSON fields, exit codes, and messages."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from mdfollow import listing
from mdfollow.cli import _print_json, cli

from .factories import write_vault
from .imports import imported
from .live import summaries

ROOT = Path(__file__).parent.parent
SMALL = Path(__file__).parent / "vaults" / "small"


def run(*args: str, vault: Path = SMALL, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["--vault", str(vault), "--today", "2026-11-22", *args])


def test_due_json_has_the_documented_fields_and_values() -> None:
    result = run("due", "--within", "14d", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"contact": "Sam Lee", "path": "People/Sam Lee.md", "kind": "sequence", "due": "2026-11-17",
         "overdue_days": 5, "last_contact": None, "title": "Sales step 3 of 4 (day 7)", "source": None},
        {"contact": "Jane Doe", "path": "People/Jane Doe.md", "kind": "promise", "due": "2026-11-25",
         "overdue_days": 0, "last_contact": "2026-11-18", "title": "send Jane my florist's name",
         "source": "People/Jane Doe.md:7"},
        {"contact": "Ana Ruiz", "path": "People/Ana Ruiz.md", "kind": "cadence", "due": "2026-12-01",
         "overdue_days": 0, "last_contact": "2026-09-01", "title": "Check in (every 3 months)",
         "source": None},
        {"contact": "Ana Ruiz", "path": "People/Ana Ruiz.md", "kind": "birthday", "due": "2026-12-06",
         "overdue_days": 0, "last_contact": "2026-09-01", "title": "Birthday (turns 60)",
         "source": None},
    ]


def test_due_defaults_to_today_and_the_window_is_inclusive() -> None:
    assert [i["contact"] for i in json.loads(run("due", "--json").stdout)] == ["Sam Lee"]
    assert [i["due"] for i in json.loads(run("due", "--within", "3d", "--json").stdout)] == [
        "2026-11-17", "2026-11-25"]


def test_due_table_is_readable() -> None:
    result = run("due", "--within", "2w")
    lines = result.stdout.splitlines()
    assert lines[0] == "4 follow-ups due by 2026-12-06"
    assert lines[2].split() == ["DUE", "WHO", "KIND", "LAST", "CONTACT", "WHAT"]
    assert re.match(r"5d late +Sam Lee +sequence +never +Sales step 3 of 4", lines[3])
    assert lines[4].startswith("in 3d ")


LONG = "send Jane the florist's name and the caterer's number and the venue's floor plan too"


@pytest.mark.parametrize(("columns", "widest"), [(None, 80), ("80", 80), ("60", 60), ("200", 145)])
def test_the_due_table_fits_the_terminal_and_cuts_what_with_an_ellipsis(
        tmp_path: Path, columns: str | None, widest: int) -> None:
    vault = write_vault(tmp_path, {
        "People/Jane Doe.md": f"---\ncadence: 30d\n---\n- [ ] {LONG} 📅 2026-11-20\n",
        "People/Alexandra Featherstonehaugh.md": "---\nmet: 2026-11-20\n---\n"})
    result = run("due", vault=vault, env={"COLUMNS": columns} if columns else {"COLUMNS": ""})
    lines = result.stdout.splitlines()[2:]
    assert max(map(len, lines)) == widest
    promise = next(line for line in lines if " promise " in line)
    assert promise.endswith("…") == (widest < 120) and LONG[:7] in promise
    assert json.loads(run("due", "--json", vault=vault).stdout)[0]["title"] == LONG


def test_broken_notes_are_named_once_on_stderr_and_the_rest_is_listed() -> None:
    result = run("due")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "mdfollow: warning: People/Broken.md:3: broken YAML: did not find expected ',' or ']'; "
        "note skipped",
        "mdfollow: warning: 1 more error in the vault (1 impossible date): run `mdfollow check`",
    ]
    assert "Sam Lee" in result.stdout and "Traceback" not in result.output
    for quiet in (["-q", "due"], ["--quiet", "due"], ["due", "--quiet"]):
        result = CliRunner().invoke(cli, ["--vault", str(SMALL), *quiet])
        assert (result.exit_code, result.stderr) == (0, "")


def test_sixty_broken_notes_name_three_and_say_what_the_rest_are(tmp_path: Path) -> None:
    files = {f"People/Broken {n:02}.md": "---\ncadence: [30d\n---\n" for n in range(60)}
    files.update({"People/A.md": "---\ncadence: often\n---\n", "People/B.md": "---\nmet: 2026-02-30\n---\n",
                  "People/C.md": "---\nmet: 2026-02-31\n---\n"})
    result = run("stale", vault=write_vault(tmp_path, files))
    lines = result.stderr.splitlines()
    assert [line.split(":")[2] for line in lines[:3]] == [" People/Broken 00.md", " People/Broken 01.md",
                                                         " People/Broken 02.md"]
    assert lines[3:] == ["mdfollow: warning: and 57 more: run `mdfollow check`",
                         "mdfollow: warning: 3 more errors in the vault (2 impossible dates, 1 unknown "
                         "cadence): run `mdfollow check`"]


def test_nothing_due(tmp_path: Path) -> None:
    result = run("due", vault=tmp_path)
    assert (result.exit_code, result.stdout) == (0, "Nothing due today (2026-11-22). You're all caught up.\n")
    assert json.loads(run("due", "--json", vault=tmp_path).stdout) == []


def test_stale_json_and_table() -> None:
    result = run("stale", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {"contact": "Sam Lee", "path": "People/Sam Lee.md", "status": "active", "last_contact": None,
         "days": None, "cadence": None},
    ]
    rows = json.loads(run("stale", "--since", "30d", "--json").stdout)
    assert [(r["contact"], r["days"]) for r in rows] == [("Sam Lee", None), ("Ana Ruiz", 82)]
    table = run("stale", "--since", "30d").stdout.splitlines()
    assert table[0] == "2 contacts not heard from in over 30 days"
    assert table[3].split()[:3] == ["Sam", "Lee", "never"]


def test_check_lists_problems_and_exits_1_on_errors() -> None:
    result = run("check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "People/Ana Ruiz.md:2: error: last_contact: impossible date: '2026-02-30'",
        "People/Broken.md:3: error: broken YAML: did not find expected ',' or ']'; note skipped",
    ]
    assert result.stderr == "2 errors, 0 warnings in 4 contacts\n"
    data = json.loads(run("check", "--json").stdout)
    assert data[0] == {"path": "People/Ana Ruiz.md", "line": 2, "severity": "error",
                       "message": "last_contact: impossible date: '2026-02-30'"}


def test_check_exits_0_with_only_warnings(tmp_path: Path) -> None:
    write_vault(tmp_path, {"a.md": "---\nlast-contact: 2026-01-01\ncadance: 3d\n---\n"})
    result = run("check", vault=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == "a.md:3: warning: `cadance` looks like a misspelling of `cadence`; " \
                            "it is not read\n"


def test_missing_vault_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run("due", vault=tmp_path / "nowhere")
    assert result.exit_code == 2
    assert result.stderr == (f"mdfollow: error: vault {tmp_path / 'nowhere'} does not exist "
                             "(give --vault PATH or set MDFOLLOW_VAULT)\n")


def test_bad_config_is_exit_2(tmp_path: Path) -> None:
    write_vault(tmp_path, {".mdfollow.toml": "[cadence]\ndefault = 'sometimes'\n"})
    result = run("due", vault=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("mdfollow: error: ")
    assert "cadence.default: unknown cadence 'sometimes'" in result.stderr


def test_config_option_and_vault_from_the_environment(tmp_path: Path) -> None:
    write_vault(tmp_path, {"v/a.md": "---\nlast-contact: 2026-11-01\n---\n",
                           "c.toml": "[cadence]\ndefault = '14d'\n"})
    result = CliRunner(env={"MDFOLLOW_VAULT": str(tmp_path / "v")}).invoke(
        cli, ["--today", "2026-11-22", "--config", str(tmp_path / "c.toml"), "due", "--json"])
    assert [(i["contact"], i["due"]) for i in json.loads(result.stdout)] == [("a", "2026-11-15")]


@pytest.mark.parametrize(("args", "message"), [
    (["--today", "2026-02-30", "due"], "impossible date"),
    (["due", "--within", "soon"], "unknown cadence 'soon'"),
    (["stale", "--since", "-3d"], "positive"),
    (["nope"], "No such command"),
])
def test_bad_options_are_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["--vault", str(SMALL), *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_bug_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(listing, "due", broken)
    result = run("due")
    assert result.exit_code == 70
    assert "internal error: RuntimeError: boom" in result.stderr
    assert "Traceback" not in result.output


def test_sample_vault_agenda() -> None:
    result = run("due", "--within", "14d", "--json", vault=ROOT / "sample-vault")
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert {i["kind"] for i in items} == {"promise", "break-up", "sequence", "explicit", "cadence",
                                          "first", "birthday"}
    assert all(i["due"] <= "2026-12-06" for i in items)
    assert "People/Dmitri Volkov.md" in result.stderr
    assert run("check", vault=ROOT / "sample-vault").exit_code == 1


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "mdfollow", "--vault", str(SMALL), "--today",
                           "2026-11-22", "due", "--json"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert json.loads(done.stdout)[0]["contact"] == "Sam Lee"


def test_every_command_has_help_is_listed_in_the_readme_and_has_its_reference() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = [line for line in readme.splitlines() if line.startswith("- `mdfollow ")]
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    headings = [line for line in reference.splitlines() if line.startswith("###")]
    for name, command in cli.commands.items():
        assert command.help, name
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.stdout
        assert any(f"`mdfollow {name} " in line or f"`mdfollow {name}`" in line for line in listed), name
        assert any(f"`mdfollow {name} " in h or f"`mdfollow {name}`" in h for h in headings), name


def test_missing_libyaml_is_said_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("mdfollow.notes.HAVE_LIBYAML", False)
    write_vault(tmp_path, {"a.md": "---\ncadence: 30d\n---\n", "b.md": "---\ncadence: 7d\n---\n"})
    for note in tmp_path.glob("*.md"):
        os.utime(note, (1_600_000_000, 1_600_000_000))
    result = run("due", vault=tmp_path)
    assert result.exit_code == 0
    assert result.stderr.count("no libyaml") == 1
    assert "no libyaml" not in run("due", vault=tmp_path).stderr  # nothing to parse: nothing to say


def test_due_does_not_import_what_it_does_not_need(tmp_path: Path) -> None:
    write_vault(tmp_path, {"a.md": "---\ncadence: 30d\nlast-contact: 2026-01-01\n---\n"})
    os.utime(tmp_path / "a.md", (1_600_000_000, 1_600_000_000))
    command = [sys.executable, "-X", "importtime", "-m", "mdfollow", "--vault", str(tmp_path), "due"]
    subprocess.run(command, capture_output=True, check=True)  # builds the index
    modules = imported(subprocess.run(command, capture_output=True, text=True, check=True).stderr)
    assert "mdfollow.cli" in modules
    for module in ("icalendar", "watchdog", "vobject", "yaml", "mdfollow.edit", "mdfollow.feed", "socket",
                   "subprocess", "difflib", "ctypes", "tempfile"):
        assert module not in modules, module


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    write_vault(tmp_path, {f"People/P{i}.md": f"---\nlast-contact: 2026-01-01\ncadence: 30d\n"
                                              f"name: {'Person ' * 8}{i}\n---\n" for i in range(3000)})
    command = [sys.executable, "-m", "mdfollow", "--vault", str(tmp_path), "due"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"3000 follow-ups due")
        process.stdout.close()
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=60) == 0
    assert "error" not in stderr


def test_export_writes_the_feed_atomically_into_the_vaults_state_folder(tmp_path: Path) -> None:
    vault = tmp_path / "small"
    shutil.copytree(SMALL, vault)
    result = run("export", vault=vault)
    assert result.exit_code == 0, result.output
    feed = vault / ".mdfollow" / "follow-ups.ics"
    assert result.stdout == f"Wrote 5 events to {feed}\n"
    assert feed.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert (vault / ".mdfollow" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert sorted(p.name for p in feed.parent.iterdir()) == [".gitignore", "follow-ups.ics"]
    assert oct(feed.stat().st_mode & 0o777) == "0o644"


def test_export_is_the_same_in_any_folder_and_moves_with_the_day(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clock pinned: the same notes, day and (fresh) state give the same bytes in any folder."""
    monkeypatch.setattr("mdfollow.publish.local_now",
                        lambda: dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc))
    copy = tmp_path / "elsewhere" / "small"
    shutil.copytree(SMALL, copy)

    def feed(vault: Path, today: str) -> bytes:
        result = CliRunner().invoke(cli, ["--vault", str(vault), "--today", today, "export", "-o", "-"])
        assert result.exit_code == 0, result.output
        return result.stdout_bytes

    assert feed(SMALL, "2026-11-22") == feed(copy, "2026-11-22")
    assert feed(copy, "2026-11-23") != feed(SMALL, "2026-11-22")
    assert b"Follow up: Sam Lee (6 days late)" in feed(copy, "2026-11-23").replace(b"\r\n ", b"")


def test_export_to_a_file_and_to_stdout(tmp_path: Path) -> None:
    target = tmp_path / "feed.ics"
    assert run("export", "-o", str(target)).exit_code == 0
    assert run("export", "-o", "-").stdout_bytes == target.read_bytes()
    assert run("export", "-o", str(target)).exit_code == 0  # its own feed: replaced without --force


def test_export_to_an_unwritable_place_is_exit_3(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run("export", "-o", str(tmp_path / "file" / "feed.ics"))
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"mdfollow: error: cannot write {tmp_path / 'file' / 'feed.ics'}: the folder {tmp_path / 'file'} "
        "is not a folder")


def test_export_never_creates_the_folder_it_is_given(tmp_path: Path) -> None:
    result = run("export", "-o", str(tmp_path / "nonexistent" / "dir" / "x.ics"))
    assert result.exit_code == 3 and "nonexistent/dir does not exist" in result.stderr
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.parametrize("command", [["export"], ["watch"], ["serve", "--port", "0"]])
def test_feeds_never_overwrite_a_note_or_a_file_that_is_not_theirs(tmp_path: Path,
                                                                   command: list[str]) -> None:
    vault = write_vault(tmp_path / "v", {"People/Jane Roe.md": "---\ncadence: 30d\n---\n",
                                         "notes.txt": "my own notes\n"})
    note = (vault / "People/Jane Roe.md").read_bytes()
    for target, force in ((vault / "People/Jane Roe.md", False), (vault / "People/Jane Roe.md", True),
                          (vault / "People/new.MD", True)):
        result = run(*command, "-o", str(target), *(["--force"] if force else []), vault=vault)
        assert result.exit_code == 5 and "is a note, not a feed" in result.stderr
    assert (vault / "People/Jane Roe.md").read_bytes() == note and not (vault / "People/new.MD").exists()
    result = run(*command, "-o", str(vault / "notes.txt"), vault=vault)
    assert result.exit_code == 5 and "is not a feed mdfollow wrote; nothing was written" in result.stderr
    assert (vault / "notes.txt").read_text() == "my own notes\n"


@pytest.mark.parametrize("force", [False, True])
def test_feeds_never_replace_a_fifo_or_a_link_even_with_force(tmp_path: Path, force: bool) -> None:
    """A rename over `/dev/null` as root replaces the device: anything not a regular file is
    refused (a FIFO stands in for the device here; opening it to look would also block)."""
    fifo, link, real = tmp_path / "pipe.ics", tmp_path / "link.ics", tmp_path / "real.ics"
    os.mkfifo(fifo)
    assert run("export", "-o", str(real)).exit_code == 0
    link.symlink_to(real)
    for target, what in ((fifo, "not a regular file"), (link, "a link")):
        result = run("export", "-o", str(target), *(["--force"] if force else []))
        assert result.exit_code == 5, result.output
        assert f"{target} is {what}; nothing was written" in result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and link.is_symlink()


def test_export_force_replaces_a_file_that_is_not_a_feed(tmp_path: Path) -> None:
    (tmp_path / "old.ics").write_text("BEGIN:VCALENDAR\r\nPRODID:-//Someone else//EN\r\n")
    assert run("export", "-o", str(tmp_path / "old.ics")).exit_code == 5
    assert run("export", "-o", str(tmp_path / "old.ics"), "--force").exit_code == 0
    assert b"PRODID:-//mdfollow//" in (tmp_path / "old.ics").read_bytes()


@pytest.mark.parametrize("command", [["watch"], ["serve", "--port", "0"]])
def test_a_feed_kept_current_refuses_stdout_instead_of_writing_a_file_named_dash(
        tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*command, "-o", "-")
    assert result.exit_code == 2 and "can't go to stdout" in result.stderr
    assert not (tmp_path / "-").exists()


def test_a_feed_state_that_cannot_be_kept_is_exit_3_and_no_feed(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("not a folder")
    target = tmp_path / "feed.ics"
    result = run("export", "-o", str(target), env={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert result.exit_code == 3 and not target.exists()
    assert result.stderr.splitlines()[-1].startswith("mdfollow: error: cannot keep the feed's state in ")


def test_sample_vault_feed_is_accepted_by_a_strict_parser() -> None:
    from ical.calendar_stream import IcsCalendarStream

    result = run("export", "-o", "-", vault=ROOT / "sample-vault")
    calendar = IcsCalendarStream.calendar_from_ics(result.stdout_bytes.decode("utf-8"))
    summaries = {event.summary for event in calendar.events}
    assert {"Follow up: Jane Doe", "Promise: send Jane my florist's name",
            "Last try: Martin Kowalski (8 days late)", "Birthday: Ana Ruiz (turns 60)",
            "Follow up: Yuki Tanaka (82 days late)"} <= summaries
    assert "4 more: Sam Lee, Grace Okafor, Ben Carter, …" in summaries  # Priya's thank-you among them


def test_export_through_the_index_equals_a_fresh_export_after_an_edit(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "v", {f"People/P{i}.md": f"---\nlast-contact: 2026-10-0{i}\ncadence: 30d\n"
                                         f"birthday: 1990-01-0{i}\n---\n- [ ] call P{i} 📅 2026-12-0{i}\n"
                                         for i in range(1, 6)})
    for note in vault.rglob("*.md"):
        os.utime(note, (1_600_000_000, 1_600_000_000))

    def export(*options: str) -> bytes:
        return CliRunner().invoke(cli, ["--vault", str(vault), *options, "export", "-o", "-"]).stdout_bytes

    first = export()
    assert first == export("--no-cache") and export() == first  # kept events reused: same bytes
    (vault / "People/P2.md").write_text("---\nlast-contact: 2026-11-11\ncadence: 30d\nname: Pat\n---\n",
                                        encoding="utf-8")
    os.utime(vault / "People/P2.md", (1_600_000_100, 1_600_000_100))
    edited = export()
    assert edited == export("--no-cache") and edited != first
    every = {str(e.summary) for e in icalendar.Calendar.from_ical(edited).events}
    assert {"Follow up: Pat", "✓ Promise: call P2"} <= every
    assert "Promise: call P2" not in summaries(edited)


@pytest.mark.parametrize("command", [["due", "--within", "1y"], ["stale"], ["check"], ["history", "jane"],
                                     ["due", "--empty"]])
def test_json_output_is_exactly_json_dumps_with_an_indent_of_two(command: list[str], tmp_path: Path) -> None:
    vault = tmp_path if command[-1] == "--empty" else SMALL
    result = run(*command[:-1] if vault == tmp_path else command, "--json", vault=vault)
    parsed = json.loads(result.stdout)
    assert result.stdout == json.dumps(parsed, ensure_ascii=False, indent=2) + "\n"
    assert (parsed == []) == (vault == tmp_path)


def test_an_export_of_an_unchanged_vault_comes_from_the_index(tmp_path: Path) -> None:
    vault = tmp_path / "small"
    shutil.copytree(SMALL, vault)
    for note in vault.rglob("*.md"):
        os.utime(note, (1_600_000_000, 1_600_000_000))
    command = [sys.executable, "-X", "importtime", "-m", "mdfollow", "--vault", str(vault),
               "export", "-o", "-"]
    first = subprocess.run(command, capture_output=True, check=True)
    again = subprocess.run(command, capture_output=True, check=True)
    fresh = subprocess.run([*command[:-3], "--no-cache", *command[-3:]], capture_output=True, check=True)
    assert again.stdout == first.stdout == fresh.stdout
    assert "icalendar" in imported(first.stderr.decode())
    assert "icalendar" not in imported(again.stderr.decode())
    (vault / ".mdfollow.toml").write_text('[feed]\nname = "Renamed"\n', encoding="utf-8")
    renamed = subprocess.run(command, capture_output=True, check=True)
    assert b"NAME:Renamed" in renamed.stdout and "icalendar" in imported(renamed.stderr.decode())


flat_value = st.one_of(st.none(), st.booleans(), st.integers(),
                       st.text(alphabet=st.sampled_from('ab{}[],:" \n\\é')))


@given(st.lists(st.dictionaries(st.text(max_size=5), flat_value, min_size=1, max_size=4), max_size=4))
def test_json_listings_are_laid_out_as_json_dumps_lays_them_out(items: list[dict[str, object]]) -> None:
    printed: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("click.echo", lambda text: printed.append(text))
        _print_json(items)
    assert printed == [json.dumps(items, ensure_ascii=False, indent=2)]
