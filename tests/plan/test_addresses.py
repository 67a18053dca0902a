"""Resource addresses as values: today's strings exactly, read back by `parse`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import name

from reconciler.config import meta
from reconciler.plan.address import (
    AddressError,
    NumberAddress,
    TemplateAddress,
    WabaAddress,
    WebhooksAddress,
    parse,
)
from reconciler.plan.build import NUMBER_STEPS

e164 = st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)
waba = st.one_of(name, st.text(st.characters(categories=("Lo",)), min_size=1, max_size=6))  # 香港: quoted
addresses = st.one_of(
    st.builds(NumberAddress, e164, st.sampled_from((None, *NUMBER_STEPS, "profile.picture"))),
    st.builds(WabaAddress, waba),
    st.builds(WebhooksAddress, waba),
    st.builds(
        TemplateAddress,
        waba,
        st.from_regex(r"[a-z0-9_]{1,30}", fullmatch=True),
        st.sampled_from(meta.TEMPLATE_LANGUAGES),
    ),
)


@pytest.mark.parametrize(
    ("address", "text"),
    [
        (NumberAddress("+85251234567"), 'numbers["+85251234567"]'),
        (NumberAddress("+85251234567", "register"), 'numbers["+85251234567"].register'),
        (NumberAddress("+85251234567", "profile.picture"), 'numbers["+85251234567"].profile.picture'),
        (WabaAddress("hk_retail"), "wabas.hk_retail"),
        (WabaAddress("香港"), 'wabas["香港"]'),
        (WebhooksAddress("hk_retail"), "wabas.hk_retail.webhooks"),
        (
            TemplateAddress("hk_retail", "login_code", "en_US"),
            'wabas.hk_retail.templates["login_code/en_US"]',
        ),
    ],
)
def test_an_address_is_written_as_plans_write_it(address: object, text: str) -> None:
    assert str(address) == text and parse(text) == address


@given(addresses)
def test_parse_reads_back_what_str_wrote(address: object) -> None:
    assert parse(str(address)) == address


@pytest.mark.parametrize(
    "text",
    ["foo", 'numbers["+85251234567"', "wabas.hk_retail.templates", 'wabas.hk.templates["x"]', "wabas."],
)
def test_what_is_not_an_address_is_said_to_be_not_one(text: str) -> None:
    with pytest.raises(AddressError, match="is not a resource address"):
        parse(text)


def test_an_address_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(AddressError, match="is not the address of a number"):
        NumberAddress.parse("wabas.hk_retail.webhooks")
    assert TemplateAddress.parse('wabas.hk.templates["a/en"]') == TemplateAddress("hk", "a", "en")
