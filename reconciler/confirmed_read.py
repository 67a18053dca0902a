"""A refresh that reads only what confirmed state cannot vouch for (`plan --refresh-only`), and records
what it read as confirmed. reconciler.confirmed decides; this module reads and writes.

    WABA whose account row is stale, or named by an event   → its edges read (4 operations and pages),
                                                               profiles only of numbers not fresh
    otherwise                                               → a stale number read alone (2 operations),
                                                               a stale template alone (1), the rest kept
    migration sources                                       → read as a full refresh reads them
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from reconciler.config.model import Config
from reconciler.confirmed import (
    Freshness,
    ReadPlan,
    decide,
    is_account,
    number_address,
    number_from,
    number_record,
    records_of,
    template_from,
    template_record,
    waba_from,
)
from reconciler.graph.client import GraphClient
from reconciler.graph.errors import NotFoundError
from reconciler.reader import read_wabas, reread_number, reread_template
from reconciler.snapshot import LiveNumber, LiveTemplate, LiveWaba, Snapshot, Unreadable
from reconciler.state.errors import StateError
from reconciler.state.journal import Journal
from reconciler.state.records import ConfirmedRecord

NO_STATE_YET = "no state yet: the first apply creates it"


@dataclass(frozen=True)
class Provenance:
    """Where each resource of a refresh came from: read from Meta now, or confirmed state (and when)."""

    read: tuple[str, ...]
    kept: Mapping[str, float]  # address → when it was confirmed
    unrecorded: str = ""  # why what was read is not confirmed (no state yet, a store refusing writes)

    def to_json(self) -> dict[str, object]:
        return {"read": list(self.read), "confirmed": dict(sorted(self.kept.items()))}

    def notes(self) -> tuple[str, ...]:
        """One line for the plan: how much was read, how much came from confirmed state."""
        if self.unrecorded:
            return (
                f"refresh: everything read from Meta, and not kept for the next refresh ({self.unrecorded})",
            )
        if not self.kept:
            return ()
        oldest = datetime.fromtimestamp(min(self.kept.values()), UTC).strftime("%Y-%m-%d %H:%M UTC")
        shown = ", ".join(self.read[:5]) + (f" and {len(self.read) - 5} more" if len(self.read) > 5 else "")
        return (
            f"refresh: {len(self.read)} resource(s) read from Meta{f' ({shown})' if self.read else ''}; "
            f"{len(self.kept)} from the state `watch` confirmed (the oldest at {oldest}); "
            "--full reads everything",
        )


async def read_with_confirmed(
    config: Config,
    graph: GraphClient,
    sources: Mapping[str, GraphClient],
    journal: Journal | None,
    *,
    now: float,
    max_age: float | None,
) -> tuple[Snapshot, Provenance]:
    """The snapshot a full read would give, read only where confirmed state is stale (`max_age` None:
    everything read, as `--full`); every resource read is confirmed at `now`. Without a journal (no
    state yet: a plan creates none) everything is read, and nothing kept."""
    rows = journal.confirmed() if journal is not None and max_age is not None else {}
    named = journal.named_since() if journal is not None else {}
    plan = decide(config, Freshness(rows, named, now, max_age or 0.0))
    names = {waba.id: name for name, waba in config.wabas.items()}
    assembled, records, failed = await _from_rows_and_singles(graph, plan, names, now)
    plan.full += failed  # a resource read alone that is gone: its WABA is read whole
    plan.profiles |= {
        e164
        for e164, spec in config.numbers.items()
        if config.wabas[spec.waba].id in failed and number_address(e164) not in plan.kept
    }
    wabas, unreadable = (
        await read_wabas(graph, plan.full, profiles_for=plan.profiles) if plan.full else ({}, {})
    )
    records += records_of(names, wabas.values(), now)
    wabas = {waba_id: _with_kept_profiles(live, plan, records) for waba_id, live in wabas.items()}
    source_wabas = await _read_sources(sources, unreadable)
    unrecorded = _confirm(journal, records)
    kept = {address: row.at for address, row in plan.kept.items() if row.waba_id not in wabas}
    kept |= {number_address(e164): plan.kept[number_address(e164)].at for e164 in _kept_profiles(wabas, plan)}
    read = tuple(sorted({r.address for r in records} - set(kept)))
    snapshot = Snapshot(
        {**assembled, **wabas}, source_wabas, unreadable, graph.settings.base_url, graph.api_version
    )
    return snapshot, Provenance(read, kept, unrecorded)


def _confirm(journal: Journal | None, records: list[ConfirmedRecord]) -> str:
    """Keep what was read for the next refresh; why not, when it cannot be (the plan goes on)."""
    if journal is None:
        return NO_STATE_YET
    try:
        journal.confirm(records)
    except StateError as exc:
        return str(exc).splitlines()[0]
    return ""


def _kept_profiles(wabas: Mapping[str, LiveWaba], plan: ReadPlan) -> list[str]:
    return [e164 for live in wabas.values() for e164 in live.numbers if number_address(e164) in plan.kept]


def _with_kept_profiles(live: LiveWaba, plan: ReadPlan, records: list[ConfirmedRecord]) -> LiveWaba:
    """A WABA read whole, the profiles not read taken from their rows (and those rows kept as dated)."""
    for e164, number in list(live.numbers.items()):
        row = plan.kept.get(number_address(e164))
        if row is None:
            continue
        live.numbers[e164] = replace(number, profile=number_from(row).profile)
        index = next(i for i, r in enumerate(records) if r.address == row.address)
        records[index] = number_record(live.numbers[e164], row.at)
    return live


async def _from_rows_and_singles(
    graph: GraphClient, plan: ReadPlan, names: Mapping[str, str], now: float
) -> tuple[dict[str, LiveWaba], list[ConfirmedRecord], list[str]]:
    """The WABAs planned from their rows, each stale number and template in them read alone; the rows
    those reads make; and the WABAs where such a read failed (to be read whole)."""
    kept_wabas = sorted({row.waba_id for row in plan.kept.values() if is_account(row.address)})
    reads = [_singles(graph, plan, waba_id) for waba_id in kept_wabas]
    found = await asyncio.gather(*reads, return_exceptions=True)
    assembled: dict[str, LiveWaba] = {}
    records: list[ConfirmedRecord] = []
    failed: list[str] = []
    for waba_id, singles in zip(kept_wabas, found, strict=True):
        if isinstance(singles, NotFoundError):
            failed.append(waba_id)
            continue
        if isinstance(singles, BaseException):
            raise singles
        live = _assemble(waba_id, plan, singles)
        assembled[waba_id] = live
        records += [number_record(n, now) for n in live.numbers.values() if n.id in singles]
        records += [
            template_record(names[waba_id], waba_id, t, now) for t in live.templates if t.id in singles
        ]
    return assembled, records, failed


async def _singles(graph: GraphClient, plan: ReadPlan, waba_id: str) -> dict[str, LiveNumber | LiveTemplate]:
    """The stale numbers and templates of one WABA, each read alone, by ID."""
    reads = [reread_number(graph, w, n, with_profile=True) for w, n in plan.numbers if w == waba_id]
    reads += [reread_template(graph, t) for w, t in plan.templates if w == waba_id]
    return {item.id: item for item in await asyncio.gather(*reads)}


def _assemble(waba_id: str, plan: ReadPlan, singles: Mapping[str, LiveNumber | LiveTemplate]) -> LiveWaba:
    """A WABA from its confirmed rows, with what was read alone in place of its stale rows."""
    rows = [r for r in plan.kept.values() if r.waba_id == waba_id]
    shell = waba_from(next(r for r in rows if is_account(r.address)))
    numbers: dict[str, LiveNumber] = {}
    for e164, number_id in shell.numbers.items():
        row = plan.kept.get(number_address(e164))
        read = singles.get(number_id)
        numbers[e164] = number_from(row) if row is not None else replace(_number(read), e164=e164)
    templates = []
    for name, language, template_id in shell.templates:
        read = singles.get(template_id)
        if isinstance(read, LiveTemplate):
            templates.append(read)
            continue
        suffix = f'.templates["{name}/{language}"]'
        templates.append(template_from(next(r for r in rows if r.address.endswith(suffix))))
    return replace(shell.waba, numbers=numbers, templates=tuple(templates))


def _number(read: LiveNumber | LiveTemplate | None) -> LiveNumber:
    assert isinstance(read, LiveNumber), "a stale number is read alone"
    return read


async def _read_sources(
    sources: Mapping[str, GraphClient], unreadable: dict[str, Unreadable]
) -> dict[str, LiveWaba]:
    found: dict[str, LiveWaba] = {}
    for source_id, client in sources.items():
        wabas, failed = await read_wabas(client, [source_id], profiles_for=set(), templates=True)
        found.update(wabas)
        unreadable.update(failed)
    return found
