"""Small surprises `validate` now reports instead of letting through.

Letters in a number key (phonenumbers reads them as on a keypad), `registered: false` under the default
guard that every plan would then block, and a format version that is not the whole number 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load
from reconciler.config.phone import InvalidNumber, parse_number, to_e164

WABAS = 'wabas:\n  hk:\n    id: "2000000000001"\n'


def _load(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "numbers.yaml"
    path.write_text(text, encoding="utf-8")
    return [str(d).removeprefix(f"{path}:") for d in load(path).diagnostics]


@pytest.mark.parametrize("written", ["+852 51TE A567", "+852 5123 4567 ext. 12", "+1 800 FLOWERS"])
def test_letters_in_a_number_are_refused_not_dialled(written: str) -> None:
    with pytest.raises(InvalidNumber, match="is not a phone number: it has letters") as info:
        parse_number(written)
    assert info.value.fix == 'write the digits, e.g. "+852 5123 4567"'


def test_the_same_number_in_digits_is_accepted() -> None:
    assert to_e164("+852 5183 2567") == "+85251832567"  # what "+852 51TE A567" would have become
    assert to_e164("+852 (5123) 4567") == "+85251234567"


def test_a_number_key_with_letters_is_reported_at_the_key(tmp_path: Path) -> None:
    problems = _load(tmp_path, WABAS + 'numbers:\n  "+852 51TE A567":\n    waba: hk\n')
    assert problems == [
        "5:3: numbers[\"+852 51TE A567\"]: '+852 51TE A567' is not a phone number: it has letters ('TEA'), "
        'not only digits (write the digits, e.g. "+852 5123 4567")'
    ]


def test_registered_false_under_the_default_guard_is_reported_with_the_fix(tmp_path: Path) -> None:
    problems = _load(tmp_path, WABAS + 'numbers:\n  "+852 5123 4567":\n    waba: hk\n    registered: false\n')
    assert problems == [
        '7:5: numbers["+85251234567"].registered: registered: false asks to deregister the number, but '
        "lifecycle.prevent_destroy is true by default, so every plan would block it (set "
        "`lifecycle.prevent_destroy: false` on this number to let `apply --allow-destroy` deregister it, "
        "or remove `registered: false`)"
    ]


@pytest.mark.parametrize("guard", ["false", "true"])
def test_registered_false_with_the_guard_written_out_is_valid(tmp_path: Path, guard: str) -> None:
    # false: apply --allow-destroy deregisters; true written out: a deliberate hold, which plan reports.
    text = WABAS + (
        f'numbers:\n  "+852 5123 4567":\n    waba: hk\n    registered: false\n'
        f"    lifecycle: {{prevent_destroy: {guard}}}\n"
    )
    assert _load(tmp_path, text) == []


@pytest.mark.parametrize(
    ("written", "shown"), [('"1"', "'1'"), ("1.0", "1.0"), ("true", "true"), ("0x1", None), ("2", None)]
)
def test_the_format_version_is_the_whole_number_1(tmp_path: Path, written: str, shown: str | None) -> None:
    problems = _load(tmp_path, f"version: {written}\n" + WABAS)
    if written == "0x1":  # YAML's hexadecimal for 1 is still the number 1
        assert problems == []
    elif shown is None:
        assert problems == ["1:10: version: 2 is not allowed here (one of: 1)"]
    else:
        assert problems == [
            f"1:10: version: {shown} is not a format version (write `version: 1`, a number without quotes)"
        ]


def test_version_1_is_valid(tmp_path: Path) -> None:
    assert _load(tmp_path, "version: 1\n" + WABAS) == []
