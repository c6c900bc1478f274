"""The `mdfollow` command: parse options, call the core, print.

Every failure a user can cause is an `MdfollowError`, turned into one line on stderr and
its exit status in `_Group.invoke`, the one place that does so. What only some commands
need (YAML, icalendar, watchdog, git, sockets, threads) is imported inside them, so that
`due` starts fast; a test checks it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, get_args

import click

from . import __version__, actions, jsontext, listing, schedule
from .actions import Change
from .drafts import KINDS, kind_for, render, values_for
from .errors import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PROBLEMS,
    ContactNotFound,
    EditRefused,
    InvalidValue,
    MdfollowError,
    OutputError,
    UnreadableInput,
)
from .fields import Interval, parse_date, parse_interval, parse_until
from .horizon import far_dates
from .links import vault_links
from .model import Contact, FollowUp, Kind, stale_json
from .session import Session, warn
from .terminal import COLOR_CHOICES, Give, progress, table, width
from .terminal import color as use_color
from .vault import (
    feed_target,
    note_text,
    notes_folder,
    open_vault,
    read_for_edit,
    write_atomic,
)
from .vault_templates import draft_template, vault_template

if TYPE_CHECKING:
    import threading

    from .watch import FeedBuilder

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def _date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    try:
        return None if value is None else parse_date(value)
    except InvalidValue as error:
        raise click.BadParameter(str(error), ctx, param) from None


def _interval_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Interval | None:
    if value is None:
        return None
    try:
        return parse_interval(value, allow_zero=True)
    except InvalidValue as error:
        raise click.BadParameter(str(error), ctx, param) from None


def _cadence_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A cadence as written (`30d`, `monthly`), refused here if it isn't one."""
    if value is None or not value.strip():
        return None
    try:
        parse_interval(value)
    except InvalidValue as error:
        raise click.BadParameter(str(error), ctx, param) from None
    return value.strip()


def _folder_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A folder inside the vault, as the prefix of its notes' paths (`People/`)."""
    from .new_notes import folder_prefix

    try:
        return folder_prefix(value)
    except InvalidValue as error:
        raise click.BadParameter(str(error), ctx, param) from None


pass_session = click.make_pass_decorator(Session)


def _find(session: Session, name: str) -> Contact:
    """The contact NAME (a name, alias or the note's path) means; see `contacts.resolve`."""
    return session.contact(name)[0]


def _complete_name(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Contact names and aliases from the vault (through its index), for the shell, when
    `entry` could not answer from the names file alone."""
    from click.shell_completion import CompletionItem

    from .completion import names
    from .locations import index_folder
    from .name_list import keep_names

    given = ctx.find_root().params
    session = Session(given_vault=given.get("vault_path"), config_path=given.get("config_path"),
                      today=dt.date.today(), use_cache=not given.get("no_cache"), quiet_skips=True,
                      show_progress=False)
    try:
        rows = session.listing()
    except MdfollowError:
        return []
    if session.use_cache:  # the names list is missing or out of date: the next Tab has it
        keep_names(index_folder(session.vault_path), session.vault_path, rows)
    bash = os.environ.get("_MDFOLLOW_COMPLETE", "").startswith("bash")
    labels = ((row[0], row[1]) for row in rows.values())
    return [CompletionItem(value, help=help_) for value, help_ in names(labels, incomplete, bash=bash)]


def name_argument(func: F) -> F:
    """NAME: a contact's name, alias or file name; the shell completes it."""
    return click.argument("name", shell_complete=_complete_name)(func)


def json_option(func: F) -> F:
    """`--json`: the listing as a JSON array with the documented, stable fields."""
    def no_progress(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        session = ctx.find_object(Session)
        if value and session is not None:  # None while the shell completes a word
            session.show_progress = False
        return value

    return click.option("--json", "as_json", is_flag=True, callback=no_progress,
                        help="Print a JSON array (its fields: `mdfollow help json`).")(func)


force_option = click.option("--force", is_flag=True,
                            help="Replace the output file even if it is not a feed mdfollow wrote.")


def interval_option(name: str, default: str, help_text: str) -> Callable[[F], F]:
    """An option taking an interval in the cadence grammar (`7d`, `2w`, `1m`, `0`)."""
    return click.option(name, callback=_interval_option, default=default, show_default=True,
                        metavar="INTERVAL", help=help_text)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class _Group(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._globals_first(args))

    def _globals_first(self, args: list[str]) -> list[str]:
        """`mdfollow due --vault X` read as `mdfollow --vault X due`: global options anywhere."""
        options = {name: o for o in self.params if isinstance(o, click.Option) and not o.is_eager
                   for name in (*o.opts, *o.secondary_opts)}
        start = 0
        while start < len(args) and args[start].startswith("-"):
            option = options.get(args[start])
            start += 2 if option is not None and not option.is_flag else 1
        command = self.commands.get(args[start]) if start < len(args) else None
        if command is None:
            return args
        takes_value = {name for o in command.params if isinstance(o, click.Option) and not o.is_flag
                       for name in o.opts}
        hoisted: list[str] = []
        rest: list[str] = []
        index = start + 1
        while index < len(args):
            token = args[index]
            option = options.get(token.split("=", 1)[0])
            if token == "--":
                rest += args[index:]
                break
            if option is not None:
                count = 1 if option.is_flag or "=" in token else 2
                hoisted += args[index:index + count]
                index += count
                continue
            count = 2 if token in takes_value else 1
            rest += args[index:index + count]
            index += count
        return [*args[:start], *hoisted, *args[start:start + 1], *rest]

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
              default=None, help="The vault folder (env MDFOLLOW_VAULT; default: the folder, or the "
                                 "nearest above, with .obsidian/ or .mdfollow.toml, else the user "
                                 "config's vault).")
@click.option("--today", callback=_date_option, metavar="YYYY-MM-DD",
              help="Compute as if it were this day (default: the local date).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              envvar="MDFOLLOW_CONFIG", default=None,
              help="Config file (env MDFOLLOW_CONFIG; default <vault>/.mdfollow.toml).")
@click.option("--no-cache", is_flag=True,
              help="Read every note afresh, without the index in the cache folder.")
@click.option("--color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
              help="Colour the output: auto honours NO_COLOR and TERM=dumb, and colours a terminal only.")
@click.option("-q", "--quiet", is_flag=True, help="Don't warn about broken notes (`check` lists them).")
@click.version_option(__version__, prog_name="mdfollow")
@click.pass_context
def cli(ctx: click.Context, vault_path: Path | None, today: dt.date | None,
        config_path: Path | None, no_cache: bool, color: str, quiet: bool) -> None:
    """Follow up with people, straight from the Markdown notes you keep about them.

    Global options may also come after the command: `mdfollow due --vault ~/Notes`.
    How it decides who is due, the fields it reads and the config file:
    `mdfollow help rules`, `mdfollow help fields`, `mdfollow help config`.
    """
    ctx.color = use_color(color, os.environ)
    ctx.obj = Session(vault_path, config_path, today or dt.date.today(), use_cache=not no_cache,
                      quiet_skips=quiet, pinned=today is not None)


def due_filters(func: F) -> F:
    """`--tag` and `--kind` (repeatable), alike on `due` and `review`."""
    func = click.option("--kind", "kinds", multiple=True, type=click.Choice(get_args(Kind)),
                        help="Only follow-ups of this kind (repeatable).")(func)
    return click.option("--tag", "tags", multiple=True, metavar="TAG",
                        help="Only contacts with this tag (repeatable: any of them).")(func)


def _limit_option(what: str) -> Callable[[F], F]:
    return click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
                        help=f"At most N {what}.")


@cli.command()
@interval_option("--within", "0", "Also list what falls due up to this far ahead: 7d, 2w, 1m.")
@due_filters
@click.option("--contact", "name", default=None, metavar="NAME", shell_complete=_complete_name,
              help="Only this contact.")
@_limit_option("follow-ups")
@json_option
@pass_session
def due(session: Session, within: Interval, tags: tuple[str, ...], kinds: tuple[str, ...],
        name: str | None, limit: int | None, as_json: bool) -> None:
    """Who to follow up with: overdue first, then by date and name.

    Lists promises, the current follow-up of each contact (cadence, sequence step,
    first thank-you, last try…) and birthdays, due up to today + WITHIN.
    """
    today = session.today
    path = _find(session, name).path if name is not None else None
    every = session.listing()
    rows = every if path is None else {p: row for p, row in every.items() if p == path}
    listed = listing.due(rows, today, within, tags=tags, kinds=kinds)[:limit]
    if as_json:
        for part in listing.json_parts(listed, today):
            click.echo(part, nl=False)
        click.echo(b"")
        return
    items = [listing.follow_up(item) for item in listed]
    end = within.after(today)
    if not items:
        click.echo(f"Nothing due {_by(today, end)}. You're all caught up.")
        return
    click.echo(f"{_plural(len(items), 'follow-up')} due {_by(today, end)}\n")
    from .contacts import tell_apart

    who = tell_apart([(item.contact, item.path) for item in items], listing.names(every))
    lines = [(_when(item, today), who[item.path], item.kind, _date(item.last_contact), item.title)
             for item in items]
    _print_table(("DUE", "WHO", "KIND", "LAST CONTACT", "WHAT"), lines,
                 late=[item.due < today for item in items],
                 give=(("cut", 4), ("drop", 3), ("cut", 1), ("drop", 2)))


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
@interval_option("--within", "0", "Also take what falls due up to this far ahead: 7d, 2w, 1m.")
@due_filters
@_limit_option("people")
@click.option("--commit", is_flag=True,
              help="Commit the session's changes at the end, in one commit (default: [git] autocommit).")
@pass_session
def review(session: Session, within: Interval, tags: tuple[str, ...], kinds: tuple[str, ...],
           limit: int | None, commit: bool) -> None:
    """Follow-Up Friday: go through everyone who is due, one screen and one key each.

    Same people, order and filters as `due`. l logs a conversation, p a try with no reply,
    s snoozes, t ticks a promise, d drafts, e edits, c closes, u undoes, ? helps, q quits.
    """
    from . import history
    from .errors import NotATerminal
    from .interactive import run
    from .review import Review, agenda_of

    if not sys.stdin.isatty():
        raise NotATerminal("review is interactive and needs a terminal; in a script use "
                           "`mdfollow due --json` with `log`, `snooze` and `done`")
    vault = open_vault(session.vault_path)
    commit = commit or session.config.autocommit
    if commit:
        history.ready_to_commit(vault)

    def agenda() -> list[tuple[Contact, list[FollowUp]]]:
        fresh = replace(session, quiet_skips=True, show_progress=False).load()
        items = schedule.due(fresh.contacts, session.config, session.today, within)
        return agenda_of(schedule.filtered(items, fresh.contacts, tags=tags, kinds=kinds), fresh.contacts)

    def draft(contact: Contact) -> str:
        kind = kind_for(schedule.current(contact, session.config))
        return render(draft_template(vault, session.config, kind), values_for(contact, session.config))

    session.load()  # broken notes are named once, before the first screen
    reviewing = Review(vault, session.config, session.today, agenda, draft, limit)
    if reviewing.finished:
        click.echo(f"Nothing due {_by(session.today, within.after(session.today))}. You're all caught up.")
        return
    if not run(reviewing, commit=commit):
        raise click.exceptions.Exit(130)


@cli.command()
@interval_option("--since", "90d", "Not heard from for longer than this: 90d, 6m, 1y.")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Only contacts with this tag (repeatable: any of them).")
@_limit_option("contacts")
@json_option
@pass_session
def stale(session: Session, since: Interval, tags: tuple[str, ...], limit: int | None,
          as_json: bool) -> None:
    """Who you haven't spoken to in a while: never-contacted first, then oldest.

    It is never too late to reconnect: scroll through and pick someone.
    """
    today = session.today
    contacts = schedule.stale(listing.quiet(session.listing(), tags), today, since)[:limit]
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
    _print_table(("WHO", "LAST CONTACT", "DAYS", "CADENCE", "STATUS", "NOTE"), rows, terminal_only=True,
                 give=(("cut-start", 5), ("drop", 3), ("drop", 4), ("cut", 0), ("drop", 1)))


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              default=None, help="Where to write the feed; - for stdout. "
                                 "[default: <vault>/.mdfollow/follow-ups.ics]")
@force_option
@pass_session
def export(session: Session, output: Path | None, force: bool) -> None:
    """Write the calendar feed (.ics): what is due from today to [feed] ahead (90 days).

    Overdue ones are on today; a day shows [feed] per-day events and one digest for the
    rest; the feed stays within [feed] max-events and max-bytes (stderr says what was
    left out). Subscribe to it from Google, Apple, Outlook or Thunderbird (see
    docs/calendar.md). The write is atomic.
    """
    root = open_vault(session.vault_path).resolve()
    target = feed_target(output, root, force=force)
    made = session.feed()
    if made.warning:
        warn(made.warning)
    data = made.data
    if target is None:
        click.echo(data, nl=False)
        return
    try:
        write_atomic(target, data)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
    click.echo(f"Wrote {_plural(made.events, 'event')} to {target}")


@cli.command()
@json_option
@pass_session
def check(session: Session, as_json: bool) -> None:
    """Every problem in the vault, as `path:line: severity: message`.

    Exits 1 when there is any error (broken YAML, an impossible date, an unknown cadence,
    an unreadable file, a promise whose date is not a date), else 0.
    """
    from .checks import doubts

    session.quiet_skips = True
    vault = session.load()
    root = open_vault(session.vault_path)
    problems = [*vault.problems, *doubts(vault.contacts, session.today),
                *far_dates(vault.contacts, session.today, lambda path: note_text(root, path))]
    errors = sum(1 for p in problems if p.severity == "error")
    if as_json:
        _print_json([problem.to_json() for problem in problems])
    else:
        for problem in problems:
            click.echo(str(problem))
        warnings = len(problems) - errors
        click.echo(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
                   f"in {_plural(len(vault.contacts), 'contact')}", err=True)
    if errors:
        raise click.exceptions.Exit(EXIT_PROBLEMS)


def _print_json(items: list[dict[str, Any]]) -> None:
    click.echo(jsontext.array(items))


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], late: Sequence[bool] = (), *,
                 give: Sequence[Give] = (), terminal_only: bool = False) -> None:
    """A table that gives up width as `give` says to fit the terminal (`terminal.table`);
    `terminal_only`: piped, whole (a log line or a path cut is lost to grep)."""
    fitted = give and (not terminal_only or sys.stdout.isatty() or "COLUMNS" in os.environ)
    lines = table(headers, rows, fit=width() if fitted else None, give=give)
    click.echo(click.style(lines[0], bold=True))
    for index, line in enumerate(lines[1:]):
        click.echo(click.style(line, fg="red") if index < len(late) and late[index] else line)


# --- writing commands -------------------------------------------------------------------


def writing_command(func: F) -> F:
    """`--dry-run` and `--commit`, alike on every command that changes notes."""
    func = click.option("--commit", is_flag=True,
                        help="Commit the changed notes with git (default: [git] autocommit).")(func)
    return click.option("--dry-run", is_flag=True,
                        help="Print the diff it would apply, and change nothing.")(func)


def _apply(session: Session, changes: Sequence[Change], message: str, *, dry_run: bool,
           commit: bool) -> bool:
    """Show or write the changes (and commit them); False when nothing was written."""

    vault = open_vault(session.vault_path)
    if dry_run:
        for change in changes:
            before = change.before.decode("utf-8") if change.before is not None else ""
            _print_diff(change.path, before, change.after, new=change.before is None)
        return False
    actions.write(vault, changes, message, commit=commit or session.config.autocommit,
                  progress=(lambda todo: progress(todo, "Writing notes")) if session.show_progress else None)
    return True


def _print_diff(path: str, before: str, after: str, *, new: bool) -> None:
    import difflib

    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 "/dev/null" if new else f"a/{path}", f"b/{path}")
    for line in lines:
        click.echo(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n", nl=False)


def _edit(session: Session, name: str, transform: Callable[[Contact, str], str],
          message: Callable[[Contact], str], *, dry_run: bool, commit: bool) -> Contact | None:
    """Apply `transform` to the contact's note; the contact, or None when nothing was written."""
    contact = _find(session, name)
    before, text = read_for_edit(open_vault(session.vault_path), contact.path)
    after = transform(contact, text)
    if after == text:
        click.echo(f"{contact.name}: nothing to change.")
        return None
    wrote = _apply(session, [Change(contact.path, before, after)], message(contact), dry_run=dry_run,
                   commit=commit)
    return contact if wrote else None


@cli.command()
@name_argument
@click.option("--note", "text", default="", help="What happened: the log line's text.")
@click.option("--date", "on", callback=_date_option, metavar="YYYY-MM-DD",
              help="When it happened (default: today).")
@click.option("--future", is_flag=True, help="Allow a --date more than a day ahead.")
@click.option("--via", default=None, help="email, call, text, meeting, …")
@click.option("--replied/--no-reply", default=True,
              help="A conversation happened (the default): resets attempts and ends a sequence. "
                   "--no-reply: an outreach with no answer yet, one more unanswered try.")
@writing_command
@pass_session
def log(session: Session, name: str, text: str, on: dt.date | None, future: bool, via: str | None,
        replied: bool, dry_run: bool, commit: bool) -> None:
    """Record a conversation with NAME (or, with --no-reply, an unanswered outreach).

    Sets last-contact (never backwards), appends `- DATE (VIA) NOTE` to the note's `## Log`
    (made at the end if missing) and empties a next-due the interaction has passed. A
    conversation resets `attempts` and ends a running `sequence`; --no-reply adds one to
    `attempts`, and an unanswered last try closes the contact. It says when it does either.
    """
    from .actions import log_entry, logged
    from .outcome import after_edit

    on = on or session.today
    if on > session.today + dt.timedelta(days=1) and not future:
        raise click.BadParameter(f"{on.isoformat()} is more than a day ahead (a typo?); add --future "
                                 "if you mean it", param_hint="--date")
    entry = log_entry(on, via, text, replied)
    edits: list[tuple[str, str]] = []

    def record(contact: Contact, note: str) -> str:
        edits.append((note, logged(contact, note, session.config, on=on, entry=entry, replied=replied)))
        return edits[-1][1]

    contact = _edit(session, name, record, lambda c: f"log: {c.name}{f' ({via})' if via else ''}",
                    dry_run=dry_run, commit=commit)
    if contact:
        click.echo(f"Logged {entry[2:]} — {contact.name} ({contact.path})")
        for sentence in after_edit(*edits[-1], contact.path, session.config):
            click.echo(sentence)


@cli.command()
@name_argument
@click.argument("until", metavar="(7d | YYYY-MM-DD)")
@writing_command
@pass_session
def snooze(session: Session, name: str, until: str, dry_run: bool, commit: bool) -> None:
    """Put off NAME's follow-up until a date, or for a while (7d, 2w, 1m).

    Promises and birthdays are never snoozed.
    """
    from .actions import snoozed
    from .outcome import inactive

    day = _until(session.today, until)
    if day <= session.today:
        raise click.BadParameter(f"{day.isoformat()} is not after today ({session.today.isoformat()}): "
                                 "snooze until a later day, or for a while (7d, 2w)", param_hint="UNTIL")
    contact = _edit(session, name, lambda c, note: snoozed(note, session.config, day),
        lambda c: f"snooze: {c.name} until {day.isoformat()}", dry_run=dry_run, commit=commit)
    if contact:
        click.echo(f"Snoozed {contact.name} until {day.isoformat()}")
        status = inactive(contact)
        if status:
            click.echo(status)


def _until(today: dt.date, text: str) -> dt.date:
    try:
        return parse_until(text, today)
    except InvalidValue as error:
        raise click.BadParameter(str(error), param_hint="UNTIL") from None


@cli.command()
@name_argument
@writing_command
@pass_session
def close(session: Session, name: str, dry_run: bool, commit: bool) -> None:
    """Stop following up with NAME (status: closed); their promises still stand."""
    _set_status(session, name, "closed", dry_run=dry_run, commit=commit)


@cli.command()
@name_argument
@writing_command
@pass_session
def reopen(session: Session, name: str, dry_run: bool, commit: bool) -> None:
    """Follow up with NAME again (status: active): it is never too late to reconnect."""
    _set_status(session, name, "active", dry_run=dry_run, commit=commit)


def _set_status(session: Session, name: str, status: str, *, dry_run: bool, commit: bool) -> None:
    from .actions import with_status

    verb = "close" if status == "closed" else "reopen"
    contact = _edit(session, name, lambda c, note: with_status(note, session.config, status),
                    lambda c: f"{verb}: {c.name}", dry_run=dry_run, commit=commit)
    if contact:
        click.echo(f"{contact.name}: status {status}")


@cli.command()
@name_argument
@click.argument("fragment")
@writing_command
@pass_session
def done(session: Session, name: str, fragment: str, dry_run: bool, commit: bool) -> None:
    """Tick off the promise to NAME whose text contains FRAGMENT, wherever the task is.

    Marks it `- [x]` with the Obsidian Tasks completion date `✅ YYYY-MM-DD`.
    """
    from .edit import tick_task

    contact = _find(session, name)
    matches = [p for p in contact.promises if fragment.casefold() in p.text.casefold()]
    if len(matches) != 1:
        listed = "".join(f"\n  {p.text} (due {p.due.isoformat()}, {p.source})" for p in contact.promises)
        what = "more than one open promise" if matches else "no open promise"
        raise ContactNotFound(f"{what} to {contact.name} matches {fragment!r}. Open promises:"
                              f"{listed or ' none'}")
    promise = matches[0]
    path, _, line = promise.source.rpartition(":")
    before, text = read_for_edit(open_vault(session.vault_path), path)
    after = tick_task(text, int(line), promise.text, session.today)
    if _apply(session, [Change(path, before, after)], f"done: {contact.name}: {promise.text}",
              dry_run=dry_run, commit=commit):
        click.echo(f"Done: {promise.text} ({promise.source})")


@cli.command()
@click.argument("name")
@click.option("--cadence", callback=_cadence_option, help="How often to follow up: 30d, 2w, 3m, monthly…")
@click.option("--met", callback=_date_option, metavar="YYYY-MM-DD", help="When you met.")
@click.option("--tags", default="", help="Comma-separated tags: client,friend")
@click.option("--folder", default="People", show_default=True, callback=_folder_option,
              help="Vault folder for the note.")
@writing_command
@pass_session
def new(session: Session, name: str, cadence: str | None, met: dt.date | None, tags: str,
        folder: str, dry_run: bool, commit: bool) -> None:
    """Create a contact note for NAME from Templates/Person.md (or a built-in template).

    Fills in the follow-up fields given; never overwrites an existing note.
    """
    from .edit import new_note, note_file_name
    from .new_notes import contact_fields, same_name
    from .templates import has_templater

    config = session.config
    vault = open_vault(session.vault_path)
    file_name = note_file_name(name)
    from .contacts import answering_to

    existing = answering_to(listing.people(session.listing()), name, file_name[:-3])
    if existing:
        raise EditRefused(f"{name.strip()!r} already names {existing[0].name} ({existing[0].path}); "
                          "nothing was written. Use another name, or `mdfollow log` that contact")
    notes_folder(vault, folder, config.template_folders)
    path = f"{folder}{file_name}"
    clash = same_name(vault, path)
    if clash is not None and clash != path:
        raise EditRefused(f"{clash} already exists, and a vault synced to macOS or Windows can't hold it and "
                          f"{path} both; nothing was written")
    template = vault_template(vault, config)
    if template is not None and has_templater(template):
        warn("the template holds Templater commands (<% … %>); they are left as they are: "
              "run Templater on the new note")
    fields = contact_fields(cadence, met, tags)
    text = new_note(name.strip(), template, _now(session), fields, config.spellings, file_name[:-3])
    if _apply(session, [Change(path, None, text)], f"new: {name.strip()}", dry_run=dry_run, commit=commit):
        click.echo(f"Created {path}")


def _now(session: Session) -> dt.datetime:
    """The day it is (--today) at the time it is, for {{date}} and {{time}} in templates."""
    return dt.datetime.combine(session.today, dt.datetime.now().time().replace(microsecond=0))


@cli.command("history")
@name_argument
@json_option
@pass_session
def history_command(session: Session, name: str, as_json: bool) -> None:
    """NAME's timeline, newest first: log lines, notes that link them, and, in a git
    vault, how last-contact and next-due changed commit by commit."""
    from . import history

    contact = _find(session, name)
    rows = history.timeline(contact, open_vault(session.vault_path), session.config.spellings)
    if as_json:
        _print_json(rows)
        return
    click.echo(f"{contact.name} ({contact.path})\n")
    if not rows:
        click.echo("No history yet: `mdfollow log` records one.")
        return
    _print_table(("DATE", "KIND", "WHAT", "SOURCE"), [tuple(r.values()) for r in rows], terminal_only=True,
                 give=(("cut-start", 3), ("cut", 2), ("drop", 3), ("drop", 1)))


@cli.command("help")
@click.argument("topic", required=False)
@click.pass_context
def help_command(ctx: click.Context, topic: str | None) -> None:
    """Explain TOPIC (rules, fields, config, json) or a command; without TOPIC, list them.

    The pages ship with mdfollow, so an installed copy explains itself.
    """
    from .topics import TOPICS, page

    group = ctx.parent.command if ctx.parent else cli
    assert isinstance(group, click.Group)
    if topic is None:
        click.echo("Topics:\n" + "".join(f"  {name:<8} {what}\n" for name, what in TOPICS.items())
                   + "Commands: " + ", ".join(group.list_commands(ctx)) + "\n"
                   + "`mdfollow help TOPIC` or `mdfollow help COMMAND`.")
        return
    command = group.get_command(ctx, topic)
    if command is not None:
        click.echo(command.get_help(click.Context(command, info_name=topic, parent=ctx.parent)))
        return
    text = page(topic)
    # a pager only for a person: click 8.4 closes a stdout that is not a terminal after paging
    if sys.stdout.isatty():
        click.echo_via_pager(text)
    else:
        click.echo(text)


# --- the live vault ---------------------------------------------------------------------


def live_options(func: F) -> F:
    """What `watch` and `serve` share: the feed file, the debounce and the log."""
    func = click.option("-v", "--verbose", is_flag=True, help="Log one line per rebuild on stderr.")(func)
    func = click.option("--debounce", type=click.IntRange(0, 60_000), default=300, show_default=True,
                        metavar="MS", help="Wait this many quiet milliseconds before rebuilding.")(func)
    func = force_option(func)
    return click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="The feed file to keep current. "
                             "[default: <vault>/.mdfollow/follow-ups.ics]")(func)


def _stop_on_signals() -> threading.Event:
    """SIGINT and SIGTERM end the loop cleanly instead of killing it mid-write."""
    import signal
    import threading

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _builder(session: Session, output: Path | None, force: bool) -> FeedBuilder:
    from .watch import FeedBuilder

    root = open_vault(session.vault_path).resolve()
    target = feed_target(output, root, force=force, stdout=False)
    assert target is not None
    return FeedBuilder(root, session.config, vault_links(session.config, root), target, session.index(root),
                       warn, today=session.today if session.pinned else None)


def _log(verbose: bool) -> Callable[[str], None] | None:
    if not verbose:
        return None
    return lambda message: click.echo(f"mdfollow: {message}", err=True)


@cli.command("watch")
@live_options
@pass_session
def watch_command(session: Session, output: Path | None, force: bool, debounce: int, verbose: bool) -> None:
    """Keep the feed file current while you edit notes (Ctrl-C stops).

    Re-reads only the notes that changed, and rewrites the feed (atomically, as `export`
    does) only when its bytes change. A note broken mid-edit keeps its last good state.
    """
    from .watch import watch

    stop = _stop_on_signals()
    builder = _builder(session, output, force)
    builder.rebuild()
    watch(builder, stop, debounce / 1000, _log(verbose), on_start=lambda: click.echo(
        f"Watching {builder.vault}; the feed is {builder.output} (Ctrl-C stops)"))  # once saves are seen


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8737, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--rotate-token", is_flag=True, help="Make a new secret feed URL; the old one stops working.")
@click.option("--read-only", is_flag=True, help="Serve the pages without their actions.")
@live_options
@pass_session
def serve(session: Session, host: str, port: int, rotate_token: bool, read_only: bool,
          output: Path | None, force: bool, debounce: int, verbose: bool) -> None:
    """Serve the feed on a secret URL, and the agenda pages to paired devices; keep both current.

    The feed token is kept in mdfollow's state folder, out of the vault; --rotate-token
    replaces it. Pages need a paired device (`mdfollow pair`). Listens on 127.0.0.1
    unless --host says otherwise.
    """
    from .watch import watch
    from .web.serving import start

    stop = _stop_on_signals()
    builder = _builder(session, output, force)
    builder.rebuild()
    assert builder.feed is not None
    served = start(builder.vault, session.config, builder.feed, host=host, port=port,
                   rotate_token=rotate_token, read_only=read_only,
                   today=session.today if session.pinned else None,
                   warn=warn, log=_log(verbose))
    if host not in ("127.0.0.1", "localhost", "::1"):
        warn(f"listening on {host}: anyone who can reach this machine and learns the URL can read "
              "your follow-ups; for Google or Outlook.com put it behind HTTPS")
    click.echo(f"Serving the feed of {builder.vault}\n  http://{served.feed_url}\n  webcal://{served.feed_url}\n"
               "Subscribe to one of these URLs; keep them secret (Ctrl-C stops).\n"
               f"Agenda: {served.base}/ — pair a device by opening (once, within 10 minutes):\n"
               f"  {served.pair_link}")
    sys.stdout.flush()
    with served.running():
        watch(builder, stop, debounce / 1000, _log(verbose), on_change=served.feed.set)


@cli.command()
@click.option("--name", default=None, help="What to call the device (default: device-N).")
@click.option("--list", "listing", is_flag=True, help="List the paired devices.")
@click.option("--revoke", metavar="NAME", default=None, help="Unpair the device called NAME.")
@click.option("--revoke-all", is_flag=True, help="Unpair every device and void pending links.")
@pass_session
def pair(session: Session, name: str | None, listing: bool, revoke: str | None, revoke_all: bool) -> None:
    """Print a one-time link (valid 10 minutes) that lets a phone or laptop use the agenda pages."""
    from .web.serving import pair_lines

    root = open_vault(session.vault_path).resolve()
    for line in pair_lines(root, session.config, name=name, listing=listing, revoke=revoke,
                           revoke_all=revoke_all):
        click.echo(line)


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--folder", default="People", show_default=True, callback=_folder_option,
              help="Vault folder for the new notes.")
@click.option("--cadence", callback=_cadence_option, help="Cadence for everyone imported: 90d, quarterly…")
@click.option("--spread", callback=_interval_option, default=None, metavar="INTERVAL",
              help="Give each new contact a first next-due spread evenly over this many days: 30d.")
@click.option("-v", "--verbose", is_flag=True, help="List every note created and every person skipped.")
@writing_command
@pass_session
def import_command(session: Session, file: Path, folder: str, cadence: str | None,
                   spread: Interval | None, verbose: bool, dry_run: bool, commit: bool) -> None:
    """Create a note per person from a vCard (.vcf), Google Contacts CSV or LinkedIn CSV.

    People who already have a note (same name, alias or email) are skipped, so importing
    the same file twice changes nothing. Malformed cards are reported and skipped; a file
    from which nobody at all can be read exits 5.
    """
    from .addressbook import plan_import, read_people
    from .new_notes import imported_notes

    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidValue(f"{file} is not UTF-8 text: export it again as UTF-8") from None
    people, problems = read_people(text, file.name)
    if not people:
        for problem in problems:
            click.echo(f"  {problem}")
        raise UnreadableInput(f"nobody could be read from {file.name}; nothing was written")
    vault = open_vault(session.vault_path)
    plan = plan_import(people, session.load().contacts, session.today, cadence,
                       spread if spread and spread.count else None)
    notes_folder(vault, folder, session.config.template_folders)
    template = vault_template(vault, session.config)
    changes, refused = imported_notes(plan, vault, folder, template, _now(session), session.config.spellings)
    plan.skipped.extend(refused)
    if dry_run:
        for change in changes:
            click.echo(f"would create {change.path}")
    elif changes:
        _apply(session, changes, f"import: {_plural(len(changes), 'contact')} from {file.name}",
               dry_run=False, commit=commit)
    _import_summary([c.path for c in changes], plan.skipped, problems, dry_run=dry_run, verbose=verbose)


def _import_summary(created: list[str], skipped: Sequence[tuple[Any, str]], problems: Sequence[Any], *,
                    dry_run: bool, verbose: bool) -> None:
    """Problems always, each note and skipped person with -v, and the counts last, on screen."""
    for path in created if verbose and not dry_run else []:
        click.echo(f"  created {path}")
    for person, why in skipped if verbose else []:
        click.echo(f"  skipped {person.name}: {why}")
    for problem in problems:
        click.echo(f"  {problem}")
    verb = "Would create" if dry_run else "Created"
    listed = " (-v lists them)" if skipped and not verbose else ""
    click.echo(f"{verb} {_plural(len(created), 'note')}; skipped {len(skipped)}{listed}; "
               f"{_plural(len(problems), 'problem')}.")


@cli.command()
@name_argument
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON object (fields: `mdfollow help json`).")
@pass_session
def show(session: Session, name: str, as_json: bool) -> None:
    """Everything mdfollow makes of NAME, and where each part comes from.

    The fields as read (and their spelling), the effective last contact and its source, the
    cadence and its source, attempts, status, open promises, the current follow-up and the
    rule that made it, the next birthday, and what `check` says about the note.
    """
    from .explain import explain, render
    from .vault import read_note

    contact, problems = session.contact(name)
    vault = open_vault(session.vault_path)
    found = explain(contact, read_note(vault, contact.path, session.config), problems, session.config,
                    session.today)
    if as_json:
        click.echo(json.dumps(found.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(render(found, session.today))


@cli.command("edit")
@name_argument
@pass_session
def edit_command(session: Session, name: str) -> None:
    """Open NAME's note in $VISUAL or $EDITOR."""
    from .interactive import open_in_editor

    contact = _find(session, name)
    open_in_editor(open_vault(session.vault_path) / contact.path)


@cli.command()
@name_argument
@click.option("--kind", type=click.Choice(KINDS), default=None,
              help="What to write. Default: by what is due — first: thank-you, sequence step: nudge, "
                   "last try: break-up, otherwise check-in.")
@click.option("--copy", is_flag=True, help="Also put it on the clipboard, when there is one.")
@pass_session
def draft(session: Session, name: str, kind: str | None, copy: bool) -> None:
    """Print a short message to send NAME, filled from their note.

    Override a template with <vault>/Templates/mdfollow/<kind>.md (placeholders such as
    {{first_name}}, {{met_at|fallback}}; see docs/commands.md).
    """
    contact = _find(session, name)
    kind = kind or kind_for(schedule.current(contact, session.config))
    text = render(draft_template(open_vault(session.vault_path), session.config, kind),
                  values_for(contact, session.config))
    click.echo(text, nl=False)
    if copy:
        _copy(text)


def _copy(text: str) -> None:
    """The first clipboard tool this system has; say so when there is none."""
    from .clipboard import copy_with_tool

    if copy_with_tool(text):
        click.echo("(copied to the clipboard)", err=True)
        return
    warn("no clipboard here (pbcopy, wl-copy, xclip or xsel); the draft is printed above")
