"""Diagnostics point at the right column, not only the right line: an editor (or a CI annotation) jumps
to the offending key or value itself. Columns are 1-based, as editors count them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load

FIXTURES = Path(__file__).parent.parent / "fixtures" / "invalid"


@pytest.mark.parametrize(
    ("fixture", "line", "column", "points_at"),
    [
        ("profile-email-invalid", 9, 14, "hello-at-harbourlane"),  # a value
        ("unknown-number-key", 8, 5, "dispaly_name"),  # a key
        ("waba-id-not-digits", 4, 9, "hk-2000"),
        ("duplicate-yaml-key", 6, 3, "hk:"),  # the second one, not the first
        ("template-name-uppercase", 7, 15, "Order-Update"),  # inside a list item
        ("display-name-too-long", 8, 19, '"HHHH'),  # a quoted value: at its opening quote
        ("number-declared-twice-with-dashes", 9, 3, '"+852-5123-4567"'),  # the later spelling
    ],
)
def test_a_diagnostic_points_at_the_offending_text(
    fixture: str, line: int, column: int, points_at: str
) -> None:
    path = FIXTURES / f"{fixture}.yaml"
    diagnostics = load(path).diagnostics
    assert [(d.line, d.column) for d in diagnostics] == [(line, column)], [str(d) for d in diagnostics]
    source = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert source[column - 1 :].startswith(points_at), source
    assert str(diagnostics[0]).startswith(f"{path}:{line}:{column}"), str(diagnostics[0])


def test_two_spellings_of_one_number_are_refused_whatever_the_separators(tmp_path: Path) -> None:
    """`+852 5123 4567` and `+852-5123-4567` are one number: one config may not declare it twice."""
    for first, second in [("+852 5123 4567", "+852-5123-4567"), ("+85251234567", "+852 (5123) 4567")]:
        path = tmp_path / "numbers.yaml"
        path.write_text(
            f'wabas:\n  hk:\n    id: "2000000000001"\nnumbers:\n  "{first}":\n    waba: hk\n'
            f'  "{second}":\n    waba: hk\n'
        )
        loaded = load(path)
        assert not loaded.ok and loaded.config is None
        [diagnostic] = loaded.diagnostics
        assert "declared twice" in diagnostic.message and (diagnostic.line, diagnostic.column) == (7, 3)
