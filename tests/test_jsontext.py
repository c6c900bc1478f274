"""The `--json` text: exactly what `json.dumps(indent=2)` prints, whatever the strings."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mdfollow import jsontext

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text())
flat_objects = st.dictionaries(st.text(), scalars, min_size=1, max_size=6)


@given(st.lists(flat_objects, max_size=5))
@settings(max_examples=300)
def test_the_array_is_what_json_dumps_with_indent_prints(objects: list[dict[str, object]]) -> None:
    assert jsontext.array(objects) == json.dumps(objects, indent=2, ensure_ascii=False)


@given(st.lists(flat_objects, max_size=5))
def test_an_array_of_encoded_members_is_the_same_array(objects: list[dict[str, object]]) -> None:
    assert jsontext.array_of(jsontext.members(o) for o in objects) == jsontext.array(objects)


@given(st.lists(flat_objects, max_size=7), st.integers(1, 3))
def test_the_array_in_parts_is_the_same_text(objects: list[dict[str, object]], size: int) -> None:
    parts = list(jsontext.array_parts((jsontext.members(o) for o in objects), size))
    assert "".join(parts) == jsontext.array(objects)
    assert len(parts) == (-(-len(objects) // size) + 1 if objects else 1)
