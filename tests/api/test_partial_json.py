"""Lenient parsing of cut-off tool input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_desktop.api.partial_json import parse_partial_json


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ('{"a": 1}', {"a": 1}),
        ('{"a": "x", "b', {"a": "x"}),
        ('{"a": "x", "b":', {"a": "x"}),
        ('{"a": "x", "b": tr', {"a": "x"}),
        ('{"a": {"b": "c"}, "d": "e', {"a": {"b": "c"}}),
        ('{"q": "say \\"hi', {}),
        ("[1, 2, 3", [1, 2]),
    ],
)
def test_cut_off_json(text: str, expected: object) -> None:
    assert parse_partial_json(text) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=5), st.data())
def test_any_prefix_parses_without_raising(value: dict[str, object], data: st.DataObject) -> None:
    text = json.dumps(value)
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    result = parse_partial_json(text[:cut])
    assert isinstance(result, dict | list | str | int | float | bool) or result is None
    assert parse_partial_json(text) == value
