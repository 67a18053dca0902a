"""A number's validity is checked with the usual kinds (mobile, fixed line) first: the answer must be the
library's own, for every region's example numbers of every kind and for numbers one digit off them. A number
written in E.164 ("+" and digits) is read without the library's full parse when that is certain to give the
same number: field by field the same, for every region's numbers written many ways."""

from __future__ import annotations

import random

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.config.phone import (
    _DIGITS,
    InvalidNumber,
    ParsedNumber,
    _canonical,
    _parse,
    _region_of,
    _valid_for_region,
)


def candidates() -> list[phonenumbers.PhoneNumber]:
    chosen = random.Random(17)
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):  # every PhoneNumberType
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            nsn = phonenumbers.national_significant_number(example)
            near = [nsn, nsn[:-1] + str(chosen.randrange(10)), nsn + "1", nsn[:-1]]
            near.append(str(chosen.randrange(10 ** (len(nsn) - 1), 10 ** len(nsn))))
            for digits in near:
                national = int(digits)
                found.append(
                    phonenumbers.PhoneNumber(country_code=example.country_code, national_number=national)
                )
    return found


def test_validity_is_the_librarys_own_for_valid_and_invalid_numbers_alike() -> None:
    numbers = candidates()
    ours, theirs = [], []
    for number in numbers:
        region = phonenumbers.region_code_for_number(number)
        ours.append(_valid_for_region(number, region))
        theirs.append(bool(region) and phonenumbers.is_valid_number_for_region(number, region))
    assert ours == theirs
    assert 1000 < sum(theirs) < len(numbers)  # both kinds are in the sample, many of each


def test_a_number_of_another_country_is_not_valid_for_the_region() -> None:
    hong_kong_mobile = phonenumbers.parse("+85251234567")
    assert _valid_for_region(hong_kong_mobile, "HK")
    assert not _valid_for_region(hong_kong_mobile, "SG")
    assert not _valid_for_region(hong_kong_mobile, None)


# ---------------------------------------------------------------- E.164 as written, without the full parse

FIELDS = (
    "country_code", "national_number", "extension", "italian_leading_zero", "number_of_leading_zeros",
    "raw_input", "country_code_source", "preferred_domestic_carrier_code",
)  # fmt: skip


def _fields(number: phonenumbers.PhoneNumber) -> tuple[object, ...]:
    return tuple(getattr(number, name) for name in FIELDS)


def _library(written: str) -> tuple[object, ...] | None:
    try:
        return _fields(phonenumbers.parse(written, None))
    except phonenumbers.NumberParseException:
        return None


def written_forms() -> list[str]:
    """Every region's example numbers of every kind (and the non-geographic entities'): as they are, with
    the national prefix, with leading zeros, a digit short or long; and random digits after each code."""
    chosen = random.Random(23)
    found: set[str] = set()
    places = [(code, region) for region in phonenumbers.SUPPORTED_REGIONS for code in [_code(region)]]
    places += [(code, "001") for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS]
    for code, region in sorted(places):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        prefix = (metadata.national_prefix if metadata else None) or ""
        for example in _examples(code, region):
            nsn = phonenumbers.national_significant_number(example)
            for digits in (nsn, nsn[:-1], nsn + "1", "0" + nsn, "00" + nsn, prefix + nsn, "15" + nsn):
                found.add(f"+{code}{digits}")
        for _ in range(20):
            found.add(f"+{code}{chosen.randrange(10 ** chosen.randrange(1, 18))}")
            zeros = "0" * chosen.randrange(1, 5)
            found.add(f"+{code}{zeros}{chosen.randrange(10 ** chosen.randrange(1, 12))}")
    return sorted(found)


def _code(region: str) -> int:
    return phonenumbers.country_code_for_region(region)


def _examples(code: int, region: str) -> list[phonenumbers.PhoneNumber]:
    if region == "001":
        found = [phonenumbers.example_number_for_non_geo_entity(code)]
    else:
        found = [phonenumbers.example_number_for_type(region, kind) for kind in range(12)]
    return [example for example in found if example is not None]


def test_e164_as_written_reads_as_the_library_reads_it() -> None:
    forms = [written for written in written_forms() if _DIGITS.fullmatch(written)]
    read = 0
    for written in forms:
        number = _canonical(written)
        if number is not None:  # taken only when certain: the library's own answer, field by field
            read += 1
            assert _fields(number) == _library(written), written
    assert read > len(forms) // 2  # the usual case is the fast one


@given(st.from_regex(r"\A\+[1-9][0-9]{2,19}\Z"))
@settings(max_examples=300, deadline=None)
def test_any_plus_and_digits_reads_as_the_library_reads_it(written: str) -> None:
    number = _canonical(written)
    if number is not None:
        assert _fields(number) == _library(written)


def _reference(written: str) -> ParsedNumber | str:
    """What a number written in E.164 reads as, from the library's full parse alone (or the problem)."""
    try:
        number = phonenumbers.parse(written, None)
    except phonenumbers.NumberParseException:
        return "not a phone number"
    region = phonenumbers.region_code_for_number(number)
    if not (region and phonenumbers.is_valid_number_for_region(number, region)):
        return f"{written!r} is not a valid number for {region or 'unknown region'} (+{number.country_code})"
    return ParsedNumber(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country_code=str(number.country_code),
        national_number=phonenumbers.national_significant_number(number),
        region=region,
    )


def test_a_number_read_either_way_is_the_same_parsed_number_or_problem() -> None:
    valid = 0
    for written in written_forms():
        try:
            ours: ParsedNumber | str = _parse.__wrapped__(written)
        except InvalidNumber as exc:
            ours = "not a phone number" if "is not a phone number" in str(exc) else str(exc)
        assert ours == _reference(written), written
        valid += isinstance(ours, ParsedNumber)
    assert valid > 1000


def test_the_region_of_a_code_several_regions_share_is_the_librarys() -> None:
    shared = 0
    for written in written_forms():
        number = _canonical(written) if _DIGITS.fullmatch(written) else None
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(number.country_code, ()) if number else ()
        if number is None or len(regions) < 2:
            continue
        shared += 1
        national = phonenumbers.national_significant_number(number)
        assert _region_of(national, regions) == phonenumbers.region_code_for_number(number), written
    assert shared > 1000  # +1's 25 regions, +44's, +7's, …
