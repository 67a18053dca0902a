"""Phone numbers in E.164: "+852 5123 4567" and "+85251234567" are the same number."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneMetadata, phonenumberutil


@dataclass(frozen=True)
class ParsedNumber:
    e164: str  # "+85251234567"
    country_code: str  # "852" — Meta's `cc`
    national_number: str  # "51234567" — Meta's `phone_number`
    region: str  # "HK"


class InvalidNumber(ValueError):
    """`str(self)` says what is wrong; `.fix` says how to fix it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def parse_number(text: object) -> ParsedNumber:
    """Parse an international number or raise InvalidNumber."""
    if not isinstance(text, str):
        raise InvalidNumber(
            "a phone number must be written as a quoted string",
            'quote it and start with + and the country code, e.g. "+852 5123 4567"',
        )
    return _parse(text.strip())


@functools.lru_cache(maxsize=1 << 16)
def _parse(written: str) -> ParsedNumber:
    # Loading reads each key three times (locating, the duplicate check, the key itself): parse it once.
    if not written.startswith("+"):
        raise InvalidNumber(
            f"{written!r} has no country code",
            'write it in international form with + and the country code, e.g. "+852 5123 4567"',
        )
    parts = _canonical_parts(written) if _DIGITS.fullmatch(written) else None
    if parts is not None:  # as written is as formatted: "+", the country code, the national number
        code, national = parts
        regions = _COUNTRY_CODES[code]
        found = regions[0] if len(regions) == 1 else _region_of(national, regions)
        if found and _mobile_or_fixed_line(code, national, found):
            return ParsedNumber(e164=written, country_code=str(code), national_number=national, region=found)
        number = _number(code, national)  # rarer, or not valid: the library's own tests decide below
    else:
        letters = [c for c in written if c.isalpha()]
        if letters:
            # phonenumbers reads letters as on a phone keypad ("+852 51TE A567" is +852 5183 2567): refused.
            raise InvalidNumber(
                f"{written!r} is not a phone number: it has letters ({''.join(letters)!r}), not only digits",
                'write the digits, e.g. "+852 5123 4567"',
            )
        try:
            number = phonenumbers.parse(written, None)
        except phonenumbers.NumberParseException as exc:
            raise InvalidNumber(
                f"{written!r} is not a phone number ({exc._msg.rstrip('.')})",
                'write it like "+852 5123 4567"',
            ) from None
    found = phonenumbers.region_code_for_number(number)
    region = found or "unknown region"
    # is_valid_number(number) is is_valid_number_for_region(number, region_code_for_number(number)):
    # with the region already found, the number is not looked up a second time.
    if not _valid_for_region(number, found):
        raise InvalidNumber(
            f"{written!r} is not a valid number for {region} (+{number.country_code})",
            "check the digits and the country code",
        )
    return ParsedNumber(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country_code=str(number.country_code),
        national_number=phonenumbers.national_significant_number(number),
        region=region,
    )


# "+" and ASCII digits, the first not 0: E.164 as written by `import`, by Meta and by most people
_DIGITS = re.compile(r"\+[1-9][0-9]{2,19}")
_COUNTRY_CODES = phonenumberutil.COUNTRY_CODE_TO_REGION_CODE
_NATIONAL_PREFIX: dict[int, re.Pattern[str] | None] = {}  # country code → its national_prefix_for_parsing


def _canonical(written: str) -> phonenumbers.PhoneNumber | None:
    """`phonenumbers.parse(written, None)` for "+" and digits (`_DIGITS`) in the usual case, in fewer
    steps; None when the number is not that case (the full parse then decides, and words any error)."""
    parts = _canonical_parts(written)
    return None if parts is None else _number(*parts)


def _canonical_parts(written: str) -> tuple[int, str] | None:
    """The country code and national number `_canonical` reads.

    What the full parse does with such a string: the first known country code of one, two or three
    digits, the rest as the national number, unless the country's pattern for a national prefix matches its
    start (then it may strip or rewrite it: left to the full parse), kept whole with its leading zeros
    counted, of 2 to 17 digits (fewer or more is an error).
    """
    split = country_code_split(written[1:])
    if split is None:
        return None
    code, national = split
    regions = _COUNTRY_CODES[code]
    if not 2 <= len(national) <= 17:
        return None
    if code not in _NATIONAL_PREFIX:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0])
        if metadata is None:
            return None
        pattern = metadata.national_prefix_for_parsing
        _NATIONAL_PREFIX[code] = re.compile(pattern) if pattern else None
    prefix = _NATIONAL_PREFIX[code]
    if prefix is not None and prefix.match(national):
        return None
    return code, national


def country_code_split(digits: str) -> tuple[int, str] | None:
    """E.164's digits (after the "+", ASCII, at least one) as the country code, the first known one of one,
    two or three digits (no code is the prefix of another), and the national number; None if none is."""
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in _COUNTRY_CODES:
            return code, digits[size:]
    return None


def _number(code: int, national: str) -> phonenumbers.PhoneNumber:
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    if national[0] == "0":  # the leading zeros are part of the number (Italy's 06…): counted as parse does
        number.italian_leading_zero = True
        head = national[:-1]
        zeros = len(head) - len(head.lstrip("0"))
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    return number


def to_e164(text: object) -> str:
    return parse_number(text).e164


def e164_or_none(text: object) -> str | None:
    try:
        return to_e164(text)
    except InvalidNumber:
        return None


_PATTERNS: dict[str, re.Pattern[str]] = {}  # a number pattern of the metadata, compiled


def _matches(national: str, desc: phonenumbers.PhoneNumberDesc | None) -> bool:
    """The library's test of a national number against one kind's description (its possible lengths, then
    its pattern, matched whole), each pattern compiled once."""
    if desc is None:
        return False
    lengths = desc.possible_length
    if lengths and len(national) not in lengths:
        return False
    pattern = desc.national_number_pattern
    return bool(pattern) and _compiled(pattern).fullmatch(national) is not None


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern)
    return compiled


def _region_of(national: str, regions: tuple[str, ...]) -> str | None:
    """`phonenumbers.region_code_for_number` for a country code several regions share (+1, +44, +7 …):
    the first region whose leading digits the number starts with, or, for a region without them, whose
    numbers of some kind it is one of."""
    for region in regions:
        metadata = _metadata(region)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if _compiled(metadata.leading_digits).match(national):
                return region
        elif _of_some_kind(national, metadata):
            return region
    return None


def _of_some_kind(national: str, metadata: PhoneMetadata) -> bool:
    """Whether the library gives the number a type (not UNKNOWN) in the region: of its general pattern,
    and of one kind's, the usual kinds tried first (a mobile pattern that is the fixed-line one counts
    only through the fixed line's description, as the library has it)."""
    if not _matches(national, metadata.general_desc):
        return False
    if not metadata.same_mobile_and_fixed_line_pattern and _matches(national, metadata.mobile):
        return True
    rarer = (
        metadata.fixed_line, metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
        metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail,
    )  # fmt: skip
    return any(_matches(national, desc) for desc in rarer)


def _metadata(region: str) -> PhoneMetadata | None:
    found = _METADATA.get(region)
    if found is None:
        found = _METADATA[region] = PhoneMetadata.metadata_for_region(region)
    return found


_METADATA: dict[str, PhoneMetadata | None] = {}


def _mobile_or_fixed_line(code: int, national: str, region: str) -> bool:
    """A number of the region's general pattern that is a mobile or a fixed line is valid whatever else it
    may be (`_valid_for_region`'s usual case)."""
    metadata = _metadata(region)
    return (
        metadata is not None
        and code == metadata.country_code
        and _matches(national, metadata.general_desc)
        and (_matches(national, metadata.mobile) or _matches(national, metadata.fixed_line))
    )


def _valid_for_region(number: phonenumbers.PhoneNumber, region: str | None) -> bool:
    """`phonenumbers.is_valid_number_for_region`, the usual case first: a number of the region's general
    pattern that is a mobile or a fixed line is valid whatever else it may be, so the eight rarer kinds
    (premium rate, toll free, pager, …) the library tries before those are tried only for what is left."""
    if region and _mobile_or_fixed_line(
        number.country_code, phonenumbers.national_significant_number(number), region
    ):
        return True
    return bool(region) and phonenumbers.is_valid_number_for_region(number, region)
