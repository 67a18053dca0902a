"""The budget's reading of Meta's usage headers and its pacing policy, rule by rule (META-API.md §9):
the header names Meta sends, every field of an entry, what is skipped, and the documented defaults."""

from __future__ import annotations

import dataclasses
import json

import pytest

from reconciler.graph.budget import (
    APP_USAGE_HEADER,
    HEADER,
    BudgetPolicy,
    UsageEntry,
    parse_usage_header,
)


def test_the_headers_are_the_ones_meta_sends() -> None:
    assert (HEADER, APP_USAGE_HEADER) == ("X-Business-Use-Case-Usage", "X-App-Usage")


def test_every_field_of_an_entry_is_read() -> None:
    entry = {"type": "WHATSAPP_BUSINESS_MANAGEMENT", "call_count": 5, "total_cputime": 7, "total_time": 9,
             "estimated_time_to_regain_access": 3}  # fmt: skip
    assert parse_usage_header(json.dumps({"2000000000001": [entry]})) == {
        "2000000000001": (UsageEntry("WHATSAPP_BUSINESS_MANAGEMENT", 5.0, 7.0, 9.0, 3.0),)
    }


def test_what_is_missing_or_not_a_number_counts_as_nothing_used() -> None:
    header = {"1": {"call_count": True, "total_time": "95"}}  # one entry, not in a list: read as one
    assert parse_usage_header(json.dumps(header)) == {"1": (UsageEntry("", 0.0, 0.0, 0.0, 0.0),)}


def test_an_entry_without_figures_is_at_zero_percent() -> None:
    entry = UsageEntry("whatsapp_business_management")
    assert entry == UsageEntry("whatsapp_business_management", 0, 0, 0, 0) and entry.percent == 0.0


def test_an_unreadable_object_is_skipped_and_the_rest_still_read() -> None:
    header = {"1": "junk", "2": [{"type": "X", "call_count": 50}], "3": []}
    assert parse_usage_header(json.dumps(header)) == {"2": (UsageEntry("X", 50.0),)}


def test_entries_and_policies_are_values() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        UsageEntry("X").call_count = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        BudgetPolicy().slow_at = 50.0  # type: ignore[misc]


def test_the_default_pacing_is_the_documented_one() -> None:
    """docs/graph-client.md: from 90 % of the budget, requests 1 s apart, rising to 20 s at 100 %."""
    policy = BudgetPolicy()
    assert (policy.slow_at, policy.min_interval, policy.max_interval) == (90.0, 1.0, 20.0)
    assert [policy.interval(p) for p in (89.9, 90.0, 95.0, 100.0, 120.0)] == [0.0, 1.0, 10.5, 20.0, 20.0]
