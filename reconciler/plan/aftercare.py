"""Around a number's move from another provider: what is lost at the cut-over, and what follows it.

    completed_moves(done)                → {number address: when its move completed}, from the journal
    before_the_move(config, snapshot)    → notes: each source template Meta will not copy, and why
    after_the_move(config, snapshot, …)  → preconditions: business verification within 30 days of the move,
                                           and the 50 business-initiated conversations per 24 h until then

The seed's after-care (DESIGN.md §1): once the number has moved, the business must be verified within 30
days, and until it is only 50 business-initiated conversations per 24 h are allowed; templates made at the
old provider do not move — Meta copies only those APPROVED with GREEN quality (META-API.md §1.2). A move
completes when the number registers in its new WABA: the journal records that register (after the add for
migration); Meta's `last_onboarded_time` stands in when the journal has no record (a move made elsewhere).
Pure: the clock comes in as `now`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from reconciler.config.model import Config, PhoneNumber
from reconciler.plan.address import NumberAddress, TemplateAddress
from reconciler.plan.model import Check, Precondition
from reconciler.snapshot import LiveNumber, LiveTemplate, LiveWaba, Snapshot

ADD_FOR_MIGRATION, REGISTER = "add_number_for_migration", "register"
MOVE_OPS = (ADD_FOR_MIGRATION, REGISTER)  # the journal's records a completed move is read from
WINDOW_DAYS = 30  # to finish business verification after the move
DAILY_LIMIT = 50  # business-initiated conversations per 24 h until then
VERIFIED = "verified"
COPIED = ("APPROVED", "GREEN")  # the (status, quality) Meta duplicates at the cut-over
GONE = {"DELETED", "PENDING_DELETION"}
CHECK_NAME = "after the move: business verification"
HOW_TO_VERIFY = "the business owner must finish it in Meta Business Suite → Security Centre"


class Done(Protocol):
    """A journal record of an action done (the state store's `DoneAction`)."""

    address: str
    op: str
    finished: float


@dataclass(frozen=True)
class MoveFacts:
    """What the plan needs beyond Meta: the time now, and when each move completed (by number address)."""

    now: float | None = None  # None: no clock given, days are not counted
    completed: Mapping[str, float] = field(default_factory=dict)
    meta_now: float | None = None  # Meta's time, for its own timestamps (the simulator's clock); else `now`

    def since(self, address: str, live: LiveNumber) -> tuple[float | None, float | None]:
        """When the number's move completed and the time now, on one clock: the journal's, else Meta's."""
        if address in self.completed:
            return self.completed[address], self.now
        return live.onboarded_at, self.meta_now if self.meta_now is not None else self.now


def completed_moves(done: Iterable[Done]) -> dict[str, float]:
    """Per number: the first register done after its last add for migration (records oldest first)."""
    added: dict[str, float] = {}
    moved: dict[str, float] = {}
    for record in done:
        if record.op == ADD_FOR_MIGRATION:
            added[record.address] = record.finished
            moved.pop(record.address, None)  # a new move: the old one's completion no longer counts
        elif record.op == REGISTER and record.address in added and record.address not in moved:
            moved[record.address] = record.finished
    return moved


def moving(config: Config, snapshot: Snapshot) -> Iterable[tuple[str, PhoneNumber, LiveWaba]]:
    """Each declared move whose destination WABA was read: (E.164, its spec, the destination)."""
    for e164, spec in config.numbers.items():
        destination = snapshot.wabas.get(config.wabas[spec.waba].id)
        if spec.migrate_from is not None and destination is not None:
            yield e164, spec, destination


def _moved(destination: LiveWaba, e164: str) -> LiveNumber | None:
    live = destination.numbers.get(e164)
    return live if live is not None and live.registered else None


# ------------------------------------------------------------------------------------ after the move


def after_the_move(config: Config, snapshot: Snapshot, facts: MoveFacts) -> tuple[Precondition, ...]:
    """Until the destination's business is verified: the days left of the window, and the daily limit."""
    checks = []
    for e164, spec in config.numbers.items():
        address = str(NumberAddress(e164))
        destination = snapshot.wabas.get(config.wabas[spec.waba].id)
        if destination is None or (spec.migrate_from is None and address not in facts.completed):
            continue  # not a move (or one whose migrate_from is gone and the journal never saw)
        live = _moved(destination, e164)
        status = destination.business_verification_status
        if live is None or status == VERIFIED:
            continue
        checks.append(Precondition(address, CHECK_NAME, *_window(status, *facts.since(address, live))))
    return tuple(checks)


def _window(status: str | None, started: float | None, now: float | None) -> tuple[Check, str]:
    limit = f"until then at most {DAILY_LIMIT} business-initiated conversations per 24 h"
    state = f"business verification is {status or 'not reported'}"
    if started is None or now is None:
        return (
            Check.UNKNOWN,
            f"{state}; when the move completed is not recorded, so the {WINDOW_DAYS}-day window to finish "
            f"it cannot be counted: {HOW_TO_VERIFY}; {limit}",
        )
    deadline = started + WINDOW_DAYS * 86400
    when = datetime.fromtimestamp(deadline, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if now < deadline:
        left = math.ceil((deadline - now) / 86400)
        days = "1 day" if left == 1 else f"{left} days"
        return Check.UNKNOWN, f"{state}: {days} left of the {WINDOW_DAYS}-day window (until {when}): " + (
            f"{HOW_TO_VERIFY}; {limit}"
        )
    late = math.floor((now - deadline) / 86400)
    return (
        Check.FAIL,
        f"{state}: the {WINDOW_DAYS}-day window after the move ended {when}"
        + (f" ({late} days ago)" if late > 1 else "")
        + f": {HOW_TO_VERIFY} now; {limit}",
    )


# ------------------------------------------------------------------------------------ before the move


def before_the_move(config: Config, snapshot: Snapshot) -> tuple[str, ...]:
    """Each template of a move's source WABA that Meta will not copy at the cut-over, and why: said once per
    destination and source, so the user can declare what they still need."""
    notes: list[str] = []
    seen: set[tuple[str, str]] = set()
    for e164, spec, destination in moving(config, snapshot):
        source_id = spec.migrate_from.waba_id if spec.migrate_from else ""
        if _moved(destination, e164) is not None or (spec.waba, source_id) in seen:
            continue
        seen.add((spec.waba, source_id))
        source = snapshot.sources.get(source_id)
        if source is None:
            notes.append(
                f"{NumberAddress(e164)}: the templates of source WABA {source_id} cannot be read: ask the "
                f"current provider which are not {COPIED[0]} with {COPIED[1]} quality — Meta does not copy "
                "those when the number moves, so declare the ones you need"
            )
            continue
        declared = {(t.name, t.language) for t in config.wabas[spec.waba].templates}
        for template in source.templates:
            if _lost(template, destination):
                notes.append(_lost_note(spec.waba, e164, source_id, template, declared))
    return tuple(notes)


def _lost(template: LiveTemplate, destination: LiveWaba) -> bool:
    return (
        (template.status, template.quality_score) != COPIED
        and template.status not in GONE
        and destination.template(template.name, template.language) is None
    )


def _lost_note(
    waba: str, e164: str, source_id: str, template: LiveTemplate, declared: set[tuple[str, str]]
) -> str:
    address = TemplateAddress(waba, template.name, template.language)
    why = f"{template.status}, quality {template.quality_score or 'not rated'}"
    if (template.name, template.language) in declared:
        fate = "it is declared here, so the plan brings it across itself (see its action)"
    else:
        fate = f"declare it under wabas.{waba}.templates to re-create it here, or it is lost"
    return (
        f"{address}: not copied from source WABA {source_id} when {e164} moves ({why}): Meta copies only "
        f"{COPIED[0]} templates with {COPIED[1]} quality; {fate}"
    )
