"""The keys and prompts of `mdfollow review`, on a plain terminal through click.

One key, no Enter (`click.getchar`); a line where a note or a date is asked for
(`click.prompt`). Nothing takes the screen over: each person's screen is printed below
the last, so the scrollback keeps a record of the session, and it works the same over
SSH, in tmux and in a pseudo-terminal under test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from .clipboard import copy_with_tool, osc52
from .errors import EditorFailed, MdfollowError
from .review import WIDTH, Review, fit, help_lines, screen


def run(review: Review, *, commit: bool) -> bool:
    """The session until the list is done, `q`, Ctrl-C or Ctrl-D; False when interrupted.

    A note is written in one atomic rename, so an interrupt leaves it untouched or
    fully written; the summary (and the commit) still follow.
    """
    interrupted = False
    try:
        while _people(review) and _last_chance(review):
            pass
    except (KeyboardInterrupt, EOFError):
        interrupted = True
        click.echo()
    click.echo(review.summary())
    if commit:
        click.echo(review.commit())
    return not interrupted


def _last_chance(review: Review) -> bool:
    """Everyone is done: one more key, so the last change can still be undone."""
    if not review.done:
        click.echo("That's everyone due.")
        return False
    click.echo("That's everyone due. u undoes the last change; any other key finishes ", nl=False)
    key = click.getchar()
    click.echo(_printable(key))
    if key != "u":
        return False
    click.echo("\n".join(wrapped(_undo(review))))
    return True


def _people(review: Review) -> bool:
    """Screen after screen until the list is done (True) or `q` (False)."""
    shown = False
    while not review.finished:
        if not shown:
            click.echo()
            click.echo("\n".join(screen(review)))
            shown = True
        click.echo("> ", nl=False)
        key = click.getchar()
        click.echo(_printable(key))
        if key == "q":
            return False
        action = _ACTIONS.get(key)
        if action is None:
            click.echo(f"No action on {_printable(key)!r}: ? shows the keys.")
            continue
        before = (review.position, review.card.items)
        try:
            said = action(review)
        except MdfollowError as error:
            said = f"mdfollow: error: {error}"
        if said:
            click.echo("\n".join(wrapped(said)))
        shown = not review.finished and (review.position, review.card.items) == before
    return True


def wrapped(said: str) -> list[str]:
    """What an action says, in lines of at most 80 columns: wrapped, never cut."""
    import textwrap

    return [part for line in said.splitlines() for part in textwrap.wrap(line, WIDTH) or [""]]


def _printable(key: str) -> str:
    return {" ": "space", "\r": "Enter", "\n": "Enter"}.get(key, key if key.isprintable() else "?")


def _next(review: Review) -> str | None:
    review.next()
    return None


def _help(review: Review) -> str:
    return "\n".join(help_lines())


def _log(review: Review) -> str:
    return review.log(_ask("What happened (Enter for none)"))


def _ping(review: Review) -> str:
    return review.ping()


def _snooze(review: Review) -> str:
    return review.snooze(_ask("Snooze until (1w, 2w, YYYY-MM-DD; Enter = 1w)"))


def _tick(review: Review) -> str | None:
    promises = review.card.contact.promises
    if not promises:
        return f"{review.card.contact.name} has no open promise."
    for number, promise in enumerate(promises, 1):
        click.echo(fit(f"  {number}. {promise.text} (due {promise.due.isoformat()}, {promise.source})"))
    if len(promises) > 9:
        answer = _ask(f"Tick which promise (1-{len(promises)}; Enter for none)")
    else:
        click.echo(f"Tick which promise? 1-{len(promises)} (any other key: none) ", nl=False)
        answer = click.getchar()
        click.echo(_printable(answer))
    if not answer.isdigit() or not 1 <= int(answer) <= len(promises):
        return "Nothing ticked."
    return review.tick(int(answer))


def _draft(review: Review) -> str:
    text = review.draft()
    click.echo(text.rstrip("\n"))
    click.echo("y copies it · any other key goes back ", nl=False)
    key = click.getchar()
    click.echo(_printable(key))
    if key != "y":
        return "Not copied."
    if copy_with_tool(text):
        return "Copied to the clipboard."
    click.echo(osc52(text), nl=False)
    return "Sent to the terminal's clipboard (OSC 52)."


def _edit(review: Review) -> str:
    open_in_editor(Path(review.vault, review.card.contact.path))
    return review.reread()


def open_in_editor(path: Path) -> None:
    """$VISUAL, else $EDITOR, else the system's default editor, on the note."""
    try:
        click.edit(filename=str(path))
    except click.ClickException as error:
        raise EditorFailed(f"{error.message}; set VISUAL or EDITOR to an editor that works") from None


def _close(review: Review) -> str:
    name = review.card.contact.name
    click.echo(f"Close {name}? No more follow-ups; promises still stand. y to confirm ", nl=False)
    key = click.getchar()
    click.echo(_printable(key))
    return review.close() if key == "y" else f"{name} stays open."


def _back(review: Review) -> str | None:
    return review.back()


def _undo(review: Review) -> str:
    try:
        return review.undo()
    except MdfollowError as error:
        return f"mdfollow: error: {error}"


def _ask(question: str) -> str:
    """A line of text; the question goes to stdout with the screen (input() would use stderr)."""
    click.echo(f"{question}: ", nl=False)
    return input()


_ACTIONS: dict[str, Callable[[Review], str | None]] = {
    "l": _log, "p": _ping, "s": _snooze, "t": _tick, "d": _draft, "e": _edit, "c": _close,
    "n": _next, " ": _next, "b": _back, "u": _undo, "?": _help,
}
