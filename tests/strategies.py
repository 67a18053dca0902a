"""Hypothesis strategies for configurations the model accepts (shared by the property tests)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from reconciler.config import meta

NUMBERS = [
    "+852 5123 4567", "+85291234567", "+852 6123-4567", "+886 912 345 678", "+886227123456",
    "+14155550123", "+44 20 7946 0958", "+65 8123 4567", "+81 3-1234-5678", "+55 11 91234-5678",
]  # fmt: skip

text = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)
name = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
meta_id = st.integers(1, 10**16).map(str)
env_ref = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True).map(lambda n: "${env:" + n + "}")
file_ref = st.from_regex(r"[a-z]{1,8}/[a-z]{1,8}\.txt", fullmatch=True).map(lambda p: "${file:" + p + "}")
secret = st.one_of(env_ref, file_ref)
maybe = st.none

profile = st.fixed_dictionaries(
    {},
    optional={
        "about": text.filter(str.strip),
        "address": text,
        "description": st.text(min_size=0, max_size=300),
        "email": st.from_regex(r"[a-z]{1,10}@[a-z]{1,10}\.(com|example|hk)", fullmatch=True),
        "vertical": st.sampled_from(meta.VERTICALS),
        "websites": st.lists(
            st.from_regex(r"https?://[a-z]{1,12}\.example/[a-z0-9]{0,10}", fullmatch=True), max_size=2
        ),
    },
)
template = st.fixed_dictionaries(
    {
        "name": st.from_regex(r"[a-z0-9_]{1,30}", fullmatch=True),
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
                    "override_callback_uri": st.from_regex(
                        r"https://[a-z]{1,20}\.example/hook", fullmatch=True
                    ),
                    "verify_token": secret,
                }
            ),
        ),
        "templates": st.lists(template, max_size=3, unique_by=lambda t: (t["name"], t["language"])),
    },
)


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    wabas = draw(st.dictionaries(name, waba, min_size=1, max_size=3))
    local_names = sorted(wabas)
    number_keys = draw(st.lists(st.sampled_from(NUMBERS), unique=True, max_size=4))
    numbers = {}
    for key in number_keys:
        numbers[key] = draw(
            st.fixed_dictionaries(
                {"waba": st.sampled_from(local_names)},
                optional={
                    "display_name": st.text(min_size=2, max_size=75),
                    "pin": secret,
                    "verification": st.fixed_dictionaries(
                        {},
                        optional={"method": st.sampled_from(meta.CODE_METHODS), "language": st.just("zh_HK")},
                    ),
                    "data_localization_region": st.sampled_from(meta.DATA_LOCALIZATION_REGIONS),
                    "profile": profile,
                    "migrate_from": st.fixed_dictionaries(
                        {"waba_id": meta_id}, optional={"access_token": secret}
                    ),
                    "lifecycle": st.fixed_dictionaries(
                        {},
                        optional={
                            "prevent_destroy": st.booleans(),
                            "ignore_changes": st.lists(
                                st.sampled_from(("pin", "profile.about")), unique=True
                            ),
                        },
                    ),
                },
            )
        )
    data: dict[str, Any] = {"wabas": wabas, "numbers": numbers}
    if draw(st.booleans()):
        data["connection"] = {
            "api_version": draw(st.sampled_from(("v23.0", "v24.0"))),
            "access_token": draw(secret),
        }
    return data
