"""A number's validity is checked with the usual kinds (mobile, fixed line) first: the answer must be the
library's own, for every region's example numbers of every kind and for numbers one digit off them."""

from __future__ import annotations

import random

import phonenumbers

from reconciler.config.phone import _valid_for_region


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
