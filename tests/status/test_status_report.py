"""`build_status`: a snapshot and the journal's facts → the inventory, with nothing guessed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from reconciler.config.model import Config
from reconciler.snapshot import LiveNumber, LiveTemplate, LiveWaba, Snapshot, Unreadable
from reconciler.status import REGISTER_WINDOW, JournalFacts, build_status

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "status.schema.json").read_text("utf-8")
)
NOW = 1_800_000_000.0
HK, TW = "2000000000001", "2000000000002"
HK_MAIN, TW_MAIN, MOVING = "+85251234567", "+886912345678", "+85261234567"


def number(e164: str, waba_id: str, **fields: object) -> LiveNumber:
    return LiveNumber(id=f"id-{e164[1:]}", e164=e164, display_phone_number=e164, waba_id=waba_id, **fields)  # type: ignore[arg-type]


def template(name: str, status: str, quality: str | None) -> LiveTemplate:
    return LiveTemplate(
        id=name, name=name, language="en_US", status=status, category="UTILITY", quality_score=quality
    )


def estate() -> Snapshot:
    hk = LiveWaba(
        id=HK,
        account_review_status="APPROVED",
        business_verification_status="verified",
        numbers={
            HK_MAIN: number(
                HK_MAIN,
                HK,
                status="CONNECTED",
                platform_type="CLOUD_API",
                name_status="APPROVED",
                quality_rating="GREEN",
                messaging_limit_tier="TIER_1K",
                throughput_level="STANDARD",
            ),
            "+85290000000": number("+85290000000", HK, status="PENDING"),
        },
        templates=(
            template("a", "APPROVED", "GREEN"),
            template("b", "APPROVED", "YELLOW"),
            template("c", "REJECTED", None),
        ),
    )
    return Snapshot(
        wabas={HK: hk}, unreadable={TW: Unreadable(TW, "the access token has no permission on it")}
    )


def test_each_number_shows_what_meta_said_and_nothing_more(config: Config) -> None:
    report = build_status(config, estate(), JournalFacts(), now=NOW)
    by_number = {n.e164: n for n in report.numbers}
    main = by_number[HK_MAIN]
    assert (main.status, main.platform, main.name_status) == ("CONNECTED", "CLOUD_API", "APPROVED")
    assert (main.quality_rating, main.messaging_limit_tier, main.throughput) == (
        "GREEN",
        "TIER_1K",
        "STANDARD",
    )
    pending = by_number["+85290000000"]
    assert (
        pending.status == "PENDING"
        and pending.quality_rating is None
        and pending.messaging_limit_tier is None
    )
    assert not pending.declared and pending.note == "not declared in the config"


def test_declared_numbers_meta_does_not_show_say_why(config: Config) -> None:
    by_number = {n.e164: n for n in build_status(config, estate(), JournalFacts(), now=NOW).numbers}
    assert (
        by_number[MOVING].id is None and by_number[MOVING].note == "not moved in yet (at WABA 2000000000901)"
    )
    assert by_number[TW_MAIN].note == "its WABA could not be read"


def test_wabas_show_review_verification_and_templates_by_status_and_quality(config: Config) -> None:
    hk, tw = build_status(config, estate(), JournalFacts(), now=NOW).wabas
    assert (hk.name, hk.review_status, hk.business_verification) == ("hk_retail", "APPROVED", "verified")
    assert hk.templates_by_status == {"APPROVED": 2, "REJECTED": 1}
    assert hk.templates_by_quality == {"?": 1, "GREEN": 1, "YELLOW": 1}
    assert not tw.readable and tw.review_status is None and "no permission" in tw.reason


def test_register_calls_are_counted_in_the_rolling_72_hours_only(config: Config) -> None:
    address = f'numbers["{HK_MAIN}"]'
    facts = JournalFacts(
        registers=(
            (address, NOW - 60),
            (address, NOW - REGISTER_WINDOW + 1),
            (address, NOW - REGISTER_WINDOW - 1),  # fell out of Meta's window
            (f'numbers["{TW_MAIN}"]', NOW - 5),
        )
    )
    by_number = {n.e164: n for n in build_status(config, estate(), facts, now=NOW).numbers}
    assert by_number[HK_MAIN].register_calls_72h == 2
    assert by_number[TW_MAIN].register_calls_72h == 1  # known from the journal even when Meta is unreadable
    assert by_number["+85290000000"].register_calls_72h == 0


def test_a_pin_is_managed_only_when_the_journal_has_its_fingerprint(config: Config) -> None:
    facts = JournalFacts(
        fingerprinted=frozenset({f'numbers["{HK_MAIN}"].pin', "wabas.x.webhooks.verify_token"})
    )
    by_number = {n.e164: n for n in build_status(config, estate(), facts, now=NOW).numbers}
    assert by_number[HK_MAIN].pin_managed
    assert not by_number[TW_MAIN].pin_managed and not by_number[MOVING].pin_managed


def test_the_order_is_fixed_and_the_document_matches_its_schema(config: Config) -> None:
    report = build_status(config, estate(), JournalFacts(), now=NOW, simulated=True)
    assert [(n.waba, n.e164) for n in report.numbers] == sorted((n.waba, n.e164) for n in report.numbers)
    document = report.to_json()
    jsonschema.validate(document, SCHEMA)
    assert document["simulated"] and document["generated_at"] == "2027-01-15T08:00:00Z"
    assert build_status(config, estate(), JournalFacts(), now=NOW, simulated=True) == report  # a value
