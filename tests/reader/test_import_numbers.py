"""`import` writes each number in international form, built from its E.164 parts without parsing: the
text must be what parsing would give, for every region's example numbers of every type, and what
phonenumbers' `format_number` gives for those parts, for any national number of any country code."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.importer import _international


def by_parsing(e164: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def examples() -> list[str]:
    found = set()
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):  # every PhoneNumberType
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return sorted(found)


def test_every_regions_example_numbers_are_written_as_parsing_writes_them() -> None:
    numbers = examples()
    assert len(numbers) > 900  # the whole table, not a few
    assert [_international(e164) for e164 in numbers] == [by_parsing(e164) for e164 in numbers]


@pytest.mark.parametrize(
    ("e164", "written"),
    [
        ("+85251234567", "+852 5123 4567"),
        ("+390612345678", "+39 06 1234 5678"),  # Italy: the national number keeps its leading zero
        ("+12015550123", "+1 201-555-0123"),
        ("+999123", "+999123"),  # no such country code: left as it is
    ],
)
def test_numbers_are_written_in_international_form(e164: str, written: str) -> None:
    assert _international(e164) == written


_EXAMPLES = examples()


@st.composite
def national_numbers(draw: st.DrawFn) -> tuple[int, str]:
    """(country code, national number): an example number's first digits and any digits after them."""
    example = phonenumbers.parse(draw(st.sampled_from(_EXAMPLES)), None)
    kept = str(example.national_number)[: draw(st.integers(min_value=0, max_value=8))]
    tail = draw(st.text(alphabet="0123456789", max_size=14))
    national = (kept + tail).lstrip("0") or "1"
    return example.country_code, national


@settings(max_examples=400, deadline=None)
@given(national_numbers())
def test_any_national_number_is_written_as_phonenumbers_formats_it(parts: tuple[int, str]) -> None:
    code, national = parts
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    assert _international(f"+{code}{national}") == expected
