"""Confirmed state, pure: rows give back what was read; which rows are fresh; what an apply makes stale."""

from __future__ import annotations

import pytest
from sim_estate import EXAMPLE

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.confirmed import (
    Freshness,
    decide,
    number_from,
    number_record,
    stale_rows,
    template_from,
    template_record,
    waba_from,
    waba_record,
)
from reconciler.snapshot import LiveNumber, LiveProfile, LiveSubscription, LiveTemplate, LiveWaba

HK, TW = "2000000000001", "2000000000002"
MAIN = "+85251234567"
NUMBER = LiveNumber(
    id="3000000000001", e164=MAIN, display_phone_number="+852 5123 4567", waba_id=HK, status="CONNECTED",
    profile=LiveProfile(about="Tea", websites=("https://harbourlane.example/hk",)),
)  # fmt: skip
TEMPLATE = LiveTemplate(
    id="5000000000001", name="order_update", language="en_US", status="APPROVED", category="UTILITY",
    components=({"type": "BODY", "text": "Hi {{1}}"},),
)  # fmt: skip
ACCOUNT = LiveWaba(
    id=HK, name="HK", account_review_status="APPROVED", subscriptions=(LiveSubscription("4000000000001"),),
    numbers={MAIN: NUMBER}, templates=(TEMPLATE,),
)  # fmt: skip


@pytest.fixture(scope="module")
def config() -> Config:
    loaded = load(EXAMPLE).config
    assert loaded is not None
    return loaded


def test_rows_give_back_what_was_read() -> None:
    assert number_from(number_record(NUMBER, 1.0)) == NUMBER
    assert template_from(template_record("hk_retail", HK, TEMPLATE, 1.0)) == TEMPLATE
    shell = waba_from(waba_record("hk_retail", ACCOUNT, 1.0))
    assert shell.waba == LiveWaba(
        id=HK, name="HK", account_review_status="APPROVED", subscriptions=ACCOUNT.subscriptions
    )
    assert dict(shell.numbers) == {MAIN: NUMBER.id}
    assert shell.templates == (("order_update", "en_US", TEMPLATE.id),)


def test_an_applied_resource_makes_its_wabas_row_stale(config: Config) -> None:
    template = 'wabas.hk_retail.templates["order_update/en_US"]'
    assert stale_rows([f'numbers["{MAIN}"]'], config) == {f'numbers["{MAIN}"]', "wabas.hk_retail"}
    assert stale_rows([template], config) == {template, "wabas.hk_retail"}
    assert stale_rows(["wabas.tw_retail.webhooks"], config) == {"wabas.tw_retail.webhooks", "wabas.tw_retail"}


def _rows(at: float) -> dict[str, object]:
    records = [
        waba_record("hk_retail", ACCOUNT, at),
        number_record(NUMBER, at),
        template_record("hk_retail", HK, TEMPLATE, at),
    ]
    return {r.address: r for r in records}


def test_nothing_confirmed_everything_read(config: Config) -> None:
    plan = decide(config, Freshness({}, {}, now=100.0, max_age=3600.0))
    assert plan.full == [HK, TW] and plan.kept == {}
    assert plan.profiles == set(config.numbers)


def test_a_fresh_account_is_assembled_and_a_named_number_read_alone(config: Config) -> None:
    rows = _rows(at=50.0)
    plan = decide(config, Freshness(rows, {f'numbers["{MAIN}"]': 60.0}, now=100.0, max_age=3600.0))  # type: ignore[arg-type]
    assert plan.numbers == [(HK, NUMBER.id)] and plan.templates == []
    assert set(plan.kept) == {"wabas.hk_retail", 'wabas.hk_retail.templates["order_update/en_US"]'}
    assert plan.full == [TW]  # nothing confirmed there


@pytest.mark.parametrize(
    ("named", "now", "fresh"),
    [
        (None, 50.0 + 3600.0, True),  # exactly max_age old
        (None, 50.0 + 3600.5, False),  # older
        (50.0, 100.0, False),  # an event received the instant it was read: read again
        (49.0, 100.0, True),  # an event before the read: the read saw its change
    ],
)
def test_freshness_bounds(named: float | None, now: float, fresh: bool) -> None:
    rows = _rows(at=50.0)
    events = {"wabas.hk_retail": named} if named is not None else {}
    found = Freshness(rows, events, now=now, max_age=3600.0).fresh("wabas.hk_retail")  # type: ignore[arg-type]
    assert (found is not None) is fresh
