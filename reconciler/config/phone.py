"""Phone numbers in E.164: "+852 5123 4567" and "+85251234567" are the same number."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import phonenumbers
from phonenumbers import phonenumberutil


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
    letters = [c for c in written if c.isalpha()]
    if letters:
        # phonenumbers reads letters as on a phone keypad ("+852 51TE A567" is +852 5183 2567): refuse them.
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


def to_e164(text: object) -> str:
    return parse_number(text).e164


def e164_or_none(text: object) -> str | None:
    try:
        return to_e164(text)
    except InvalidNumber:
        return None


# the library's own pattern test (private: without it, validity is asked of the library as a whole)
_MATCHES = getattr(phonenumberutil, "_is_number_matching_desc", None)


def _valid_for_region(number: phonenumbers.PhoneNumber, region: str | None) -> bool:
    """`phonenumbers.is_valid_number_for_region`, the usual case first: a number of the region's general
    pattern that is a mobile or a fixed line is valid whatever else it may be, so the eight rarer kinds
    (premium rate, toll free, pager, …) the library tries before those are tried only for what is left."""
    metadata = region and phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata and _MATCHES is not None and number.country_code == metadata.country_code:
        national = phonenumbers.national_significant_number(number)
        if _MATCHES(national, metadata.general_desc) and (
            _MATCHES(national, metadata.mobile) or _MATCHES(national, metadata.fixed_line)
        ):
            return True
    return bool(region) and phonenumbers.is_valid_number_for_region(number, region)
