"""diff_fields answers alike whether deepdiff looks or the plain-value shortcut does."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.diff import FieldChange, _deep_changes, _scalar_changes, diff_fields

KEYS = st.sampled_from(["about", "address", "email", "vertical", "websites", "n"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, 1.0, 1.5, float("nan")]),
    st.text("ab\u00e9", max_size=3),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(KEYS, SCALARS, max_size=2))


@settings(max_examples=300)
@given(current=st.dictionaries(KEYS, VALUES, max_size=5), declared=st.dictionaries(KEYS, VALUES, max_size=5))
def test_the_shortcut_agrees_with_deepdiff_wherever_it_answers(
    current: dict[str, Any], declared: dict[str, Any]
) -> None:
    current = {k: current.get(k) for k in declared}  # as diff_fields compares: the declared keys
    shortcut = _scalar_changes(current, declared, ("profile",))
    if shortcut is not None:
        assert shortcut == _deep_changes(current, declared, ("profile",))


def test_plain_values_are_compared_without_deepdiff_and_types_count() -> None:
    assert _scalar_changes({"about": "a", "n": 1}, {"about": "b", "n": 1}, ()) == {
        ("about",): FieldChange(("about",), "a", "b")
    }
    assert _scalar_changes({"n": 1}, {"n": True}, ()) is None  # equal, of another type: deepdiff decides
    assert _scalar_changes({"w": ["a"]}, {"w": ["b"]}, ()) is None  # a list: deepdiff decides
    assert diff_fields({"w": ["a", "b"]}, {"w": ["a", "c"]}) == (FieldChange(("w", 1), "c", "b"),)
