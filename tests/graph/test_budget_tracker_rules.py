"""The budget tracker's rules at their edges, on a virtual clock (META-API.md §7.3: usage figures are
percent of the budget, `estimated_time_to_regain_access` is in minutes and > 0 means blocked): when a block
ends, when a paced slot is reached, what a throttle without a wait does, and what the tracker reports."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest

from reconciler.graph.budget import APP_KEY, HEADER, BudgetPolicy, BudgetStatus, BudgetTracker
from reconciler.graph.clock import ManualClock

WABA = "2000000000001"


def usage(percent: float, *, eta: float = 0) -> str:
    entry = {"type": "whatsapp_business_management", "call_count": percent, "total_cputime": 1,
             "total_time": 1, "estimated_time_to_regain_access": eta}  # fmt: skip
    return json.dumps({WABA: [entry]})


def tracker(start: float = 1000.0) -> tuple[ManualClock, BudgetTracker]:
    clock = ManualClock(start)
    return clock, BudgetTracker(clock.now, BudgetPolicy(slow_at=90, min_interval=1.0, max_interval=20.0))


def test_at_exactly_slow_at_requests_are_spaced_by_the_minimum_interval() -> None:
    _clock, budget = tracker()
    budget.observe(usage(90))
    assert [budget.wait_before_send(WABA), budget.wait_before_send(WABA)] == [0.0, 1.0]


def test_reaching_a_booked_slot_exactly_takes_it_and_books_the_next() -> None:
    clock, budget = tracker()
    budget.observe(usage(95))  # 10.5 s apart
    assert budget.wait_before_send(WABA) == 0.0
    clock.advance(10.5)
    assert [budget.wait_before_send(WABA), budget.wait_before_send(WABA)] == [0.0, 10.5]


def test_a_block_ending_exactly_now_gives_one_paced_slot_not_a_free_for_all() -> None:
    clock, budget = tracker()
    budget.observe(usage(95))
    budget.block(WABA, 30)
    assert budget.wait_before_send(WABA) == 30.0
    clock.advance(30)
    assert [budget.wait_before_send(WABA), budget.wait_before_send(WABA)] == [0.0, 10.5]


def test_once_usage_falls_below_slow_at_a_booked_slot_no_longer_holds_requests() -> None:
    _clock, budget = tracker()
    budget.observe(usage(99))
    assert budget.wait_before_send(WABA) == 0.0  # books the next slot, 18.1 s away
    budget.observe(usage(40))
    assert [budget.wait_before_send(WABA) for _ in range(3)] == [0.0, 0.0, 0.0]


def test_any_positive_estimate_blocks_even_a_fraction_of_a_minute() -> None:
    _clock, budget = tracker()
    budget.observe(usage(100, eta=0.01))  # 0.6 s
    assert budget.blocked_for(WABA) == pytest.approx(0.6)
    assert budget.wait_before_send(WABA) == pytest.approx(0.6)


def test_a_shorter_estimate_does_not_shorten_a_longer_block() -> None:
    clock, budget = tracker()
    budget.observe(usage(100, eta=10))
    clock.advance(60)
    budget.observe(usage(100, eta=1))  # an answer to a request sent earlier may carry an older estimate
    assert budget.blocked_for(WABA) == 540.0


def test_blocked_for_counts_down_to_zero_and_never_below() -> None:
    clock, budget = tracker()
    budget.block(WABA, 30)
    clock.advance(10)
    assert (budget.blocked_for(WABA), budget.status(WABA).blocked_for) == (20.0, 20.0)
    clock.advance(40)
    assert (budget.blocked_for(WABA), budget.status(WABA).blocked_for) == (0.0, 0.0)
    assert budget.wait_before_send(WABA) == 0.0


def test_a_throttle_of_one_second_holds_requests_for_that_second() -> None:
    clock, budget = tracker()
    budget.block(WABA, 1)
    assert budget.wait_before_send(WABA) == 1.0
    clock.advance(1)
    assert budget.wait_before_send(WABA) == 0.0


def test_a_throttle_without_a_wait_neither_blocks_nor_records_the_id() -> None:
    _clock, budget = tracker()
    budget.block(WABA, 0)
    budget.block("2000000000002", -5)
    assert budget.known_ids() == ()
    assert budget.wait_before_send(WABA) == 0.0 and budget.blocked_for(WABA) == 0.0


def test_an_id_never_reported_is_at_zero_percent_not_blocked_not_paced() -> None:
    _clock, budget = tracker()
    assert budget.status(WABA) == BudgetStatus(WABA, percent=0.0, blocked_for=0.0, interval=0.0)
    assert budget.blocked_for(WABA) == 0.0 and budget.known_ids() == ()


def test_the_status_reports_what_was_observed() -> None:
    clock, budget = tracker()
    budget.observe(usage(95, eta=2))
    clock.advance(20)
    assert budget.status(WABA) == BudgetStatus(WABA, percent=95.0, blocked_for=100.0, interval=10.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        budget.status(WABA).percent = 0.0  # type: ignore[misc]


def test_the_known_ids_are_those_reported_or_throttled_in_order() -> None:
    _clock, budget = tracker()
    budget.observe(json.dumps({"3": [{"call_count": 1}], "1": [{"call_count": 2}]}))
    budget.block("2", 5)
    assert budget.known_ids() == ("1", "2", "3")


def test_the_apps_own_budget_is_known_beside_the_wabas() -> None:
    _clock, budget = tracker()
    budget.observe(usage(20))
    budget.observe_app_usage('{"call_count": 30, "total_cputime": 5, "total_time": 5}')
    assert set(budget.known_ids()) == {WABA, APP_KEY}
    assert (budget.status(APP_KEY).percent, budget.status(WABA).percent) == (30.0, 20.0)


def test_a_tracker_given_no_policy_paces_as_documented() -> None:
    """docs/graph-client.md: from 90 % of the budget, requests 1 s apart, rising to 20 s at 100 %."""
    clock = ManualClock(1000.0)
    budget = BudgetTracker(clock.now)
    budget.observe(usage(100))
    assert [budget.wait_before_send(WABA), budget.wait_before_send(WABA)] == [0.0, 20.0]
    assert budget.status(WABA).interval == 20.0


def test_a_policy_slowing_only_at_100_percent_goes_straight_to_its_maximum_beyond() -> None:
    policy = BudgetPolicy(slow_at=100, min_interval=1.0, max_interval=20.0)
    assert [policy.interval(p) for p in (99.9, 100.0, 100.5, 130.0)] == [0.0, 1.0, 20.0, 20.0]


def test_an_unreadable_usage_header_is_ignored_and_said_in_the_debug_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _clock, budget = tracker()
    caplog.set_level(logging.DEBUG, logger="wabaplan.graph")
    # a text no other test parses: parsing is cached, a header seen before is not parsed (nor logged) again
    budget.observe('{"2000000000001": [ not json, test_an_unreadable_usage_header')
    assert budget.known_ids() == ()
    said = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert said == [("wabaplan.graph", logging.DEBUG, f"ignoring unreadable {HEADER} header")]
