"""Confirmed state: each resource's live state as last read, and when — and which of it a refresh may use
instead of reading Meta again (pure; the `confirmed` table keeps the rows, reconciler.confirmed_read reads).

    wabas.NAME                       the account: node, subscribed apps, and which numbers and templates
                                     it holds (its four edges, read together: 4 operations and pages)
    numbers["+…"]                    a number with its business profile (1 operation each, in a full read)
    wabas.NAME.templates["n/l"]      a template

A resource is *fresh* while it was read no longer than `max_age` ago and no webhook event has named it
since: then its row stands in for a read. `wabaplan watch` confirms what it reads after each event, so
the resources that moved are confirmed after the event, and a cron refresh after a day of events reads
only what is stale.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from reconciler.config.model import Config
from reconciler.snapshot import LiveNumber, LiveProfile, LiveSubscription, LiveTemplate, LiveWaba
from reconciler.state.records import ConfirmedRecord


def waba_address(name: str) -> str:
    return f"wabas.{name}"


def is_account(address: str) -> bool:
    """Whether `address` is a WABA's own row (wabas.NAME), not one of its templates'."""
    return address.startswith("wabas.") and "." not in address[len("wabas.") :]


def number_address(e164: str) -> str:
    return f'numbers["{e164}"]'


def template_address(name: str, template: LiveTemplate) -> str:
    return f'wabas.{name}.templates["{template.name}/{template.language}"]'


def stale_rows(addresses: Iterable[str], config: Config) -> set[str]:
    """The rows an apply's writes to these resources make stale: each resource's, and its WABA's
    (which holds what it lists: a template created, a number added)."""
    rows: set[str] = set()
    for address in addresses:
        rows.add(address)
        if address.startswith('numbers["'):
            spec = config.numbers.get(address[len('numbers["') : -2])
            rows.update([waba_address(spec.waba)] if spec is not None else ())
        elif address.startswith("wabas."):
            rows.add(waba_address(address[len("wabas.") :].split(".")[0].split("[")[0]))
    return rows


# ---------------------------------------------------------------- rows ↔ live values


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def number_record(live: LiveNumber, at: float) -> ConfirmedRecord:
    return ConfirmedRecord(number_address(live.e164), live.waba_id, _dump(asdict(live)), at)


def template_record(name: str, waba_id: str, live: LiveTemplate, at: float) -> ConfirmedRecord:
    return ConfirmedRecord(template_address(name, live), waba_id, _dump(asdict(live)), at)


def waba_record(name: str, live: LiveWaba, at: float) -> ConfirmedRecord:
    """The account and its membership (numbers by E.164 and ID, templates by name, language and ID)."""
    shell = asdict(live)
    shell["numbers"] = {e164: n.id for e164, n in live.numbers.items()}
    shell["templates"] = [[t.name, t.language, t.id] for t in live.templates]
    return ConfirmedRecord(waba_address(name), live.id, _dump(shell), at)


def number_from(record: ConfirmedRecord) -> LiveNumber:
    data = json.loads(record.live)
    profile = data.pop("profile")
    if profile is not None:
        profile = LiveProfile(**{**profile, "websites": tuple(profile["websites"])})
    return LiveNumber(**data, profile=profile)


def template_from(record: ConfirmedRecord) -> LiveTemplate:
    data = json.loads(record.live)
    return LiveTemplate(**{**data, "components": tuple(data["components"])})


@dataclass(frozen=True)
class WabaShell:
    """A confirmed account without its numbers and templates, and which of them it held."""

    waba: LiveWaba
    numbers: Mapping[str, str]  # E.164 → number ID
    templates: tuple[tuple[str, str, str], ...]  # (name, language, template ID)


def waba_from(record: ConfirmedRecord) -> WabaShell:
    data = json.loads(record.live)
    numbers, templates = data.pop("numbers"), data.pop("templates")
    subscriptions = tuple(LiveSubscription(**s) for s in data.pop("subscriptions"))
    return WabaShell(
        LiveWaba(**data, subscriptions=subscriptions), numbers, tuple(tuple(t) for t in templates)
    )


def records_of(names: Mapping[str, str], wabas: Iterable[LiveWaba], at: float) -> list[ConfirmedRecord]:
    """Rows for WABAs read whole (`names`: WABA ID → config name): the account, every number, every
    template."""
    out: list[ConfirmedRecord] = []
    for live in wabas:
        name = names[live.id]
        out.append(waba_record(name, live, at))
        out += [number_record(n, at) for n in live.numbers.values()]
        out += [template_record(name, live.id, t, at) for t in live.templates]
    return out


# ---------------------------------------------------------------- what to read


@dataclass
class ReadPlan:
    """Which reads a refresh makes, and what it takes from confirmed state instead."""

    full: list[str] = field(default_factory=list)  # WABA IDs whose edges are read
    profiles: set[str] = field(default_factory=set)  # E.164s whose profiles are read (in `full` WABAs)
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (WABA ID, number ID) read alone
    templates: list[tuple[str, str]] = field(default_factory=list)  # (WABA ID, template ID) read alone
    kept: dict[str, ConfirmedRecord] = field(default_factory=dict)  # address → the row used


@dataclass(frozen=True)
class Freshness:
    rows: Mapping[str, ConfirmedRecord]
    named: Mapping[str, float]  # address → when an event last named it
    now: float
    max_age: float

    def fresh(self, address: str) -> ConfirmedRecord | None:
        row = self.rows.get(address)
        if row is None or self.now - row.at > self.max_age or self.named.get(address, -1.0) >= row.at:
            return None
        return row


def decide(config: Config, freshness: Freshness) -> ReadPlan:
    """Per WABA: read its edges again unless its account row is fresh; then each number and template
    in it from its fresh row, else read alone (or, lacking a row at all, the whole WABA read)."""
    plan = ReadPlan()
    for name, waba in sorted(config.wabas.items(), key=lambda item: item[1].id):
        if waba.id in plan.full or not _from_rows(plan, name, waba.id, freshness):
            plan.full.append(waba.id)
            declared = [e164 for e164, spec in config.numbers.items() if spec.waba == name]
            for e164 in declared:
                row = freshness.fresh(number_address(e164))
                if row is None or json.loads(row.live)["profile"] is None:
                    plan.profiles.add(e164)
                else:
                    plan.kept[row.address] = row
    return plan


def _from_rows(plan: ReadPlan, name: str, waba_id: str, freshness: Freshness) -> bool:
    """Plan this WABA from its rows (and single reads); False when it must be read whole."""
    account = freshness.fresh(waba_address(name))
    if account is None:
        return False
    shell = waba_from(account)
    numbers, templates, kept = [], [], {account.address: account}
    for e164, number_id in shell.numbers.items():
        address = number_address(e164)
        row = freshness.fresh(address)
        if row is not None:
            kept[address] = row
        elif address in freshness.rows:
            numbers.append((waba_id, number_id))
        else:
            return False
    for t_name, language, template_id in shell.templates:
        address = f'wabas.{name}.templates["{t_name}/{language}"]'
        row = freshness.fresh(address)
        if row is not None:
            kept[address] = row
        else:
            templates.append((waba_id, template_id))
    plan.numbers += numbers
    plan.templates += templates
    plan.kept.update(kept)
    return True
