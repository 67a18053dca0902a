"""The snapshot's values: what the reader's shortcuts build is what dataclasses would."""

from __future__ import annotations

import dataclasses

import pytest

from reconciler.snapshot import LiveNumber, LiveProfile, LiveWaba, Snapshot, as_dict


def test_with_profile_is_dataclasses_replace() -> None:
    number = LiveNumber(id="1", e164="+85251234567", display_phone_number="+852 5123 4567", waba_id="2")
    profile = LiveProfile(about="Tea", websites=("https://a.example/",))
    twin = number.with_profile(profile)
    assert twin == dataclasses.replace(number, profile=profile)
    assert hash(twin) == hash(dataclasses.replace(number, profile=profile))
    assert number.profile is None  # the original is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        twin.profile = None  # type: ignore[misc]
    assert as_dict(twin) == dataclasses.asdict(twin)


def test_a_snapshot_repr_counts_and_does_not_list() -> None:
    number = LiveNumber(id="1", e164="+85251234567", display_phone_number="+852 5123 4567", waba_id="2")
    snapshot = Snapshot(
        {"2": LiveWaba(id="2", numbers={number.e164: number})}, graph_url="https://g", api_version="v23.0"
    )
    assert repr(snapshot) == "Snapshot(1 WABAs, 1 numbers, 0 sources, 0 unreadable, 'https://g', 'v23.0')"
