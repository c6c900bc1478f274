"""The config file's schema and defaults (`<vault>/.mdfollow.toml`; every key optional).

Pure: `parse_config(text, source)` takes the file's text. A typo in a key is an error, not
silently ignored, because a cadence that never applies is worse than a clear message.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import ConfigError, InvalidValue
from .fields import SPELLINGS, Interval, normalize_key, parse_interval, spelling_table

#: Steps in days from the sequence's start (offsets, not gaps).
BUILTIN_SEQUENCES: Mapping[str, tuple[int, ...]] = {
    "sales": (1, 3, 7, 14),
    "interview": (1, 10),
    "networking": (2, 30, 90),
}


ONE_DAY = Interval(1, "days")
LINK_STYLES = ("obsidian", "file", "none")


@dataclass(frozen=True)
class FeedConfig:
    """The calendar feed's settings (`[feed]`)."""

    name: str | None = None  # default: "Follow-ups — <vault folder name>"
    description: str | None = None
    link: str = "obsidian"  # how events link back to the note: one of LINK_STYLES
    refresh: dt.timedelta = dt.timedelta(hours=1)
    alarm: dt.time | None = None  # a reminder at this time on the day; off by default
    ahead: int = 90  # days after today the feed reaches
    per_day: int | None = None  # own events a day; default: max-per-day, else 5
    max_events: int = 1000  # Google drops events past ~1,100 or 1 MB, silently
    max_bytes: int = 1_000_000
    keep_done: int = 3  # days an ended cycle stays in the feed, as done or cancelled
    birthdays: bool = True
    contact_details: bool = False  # email and phone in event descriptions
    detail: str = "full"  # "minimal": the summary only


@dataclass(frozen=True)
class ServeConfig:
    """Where `serve` is reachable from outside (`[serve]`)."""

    public_url: str | None = None  # e.g. "https://notes.example.org": feed events link to pages there


@dataclass(frozen=True)
class Config:
    default_cadence: Interval | None = None
    tag_cadences: Mapping[str, Interval] = field(default_factory=dict)
    sequences: Mapping[str, tuple[int, ...]] = field(default_factory=lambda: dict(BUILTIN_SEQUENCES))
    spellings: Mapping[str, str] = field(default_factory=spelling_table)
    max_attempts: int = 6
    first_follow_up: Interval = ONE_DAY
    template_folders: tuple[str, ...] = ("Templates", "templates")
    feed: FeedConfig = field(default_factory=FeedConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    autocommit: bool = False  # [git] autocommit: every writing command commits what it wrote
    max_per_day: int | None = None  # the calendar's own events a day, unless [feed] per-day says
    draft_name: str | None = None  # [draft] name: who signs the drafts
    draft_signature: str | None = None

    @property
    def daily_cap(self) -> int:
        """Follow-ups and promises shown as their own events on one day; the rest is a digest."""
        return self.feed.per_day or self.max_per_day or 5


_TOP_KEYS = {"cadence", "sequences", "fields", "max-attempts", "first-follow-up",
             "template-folders", "feed", "serve", "git", "max-per-day", "draft"}


@dataclass(frozen=True)
class UserConfig:
    """The user's own config file: the vault to use by default, and defaults for every vault
    setting (each vault's `.mdfollow.toml` overrides them, key by key)."""

    vault: str | None = None
    defaults: Mapping[str, object] = field(default_factory=dict)


def parse_user_config(text: str, source: str) -> UserConfig:
    """Read the user config: `vault = "~/Notes"` and any vault setting, checked here so a
    typo is named in this file, not in every vault's."""
    data = _toml(text, source)
    vault = data.pop("vault", None)
    if vault is not None and not (isinstance(vault, str) and vault.strip()):
        raise ConfigError(f"{source}: vault must be a folder, like \"~/Notes\"")
    _config_from(data, source)
    return UserConfig(vault, data)


def parse_config(text: str, source: str, user: UserConfig | None = None) -> Config:
    """Read the vault's TOML config over the user's defaults; `source` names it in messages."""
    data = _toml(text, source)
    return _config_from(_merged(user.defaults, data) if user else data, source)


def user_defaults(user: UserConfig) -> Config:
    """The config of a vault without a config file of its own."""
    return _config_from(dict(user.defaults), "the user config")


def _merged(defaults: Mapping[str, object], data: Mapping[str, object]) -> dict[str, object]:
    """`data` over `defaults`, table by table."""
    merged = dict(defaults)
    for key, value in data.items():
        below = merged.get(key)
        both_tables = isinstance(below, dict) and isinstance(value, dict)
        merged[key] = _merged(below, value) if both_tables else value  # type: ignore[arg-type]
    return merged


def _toml(text: str, source: str) -> dict[str, object]:
    if sys.version_info >= (3, 11):  # imported here: most vaults have no config file
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data: dict[str, object] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays or tables
        raise ConfigError(f"{source}: not valid TOML: nested too deeply") from None
    return data


def _config_from(data: Mapping[str, object], source: str) -> Config:
    _no_unknown(data, _TOP_KEYS, source, "")
    cadence = _table(data, "cadence", source)
    _no_unknown(cadence, {"default", "tags"}, source, "cadence.")
    first = _interval(data.get("first-follow-up", "1d"), source, "first-follow-up", allow_zero=True)
    return Config(
        default_cadence=_interval(cadence.get("default"), source, "cadence.default"),
        tag_cadences=_tag_cadences(_table(cadence, "tags", source), source),
        sequences={**BUILTIN_SEQUENCES, **_sequences(_table(data, "sequences", source), source)},
        spellings=spelling_table(_fields(_table(data, "fields", source), source)),
        max_attempts=_positive_int(data.get("max-attempts", 6), source, "max-attempts"),
        first_follow_up=first or Config.first_follow_up,
        template_folders=_strings(data.get("template-folders", ["Templates", "templates"]),
                                  source, "template-folders"),
        feed=_feed(_table(data, "feed", source), source),
        serve=_serve(_table(data, "serve", source), source),
        autocommit=_autocommit(_table(data, "git", source), source),
        max_per_day=_positive_int(data["max-per-day"], source, "max-per-day") if "max-per-day" in data
        else None,
        **_draft(_table(data, "draft", source), source),
    )


def _draft(table: Mapping[str, object], source: str) -> dict[str, str | None]:
    _no_unknown(table, {"name", "signature"}, source, "draft.")
    return {"draft_name": _optional_text(table.get("name"), source, "draft.name"),
            "draft_signature": _optional_text(table.get("signature"), source, "draft.signature")}


def _autocommit(table: Mapping[str, object], source: str) -> bool:
    _no_unknown(table, {"autocommit"}, source, "git.")
    value = table.get("autocommit", False)
    if not isinstance(value, bool):
        raise ConfigError(f"{source}: git.autocommit must be true or false")
    return value


def _feed(table: Mapping[str, object], source: str) -> FeedConfig:
    _no_unknown(table, {"name", "description", "link", "refresh", "alarm", "ahead", "per-day",
                        "max-events", "max-bytes", "keep-done", "birthdays", "contact-details",
                        "detail"}, source, "feed.")
    link = table.get("link", "obsidian")
    if link not in LINK_STYLES:
        raise ConfigError(f"{source}: feed.link must be one of {', '.join(LINK_STYLES)}")
    detail = table.get("detail", "full")
    if detail not in ("full", "minimal"):
        raise ConfigError(f"{source}: feed.detail must be \"full\" or \"minimal\"")
    return FeedConfig(
        name=_optional_text(table.get("name"), source, "feed.name"),
        description=_optional_text(table.get("description"), source, "feed.description"),
        link=str(link),
        refresh=_refresh(table.get("refresh", "1h"), source),
        alarm=_alarm(table.get("alarm"), source),
        ahead=_days(table, "ahead", "90d", source),
        per_day=_positive_int(table["per-day"], source, "feed.per-day") if "per-day" in table else None,
        max_events=_positive_int(table.get("max-events", 1000), source, "feed.max-events"),
        max_bytes=_positive_int(table.get("max-bytes", 1_000_000), source, "feed.max-bytes"),
        keep_done=_days(table, "keep-done", "3d", source),
        birthdays=_flag(table, "birthdays", True, source),
        contact_details=_flag(table, "contact-details", False, source),
        detail=str(detail),
    )


_EPOCH = dt.date(2000, 1, 1)  # a month or a year counts as it does from here: 31 or 366 days


def _days(table: Mapping[str, object], key: str, default: str, source: str) -> int:
    interval = _interval(table.get(key, default), source, f"feed.{key}", allow_zero=True)
    return (interval.after(_EPOCH) - _EPOCH).days if interval else 0


def _flag(table: Mapping[str, object], key: str, default: bool, source: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{source}: feed.{key} must be true or false")
    return value


def _serve(table: Mapping[str, object], source: str) -> ServeConfig:
    _no_unknown(table, {"public-url"}, source, "serve.")
    url = _optional_text(table.get("public-url"), source, "serve.public-url")
    if url is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url.strip()):
        raise ConfigError(f"{source}: serve.public-url must be an http:// or https:// address "
                          "like \"https://notes.example.org\" (no query or fragment)")
    return ServeConfig(public_url=url.strip().rstrip("/") if url else None)


def _optional_text(value: object, source: str, key: str) -> str | None:
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise ConfigError(f"{source}: {key} must be a non-empty text")
    return value


_REFRESH_UNITS = {"m": 1, "min": 1, "minute": 1, "minutes": 1, "h": 60, "hour": 60, "hours": 60,
                  "d": 1440, "day": 1440, "days": 1440}


def _refresh(value: object, source: str) -> dt.timedelta:
    match = re.fullmatch(r"(\d+)\s*([a-z]+)", value.strip().casefold()) if isinstance(value, str) else None
    if not match or match[2] not in _REFRESH_UNITS or int(match[1]) == 0:
        raise ConfigError(f"{source}: feed.refresh must be a time like 30m, 1h or 1d")
    return dt.timedelta(minutes=int(match[1]) * _REFRESH_UNITS[match[2]])


def _alarm(value: object, source: str) -> dt.time | None:
    if value is None or isinstance(value, dt.time):
        return value
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip()) if isinstance(value, str) else None
    if not match:
        raise ConfigError(f"{source}: feed.alarm must be a time of day like \"09:00\"")
    return dt.time(int(match[1]), int(match[2]))


def _no_unknown(table: Mapping[str, object], known: set[str], source: str, prefix: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown setting {prefix}{unknown[0]} "
                          f"(known: {', '.join(prefix + k for k in sorted(known))})")


def _table(data: Mapping[str, object], key: str, source: str) -> dict[str, object]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: {key} must be a table ([{key}])")
    return value


def _interval(value: object, source: str, key: str, *, allow_zero: bool = False) -> Interval | None:
    if value is None:
        return None
    try:
        return parse_interval(value, allow_zero=allow_zero)
    except InvalidValue as error:
        raise ConfigError(f"{source}: {key}: {error}") from None


def _tag_cadences(tags: Mapping[str, object], source: str) -> dict[str, Interval]:
    result: dict[str, Interval] = {}
    for tag, value in tags.items():
        interval = _interval(value, source, f"cadence.tags.{tag}")
        if interval is not None:
            result[normalize_tag(tag)] = interval
    return result


def normalize_tag(tag: str) -> str:
    """Tags match without `#` and case: `#Family` is `family`."""
    return tag.strip().lstrip("#").casefold()


def _sequences(table: Mapping[str, object], source: str) -> dict[str, tuple[int, ...]]:
    result: dict[str, tuple[int, ...]] = {}
    for name, steps in table.items():
        if (not isinstance(steps, list) or not steps
                or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in steps)
                or any(a >= b for a, b in itertools.pairwise(steps))):
            raise ConfigError(f"{source}: sequences.{name} must be a list of increasing day "
                              "offsets from the start, e.g. [1, 3, 7, 14]")
        result[name.casefold()] = tuple(steps)
    return result


def _fields(table: Mapping[str, object], source: str) -> dict[str, list[str]]:
    known = {normalize_key(name): name for name in SPELLINGS}
    result: dict[str, list[str]] = {}
    for name, spellings in table.items():
        canonical = known.get(normalize_key(name))
        if canonical is None:
            raise ConfigError(f"{source}: fields.{name}: not a field mdfollow reads "
                              f"(one of {', '.join(SPELLINGS)})")
        result[canonical] = list(_strings(spellings, source, f"fields.{name}"))
    return result


def _positive_int(value: object, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{source}: {key} must be a whole number of at least 1")
    return value


def _strings(value: object, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{source}: {key} must be a list of names")
    return tuple(v.strip() for v in value)
