"""Which WABAs an apply may write to: what it must lock before reading Meta. Pure, from the config.

A number's WABA, and the source WABA of its move (a number moving between WABAs locks both); a WABA's
own resources (webhooks, templates) lock that WABA. With targets (a saved plan's --target), only the
WABAs of the resources they name.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.config.model import Config
from reconciler.plan.address import NumberAddress, WabaAddress


def lock_scope(config: Config, targets: Iterable[str] = ()) -> frozenset[str]:
    wanted = tuple(targets)

    def reached(address: str) -> bool:
        return not wanted or any(
            address == t or t.startswith(address + ".") or t.startswith(address + "[") for t in wanted
        )

    scope: set[str] = set()
    for e164, spec in config.numbers.items():
        if reached(str(NumberAddress(e164))):
            scope.add(config.wabas[spec.waba].id)
            if spec.migrate_from is not None:
                scope.add(spec.migrate_from.waba_id)
    for name, waba in config.wabas.items():
        if reached(str(WabaAddress(name))):
            scope.add(waba.id)
    return frozenset(scope)
