"""The per-WABA budget tracker, on a fake clock: blocked means wait, high usage means slow down."""

from __future__ import annotations

import json

from reconciler.graph.budget import BudgetPolicy, BudgetTracker, parse_usage_header
from reconciler.graph.clock import ManualClock


def header(
    object_id: str = "2000000000001", *, calls: int = 10, cpu: int = 1, total: int = 1, eta: int = 0
) -> str:
    return json.dumps(
        {
            object_id: [
                {
                    "type": "whatsapp_business_management",
                    "call_count": calls,
                    "total_cputime": cpu,
                    "total_time": total,
                    "estimated_time_to_regain_access": eta,
                },
            ]
        }
    )


def tracker() -> tuple[ManualClock, BudgetTracker]:
    clock = ManualClock()
    return clock, BudgetTracker(clock.now, BudgetPolicy(slow_at=90, min_interval=1.0, max_interval=20.0))


def test_parse_meta_example() -> None:
    text = (
        '{"102290129340398":[{"type":"whatsapp_business_management","call_count":1,"total_cputime":1,'
        '"total_time":1,"estimated_time_to_regain_access":0},{"type":"whatsapp","call_count":7}]}'
    )
    usage = parse_usage_header(text)
    assert list(usage) == ["102290129340398"]
    assert [e.type for e in usage["102290129340398"]] == ["whatsapp_business_management", "whatsapp"]
    assert usage["102290129340398"][1].percent == 7


def test_unreadable_headers_are_ignored() -> None:
    assert (
        parse_usage_header(None) == {}
        and parse_usage_header("not json") == {}
        and parse_usage_header("[]") == {}
    )


def test_unknown_or_low_usage_sends_at_once() -> None:
    _clock, budget = tracker()
    assert budget.wait_before_send("2000000000001") == 0.0
    budget.observe(header(calls=50))
    assert [budget.wait_before_send("2000000000001") for _ in range(5)] == [0.0] * 5


def test_blocked_waba_waits_out_the_estimate_and_only_that_waba() -> None:
    clock, budget = tracker()
    budget.observe(header(calls=100, eta=10))
    assert budget.wait_before_send("2000000000001") == 600.0
    assert budget.wait_before_send("2000000000002") == 0.0
    clock.advance(599)
    assert budget.wait_before_send("2000000000001") == 1.0
    clock.advance(1)
    budget.observe(header(calls=20))
    assert budget.wait_before_send("2000000000001") == 0.0


def test_a_zero_estimate_does_not_lift_a_block() -> None:
    _clock, budget = tracker()
    budget.block("2000000000001", 30)
    budget.observe(header(calls=10, eta=0))  # may be the answer to a request sent before the block
    assert budget.wait_before_send("2000000000001") == 30.0


def test_high_usage_spaces_requests_out() -> None:
    clock, budget = tracker()
    budget.observe(header(calls=95, cpu=40))  # halfway between 90 and 100 -> 10.5 s apart
    assert budget.wait_before_send("2000000000001") == 0.0  # takes the slot
    assert budget.wait_before_send("2000000000001") == 10.5
    clock.advance(10.5)
    assert budget.wait_before_send("2000000000001") == 0.0
    assert budget.status("2000000000001").interval == 10.5


def test_the_highest_metric_counts() -> None:
    _clock, budget = tracker()
    budget.observe(header(calls=5, cpu=5, total=90))
    assert budget.status("2000000000001").percent == 90
    assert budget.status("2000000000001").interval == 1.0


def test_policy_interval_curve() -> None:
    policy = BudgetPolicy(slow_at=90, min_interval=1.0, max_interval=20.0)
    assert [policy.interval(p) for p in (0, 89.9, 90, 100, 150)] == [0.0, 0.0, 1.0, 20.0, 20.0]


def test_app_usage_is_tracked_under_the_app_key() -> None:
    from reconciler.graph.budget import APP_KEY

    _clock, budget = tracker()
    budget.observe_app_usage('{"call_count": 95, "total_cputime": 3, "total_time": 4}')
    budget.observe_app_usage("garbage")
    assert budget.status(APP_KEY).percent == 95
    assert budget.wait_before_send(APP_KEY) == 0.0 and budget.wait_before_send(APP_KEY) == 10.5
