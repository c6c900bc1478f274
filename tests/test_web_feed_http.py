"""The feed endpoint's validators: exact 304s, and no header text can make them raise."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from mdfollow.web.feed_http import Feed, not_modified

MODIFIED = dt.datetime(2026, 11, 30, 9, 0, 0, tzinfo=dt.timezone.utc)


def test_if_none_match_wins_and_dates_compare_exactly() -> None:
    assert not_modified({"if-none-match": '"a", W/"b"'}, '"b"', MODIFIED)
    assert not_modified({"if-none-match": "*"}, '"b"', MODIFIED)
    assert not not_modified({"if-none-match": '"a"', "if-modified-since": "Mon, 30 Nov 2026 09:00:00 GMT"},
                            '"b"', MODIFIED)
    assert not_modified({"if-modified-since": "Mon, 30 Nov 2026 09:00:00 GMT"}, '"b"', MODIFIED)
    assert not not_modified({"if-modified-since": "Mon, 30 Nov 2026 08:59:59 GMT"}, '"b"', MODIFIED)
    assert not not_modified({"if-modified-since": "Mon, 30 Nov 2026 09:00:00"}, '"b"', MODIFIED)  # no zone
    assert not not_modified({}, '"b"', MODIFIED)


@given(st.dictionaries(st.sampled_from(["if-none-match", "if-modified-since"]), st.text(max_size=60)))
def test_any_validator_text_gives_an_answer(headers: dict[str, str]) -> None:
    assert not_modified(headers, '"b"', MODIFIED) in (True, False)


def test_each_change_is_a_new_etag_and_a_later_second() -> None:
    moments = iter([MODIFIED, MODIFIED, MODIFIED - dt.timedelta(hours=1)])
    feed = Feed(b"one", lambda: next(moments))
    _, first_tag, first = feed.get()
    feed.set(b"two")
    body, second_tag, second = feed.get()
    assert (body, second > first, second_tag != first_tag) == (b"two", True, True)
    feed.set(b"one")  # the clock went back: Last-Modified still moves forward
    assert feed.get()[2] > second and feed.get()[1] == first_tag
