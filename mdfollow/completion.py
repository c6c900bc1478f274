"""Shell completion of NAME arguments: contact names and aliases (bash, zsh, fish).

Pure and light (no click): the shell's words in, whether a NAME is being completed; the
contacts' names and what has been typed in, the shell's reply out. `entry` answers the
shell with these alone when it can, so a Tab doesn't wait for click and the vault to
load; when anything is unusual it runs click, which stays the reference: tests compare
the two replies byte for byte, and this module's tables with the commands click has.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence

#: (name, aliases) of a contact.
Labels = tuple[str, Sequence[str]]


def names(people: Iterable[Labels], typed: str, *, bash: bool = False) -> list[tuple[str, str | None]]:
    """(candidate, help) for each name or alias starting with `typed`, in any case.

    An alias's help is the contact's name (the alphabetically first, if several contacts
    have it; none if it is also someone's name), whatever order `people` come in. bash inserts
    a candidate as it is, so there spaces, quotes and the like are escaped (zsh and fish
    quote what they insert).
    """
    key = typed.casefold()
    found: dict[str, str | None] = {}
    for name, aliases in people:
        for label in (name, *aliases):
            if label.casefold().startswith(key):
                help_ = None if label == name else name
                other = found.get(label, help_)
                found[label] = None if help_ is None or other is None else min(help_, other)
    ordered = sorted(found.items(), key=lambda item: (item[0].casefold(), item[0]))
    return [(_for_bash(label) if bash else label, help_) for label, help_ in ordered]


def _for_bash(label: str) -> str:
    """Escaped for the command line, then once more for `read` in click's bash script."""
    return _BASH_SPECIAL.sub(r"\\\g<0>", label).replace("\\", "\\\\")


#: What bash would read as syntax in an inserted word: spaces, quotes, `$`, `&`, `(`…
_BASH_SPECIAL = re.compile(r"[^\w@%+=:,./-]")


class Shape:
    """What completion needs to know of a command that takes a NAME. (Classes here are
    plain: importing dataclasses or typing would cost a Tab more than all the rest.)"""

    __slots__ = ("flags", "name_argument", "name_option", "values")

    def __init__(self, values: frozenset[str], flags: frozenset[str], *, name_option: str | None = None,
                 name_argument: bool = False) -> None:
        self.values = values  # its options followed by a value
        self.flags = flags  # its options that take none (--help aside)
        self.name_option = name_option  # the option whose value is a NAME
        self.name_argument = name_argument  # whether its first argument is NAME


_WRITES = frozenset({"--dry-run", "--commit"})
#: The commands with a NAME, as `cli` declares them (a test compares the two).
COMMANDS: Mapping[str, Shape] = {
    "due": Shape(frozenset({"--within", "--tag", "--kind", "--contact", "--limit"}), frozenset({"--json"}),
                 name_option="--contact"),
    "log": Shape(frozenset({"--note", "--date", "--via"}),
                 _WRITES | {"--future", "--replied", "--no-reply"}, name_argument=True),
    "snooze": Shape(frozenset(), _WRITES, name_argument=True),
    "close": Shape(frozenset(), _WRITES, name_argument=True),
    "reopen": Shape(frozenset(), _WRITES, name_argument=True),
    "done": Shape(frozenset(), _WRITES, name_argument=True),
    "history": Shape(frozenset(), frozenset({"--json"}), name_argument=True),
    "show": Shape(frozenset(), frozenset({"--json"}), name_argument=True),
    "edit": Shape(frozenset(), frozenset(), name_argument=True),
    "draft": Shape(frozenset({"--kind"}), frozenset({"--copy"}), name_argument=True),
}
#: `cli`'s own options (given before or after the command), --help and --version aside.
GLOBAL_VALUES = frozenset({"--vault", "--today", "--config", "--color"})
GLOBAL_FLAGS = frozenset({"--no-cache", "-q", "--quiet"})
#: Options after which the index can't answer as the CLI would: it would read the notes
#: afresh, or with another config than the one the index was last made with.
_NOT_FROM_THE_INDEX = frozenset({"--no-cache", "--config"})


class Request:
    """A NAME being completed: in which shell, what is typed so far, the --vault given."""

    __slots__ = ("shell", "typed", "vault")

    def __init__(self, shell: str, typed: str, vault: str | None) -> None:
        self.shell = shell
        self.typed = typed
        self.vault = vault


def request(instruction: str, environ: Mapping[str, str]) -> Request | None:
    """The NAME the shell asks for (click's protocol: `_MDFOLLOW_COMPLETE`, `COMP_WORDS`,
    `COMP_CWORD`), or None when it asks for anything else or the words are unusual."""
    shell = _SHELLS.get(instruction)
    if shell is None:
        return None
    args, typed = completion_args(shell, environ["COMP_WORDS"], environ["COMP_CWORD"])
    given = name_words(args, typed)
    return None if given is None else Request(shell, typed, given.get("--vault"))


_SHELLS = {"bash_complete": "bash", "zsh_complete": "zsh", "fish_complete": "fish"}


def completion_args(shell: str, words: str, cword: str) -> tuple[list[str], str]:
    """The complete words after the program's name, and the one being typed: as click's
    `get_completion_args` of that shell makes them."""
    split = split_words(words)
    if shell == "fish":  # fish gives the word being typed, not its position
        typed = split_words(cword)[0] if cword else ""
        args = split[1:]
        if typed and args and args[-1] == typed:
            args.pop()
        return args, typed
    position = int(cword)
    try:
        typed = split[position]
    except IndexError:
        typed = ""
    return split[1:position], typed


def split_words(line: str) -> list[str]:
    """`shlex.split` that takes an unclosed quote or a trailing backslash as typed so far
    (click's `split_arg_string`)."""
    lex = shlex.shlex(line, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    out: list[str] = []
    try:
        out.extend(lex)
    except ValueError:
        out.append(lex.token)
    return out


def name_words(args: Sequence[str], typed: str) -> dict[str, str] | None:
    """When `typed` is a NAME (click would call NAME's completion), the global options'
    values given before it; None for any other word, or words this can't be sure about."""
    if typed.startswith("-") or typed == "=" or "--" in args:
        return None
    given: dict[str, str] = {}
    index = 0
    while index < len(args) and args[index].startswith("-"):  # before the command: global options
        width = _option(args, index, GLOBAL_VALUES, GLOBAL_FLAGS, given)
        if width is None:
            return None
        index += width
    shape = COMMANDS.get(args[index]) if index < len(args) else None
    if shape is None:
        return None
    positionals = _words(args[index + 1:], shape, given)
    if positionals is None:
        return None
    if args[-1] in shape.values | GLOBAL_VALUES:  # an option waiting for its value
        return given if args[-1] == shape.name_option else None
    return given if shape.name_argument and positionals == 0 else None


def _words(args: Sequence[str], shape: Shape, given: dict[str, str]) -> int | None:
    """How many words after the command are no option's name or value (global options
    count anywhere, as in the CLI); None: an option this doesn't know."""
    values, flags = shape.values | GLOBAL_VALUES, shape.flags | GLOBAL_FLAGS
    count = index = 0
    while index < len(args):
        width = _option(args, index, values, flags, given)
        if width is None:
            if args[index].startswith("-"):
                return None
            count, width = count + 1, 1
        index += width
    return count


def _option(args: Sequence[str], index: int, values: frozenset[str], flags: frozenset[str],
            given: dict[str, str]) -> int | None:
    """How many words the option at `index` takes, its value kept in `given` if global;
    None: not one of these options (or one the index can't answer after)."""
    token = args[index]
    name, equals, value = token.partition("=")
    if token in _NOT_FROM_THE_INDEX or name in _NOT_FROM_THE_INDEX:
        return None
    if token in flags:
        return 1
    if token in values:
        if index + 1 < len(args) and token in GLOBAL_VALUES:
            given[token] = args[index + 1]
        return 2
    if equals and name.startswith("--") and name in values:
        if name in GLOBAL_VALUES:
            given[name] = value
        return 1
    return None


def reply(style: str, candidates: Iterable[tuple[str, str | None]]) -> str:
    """The shell's reply, as click's `ShellComplete.complete` joins its items."""
    item = STYLES[style]
    return "\n".join(item(value, help_) for value, help_ in candidates)


# How click formats one plain item, by shell and release. Which of these the installed click
# uses is found by `name_list`, which asks click itself (`format_completion`) when it writes
# the names; a shell none of them matches is left to click.

def _comma(value: str, help_: str | None) -> str:
    """bash, every release."""
    return f"plain,{value}"


def _comma_help(value: str, help_: str | None) -> str:
    """fish before 8.4."""
    return f"plain,{value}\t{help_}" if help_ else f"plain,{value}"


def _comma_help_flat(value: str, help_: str | None) -> str:
    """fish from 8.4.2: the help on one line, a tab in it a space."""
    return f"plain,{value}\t" + help_.replace("\n", "\\n").replace("\t", " ") if help_ else f"plain,{value}"


def _lines_colon(value: str, help_: str | None) -> str:
    """zsh: type, value and help ("_": none) on lines of their own; `_describe` splits value
    and help at the first unescaped colon, so a value with help has its colons escaped."""
    shown = help_ or "_"
    escaped = value if shown == "_" else value.replace(":", "\\:")
    return f"plain\n{escaped}\n{shown}"


def _lines_escaped(value: str, help_: str | None) -> str:
    """fish in 8.4.0 and 8.4.1: three lines, with newlines inside escaped."""
    return "\n".join(("plain", value.replace("\n", "\\n"), (help_ or "_").replace("\n", "\\n")))


STYLES = {"comma": _comma, "comma-help": _comma_help, "comma-help-flat": _comma_help_flat,
          "lines-colon": _lines_colon, "lines-escaped": _lines_escaped}
