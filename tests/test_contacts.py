"""Notes -> contacts: field values, effective last contact, link resolution, promises, problems."""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable, Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from mdfollow.cache import dumps
from mdfollow.config import Config
from mdfollow.contacts import Linker, Names, Vault, build_vault, patch
from mdfollow.fields import Interval
from mdfollow.model import Interaction, Note
from mdfollow.notes import parse_note

from .factories import vault

D = dt.date


def only(files: dict[str, str], config: Config | None = None):  # type: ignore[no-untyped-def]
    result = vault(files, config)
    assert len(result.contacts) == 1
    return result.contacts[0], result.problems


def test_display_name_is_name_else_file_name() -> None:
    named = vault({"People/jd.md": "---\nname: Jane Doe\ncadence: 30d\n---\n",
                   "People/Sam Lee.md": "---\ncadence: 30d\n---\n"})
    assert sorted(c.name for c in named.contacts) == ["Jane Doe", "Sam Lee"]


def test_any_spelling_of_a_field_is_read() -> None:
    contact, problems = only({"People/A.md": """
        ---
        prm-last-contacted: 2026-10-01
        pingFrequency: "2 weeks"
        Next Action Date: 2026-12-01
        prm-snooze-until: 2026-12-05
        prm-birthday: "04-17"
        ---
        """})
    assert contact.last_contact == D(2026, 10, 1)
    assert contact.cadence == Interval(2, "weeks")
    assert contact.next_due == D(2026, 12, 1)
    assert contact.snooze_until == D(2026, 12, 5)
    assert contact.birthday is not None and (contact.birthday.month, contact.birthday.day) == (4, 17)
    assert problems == ()


def test_two_spellings_last_contact_takes_the_latest_others_the_first() -> None:
    contact, problems = only({"People/A.md": """
        ---
        last_contact: 2026-09-01
        LastChatted: 2026-10-05
        next-due: 2026-12-01
        nextContact: 2026-11-01
        ---
        """})
    assert contact.last_contact == D(2026, 10, 5)
    assert contact.next_due == D(2026, 12, 1)
    assert [(p.line, p.severity) for p in problems] == [(3, "warning"), (5, "warning")]
    assert "the latest date counts" in problems[0].message
    assert "the first counts" in problems[1].message


def test_impossible_date_and_unknown_cadence_are_errors_and_the_rest_still_counts() -> None:
    contact, problems = only({"People/A.md": """
        ---
        last-contact: 2026-02-30
        cadence: fortnite
        tags: [family]
        met: 2026-01-05
        ---
        - 2026-08-10 dinner
        """}, Config(tag_cadences={"family": Interval(14, "days")}))
    assert contact.last_contact == D(2026, 8, 10)
    assert contact.cadence == Interval(14, "days") and contact.cadence_source == "tag #family"
    assert contact.met == D(2026, 1, 5)
    assert [(p.line, p.severity) for p in problems] == [(2, "error"), (3, "error")]
    assert "impossible date" in problems[0].message and "unknown cadence" in problems[1].message


def test_cadence_comes_from_the_note_then_the_shortest_tag_then_the_default() -> None:
    config = Config(default_cadence=Interval(90, "days"),
                    tag_cadences={"family": Interval(1, "months"), "close": Interval(2, "weeks")})
    result = vault({
        "own.md": "---\ncadence: 1y\ntags: [family]\n---\n",
        "tags.md": "---\nlast-contact:\ntags: ['#Family', close]\n---\n",
        "hash.md": "---\nlast-contact:\ntags: '#family'\n---\n",
        "none.md": "---\nlast-contact:\n---\n",
    }, config)
    by_path = {c.path: (c.cadence, c.cadence_source) for c in result.contacts}
    assert by_path == {
        "own.md": (Interval(1, "years"), "note"),
        "tags.md": (Interval(2, "weeks"), "tag #close"),
        "hash.md": (Interval(1, "months"), "tag #family"),
        "none.md": (Interval(90, "days"), "default"),
    }


def test_status_and_paused_flags() -> None:
    result = vault({
        "a.md": "---\ncadence: 30d\nstatus: Closed\n---\n",
        "b.md": "---\ncadence: 30d\npaused: true\n---\n",
        "c.md": "---\ncadence: 30d\nprm-paused: 'true'\n---\n",
        "d.md": "---\ncadence: 30d\nstatus: dormant\n---\n",
        "e.md": "---\ncadence: 30d\nstatus: closed\npaused: true\n---\n",
    })
    assert {c.path: c.status for c in result.contacts} == {
        "a.md": "closed", "b.md": "paused", "c.md": "paused", "d.md": "active", "e.md": "closed"}
    assert [(p.path, p.severity) for p in result.problems if "status" in p.message] == [
        ("d.md", "warning")]


def test_effective_last_contact_is_the_latest_of_field_log_and_interaction_notes() -> None:
    files = {
        "People/Jane Doe.md": """
            ---
            aliases: [JD]
            last-contact: 2026-10-01
            cadence: 30d
            ---
            - 2026-10-05 coffee
            ## 2026-10-07
            """,
        "Daily/2026-10-10.md": "Lunch with [[JD]].\n",
        "Daily/2026-10-12 Meeting.md": "- [ ] ask [[Jane Doe]] later\n- [-] call [[Jane Doe]]\n",
        "Meetings/Review.md": "---\ndate: 2026-10-15\nattendees: ['[[Other]]']\n---\n[[Jane Doe]]\n",
    }
    assert vault(files).contacts[0].last_contact == D(2026, 10, 10)
    files["Daily/2026-10-20.md"] = "- [x] sent [[People/Jane Doe|Jane]] the deck\n"
    assert vault(files).contacts[0].last_contact == D(2026, 10, 20)
    files["Meetings/Plan.md"] = "---\ndate: 2026-12-01 10:00\nwith:\n  - Jane Doe\n---\n"
    assert vault(files).contacts[0].last_contact == D(2026, 12, 1)  # planned contact counts


def test_links_resolve_by_path_file_name_name_or_alias_case_insensitively() -> None:
    files = {
        "People/Jane Doe.md": "---\nname: Jane D.\naliases: [Janie]\ncadence: 30d\n---\n",
        "Work/Jane Doe.md": "---\ncadence: 30d\n---\n",
        "Daily/2026-10-01.md": "[[work/jane doe]]\n",
        "Daily/2026-10-02.md": "[[JANIE]]\n",
        "Daily/2026-10-03.md": "[[Jane D.#Notes]]\n",
        "Daily/2026-10-04.md": "[[Jane Doe.md]]\n",
    }
    last = {c.path: c.last_contact for c in vault(files).contacts}
    assert last == {"People/Jane Doe.md": D(2026, 10, 4), "Work/Jane Doe.md": D(2026, 10, 4)}
    del files["Daily/2026-10-04.md"]
    last = {c.path: c.last_contact for c in vault(files).contacts}
    assert last == {"People/Jane Doe.md": D(2026, 10, 3), "Work/Jane Doe.md": D(2026, 10, 1)}


def test_promises_belong_to_whoever_the_task_links_else_the_note_owner() -> None:
    result = vault({
        "People/Jane Doe.md": """
            ---
            cadence: 30d
            ---
            - [ ] send Jane my florist's name 📅 2026-11-25
            - [ ] ask [[Sam Lee]] to call Jane 📅 2026-11-26
            - [ ] no date, no promise
            - [x] done 📅 2026-11-01
            """,
        "People/Sam Lee.md": "---\nstatus: closed\ncadence: 30d\n---\n",
        "Meetings/Note.md": "- [ ] intro [[Jane Doe]] and [[Sam Lee]] [due:: 2026-11-27]\n"
                            "- [ ] nobody 📅 2026-11-28\n",
    })
    promises = {c.name: [(p.text, p.due.isoformat(), p.source) for p in c.promises]
                for c in result.contacts}
    assert promises == {
        "Jane Doe": [("send Jane my florist's name", "2026-11-25", "People/Jane Doe.md:4"),
                     ("intro Jane Doe and Sam Lee", "2026-11-27", "Meetings/Note.md:1")],
        "Sam Lee": [("ask Sam Lee to call Jane", "2026-11-26", "People/Jane Doe.md:5"),
                    ("intro Jane Doe and Sam Lee", "2026-11-27", "Meetings/Note.md:1")],
    }


def test_unknown_sequence_and_missing_start_are_warnings_and_fall_back() -> None:
    result = vault({
        "a.md": "---\nsequence: salez\nmet: 2026-11-01\n---\n",
        "b.md": "---\nsequence: sales\n---\n",
        "c.md": "---\nsequence: Sales\nmet: 2026-11-01\n---\n",
    })
    assert {c.path: c.sequence for c in result.contacts} == {"a.md": None, "b.md": None,
                                                             "c.md": "sales"}
    assert [(p.path, p.severity) for p in result.problems] == [("a.md", "warning"), ("b.md", "warning")]


def test_a_cadence_with_no_date_to_count_from_is_a_warning_on_the_cadence_line() -> None:
    result = vault({"People/Noah.md": "---\nemail: n@example.com\ncadence: 30d\n---\n"})
    assert [(p.line, p.severity) for p in result.problems] == [(3, "warning")]
    assert "never falls due" in result.problems[0].message


def test_bad_counts_are_errors() -> None:
    contact, problems = only({"a.md": "---\nattempts: many\nmax-attempts: 0\ncadence: 30d\n"
                                      "last-contact: 2026-01-01\n---\n"})
    assert (contact.attempts, contact.max_attempts) == (0, 6)
    assert [p.line for p in problems if p.severity == "error"] == [2, 3]


def test_skipped_notes_are_reported_and_contribute_nothing() -> None:
    result = vault({"a.md": "---\nlast-contact: [2026\n---\n- [ ] x 📅 2026-11-25\n",
                    "b.md": "---\ncadence: 30d\nlast-contact: 2026-11-01\n---\n"})
    assert [c.path for c in result.contacts] == ["b.md"]
    assert result.skipped == ("a.md",)
    assert [p.path for p in result.problems] == ["a.md"]


# --- the Linker: build_vault for a vault that changes a few notes at a time --------------

PEOPLE = ["Jane Doe", "Sam Lee", "Ana"]
person_note = st.builds(
    lambda name, alias, last, broken, task, logged: (
        f"---\nname: {name}\naliases: [{alias}]\nlast-contact: {last}\n"
        f"cadence: {'[' if broken else ''}30d\n---\n"
        + (f"- [ ] call {task} 📅 {last}\n" if task is not None else "")
        + "".join(f"- {day} (call) talked\n" for day in logged)),  # its own log
    st.sampled_from(PEOPLE), st.sampled_from(["J", "Sammy", "Boss"]),
    st.dates(D(2026, 1, 1), D(2026, 12, 31)), st.booleans(),
    st.one_of(st.none(), st.just("them"), st.sampled_from(["[[J]]", "[[Sammy]]", "[[Boss]]", "[[Nobody]]"])),
    st.lists(st.dates(D(2026, 1, 1), D(2026, 12, 31)), max_size=2))
linking_note = st.builds(
    lambda names, done: "".join(f"- {'[x] ' if done else ''}met [[{n}]]\n" for n in names)
    + "- [ ] send [[Sam Lee]] the deck 📅 2026-11-25\n",
    st.lists(st.sampled_from([*PEOPLE, "J", "Sammy", "Boss", "People/Jane Doe", "Nobody"]), max_size=3),
    st.booleans())
edits = st.lists(st.one_of(
    st.tuples(st.sampled_from(["People/P1.md", "People/P2.md", "People/Jane Doe.md"]), person_note),
    st.tuples(st.sampled_from(["Daily/2026-11-01.md", "Daily/2026-11-02.md", "Notes/Idea.md"]), linking_note),
    st.tuples(st.sampled_from(["People/P1.md", "Daily/2026-11-01.md", "Notes/Idea.md"]), st.none()),
), min_size=1, max_size=12)


@given(edits)
@settings(max_examples=300)
def test_the_linker_builds_what_build_vault_builds_after_every_edit(
        steps: list[tuple[str, str | None]]) -> None:
    config = Config()
    linker = Linker(config)
    notes: dict[str, Note] = {}
    for path, text in steps:
        if text is None:
            notes.pop(path, None)
        else:  # only the edited note is a new object, as in the watcher
            notes[path] = parse_note(path, text, config.spellings)
        linker.update({path: notes.get(path)})
        assert linker.vault() == build_vault(list(notes.values()), config)


def linked(texts: dict[str, str], config: Config) -> Linker:
    linker = Linker(config)
    linker.update({path: parse_note(path, text, config.spellings) for path, text in texts.items()})
    return linker


def test_an_edit_links_again_only_the_contacts_it_reaches() -> None:
    config = Config()
    linker = linked({"People/Jane Doe.md": "---\ncadence: 30d\n---\n",
                     "People/Sam Lee.md": "---\ncadence: 30d\n---\n",
                     "Daily/2026-11-01.md": "met [[Jane Doe]]\n"}, config)
    jane, sam = linker.contacts
    linker.update({"Daily/2026-11-01.md": parse_note("Daily/2026-11-01.md", "met [[Sam Lee]]\n",
                                                     config.spellings)})
    assert [c.last_contact for c in linker.contacts] == [None, D(2026, 11, 1)]
    linker.update({"Daily/2026-11-02.md": parse_note("Daily/2026-11-02.md", "met [[Sam Lee]]\n",
                                                     config.spellings)})
    assert linker.contacts[0] is not jane and linker.contacts[1] is not sam
    unchanged = linker.contacts[0]
    linker.update({"Daily/2026-11-02.md": None})
    assert linker.contacts[0] is unchanged  # Jane was not reached: not linked again
    assert linker.contacts[1].last_contact == D(2026, 11, 1)


def test_a_contact_that_comes_later_is_found_by_links_through_its_folder() -> None:
    config = Config()

    def parsed(path: str, text: str) -> Note:
        return parse_note(path, text, config.spellings)

    linker = Linker(config)
    notes = {"People/Sam.md": parsed("People/Sam.md", "---\nname: Sam\ncadence: 30d\n---\n"),
             "Daily/2026-11-01.md": parsed("Daily/2026-11-01.md", "met [[People/Jane Doe]] and [[Sam]]\n")}
    linker.update(notes)
    for path, text in (("People/Sam.md", "---\nname: Samuel\ncadence: 30d\n---\n"),  # a rename first
                       ("People/Jane Doe.md", "---\ncadence: 30d\n---\n")):
        notes[path] = parsed(path, text)
        linker.update({path: notes[path]})
    assert linker.vault() == build_vault(list(notes.values()), config)
    assert [(c.name, c.last_contact) for c in linker.contacts] == [("Jane Doe", D(2026, 11, 1)),
                                                                    ("Samuel", D(2026, 11, 1))]


# --- patch: the vault after a few notes changed, from the notes that matter ----------------


def patch_vault(vault: Vault, changes: Mapping[str, tuple[Note | None, Note | None]],
                load: Callable[[set[str]], Mapping[str, Note]], config: Config) -> Vault | None:
    """What `build_vault` makes of the notes `vault` was built from after `changes`, through
    `patch` (None: every note must be linked again)."""
    linked = {contact.path: contact for contact in vault.contacts}
    names = Names()
    for contact in vault.contacts:
        names.add(contact)
    found = patch(names, lambda paths: {p: linked[p] for p in paths}, vault.problems, vault.skipped,
                  changes, load, config)
    if found is None:
        return None
    return Vault(tuple({**linked, **found.contacts}.values()), found.problems, found.skipped)


@given(edits, edits)
@settings(max_examples=300)
def test_a_patched_vault_is_the_vault_built_afresh(before: list[tuple[str, str | None]],
                                                   after: list[tuple[str, str | None]]) -> None:
    config = Config()
    notes: dict[str, Note] = {}
    for path, text in before:
        if text is None:
            notes.pop(path, None)
        else:
            notes[path] = parse_note(path, text, config.spellings)
    edited = dict(notes)
    for path, text in after[:3]:
        if text is None:
            edited.pop(path, None)
        else:
            edited[path] = parse_note(path, text, config.spellings)
    changes = {p: (notes.get(p), edited.get(p)) for p in notes.keys() | edited.keys()
               if notes.get(p) is not edited.get(p)}
    patched = patch_vault(build_vault(list(notes.values()), config), changes,
                          lambda paths: {p: edited[p] for p in paths if p in edited}, config)
    assert patched is None or patched == build_vault(list(edited.values()), config)


def test_an_edited_daily_note_patches_the_vault_from_the_notes_that_matter() -> None:
    config = Config()
    texts = {"People/Jane Doe.md": "---\ncadence: 30d\n---\n- [ ] call [[Jane Doe]] 📅 2026-12-01\n",
             "People/Sam Lee.md": "---\ncadence: 30d\n---\n",
             "People/Ana.md": "---\ncadence: 30d\nlast-contact: 2026-10-01\n---\n",
             "Daily/2026-11-01.md": "met [[Jane Doe]]\n- [ ] send [[Ana]] the deck 📅 2026-11-25\n",
             "Daily/2026-11-02.md": "met [[Jane Doe]]\n"}
    notes = {path: parse_note(path, text, config.spellings) for path, text in texts.items()}
    vault = build_vault(list(notes.values()), config)
    edited = {**notes, "Daily/2026-11-01.md": parse_note("Daily/2026-11-01.md", "met [[Sam Lee]]\n",
                                                         config.spellings)}
    asked: list[set[str]] = []

    def load(paths: set[str]) -> dict[str, Note]:
        asked.append(paths)
        return {p: edited[p] for p in paths}

    changes = {"Daily/2026-11-01.md": (notes["Daily/2026-11-01.md"], edited["Daily/2026-11-01.md"])}
    patched = patch_vault(vault, changes, load, config)
    assert patched == build_vault(list(edited.values()), config)
    assert asked == [{"People/Jane Doe.md", "People/Sam Lee.md", "People/Ana.md", "Daily/2026-11-02.md"}]
    assert [c.last_contact for c in patched.contacts] == [D(2026, 10, 1), D(2026, 11, 2), D(2026, 11, 1)]
    renamed = {"People/Ana.md": (notes["People/Ana.md"], parse_note("People/Ana.md", "---\nname: Anna\n---\n",
                                                                    config.spellings))}
    assert patch_vault(vault, renamed, load, config) is None  # a new name: every link may resolve anew


def test_the_linker_knows_which_notes_name_each_link_target() -> None:
    linker = linked({"People/Jane Doe.md": "---\ncadence: 30d\n---\n- [ ] call [[Sam]] 📅 2026-12-01\n",
                     "Daily/2026-11-01.md": "met [[Jane Doe]] and [[people/jane doe.md]]\n",
                     "Notes/Idea.md": "not a meeting: [[Jane Doe]]\n"}, Config())
    assert {key: paths for key, paths in linker.mentions().items() if paths} == {
        "jane doe": {"Daily/2026-11-01.md"}, "people/jane doe": {"Daily/2026-11-01.md"},
        "sam": {"People/Jane Doe.md"}}


@given(edits)
@settings(max_examples=100)
def test_a_vault_kept_in_the_index_comes_back_the_same(steps: list[tuple[str, str | None]]) -> None:
    config = Config()
    notes = [parse_note(path, text, config.spellings) for path, text in dict(steps).items() if text]
    built = build_vault(notes, config)
    back = pickle.loads(pickle.dumps(built, pickle.HIGHEST_PROTOCOL))
    assert back == built
    interactions = [i for contact in back.contacts for i in contact.interactions]
    assert all(type(i) is Interaction and type(i.date) is dt.date for i in interactions)
    kept = [pickle.loads(dumps(contact)) for contact in built.contacts]  # one at a time, as the index does
    assert kept == list(built.contacts)
    assert all(type(c.last_contact) is dt.date for c in kept if c.last_contact is not None)
