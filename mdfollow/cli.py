"""The `mdfollow` command: parse options, call the core, print.

Every failure a user can cause is an `MdfollowError`, turned into one line on stderr and
its exit status in `_Group.invoke`, the one place that does so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, schedule
from .config import Config
from .contacts import Vault
from .errors import EXIT_INTERNAL, EXIT_OK, EXIT_PROBLEMS, InvalidValue, MdfollowError, OutputError
from .fields import Interval, parse_date, parse_interval
from .model import FollowUp, stale_json
from .notes import HAVE_LIBYAML
from .vault import default_feed_path, load_config, load_vault, open_vault, write_atomic

F = TypeVar("F", bound=Callable[..., Any])


def _date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    try:
        return None if value is None else parse_date(value)
    except InvalidValue as error:
        raise click.BadParameter(str(error), ctx, param) from None


def _interval_option(ctx: click.Context, param: click.Parameter, value: str) -> Interval:
    try:
        return parse_interval(value, allow_zero=True)
    except InvalidValue as error:
        raise click.BadParameter(str(error), ctx, param) from None


@dataclass
class Session:
    """What every command needs: the vault, its config and the day it is."""

    vault_path: Path
    config_path: Path | None
    today: dt.date
    quiet_skips: bool = field(default=False)

    @cached_property
    def config(self) -> Config:
        return load_config(open_vault(self.vault_path), self.config_path)

    def load(self) -> Vault:
        """Read the vault; notes too broken to read are named once on stderr."""
        if not HAVE_LIBYAML:
            _warn("PyYAML has no libyaml here: reading notes will be about 7x slower")
        vault = load_vault(open_vault(self.vault_path), self.config)
        if not self.quiet_skips:
            _report_skips(vault)
        return vault


def _warn(message: str) -> None:
    click.echo(f"mdfollow: warning: {message}", err=True)


def _report_skips(vault: Vault) -> None:
    skipped = set(vault.skipped)
    for problem in vault.problems:
        if problem.path in skipped:
            _warn(f"{problem.path}:{problem.line}: {problem.message}")
    others = sum(1 for p in vault.problems if p.severity == "error" and p.path not in skipped)
    if others:
        _warn(f"{_plural(others, 'more error')} in the vault "
              "(an impossible date, an unknown cadence…): run `mdfollow check`")


pass_session = click.make_pass_decorator(Session)


def json_option(func: F) -> F:
    """`--json`: the listing as a JSON array with the documented, stable fields."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print a JSON array (fields documented in the README).")(func)


def interval_option(name: str, default: str, help_text: str) -> Callable[[F], F]:
    """An option taking an interval in the cadence grammar (`7d`, `2w`, `1m`, `0`)."""
    return click.option(name, callback=_interval_option, default=default, show_default=True,
                        metavar="INTERVAL", help=help_text)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except MdfollowError as error:
            click.echo(f"mdfollow: error: {error}", err=True)
            ctx.exit(error.exit_code)
        except BrokenPipeError:  # `mdfollow due | head`: the reader has seen enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_OK)
        except Exception as error:  # a bug: say so in one line, never a traceback
            if os.environ.get("MDFOLLOW_DEBUG"):
                raise
            click.echo(f"mdfollow: internal error: {type(error).__name__}: {error} "
                       "(set MDFOLLOW_DEBUG=1 for details, and please report it)", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--vault", "vault_path", type=click.Path(path_type=Path), envvar="MDFOLLOW_VAULT",
              default=".", show_default="current folder",
              help="The vault folder (env MDFOLLOW_VAULT).")
@click.option("--today", callback=_date_option, metavar="YYYY-MM-DD",
              help="Compute as if it were this day (default: the local date).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              envvar="MDFOLLOW_CONFIG", default=None,
              help="Config file (env MDFOLLOW_CONFIG; default <vault>/.mdfollow.toml).")
@click.version_option(__version__, prog_name="mdfollow")
@click.pass_context
def cli(ctx: click.Context, vault_path: Path, today: dt.date | None,
        config_path: Path | None) -> None:
    """Follow up with people, straight from the Markdown notes you keep about them."""
    ctx.obj = Session(vault_path, config_path, today or dt.date.today())


@cli.command()
@interval_option("--within", "0", "Also list what falls due up to this far ahead: 7d, 2w, 1m.")
@json_option
@pass_session
def due(session: Session, within: Interval, as_json: bool) -> None:
    """Who to follow up with: overdue first, then by date and name.

    Lists promises, the current follow-up of each contact (cadence, sequence step,
    first thank-you, last try…) and birthdays, due up to today + WITHIN.
    """
    vault = session.load()
    today = session.today
    items = schedule.due(vault.contacts, session.config, today, within)
    if as_json:
        _print_json([item.to_json(today) for item in items])
        return
    end = within.after(today)
    if not items:
        click.echo(f"Nothing due {_by(today, end)}. You're all caught up.")
        return
    click.echo(f"{_plural(len(items), 'follow-up')} due {_by(today, end)}\n")
    rows = [(_when(item, today), item.contact, item.kind, item.due.isoformat(),
             _date(item.last_contact), item.title) for item in items]
    _print_table(("WHEN", "WHO", "KIND", "DUE", "LAST CONTACT", "WHAT"), rows,
                 late=[item.due < today for item in items])


def _by(today: dt.date, end: dt.date) -> str:
    return f"today ({today.isoformat()})" if end == today else f"by {end.isoformat()}"


def _when(item: FollowUp, today: dt.date) -> str:
    days = (item.due - today).days
    if days == 0:
        return "today"
    return f"{-days}d late" if days < 0 else f"in {days}d"


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "never"


@cli.command()
@interval_option("--since", "90d", "Not heard from for longer than this: 90d, 6m, 1y.")
@json_option
@pass_session
def stale(session: Session, since: Interval, as_json: bool) -> None:
    """Who you haven't spoken to in a while: never-contacted first, then oldest.

    It is never too late to reconnect: scroll through and pick someone.
    """
    vault = session.load()
    today = session.today
    contacts = schedule.stale(vault.contacts, today, since)
    if as_json:
        _print_json([stale_json(contact, today) for contact in contacts])
        return
    if not contacts:
        click.echo(f"Everyone has heard from you within {since}.")
        return
    click.echo(f"{_plural(len(contacts), 'contact')} not heard from in over {since}\n")
    rows = [(c.name, _date(c.last_contact),
             str((today - c.last_contact).days) if c.last_contact else "-",
             str(c.cadence) if c.cadence else "-", c.status, c.path) for c in contacts]
    _print_table(("WHO", "LAST CONTACT", "DAYS", "CADENCE", "STATUS", "NOTE"), rows)


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              default=None, help="Where to write the feed; - for stdout. "
                                 "[default: <vault>/.mdfollow/follow-ups.ics]")
@pass_session
def export(session: Session, output: Path | None) -> None:
    """Write the calendar feed (.ics) of every follow-up, promise and birthday.

    Subscribe to it from Google, Apple, Outlook or Thunderbird (see the README). The
    same vault always gives the same bytes, whatever the day; the write is atomic.
    """
    from .feed import Links, build_feed  # icalendar is imported only when a feed is made

    vault = session.load()
    root = open_vault(session.vault_path).resolve()
    links = Links(session.config.feed.link, root.name, root.as_uri())
    data = build_feed(vault.contacts, session.config, links)
    if output is not None and str(output) == "-":
        click.echo(data, nl=False)
        return
    target = output or default_feed_path(root)
    try:
        write_atomic(target, data)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
    events = data.count(b"BEGIN:VEVENT")
    click.echo(f"Wrote {_plural(events, 'event')} to {target}")


@cli.command()
@json_option
@pass_session
def check(session: Session, as_json: bool) -> None:
    """Every problem in the vault, as `path:line: severity: message`.

    Exits 1 when there is any error (broken YAML, an impossible date, an unknown cadence,
    an unreadable file, a promise whose date is not a date), else 0.
    """
    session.quiet_skips = True
    vault = session.load()
    errors = sum(1 for p in vault.problems if p.severity == "error")
    if as_json:
        _print_json([problem.to_json() for problem in vault.problems])
    else:
        for problem in vault.problems:
            click.echo(str(problem))
        warnings = len(vault.problems) - errors
        click.echo(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
                   f"in {_plural(len(vault.contacts), 'contact')}", err=True)
    if errors:
        raise click.exceptions.Exit(EXIT_PROBLEMS)


def _print_json(items: list[dict[str, Any]]) -> None:
    click.echo(json.dumps(items, ensure_ascii=False, indent=2))


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 late: Sequence[bool] = ()) -> None:
    widths = [max(_width(r[i]) for r in (headers, *rows)) for i in range(len(headers))]
    click.echo(click.style(_row(headers, widths), bold=True))
    for index, row in enumerate(rows):
        line = _row(row, widths)
        click.echo(click.style(line, fg="red") if index < len(late) and late[index] else line)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = [cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths, strict=False)]
    return "  ".join(padded).rstrip()


def _width(text: str) -> int:
    """Columns on a terminal: CJK and emoji take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch)
               else 1 for ch in text)
