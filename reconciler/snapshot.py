"""The live state at Meta that a plan is made against: typed, normalised, frozen values.

The reader (`reconciler.reader`) fills these from the Graph API and does all server canonicalisation
(empty strings to None, digits-only display numbers to E.164, lists to tuples), so the diff compares like
with like. Nothing here does I/O.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any


@dataclass(frozen=True)
class LiveProfile:
    about: str | None = None
    address: str | None = None
    description: str | None = None
    email: str | None = None
    vertical: str | None = None
    websites: tuple[str, ...] = ()
    profile_picture_url: str | None = None


@dataclass(frozen=True)
class LiveNumber:
    id: str
    e164: str
    display_phone_number: str
    waba_id: str
    status: str | None = None  # CONNECTED, PENDING, MIGRATED, …
    verified_name: str | None = None
    name_status: str | None = None  # APPROVED, PENDING_REVIEW, DECLINED, …
    new_display_name: str | None = None  # a rename under review
    new_name_status: str | None = None
    code_verification_status: str | None = None  # VERIFIED, NOT_VERIFIED, EXPIRED
    platform_type: str | None = None  # CLOUD_API, ON_PREMISE, NOT_APPLICABLE
    quality_rating: str | None = None
    throughput_level: str | None = None
    messaging_limit_tier: str | None = None  # TIER_250, TIER_1K, …, TIER_UNLIMITED
    is_official_business_account: bool | None = None
    two_step_enabled: bool | None = None  # None: the API did not say
    needs_reregister: bool = False  # an approved rename waits for a register (Meta shows new_certificate)
    onboarded_at: float | None = None  # Meta's last_onboarded_time: when it last registered in this WABA
    profile: LiveProfile | None = None

    def with_profile(self, profile: LiveProfile | None) -> LiveNumber:
        """This number with `profile`, as `dataclasses.replace` makes it, for less (a read sets 10,000)."""
        twin = object.__new__(LiveNumber)
        twin.__dict__.update(self.__dict__, profile=profile)  # the fields, as the frozen __init__ sets them
        return twin

    @property
    def registered(self) -> bool:
        return self.status == "CONNECTED" and self.platform_type in (None, "CLOUD_API")


@dataclass(frozen=True)
class LiveTemplate:
    id: str
    name: str
    language: str
    status: str  # APPROVED, PENDING, REJECTED, PAUSED, …
    category: str
    components: tuple[dict[str, Any], ...] = ()
    parameter_format: str | None = None
    quality_score: str | None = None
    rejected_reason: str | None = None  # Meta's reason for REJECTED (INVALID_FORMAT, …); None: none given


@dataclass(frozen=True)
class LiveSubscription:
    app_id: str
    app_name: str | None = None
    override_callback_uri: str | None = None


@dataclass(frozen=True)
class LiveWaba:
    id: str
    name: str | None = None
    account_review_status: str | None = None
    business_verification_status: str | None = None
    owner_business_id: str | None = None
    primary_funding_id: str | None = None  # the payment method / credit line it bills to (None: not shown)
    subscriptions: tuple[LiveSubscription, ...] = ()
    numbers: dict[str, LiveNumber] = field(default_factory=dict)  # by E.164
    templates: tuple[LiveTemplate, ...] = ()

    def template(self, name: str, language: str) -> LiveTemplate | None:
        return next((t for t in self.templates if t.name == name and t.language == language), None)


@dataclass(frozen=True)
class Unreadable:
    """An object the config names that could not be read, and why (no permission, does not exist)."""

    object_id: str
    reason: str


@dataclass(frozen=True, repr=False)
class Snapshot:
    """Everything the plan needs from Meta, keyed by Meta ID."""

    wabas: dict[str, LiveWaba] = field(default_factory=dict)
    sources: dict[str, LiveWaba] = field(default_factory=dict)  # source WABAs of migrations
    unreadable: dict[str, Unreadable] = field(default_factory=dict)
    graph_url: str = ""
    api_version: str = ""

    def __repr__(self) -> str:
        """Counts, not contents: asyncio writes the repr of what a finished `asyncio.run` returned when
        it restores the SIGINT handler (10 MB and 0.15 s of CPU for a 10,000-number snapshot)."""
        numbers = sum(len(waba.numbers) for waba in self.wabas.values())
        return (
            f"Snapshot({len(self.wabas)} WABAs, {numbers} numbers, {len(self.sources)} sources, "
            f"{len(self.unreadable)} unreadable, {self.graph_url!r}, {self.api_version!r})"
        )


def as_dict(value: Any) -> dict[str, Any]:
    """`dataclasses.asdict` for these values, without its deep copies: they are frozen, and what they
    hold (text, numbers, tuples, Meta's template JSON) is never changed, so the dict may share it.
    A nested value (a number's profile) becomes a dict too; a tuple of values (a WABA's subscriptions)
    is kept as it is."""
    names, nested = _shape(type(value))
    result = dict(value.__dict__)  # a frozen dataclass's __dict__ holds its fields, in order
    if len(result) != len(names):  # something else was set on it: its fields only
        result = {name: getattr(value, name) for name in names}
    for name in nested:
        if result[name] is not None:
            result[name] = as_dict(result[name])
    return result


@functools.cache
def _shape(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A value class's field names, and those that hold a value (or None)."""
    hints = typing.get_type_hints(cls)
    names = tuple(f.name for f in fields(cls))
    nested = tuple(
        name
        for name in names
        if is_dataclass(hints[name])
        or (isinstance(hints[name], types.UnionType) and any(map(is_dataclass, typing.get_args(hints[name]))))
    )
    return names, nested
