"""The watcher's feed, kept up to date save by save, is the feed made afresh from the notes.

Random sequences of saves go through the watcher's own path (`FeedBuilder`: the notes
named re-read, the contacts they reach linked again, the kept `Feed` moving only the items
that changed), on real files; after each, the feed it wrote and the state it kept must be
byte for byte those that reading, linking and ranking the whole vault gives for the same
day, clock and state before.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdfollow.config import Config, FeedConfig
from mdfollow.feed import build_feed
from mdfollow.feed_state import load_state, state_path
from mdfollow.links import Links
from mdfollow.publish import export_feed
from mdfollow.snapshot import load_vault
from mdfollow.watch import FeedBuilder

START = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.timezone.utc)
NAMES = ["Jane Doe", "Sam", "Ana Lima", "Yuki", "Omar"]
PATHS = [*(f"People/{name}.md" for name in NAMES), "People/Sam 2.md", "Clients/Ana Lima.md"]
DAILY = ["Daily/2026-11-10.md", "Daily/2026-11-17.md"]


def dates(first: str = "2026-08-01", last: str = "2027-01-31") -> st.SearchStrategy[dt.date]:
    return st.dates(dt.date.fromisoformat(first), dt.date.fromisoformat(last))


tasks = st.lists(st.tuples(st.sampled_from(["send the deck", "intro to Kim", "send the deck"]),
                           st.booleans(), dates("2026-11-01", "2026-12-31")), max_size=3)
contact_notes = st.builds(
    lambda name, last, cadence, due, birthday, status, todo, log: "".join([
        "---\n", f"name: {name}\n" if name else "", f"last-contact: {last}\n" if last else "",
        f"cadence: {cadence}\n", f"next-due: {due}\n" if due else "",
        f"birthday: {birthday}\n" if birthday else "", f"status: {status}\n" if status else "", "---\n",
        *(f"- [{'x' if done else ' '}] {text} 📅 {day}\n" for text, done, day in todo),
        *(f"- {day} call about the offer\n" for day in log)]),
    st.one_of(st.none(), st.sampled_from(NAMES)), st.one_of(st.none(), dates("2026-08-01", "2026-11-30")),
    st.sampled_from(["7d", "30d", "90d"]), st.one_of(st.none(), dates()),
    st.one_of(st.none(), st.sampled_from(["11-20", "1990-11-19", "02-29", "12-24"])),
    st.sampled_from([None, None, "closed", "paused"]), tasks,
    st.lists(dates("2026-10-01", "2026-11-30"), max_size=2))
daily_notes = st.builds(
    lambda met, todo: "".join([*(f"- met [[{name}]]\n" for name in met),
                               *(f"- [{'x' if done else ' '}] call [[{name}]] 📅 {day}\n"
                                 for name, done, day in todo)]),
    st.lists(st.sampled_from(NAMES), max_size=2),
    st.lists(st.tuples(st.sampled_from(NAMES), st.booleans(), dates("2026-11-01", "2026-12-31")), max_size=3))


@dataclass(frozen=True)
class Save:
    """One thing a person (or a sync tool) does to the vault, then the watcher's rebuild."""

    kind: str  # "write", "delete", "rename", "tick", "day", "look" (the whole-vault look),
    # "forget" (the state file lost), "export" (another process, with the next day, made the
    # feed and kept its state), each then a note written
    path: str = ""
    text: str = ""
    to: str = ""
    days: int = 0


saves = st.one_of(
    st.builds(Save, st.just("write"), st.sampled_from(PATHS), contact_notes),
    st.builds(Save, st.just("write"), st.sampled_from(DAILY), daily_notes),
    st.builds(Save, st.sampled_from(["forget", "export"]), st.sampled_from(PATHS), contact_notes),
    st.builds(Save, st.just("delete"), st.sampled_from(PATHS + DAILY)),
    st.builds(Save, st.just("rename"), st.sampled_from(PATHS), to=st.sampled_from(PATHS)),
    st.builds(Save, st.just("tick"), st.sampled_from(PATHS + DAILY)),
    st.builds(Save, st.just("day"), days=st.integers(1, 3)),
    st.builds(Save, st.just("look")),
)
configs = st.builds(
    lambda per_day, events, ahead, keep_done: Config(feed=FeedConfig(
        per_day=per_day, max_events=events, ahead=ahead, keep_done=keep_done)),
    st.sampled_from([1, 2, 5]), st.sampled_from([3, 6, 1000]), st.sampled_from([10, 90]),
    st.sampled_from([0, 3]))


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


def apply(root: Path, config: Config, save: Save, clock: Clock) -> set[str] | None:
    """Do the save; the notes a file watcher would name (None: the whole vault is looked at)."""
    target = root / save.path
    clock.now += dt.timedelta(minutes=3)
    text = save.text
    if save.kind == "forget":
        state_path(root).unlink(missing_ok=True)
    elif save.kind == "export":
        export_feed(root, config, Links("obsidian", root.name), clock.now.date() + dt.timedelta(days=1),
                    None, clock=clock)
    if save.kind in ("forget", "export"):  # and a note changed: a watcher remakes the feed when one did
        text = text.replace("---\n", f"---\nemail: at{clock.now:%H%M}@example.org\n", 1)
    if save.kind in ("write", "forget", "export"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    elif save.kind == "delete":
        target.unlink(missing_ok=True)
    elif save.kind == "rename" and target.exists() and save.to != save.path:
        (root / save.to).parent.mkdir(parents=True, exist_ok=True)
        target.replace(root / save.to)
        return {save.path, save.to}
    elif save.kind == "tick" and target.exists():
        target.write_text(target.read_text(encoding="utf-8").replace("- [ ]", "- [x]", 1), encoding="utf-8")
    elif save.kind == "day":
        clock.now += dt.timedelta(days=save.days)
        return set()
    elif save.kind == "look":
        return None
    return {save.path}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs, st.lists(st.tuples(st.sampled_from(PATHS + DAILY), contact_notes), min_size=3, max_size=7),
       st.lists(saves, min_size=4, max_size=15))
def test_every_save_through_the_watcher_gives_the_feed_made_afresh(
        config: Config, first: list[tuple[str, str]], steps: list[Save]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder).resolve() / "vault"
        for path, text in first:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        links, clock = Links("obsidian", root.name), Clock()
        output = Path(folder) / "follow-ups.ics"
        builder = FeedBuilder(root, config, links, output, None, lambda _: None, clock=clock)
        builder.rebuild()
        for save in steps:
            paths = apply(root, config, save, clock)
            before = load_state(root)  # what the watcher keeps, or reads again when it changed
            written = output.read_bytes()
            if paths == set():
                assert builder.new_day()
            elif not builder.rebuild(paths):  # nothing that counts changed: no feed made
                assert output.read_bytes() == written
                continue
            afresh = build_feed(load_vault(root, config).contacts, config, links, clock.now.date(),
                                clock.now, before)
            assert output.read_bytes() == afresh.data, save
            assert load_state(root) == afresh.state, save
