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

from reconciler.config.model import Config
from reconciler.graph.allowance import Allowance
from reconciler.plan.address import NumberAddress, TemplateAddress, WabaAddress, WebhooksAddress
from reconciler.plan.address import parse as parse_address
from reconciler.plan.model import Action, Status


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


def deferred(actions: Iterable[Action], config: Config, budgets: Mapping[str, Allowance]) -> dict[str, str]:
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
        short = budget.shortfall(operations(planned), f"WABA {waba_id}") if budget is not None else None
        if short is not None:
            reason = f"not started: {short}: apply again later, or apply fewer of its changes with --target"
            waiting |= {a.id: reason for a in planned}
    return waiting
