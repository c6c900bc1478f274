from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdfollow.config import BUILTIN_SEQUENCES, Config, FeedConfig, parse_config
from mdfollow.errors import ConfigError
from mdfollow.fields import Interval, normalize_key

FULL = """
max-attempts = 4
max-per-day = 5
first-follow-up = "2d"
template-folders = ["_templates"]

[cadence]
default = "90d"

[cadence.tags]
"#Family" = "14d"
work = "every month"

[sequences]
sales = [2, 5]
webinar = [1, 4, 10]

[fields]
last-contact = ["seen"]
Cadence = ["how-often"]

[feed]
name = "People, to call"
description = "From my notes"
link = "file"
refresh = "30m"
alarm = "9:05"
ahead = "6 months"
per-day = 3
max-events = 500
max-bytes = 400000
keep-done = "1w"
birthdays = false
contact-details = true
detail = "minimal"

[serve]
public-url = "https://notes.example.org/follow/"
"""


def test_every_key_is_read() -> None:
    config = parse_config(FULL, "x.toml")
    assert config.max_attempts == 4
    assert config.max_per_day == 5
    assert Config().max_per_day is None
    assert config.first_follow_up == Interval(2, "days")
    assert config.template_folders == ("_templates",)
    assert config.default_cadence == Interval(90, "days")
    assert config.tag_cadences == {"family": Interval(14, "days"), "work": Interval(1, "months")}
    assert config.sequences["sales"] == (2, 5)
    assert config.sequences["webinar"] == (1, 4, 10)
    assert config.sequences["interview"] == BUILTIN_SEQUENCES["interview"]
    assert config.spellings[normalize_key("seen")] == "last-contact"
    assert config.spellings[normalize_key("How Often")] == "cadence"
    assert config.spellings[normalize_key("LastChatted")] == "last-contact"
    assert config.feed == FeedConfig(name="People, to call", description="From my notes", link="file",
                                     refresh=dt.timedelta(minutes=30), alarm=dt.time(9, 5), ahead=182,
                                     per_day=3, max_events=500, max_bytes=400_000, keep_done=7,
                                     birthdays=False, contact_details=True, detail="minimal")
    assert config.daily_cap == 3 and parse_config("max-per-day = 4", "x").daily_cap == 4
    assert config.serve.public_url == "https://notes.example.org/follow"
    assert Config().serve.public_url is None


def test_feed_defaults_and_toml_times() -> None:
    assert Config().feed == FeedConfig(link="obsidian", refresh=dt.timedelta(hours=1), alarm=None, ahead=90,
                                       per_day=None, max_events=1000, max_bytes=1_000_000, keep_done=3,
                                       birthdays=True, contact_details=False, detail="full")
    assert Config().daily_cap == 5
    assert parse_config("[feed]\nahead = '0d'\nkeep-done = 0", "x").feed.keep_done == 0
    assert parse_config("[feed]\nalarm = 08:30:00\nrefresh = '2 hours'", "x").feed.alarm == dt.time(8, 30)


def test_an_empty_file_gives_the_defaults() -> None:
    assert parse_config("", "x.toml") == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_attempts = 3", "unknown setting max_attempts"),
        ("[cadence]\ndefualt = '30d'", "unknown setting cadence.defualt"),
        ("[cadence]\ndefault = 'fortnite'", "cadence.default: unknown cadence"),
        ("[cadence.tags]\nfamily = 0", "cadence.tags.family"),
        ("[sequences]\nsales = [3, 1]", "increasing day offsets"),
        ("[sequences]\nsales = []", "sequences.sales"),
        ("[sequences]\nsales = 'fast'", "sequences.sales"),
        ("[fields]\nbirthdate = ['bday']", "fields.birthdate: not a field"),
        ("[fields]\nmet = 'first'", "fields.met must be a list"),
        ("max-attempts = 0", "max-attempts must be a whole number"),
        ("max-per-day = 0", "max-per-day must be a whole number"),
        ("max-attempts = true", "max-attempts must be a whole number"),
        ("cadence = '30d'", "cadence must be a table"),
        ("template-folders = 'Templates'", "template-folders must be a list"),
        ("[cadence\n", "not valid TOML"),
        ("[feed]\nlink = 'http'", "feed.link must be one of obsidian, file, none"),
        ("[feed]\nrefresh = 'hourly'", "feed.refresh must be a time like"),
        ("[feed]\nrefresh = '0m'", "feed.refresh"),
        ("[feed]\nalarm = '25:00'", "feed.alarm must be a time of day"),
        ("[feed]\nname = ''", "feed.name must be a non-empty text"),
        ("[feed]\ncolour = 'red'", "unknown setting feed.colour"),
        ("[feed]\nper-day = 0", "feed.per-day must be a whole number"),
        ("[feed]\nmax-events = -1", "feed.max-events must be a whole number"),
        ("[feed]\nmax-bytes = '1 MB'", "feed.max-bytes must be a whole number"),
        ("[feed]\nahead = 'soon'", "feed.ahead: "),
        ("[feed]\nbirthdays = 'no'", "feed.birthdays must be true or false"),
        ("[feed]\ncontact-details = 1", "feed.contact-details must be true or false"),
        ("[feed]\ndetail = 'none'", "feed.detail must be"),
        ("[serve]\npublic-url = 'notes.example.org'", "serve.public-url must be an http"),
        ("[serve]\npublic-url = 'https://x.org/?a=1'", "serve.public-url must be an http"),
        ("[serve]\nport = 80", "unknown setting serve.port"),
    ],
)
def test_mistakes_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        parse_config(text, "vault/.mdfollow.toml")
    assert str(error.value).startswith("vault/.mdfollow.toml: ")


@given(st.text(max_size=300))
def test_any_text_is_a_config_or_a_config_error(text: str) -> None:
    with contextlib.suppress(ConfigError):
        parse_config(text, "x.toml")


@given(st.dictionaries(st.sampled_from(["max-attempts", "first-follow-up", "template-folders",
                                        "cadence", "sequences", "fields", "feed"]),
                       st.one_of(st.integers(), st.text(max_size=5), st.booleans(),
                                 st.lists(st.integers(), max_size=3),
                                 st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))))
def test_any_shape_of_known_keys_is_a_config_or_a_config_error(data: dict[str, object]) -> None:
    lines = []
    for key, value in data.items():
        lines.append(f"{key} = {json.dumps(value)}")
    with contextlib.suppress(ConfigError):
        parse_config("\n".join(lines), "x.toml")
