"""The installed `mdfollow` command: a shell's Tab on a NAME is answered here, from the
names kept beside the index; everything else runs the CLI.

Importing the CLI (click, YAML, SQLite and the core) takes longer than a Tab may, so this
module and what it imports stay light: os, pathlib, shlex, json, and tomllib when the
vault is named in the user config. Whenever it can't answer as the CLI would (no names
list, or one older than a folder of contacts; an option it doesn't know; no vault), the
CLI answers, exactly as before.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .locations import find_vault, index_folder, user_config_path

if TYPE_CHECKING:
    import click

#: click's completion variable for a program called `mdfollow`.
COMPLETE_VAR = "_MDFOLLOW_COMPLETE"


def main() -> None:
    answer = _quick_answer(sys.argv[0], os.environ)
    if answer is None:
        imported_cli()()
    else:
        sys.stdout.buffer.write(answer)
        sys.stdout.flush()


def imported_cli() -> click.Group:
    """The CLI, imported with the cyclic collector paused, and what the import made (tens of
    thousands of functions, classes and dicts, none of them garbage) then frozen out of its
    sight: it would walk them a few dozen times before a command starts, and again at exit
    (a tenth of the import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        from .cli import cli
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return cli


def _quick_answer(program: str, environ: Mapping[str, str]) -> bytes | None:
    instruction = environ.get(COMPLETE_VAR)
    if not instruction or Path(program).name != "mdfollow":  # click names the variable after it
        return None
    try:
        return complete_name(instruction, environ, Path.cwd())
    except Exception:  # anything unforeseen: the CLI answers, as it always did
        return None


def complete_name(instruction: str, environ: Mapping[str, str], here: Path) -> bytes | None:
    """What click's completion prints for this request, when it is a NAME this can answer
    from the names file; None otherwise."""
    from .completion import names, reply, request  # not for a command: only a Tab needs them
    from .name_list import read_names

    wanted = request(instruction, environ)
    if wanted is None:
        return None
    given = wanted.vault if wanted.vault is not None else environ.get("MDFOLLOW_VAULT") or None
    vault = _vault(given, here, environ)
    kept = read_names(index_folder(vault, environ), vault, wanted.shell) if vault is not None else None
    if kept is None:
        return None
    people, style = kept
    return (reply(style, names(people, wanted.typed, bash=wanted.shell == "bash")) + "\n").encode()


def _vault(given: str | None, here: Path, environ: Mapping[str, str]) -> Path | None:
    """The vault the CLI would read (`vault.choose_vault`), when it is a folder."""
    if given == "":
        return None  # left to click's reading of an empty path
    path = Path(given) if given is not None else find_vault(here) or _user_vault(environ)
    return path if path is not None and path.is_dir() else None


def _user_vault(environ: Mapping[str, str]) -> Path | None:
    """The user config's `vault`, if it has a usable one."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        text = user_config_path(environ).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return None
    vault = tomllib.loads(text).get("vault")
    return Path(vault).expanduser() if isinstance(vault, str) and vault.strip() else None
