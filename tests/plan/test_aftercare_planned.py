"""The after-care of a move, planned purely: the verification window counted from the move's completion,
the templates the cut-over loses, and the destination's payment method."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from converged import converged_snapshot, settled_write_only
from test_plan_build import migration_world

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.plan.aftercare import CHECK_NAME, MoveFacts, completed_moves
from reconciler.plan.build import PlanOptions, build_plan
from reconciler.plan.model import Check, Plan
from reconciler.snapshot import LiveTemplate, Snapshot
from reconciler.status import JournalFacts, build_status

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "numbers.yaml"
ADDRESS = 'numbers["+85261234567"]'
HK = "2000000000001"
DAY = 86400.0
MOVED = 1_800_000_000.0  # when the move completed, as the journal recorded it


@pytest.fixture(scope="module")
def example() -> Config:
    config = load(EXAMPLE).config
    assert config is not None
    return config


def moved_in(config: Config, verification: str = "pending", onboarded_at: float | None = None) -> Snapshot:
    """The number has moved into hk_retail (registered there); its business is `verification`."""
    live = converged_snapshot(config)
    hk = live.wabas[HK]
    numbers = {e164: replace(n, onboarded_at=onboarded_at) for e164, n in hk.numbers.items()}
    hk = replace(hk, business_verification_status=verification, numbers=numbers)
    return replace(live, wabas={**live.wabas, HK: hk})


def plan_at(config: Config, snapshot: Snapshot, facts: MoveFacts) -> Plan:
    return build_plan(config, snapshot, settled_write_only(config), PlanOptions(moves=facts))


def aftercare(plan: Plan) -> list[tuple[Check, str]]:
    return [(p.outcome, p.detail) for p in plan.preconditions if p.name == CHECK_NAME]


def test_days_left_of_the_window_and_the_daily_limit(example: Config) -> None:
    facts = MoveFacts(now=MOVED + 9.5 * DAY, completed={ADDRESS: MOVED})
    [(outcome, detail)] = aftercare(plan_at(example, moved_in(example), facts))
    assert outcome is Check.UNKNOWN
    assert "business verification is pending: 21 days left of the 30-day window (until 2027-02-14" in detail
    assert "at most 50 business-initiated conversations per 24 h" in detail


def test_the_last_day_is_said_as_one_day(example: Config) -> None:
    facts = MoveFacts(now=MOVED + 29.5 * DAY, completed={ADDRESS: MOVED})
    [(_, detail)] = aftercare(plan_at(example, moved_in(example), facts))
    assert ": 1 day left of the 30-day window" in detail


def test_past_the_deadline_it_is_an_error(example: Config) -> None:
    facts = MoveFacts(now=MOVED + 33 * DAY, completed={ADDRESS: MOVED})
    [(outcome, detail)] = aftercare(plan_at(example, moved_in(example), facts))
    assert outcome is Check.FAIL
    assert "the 30-day window after the move ended 2027-02-14" in detail and "(3 days ago)" in detail
    assert "at most 50 business-initiated conversations per 24 h" in detail


def test_a_drift_check_past_the_deadline_needs_action_and_within_it_does_not(example: Config) -> None:
    """`plan --refresh-only --detailed-exitcode` exits 2 on a ✗ after-care item: cron must tell someone."""

    def drift_check(days: float) -> Plan:
        facts = MoveFacts(now=MOVED + days * DAY, completed={ADDRESS: MOVED})
        options = PlanOptions(moves=facts, refresh_only=True)
        return build_plan(example, moved_in(example), settled_write_only(example), options)

    within, past = drift_check(9), drift_check(33)
    assert not within.has_changes and within.failed_checks == ()
    assert past.has_changes and [c.address for c in past.failed_checks] == [ADDRESS]


def test_the_aftercare_outlives_migrate_from_once_the_journal_saw_the_move(example: Config) -> None:
    """The plan suggests removing migrate_from after the move: the window still runs."""
    numbers = {e164: spec.model_copy(update={"migrate_from": None}) for e164, spec in example.numbers.items()}
    config = example.model_copy(update={"numbers": numbers})
    facts = MoveFacts(now=MOVED + DAY, completed={ADDRESS: MOVED})
    [(outcome, detail)] = aftercare(plan_at(config, moved_in(config), facts))
    assert outcome is Check.UNKNOWN and "29 days left" in detail
    assert aftercare(plan_at(config, moved_in(config), MoveFacts(now=MOVED + DAY))) == []  # never a move


def test_verified_business_has_no_aftercare(example: Config) -> None:
    facts = MoveFacts(now=MOVED + 40 * DAY, completed={ADDRESS: MOVED})
    assert aftercare(plan_at(example, moved_in(example, "verified"), facts)) == []


def test_metas_onboarding_time_counts_on_metas_clock_when_the_journal_has_no_record(
    example: Config,
) -> None:
    """A move made elsewhere: Meta's last_onboarded_time, against Meta's own time (the simulator's clock
    may be far from the wall clock)."""
    snapshot = moved_in(example, onboarded_at=MOVED)
    facts = MoveFacts(now=MOVED + 400 * DAY, meta_now=MOVED + 2 * DAY)
    [(outcome, detail)] = aftercare(plan_at(example, snapshot, facts))
    assert outcome is Check.UNKNOWN and "28 days left" in detail


def test_no_record_anywhere_says_the_window_cannot_be_counted(example: Config) -> None:
    [(outcome, detail)] = aftercare(plan_at(example, moved_in(example), MoveFacts(now=MOVED)))
    assert outcome is Check.UNKNOWN
    assert "when the move completed is not recorded" in detail and "Security Centre" in detail


def test_status_shows_the_same_item(example: Config) -> None:
    facts = MoveFacts(now=MOVED + DAY, completed={ADDRESS: MOVED})
    report = build_status(example, moved_in(example), JournalFacts(), now=MOVED + DAY, moves=facts)
    [item] = report.to_json()["aftercare"]
    assert item["address"] == ADDRESS and item["outcome"] == "unknown" and "29 days left" in item["detail"]


@dataclass(frozen=True)
class Record:
    address: str
    op: str
    finished: float


def test_a_move_completes_at_the_first_register_after_its_add() -> None:
    other = 'numbers["+85251234567"]'
    done = [
        Record(other, "register", 10.0),  # an ordinary number: no move
        Record(ADDRESS, "add_number_for_migration", 20.0),
        Record(ADDRESS, "register", 30.0),  # the cut-over
        Record(ADDRESS, "register", 40.0),  # a re-register after a rename: not the move
    ]
    assert completed_moves(done) == {ADDRESS: 30.0}
    # the number moved out and in again: the new move counts
    done += [Record(ADDRESS, "add_number_for_migration", 50.0), Record(ADDRESS, "register", 60.0)]
    assert completed_moves(done) == {ADDRESS: 60.0}
    assert completed_moves(done[:-1]) == {}  # added again, not registered yet: not moved


def test_each_source_template_the_cut_over_loses_is_listed_with_why(example: Config) -> None:
    world = migration_world(example, two_step=False)
    source = world.sources["2000000000901"]

    def held(name: str, status: str, quality: str | None) -> LiveTemplate:
        return LiveTemplate(f"id-{name}", name, "en_US", status, "MARKETING", quality_score=quality)

    kept = held("copied", "APPROVED", "GREEN")
    templates = (
        kept,
        held("rejected", "REJECTED", None),
        held("paused", "PAUSED", "RED"),
        held("yellow", "APPROVED", "YELLOW"),
        held("gone", "DELETED", None),
    )
    world = replace(world, sources={source.id: replace(source, templates=templates)})
    plan = build_plan(example, world, settled_write_only(example))
    lost = [note for note in plan.notes if "not copied from source WABA 2000000000901" in note]
    assert [note.split('"]')[0] for note in lost] == [
        'wabas.hk_retail.templates["rejected/en_US',
        'wabas.hk_retail.templates["paused/en_US',
        'wabas.hk_retail.templates["yellow/en_US',
    ]
    assert "(REJECTED, quality not rated)" in lost[0] and "(PAUSED, quality RED)" in lost[1]
    assert all("declare it under wabas.hk_retail.templates to re-create it here" in n for n in lost)


def test_an_unreadable_source_says_who_knows_which_templates_are_lost(example: Config) -> None:
    plan = build_plan(example, migration_world(example, two_step=False, source_visible=False))
    [note] = [n for n in plan.notes if "templates of source WABA" in n]
    assert note.startswith(f"{ADDRESS}: the templates of source WABA 2000000000901 cannot be read")
    assert "ask the current provider" in note


@pytest.mark.parametrize(
    ("funding", "outcome", "fragment"),
    [
        ("58123", Check.PASS, "funding 58123 attached"),
        (None, Check.UNKNOWN, "the business owner must confirm"),
    ],
)
def test_destination_payment_method(
    example: Config, funding: str | None, outcome: Check, fragment: str
) -> None:
    world = migration_world(example, two_step=False)
    world = replace(world, wabas={**world.wabas, HK: replace(world.wabas[HK], primary_funding_id=funding)})
    [check] = [
        p
        for p in build_plan(example, world).preconditions
        if p.name == "destination payment method or credit line"
    ]
    assert check.outcome is outcome and fragment in check.detail
