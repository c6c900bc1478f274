"""The quick answer to a shell's Tab on a NAME (`entry`, `completion`, `name_list`) against
click's own completion, which stays the reference: same bytes, or no quick answer at all."""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import click
import pytest
from click import shell_completion
from click.shell_completion import (
    CompletionItem,
    FishComplete,
    _available_shells,
    get_completion_class,
    split_arg_string,
)
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mdfollow.cli import _complete_name, cli
from mdfollow.completion import (
    COMMANDS,
    GLOBAL_FLAGS,
    GLOBAL_VALUES,
    completion_args,
    name_words,
    reply,
    split_words,
)
from mdfollow.entry import complete_name
from mdfollow.locations import index_folder
from mdfollow.name_list import NAMES, click_styles, read_names

from .factories import write_vault

PEOPLE = {
    ".obsidian/app.json": "{}",
    "People/Jane Doe.md": "---\naliases: [Jane, JD]\ncadence: 30d\n---\n",
    "People/Jo.md": "---\nname: Jo O'Brien (ACME)\ncadence: 30d\n---\n",
    "People/Sam.md": "---\nname: Sam Lee\naliases: [jane-friend, \"J: the second\"]\ncadence: 30d\n---\n",
    "People/Zoe.md": "---\nname: \"Zoë Ünal\\tPhD\"\naliases: [\"zo:e\", Z]\ncadence: 30d\n---\n",
}
SHELLS = ("bash", "zsh", "fish")


@pytest.fixture
def people(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A little vault, its names kept by a first run, the shell in a folder outside it."""
    root = aged(write_vault(tmp_path / "vault", PEOPLE))
    assert CliRunner().invoke(cli, ["--vault", str(root), "check"]).exit_code == 0
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    monkeypatch.setenv("MDFOLLOW_VAULT", str(root))
    monkeypatch.delenv("MDFOLLOW_CONFIG", raising=False)
    yield root


def aged(root: Path, seconds: float = 86400) -> Path:
    """The vault's notes and folders as they are once saved a while ago (this long)."""
    then = time.time() - seconds
    for path in [root, *root.rglob("*")]:
        os.utime(path, (then, then))
    return root


def requested(shell: str, words: list[str], typed: str) -> dict[str, str]:
    """The environment a shell's completion script gives: the line, and the word typed so
    far (its position for bash and zsh, the raw word for fish)."""
    line = " ".join(["mdfollow", *map(shlex.quote, words), typed])
    cword = typed if shell == "fish" else str(len(words) + 1)
    return {"_MDFOLLOW_COMPLETE": f"{shell}_complete", "COMP_WORDS": line, "COMP_CWORD": cword}


def answers(request: dict[str, str], here: Path) -> tuple[bytes | None, bytes]:
    """(the quick answer, None if it declines; what click's completion prints)."""
    environ = {**os.environ, **request}
    quick = complete_name(request["_MDFOLLOW_COMPLETE"], environ, here)
    with patch.dict(os.environ, request):
        shell = get_completion_class(request["_MDFOLLOW_COMPLETE"].partition("_")[0])
        assert shell is not None
        reference = (shell(cli, {}, "mdfollow", "_MDFOLLOW_COMPLETE").complete() + "\n").encode()
    return quick, reference


ANSWERED = [
    (["log"], "ja"), (["log"], ""), (["due", "--contact"], "j"), (["--vault", "VAULT", "show"], "jo"),
    (["show", "--vault=VAULT"], "'jo o"), (["-q", "log", "--note", "hi there", "--no-reply"], "j"),
    (["draft", "--kind", "birthday"], "z"), (["due", "--tag", "x", "--contact"], ""),
    (["history", "--json"], '"Jane D'), (["log", "--note", "--dry-run"], "J"), (["edit"], "Jo\\ O"),
    (["done"], "ZO"), (["due", "--tag", "--contact"], "s"), (["--today", "2026-01-01", "reopen"], "x"),
    (["--vault", "../vault", "close"], "j"),  # from the shell's folder, as the CLI reads it
]
DECLINED = [
    ([], "lo"), (["log"], "--n"), (["log", "Jane"], ""), (["--no-cache", "log"], "j"),
    (["log", "--config", "c.toml"], "j"), (["log", "--note"], ""), (["log", "--"], "j"), (["review"], "j"),
    (["help"], ""), (["log", "--vault"], "j"), (["due"], "j"), (["due", "--contact=ja"], ""),
    (["log", "-x"], "j"), (["log"], "="), (["--help", "log"], "j"), (["new"], "j"), (["snooze", "Jane"], ""),
]


@pytest.mark.parametrize("shell", SHELLS)
def test_a_name_is_answered_quickly_with_the_bytes_click_prints(people: Path, shell: str) -> None:
    for words, typed in ANSWERED:
        words = [word.replace("VAULT", str(people)) for word in words]
        quick, reference = answers(requested(shell, words, typed), Path.cwd())
        assert quick == reference, (words, typed)
    everyone = answers(requested(shell, ["log"], ""), Path.cwd())[0]
    assert everyone is not None and everyone.count(b"plain") == 10  # 4 names and 6 aliases


def test_bash_gets_names_escaped_for_its_line(people: Path) -> None:
    jo = b"plain,Jo\\\\ O\\\\'Brien\\\\ \\\\(ACME\\\\)\n"  # escaped for the line, then for `read`
    assert answers(requested("bash", ["log"], "jo"), Path.cwd())[0] == jo


def test_each_style_is_the_reply_of_its_click_releases() -> None:
    zo = [("zo:e", "Zoë Ünal\tPhD\nx"), ("Zoë", None)]
    assert reply("comma", zo) == "plain,zo:e\nplain,Zoë"  # bash
    assert reply("comma-help", zo) == "plain,zo:e\tZoë Ünal\tPhD\nx\nplain,Zoë"  # fish, 8.2 and 8.3
    assert reply("comma-help-flat", zo) == "plain,zo:e\tZoë Ünal PhD\\nx\nplain,Zoë"  # fish, 8.4.2 on
    # zsh: a colon in a value with help is escaped for `_describe`; a help of "_" is none
    assert reply("lines-colon", zo) == "plain\nzo\\:e\nZoë Ünal\tPhD\nx\nplain\nZoë\n_"
    assert reply("lines-colon", [("a:b", "_")]) == "plain\na:b\n_"
    assert reply("lines-escaped", [("a\nb", None)]) == "plain\na\\nb\n_"  # fish, 8.4.0 and 8.4.1


@pytest.mark.parametrize("shell", SHELLS)
def test_anything_but_a_plain_name_is_left_to_click(people: Path, shell: str) -> None:
    for words, typed in DECLINED:
        assert answers(requested(shell, words, typed), Path.cwd())[0] is None, (words, typed)


def pieces(*choices: list[str]) -> st.SearchStrategy[list[str]]:
    """Up to three of these groups of words, one after the other."""
    return st.lists(st.sampled_from(choices), max_size=3).map(lambda groups: [w for g in groups for w in g])


#: Lines of words as people type them (global options, a command, its options and words),
#: and some that are only odd.
WORDS = st.one_of(
    st.tuples(pieces(["-q"], ["--vault", "VAULT"], ["--vault=MISSING"], ["--today", "2026-01-01"],
                     ["--color", "never"], ["--no-cache"], ["--config", "c.toml"], ["-x"], ["--help"]),
              st.sampled_from(["log", "due", "show", "draft", "done", "snooze", "new", "review", "lo"]),
              pieces(["--note", "hi"], ["--note"], ["--dry-run"], ["--no-reply"], ["--contact"],
                     ["--contact", "Jane Doe"], ["--tag", "x"], ["--kind", "birthday"], ["--json"],
                     ["--vault", "VAULT"], ["--vault=VAULT"], ["-q"], ["--no-cache"], ["Jane Doe"], ["ja"],
                     ["--"], ["="], ["-"], ["--within=7d"], ["--date"], ["--vault"], ["--config"]),
              ).map(lambda parts: [*parts[0], parts[1], *parts[2]]),
    st.lists(st.sampled_from(["log", "due", "show", "help", "--contact", "--note", "--vault", "VAULT", "-q",
                              "--no-cache", "--json", "--", "=", "-", "ja", "--contact=ja"]), max_size=5),
)
TYPED = st.sampled_from(["", "j", "Ja", "jo", "'jo o", '"Jane D', "Jo\\ O", "--c", "-", "=", "x", "s",
                         "J:", "zo", "--contact=ja", "'"])


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shell=st.sampled_from(SHELLS), words=WORDS, typed=TYPED,
       vault_env=st.sampled_from(["VAULT", "", None]), inside=st.booleans())
def test_a_quick_answer_is_always_clicks_answer(people: Path, shell: str, words: list[str], typed: str,
                                                vault_env: str | None, inside: bool) -> None:
    words = [w.replace("VAULT", str(people)).replace("MISSING", str(people / "missing")) for w in words]
    here = people if inside else people.parent / "elsewhere"
    with patch.dict(os.environ, {}):
        if vault_env is None:
            del os.environ["MDFOLLOW_VAULT"]
        else:
            os.environ["MDFOLLOW_VAULT"] = vault_env.replace("VAULT", str(people))
        os.chdir(here)
        quick, reference = answers(requested(shell, words, typed), here)
    if quick is not None:
        assert quick == reference


def test_the_vault_is_found_as_the_cli_finds_it(people: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MDFOLLOW_VAULT")
    jo = requested("bash", ["log"], "jo")
    assert answers(jo, Path.cwd()) == (None, b"\n")  # outside any vault: click says nothing
    monkeypatch.chdir(people / "People")  # inside: the nearest folder with .obsidian/
    quick, reference = answers(jo, Path.cwd())
    assert quick == reference != b"\n"
    monkeypatch.chdir(tmp_path / "elsewhere")
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "mdfollow" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'vault = "{people}"\n', encoding="utf-8")  # the user config names it
    quick, reference = answers(jo, Path.cwd())
    assert quick == reference != b"\n"
    config.write_text('vault = "  "\n', encoding="utf-8")  # the CLI refuses this: left to it
    assert answers(jo, Path.cwd())[0] is None


def test_no_names_file_or_a_foreign_one_means_no_quick_answer(people: Path) -> None:
    folder = index_folder(people)
    names = folder / NAMES
    assert stat.S_IMODE(names.stat().st_mode) == 0o600
    kept = read_names(folder, people, "bash")
    assert kept is not None and kept[0] == [("Jane Doe", ["Jane", "JD"]), ("Jo O'Brien (ACME)", []),
                                            ("Sam Lee", ["jane-friend", "J: the second"]),
                                            ("Zoë Ünal\tPhD", ["zo:e", "Z"])]
    names.chmod(0o644)  # readable by others: not one mdfollow wrote
    assert read_names(folder, people, "bash") is None
    names.chmod(0o600)
    text = names.read_bytes()
    data = json.loads(text)
    others = ["not json", "[]", {**data, "format": 2}, {**data, "names": [["x", "y"]]},
              {**data, "folders": []}, {**data, "styles": {**data["styles"], "bash": "nonesuch"}},
              {**data, "click": ["/nonesuch", 1, 2]},
              *({key: value for key, value in data.items() if key != gone} for gone in data)]
    for other in others:
        names.write_text(other if isinstance(other, str) else json.dumps(other), encoding="utf-8")
        assert read_names(folder, people, "bash") is None, other
    names.unlink()
    (folder / "elsewhere.json").write_bytes(text)
    (folder / "elsewhere.json").chmod(0o600)
    names.symlink_to(folder / "elsewhere.json")
    assert read_names(folder, people, "bash") is None
    assert answers(requested("bash", ["log"], "j"), Path.cwd())[0] is None


def test_each_shell_gets_the_style_of_the_installed_click(people: Path) -> None:
    """click's reply differs between its releases; the one installed is asked which."""
    styles = click_styles()
    for shell in SHELLS:
        kind = get_completion_class(shell)
        assert kind is not None
        formatter = kind(cli, {}, "mdfollow", "_MDFOLLOW_COMPLETE")
        items = [("Jo: O'Brien\n(ACME)", "Jo\tthe\nsecond"), ("J:", None), ("Zoë", "Z:e"), ("a:b", "_")]
        for value, help_ in items:
            clicks = formatter.format_completion(CompletionItem(value, help=help_))
            assert reply(styles[shell], [(value, help_)]) == clicks, shell


class OtherFish(FishComplete):
    """A click release to come, whose fish reply is none of the styles known."""

    def format_completion(self, item: CompletionItem) -> str:
        return f"{item.value}|{item.help}"


def test_a_reply_click_formats_in_a_new_way_is_left_to_click(people: Path) -> None:
    (people / "People" / "Ann.md").write_text("---\ncadence: 30d\n---\n", encoding="utf-8")
    aged(people)  # a contact new since the list was written: the CLI answers, and writes it anew
    with patch.dict(_available_shells, {"fish": OtherFish}):
        assert "fish" not in click_styles()
        ann = requested("fish", ["log"], "a")
        assert answers(ann, Path.cwd()) == (None, b"Ann|None\n")
        assert answers(ann, Path.cwd()) == (None, b"Ann|None\n")  # the list has no style for fish
        assert answers(requested("zsh", ["log"], "a"), Path.cwd())[0] == b"plain\nAnn\n_\n"


def test_a_click_upgraded_or_of_another_install_is_left_to_it(people: Path) -> None:
    folder = index_folder(people)
    assert read_names(folder, people, "zsh") is not None
    data = json.loads((folder / NAMES).read_bytes())
    prefix, path, mtime, size = data["click"]
    assert (prefix, path) == (sys.prefix, shell_completion.__file__)
    for other in ([prefix, path, mtime + 1, size], [prefix, path, mtime, size + 1],
                  [f"{prefix}-another-venv", path, mtime, size]):  # another install sharing the index
        (folder / NAMES).write_text(json.dumps({**data, "click": other}), encoding="utf-8")
        assert read_names(folder, people, "zsh") is None


def test_a_contact_created_since_sends_the_tab_to_the_cli_which_renews_the_list(people: Path) -> None:
    ann = requested("zsh", ["log"], "a")
    assert answers(ann, Path.cwd()) == (b"\n", b"\n")
    (people / "People" / "Ann.md").write_text("---\ncadence: 30d\n---\n", encoding="utf-8")
    assert answers(ann, Path.cwd()) == (None, b"plain\nAnn\n_\n")  # the People folder changed
    assert answers(ann, Path.cwd())[0] is None  # changed in the last 2 s: a later save may hide in it
    aged(people, seconds=3)
    assert answers(ann, Path.cwd()) == (None, b"plain\nAnn\n_\n")  # the CLI writes the list again…
    assert answers(ann, Path.cwd()) == (b"plain\nAnn\n_\n", b"plain\nAnn\n_\n")  # …and it answers


def test_the_cli_completing_a_name_writes_a_missing_list_unless_told_no_cache(people: Path) -> None:
    names = index_folder(people) / NAMES
    names.unlink()
    assert answers(requested("bash", ["--no-cache", "log"], "j"), Path.cwd())[0] is None
    assert not names.exists()
    assert answers(requested("bash", ["log"], "j"), Path.cwd())[0] is None
    assert names.exists()  # the index kept the vault, so only the completion wrote it
    quick, reference = answers(requested("bash", ["log"], "j"), Path.cwd())
    assert quick == reference != b"\n"


def test_the_names_are_written_with_the_index_and_never_without_it(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", PEOPLE)
    assert CliRunner().invoke(cli, ["--vault", str(root), "--no-cache", "due"]).exit_code == 0
    assert not index_folder(root).exists()
    assert CliRunner().invoke(cli, ["--vault", str(root), "due"]).exit_code == 0
    names = index_folder(root) / NAMES
    assert stat.S_IMODE(names.stat().st_mode) == 0o600
    assert json.loads(names.read_bytes())["names"][0] == ["Jane Doe", ["Jane", "JD"]]
    (root / "People" / "Ann.md").write_text("---\ncadence: 30d\n---\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["--vault", str(root), "due"]).exit_code == 0
    assert ["Ann", []] in json.loads(names.read_bytes())["names"]  # the next run that reads notes
    aged(root)
    assert CliRunner().invoke(cli, ["--vault", str(root), "check"]).exit_code == 0  # the index keeps it
    kept = json.loads(names.read_bytes())
    with (root / "People" / "Jo.md").open("a", encoding="utf-8") as jo:
        jo.write("- 2026-11-20 coffee\n")
    os.utime(root / "People" / "Jo.md", (time.time() - 60, time.time() - 60))
    names.unlink()
    assert CliRunner().invoke(cli, ["--vault", str(root), "show", "Jo"]).exit_code == 0  # one note: patched
    assert json.loads(names.read_bytes()) == kept and len(kept["names"]) == 5  # everyone's, not Jo's alone


def test_the_words_are_split_as_click_splits_them() -> None:
    @given(st.text(alphabet=" \t'\"\\abc=-$\n", max_size=30))
    def same(line: str) -> None:
        assert split_words(line) == split_arg_string(line)
    same()

    @given(shell=st.sampled_from(SHELLS), words=st.text(alphabet=" 'abc\\-", max_size=20),
           cword=st.sampled_from(["0", "1", "2", "5", "-1", "", "a", "'b c", "-"]))
    def args_alike(shell: str, words: str, cword: str) -> None:
        line = f"mdfollow {words}"
        assume(shell == "fish" or cword.lstrip("-").isdigit())  # bash and zsh give a number
        with patch.dict(os.environ, {"COMP_WORDS": line, "COMP_CWORD": cword}):
            shell_class = get_completion_class(shell)
            assert shell_class is not None
            try:
                expected = shell_class(cli, {}, "mdfollow", "_MDFOLLOW_COMPLETE").get_completion_args()
            except IndexError:  # click fails on a word of only blanks: so may this
                with pytest.raises(IndexError):
                    completion_args(shell, line, cword)
                return
        assert completion_args(shell, line, cword) == expected
    args_alike()


def test_name_words_reads_the_words_as_the_cli_would() -> None:
    assert name_words(["--vault", "/v", "log", "--note", "--vault", "Jane"], "") is None  # one positional
    assert name_words(["--vault", "/v", "log", "--note", "--dry-run"], "") == {"--vault": "/v"}  # a value
    assert name_words(["log", "--note", "--vault"], "") is None  # click would say NAME: left to it
    assert name_words(["log", "--vault=/w", "--vault", "/x"], "j") == {"--vault": "/x"}  # the last wins
    assert name_words(["-q", "due", "--contact"], "j") == {}


def shape_of(command: click.Command) -> tuple[frozenset[str], frozenset[str], str | None, bool] | None:
    """What `completion.Shape` must say of a command, read from click; None: it has no NAME."""
    options = [p for p in command.params if isinstance(p, click.Option)]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    assert all(p.nargs == 1 for p in command.params), command.name
    name_option = [p.opts[0] for p in options if p._custom_shell_complete is _complete_name]
    name_argument = bool(arguments) and arguments[0]._custom_shell_complete is _complete_name
    assert not any(p._custom_shell_complete is _complete_name for p in arguments[1:])
    if not name_option and not name_argument:
        return None
    return (frozenset(o for p in options if not (p.is_flag or p.count) for o in (*p.opts, *p.secondary_opts)),
            frozenset(o for p in options if p.is_flag or p.count for o in (*p.opts, *p.secondary_opts)),
            name_option[0] if name_option else None, name_argument)


def test_the_table_of_commands_is_the_clis() -> None:
    from_click = {name: shape_of(command) for name, command in cli.commands.items()}
    assert not any(isinstance(command, click.Group) for command in cli.commands.values())
    assert {name: shape for name, shape in from_click.items() if shape is not None} == {
        name: (shape.values, shape.flags, shape.name_option, shape.name_argument)
        for name, shape in COMMANDS.items()}
    options = [p for p in cli.params if isinstance(p, click.Option) and not p.is_eager]
    assert {o for p in options if not p.is_flag for o in p.opts} == GLOBAL_VALUES
    assert {o for p in options if p.is_flag for o in p.opts} == GLOBAL_FLAGS
    assert not any(p.secondary_opts for p in options)
