"""The estate as Meta sees it, with what wabaplan remembers beside it: a `StatusReport`, pure, no I/O.

    build_status(config, snapshot, facts, now=…) → StatusReport (per WABA, then per number)
    StatusReport.to_json()                       → the document `schemas/status.schema.json` describes

The snapshot comes from the reader's one batched pass; `JournalFacts` from the state store (the register
calls wabaplan made at this target, and the write-only values it has fingerprints for). A value Meta did
not show is None here, and the renderers show it as "?": nothing is guessed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reconciler.config.model import Config
from reconciler.plan.aftercare import MoveFacts, after_the_move
from reconciler.plan.model import Precondition
from reconciler.snapshot import LiveNumber, LiveWaba, Snapshot

FORMAT_VERSION = 1
REGISTER_WINDOW = 72 * 3600.0  # Meta's rolling window for register calls (10 per number)
REGISTER_LIMIT = 10
UNKNOWN = "?"  # how a count is keyed when Meta gave no value (a template not rated yet)


@dataclass(frozen=True)
class JournalFacts:
    """What the journal says about this target: when each register call ended (by number address) and
    which write-only values wabaplan has set (their addresses, e.g. `numbers["+…"].pin`)."""

    registers: tuple[tuple[str, float], ...] = ()  # (address, finished), done or failed
    fingerprinted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class NumberStatus:
    e164: str
    waba: str  # the config's name for its WABA, or the WABA ID when the config names none
    declared: bool  # the config declares it
    id: str | None = None  # None: not in its WABA at Meta
    status: str | None = None
    platform: str | None = None
    verified_name: str | None = None
    name_status: str | None = None
    quality_rating: str | None = None
    messaging_limit_tier: str | None = None
    throughput: str | None = None
    register_calls_72h: int = 0
    pin_managed: bool = False
    note: str = ""


@dataclass(frozen=True)
class WabaStatus:
    name: str
    id: str
    readable: bool = True
    reason: str = ""  # why it could not be read
    review_status: str | None = None
    business_verification: str | None = None
    templates_by_status: dict[str, int] = field(default_factory=dict)
    templates_by_quality: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusReport:
    generated_at: float
    simulated: bool
    graph_url: str
    api_version: str
    wabas: tuple[WabaStatus, ...]
    numbers: tuple[NumberStatus, ...]
    aftercare: tuple[Precondition, ...] = ()  # moved numbers whose business is not verified yet

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "generated_at": datetime.fromtimestamp(self.generated_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "simulated": self.simulated,
            "graph_url": self.graph_url,
            "api_version": self.api_version,
            "register_window_hours": int(REGISTER_WINDOW // 3600),
            "register_limit": REGISTER_LIMIT,
            "wabas": [_waba_json(w) for w in self.wabas],
            "numbers": [_number_json(n) for n in self.numbers],
            "aftercare": [
                {"address": c.address, "name": c.name, "outcome": c.outcome.value, "detail": c.detail}
                for c in self.aftercare
            ],
        }


def build_status(
    config: Config,
    snapshot: Snapshot,
    facts: JournalFacts,
    *,
    now: float,
    simulated: bool = False,
    moves: MoveFacts | None = None,
) -> StatusReport:
    """Every WABA the config names, and every number declared or found in them, in a fixed order."""
    names = {waba.id: name for name, waba in config.wabas.items()}
    wabas = tuple(_waba(name, waba.id, snapshot) for name, waba in sorted(config.wabas.items()))
    registers = Counter(address for address, finished in facts.registers if finished >= now - REGISTER_WINDOW)
    numbers: dict[str, NumberStatus] = {}
    for waba_id, live in sorted(snapshot.wabas.items()):
        for e164, number in sorted(live.numbers.items()):
            numbers[e164] = _number(e164, names.get(waba_id, waba_id), number, config, registers, facts)
    for e164, spec in sorted(config.numbers.items()):
        if e164 not in numbers:
            numbers[e164] = _absent(e164, spec.waba, config, registers, facts, snapshot)
    ordered = sorted(numbers.values(), key=lambda n: (n.waba, n.e164))
    aftercare = after_the_move(config, snapshot, moves or MoveFacts(now=now))
    return StatusReport(
        now, simulated, snapshot.graph_url, snapshot.api_version, wabas, tuple(ordered), aftercare
    )


def _waba(name: str, waba_id: str, snapshot: Snapshot) -> WabaStatus:
    live: LiveWaba | None = snapshot.wabas.get(waba_id)
    if live is None:
        unreadable = snapshot.unreadable.get(waba_id)
        reason = unreadable.reason if unreadable else "not read"
        return WabaStatus(name, waba_id, readable=False, reason=reason)
    return WabaStatus(
        name,
        waba_id,
        review_status=live.account_review_status,
        business_verification=live.business_verification_status,
        templates_by_status=_counts(t.status or None for t in live.templates),
        templates_by_quality=_counts(t.quality_score for t in live.templates),
    )


def _counts(values: Iterable[str | None]) -> dict[str, int]:
    return dict(sorted(Counter(value or UNKNOWN for value in values).items()))


def _number(
    e164: str,
    waba: str,
    live: LiveNumber,
    config: Config,
    registers: Mapping[str, int],
    facts: JournalFacts,
) -> NumberStatus:
    address = f'numbers["{e164}"]'
    return NumberStatus(
        e164=e164,
        waba=waba,
        declared=e164 in config.numbers,
        id=live.id,
        status=live.status,
        platform=live.platform_type,
        verified_name=live.verified_name,
        name_status=live.name_status,
        quality_rating=live.quality_rating,
        messaging_limit_tier=live.messaging_limit_tier,
        throughput=live.throughput_level,
        register_calls_72h=registers.get(address, 0),
        pin_managed=f"{address}.pin" in facts.fingerprinted,
        note="" if e164 in config.numbers else "not declared in the config",
    )


def _absent(
    e164: str,
    waba: str,
    config: Config,
    registers: Mapping[str, int],
    facts: JournalFacts,
    snapshot: Snapshot,
) -> NumberStatus:
    """A declared number its WABA does not show: not added yet, still at its source, or unreadable."""
    address = f'numbers["{e164}"]'
    spec = config.numbers[e164]
    waba_id = config.wabas[waba].id if waba in config.wabas else ""
    if waba_id not in snapshot.wabas:
        note = "its WABA could not be read"
    elif spec.migrate_from is not None:
        note = f"not moved in yet (at WABA {spec.migrate_from.waba_id})"
    else:
        note = "declared, not at Meta"
    return NumberStatus(
        e164=e164,
        waba=waba,
        declared=True,
        register_calls_72h=registers.get(address, 0),
        pin_managed=f"{address}.pin" in facts.fingerprinted,
        note=note,
    )


def _waba_json(waba: WabaStatus) -> dict[str, Any]:
    return {
        "name": waba.name,
        "id": waba.id,
        "readable": waba.readable,
        "reason": waba.reason or None,
        "review_status": waba.review_status,
        "business_verification": waba.business_verification,
        "templates_by_status": dict(waba.templates_by_status),
        "templates_by_quality": dict(waba.templates_by_quality),
    }


def _number_json(number: NumberStatus) -> dict[str, Any]:
    return {
        "e164": number.e164,
        "waba": number.waba,
        "declared": number.declared,
        "id": number.id,
        "status": number.status,
        "platform": number.platform,
        "verified_name": number.verified_name,
        "name_status": number.name_status,
        "quality_rating": number.quality_rating,
        "messaging_limit_tier": number.messaging_limit_tier,
        "throughput": number.throughput,
        "register_calls_72h": number.register_calls_72h,
        "pin_managed": number.pin_managed,
        "note": number.note or None,
    }
