"""Before apply writes: each WABA's share of the plan against what is left of its hourly budget. Pure.

Meta counts every operation (each batch entry, each page, each write) against a per-app, per-WABA budget:
200 an hour, 5,000 for a WABA with a registered number (META-API.md §7.1), and says in each answer's
`X-Business-Use-Case-Usage` how much of it is used, in percent. Starting a WABA whose planned operations do
not fit what is left would spend the budget part-way and leave that WABA half applied, Meta refusing the
rest for up to an hour. So such a WABA is not started: its actions wait (exit 3), saying when to run
again, and every other WABA is applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reconciler.config.model import Config
from reconciler.plan.address import NumberAddress, TemplateAddress, WabaAddress, WebhooksAddress
from reconciler.plan.address import parse as parse_address
from reconciler.plan.model import Action, Status

PER_HOUR = 200  # Meta's default per app and WABA
PER_HOUR_REGISTERED = 5_000  # for a WABA with at least one registered number


@dataclass(frozen=True)
class Budget:
    """What Meta last said of one WABA's budget: percent used, and the hourly allowance it is a share of."""

    percent: float
    per_hour: int

    @property
    def left(self) -> int:
        return int(self.per_hour * max(0.0, 100.0 - self.percent) / 100.0)


def waba_of(config: Config, address: str) -> str | None:
    """The ID of the WABA whose budget an action on `address` spends (None: not a WABA's resource)."""
    parsed = parse_address(address)
    if isinstance(parsed, NumberAddress):
        spec = config.numbers.get(parsed.e164)
        return config.wabas[spec.waba].id if spec is not None else None
    if isinstance(parsed, WabaAddress):
        waba = config.wabas.get(parsed.name)
    elif isinstance(parsed, TemplateAddress | WebhooksAddress):
        waba = config.wabas.get(parsed.waba)
    else:
        return None
    return waba.id if waba is not None else None


def operations(actions: Iterable[Action]) -> int:
    """What `actions` spend, at the least: each one's write, and for each resource written the re-read
    that checks it has not moved since the plan (a number is read with its profile: two operations)."""
    actions = list(actions)
    resources = {a.address for a in actions}
    rereads = sum(2 if isinstance(parse_address(r), NumberAddress) else 1 for r in resources)
    return len(actions) + rereads


def deferred(actions: Iterable[Action], config: Config, budgets: Mapping[str, Budget]) -> dict[str, str]:
    """Action id → why it waits, for every action of a WABA whose planned operations exceed what is left
    of its budget. A WABA Meta has said nothing about yet is not held back."""
    by_waba: dict[str, list[Action]] = defaultdict(list)
    for action in actions:
        if action.status is Status.READY:
            waba_id = waba_of(config, action.address)
            if waba_id is not None:
                by_waba[waba_id].append(action)
    waiting: dict[str, str] = {}
    for waba_id, planned in by_waba.items():
        budget = budgets.get(waba_id)
        if budget is None:
            continue
        needed = operations(planned)
        if needed > budget.left:
            reason = (
                f"not started: WABA {waba_id} needs about {needed} operations and has {budget.left} of its "
                f"{budget.per_hour:,} an hour left ({budget.percent:.0f}% used, as Meta reports); "
                "Meta's budget refills over the hour: apply again later, or apply fewer of its changes "
                "with --target"
            )
            waiting |= {a.id: reason for a in planned}
    return waiting
