"""Hypothesis strategies for configurations the model accepts (shared by the property tests)."""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from reconciler.config import meta

NUMBERS = [
    "+852 5123 4567", "+85291234567", "+852 6123-4567", "+886 912 345 678", "+886227123456",
    "+14155550123", "+44 20 7946 0958", "+65 8123 4567", "+81 3-1234-5678", "+55 11 91234-5678",
]  # fmt: skip

# Strings of a regular shape are joined from `st.text` over an alphabet and `st.sampled_from` rather than
# drawn with `st.from_regex`: the same strings, each drawn at a fraction of the cost (the regex's comment
# says which).
LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits


def joined(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


def word(alphabet: str, min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=min_size, max_size=max_size)


text = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)
# What the model takes for one line of text and for lines (\n and \t): every character but a control
# character, a surrogate, a line or paragraph separator.
one_line_char = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"))
lines_char = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), include_characters="\n\t")
name = joined(st.sampled_from(LOWER), word(LOWER + DIGITS + "_", 0, 12))  # [a-z][a-z0-9_]{0,12}
meta_id = st.integers(1, 10**16).map(str)
env_name = joined(st.sampled_from(UPPER), word(UPPER + DIGITS + "_", 0, 10))  # [A-Z][A-Z0-9_]{0,10}
env_ref = env_name.map(lambda n: "${env:" + n + "}")
# [a-z]{1,8}/[a-z]{1,8}\.txt
file_path = joined(word(LOWER, 1, 8), st.just("/"), word(LOWER, 1, 8), st.just(".txt"))
file_ref = file_path.map(lambda p: "${file:" + p + "}")
secret = st.one_of(env_ref, file_ref)
maybe = st.none

profile = st.fixed_dictionaries(
    {},
    optional={
        "about": text.filter(str.strip),
        "address": text,
        "description": st.text(lines_char, min_size=0, max_size=300),
        "email": joined(  # [a-z]{1,10}@[a-z]{1,10}\.(com|example|hk)
            word(LOWER, 1, 10), st.just("@"), word(LOWER, 1, 10), st.sampled_from((".com", ".example", ".hk"))
        ),
        "vertical": st.sampled_from(meta.VERTICALS),
        "websites": st.lists(
            joined(  # https?://[a-z]{1,12}\.example/[a-z0-9]{0,10}
                st.sampled_from(("http://", "https://")),
                word(LOWER, 1, 12),
                st.just(".example/"),
                word(LOWER + DIGITS, 0, 10),
            ),
            max_size=2,
        ),
    },
)
template = st.fixed_dictionaries(
    {
        "name": word(LOWER + DIGITS + "_", 1, 30),  # [a-z0-9_]{1,30}
        "language": st.sampled_from(meta.TEMPLATE_LANGUAGES),
        "category": st.sampled_from(("MARKETING", "UTILITY")),
        "components": st.tuples(text).map(lambda t: [{"type": "BODY", "text": t[0]}]),
    },
    optional={
        "parameter_format": st.sampled_from(meta.TEMPLATE_PARAMETER_FORMATS),
        "lifecycle": st.fixed_dictionaries(
            {}, optional={"prevent_destroy": st.booleans(), "ignore_changes": st.just(["components"])}
        ),
    },
)
waba = st.fixed_dictionaries(
    {"id": meta_id},
    optional={
        "expect": st.fixed_dictionaries(
            {},
            optional={
                "account_review_status": st.one_of(maybe(), st.sampled_from(meta.ACCOUNT_REVIEW_STATUSES)),
                "business_verification_status": st.sampled_from(meta.BUSINESS_VERIFICATION_STATUSES),
            },
        ),
        "webhooks": st.one_of(
            st.fixed_dictionaries({"app_id": meta_id}),
            st.fixed_dictionaries(
                {
                    "app_id": meta_id,
                    "override_callback_uri": joined(  # https://[a-z]{1,20}\.example/hook
                        st.just("https://"), word(LOWER, 1, 20), st.just(".example/hook")
                    ),
                    "verify_token": secret,
                }
            ),
        ),
        "templates": st.lists(template, max_size=3, unique_by=lambda t: (t["name"], t["language"])),
    },
)


# A number's fields but `waba` (drawn from the WABAs a config declares).
number_fields = st.fixed_dictionaries(
    {},
    optional={
        "display_name": st.text(one_line_char, min_size=2, max_size=75),
        "pin": secret,
        "verification": st.fixed_dictionaries(
            {},
            optional={"method": st.sampled_from(meta.CODE_METHODS), "language": st.just("zh_HK")},
        ),
        "data_localization_region": st.sampled_from(meta.DATA_LOCALIZATION_REGIONS),
        "profile": profile,
        "migrate_from": st.fixed_dictionaries({"waba_id": meta_id}, optional={"access_token": secret}),
        "lifecycle": st.fixed_dictionaries(
            {},
            optional={
                "prevent_destroy": st.booleans(),
                "ignore_changes": st.lists(st.sampled_from(("pin", "profile.about")), unique=True),
            },
        ),
    },
)


def first(pair: tuple[str, dict[str, Any]]) -> str:
    return pair[0]


def waba_id(pair: tuple[str, dict[str, Any]]) -> str:
    return str(pair[1]["id"])


def not_moved_from(own: str) -> Callable[[dict[str, Any]], bool]:
    return lambda fields: fields.get("migrate_from", {}).get("waba_id") != own


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    # the model refuses a WABA ID declared twice, and a number moved from its own WABA: drawn apart here
    # rather than drawn and refused as a whole example
    pairs = st.lists(st.tuples(name, waba), min_size=1, max_size=3, unique_by=(first, waba_id))
    wabas = dict(draw(pairs))
    local_names = sorted(wabas)
    number_keys = draw(st.lists(st.sampled_from(NUMBERS), unique=True, max_size=4))
    numbers = {}
    for key in number_keys:
        local = draw(st.sampled_from(local_names))
        fields = draw(number_fields.filter(not_moved_from(wabas[local]["id"])))
        numbers[key] = {"waba": local, **fields}
    data: dict[str, Any] = {"wabas": wabas, "numbers": numbers}
    if draw(st.booleans()):
        data["connection"] = {
            "api_version": draw(st.sampled_from(("v23.0", "v24.0"))),
            "access_token": draw(secret),
        }
    return data
