"""The reads: each resource an event names, read again through `reader`, one resource at a time (Meta's
budget spent on what moved), its verdict, and its live state to confirm (reconciler.confirmed: what a
later `plan --refresh-only` need not read again). A number is named by its display number in most
webhooks, so its ID is learnt once per WABA from the numbers edge (IDs only) and kept; an account alert
names it by ID, and the read says which declared number that is."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from reconciler.config.model import Config
from reconciler.config.phone import e164_or_none
from reconciler.confirmed import number_record, template_record
from reconciler.events import Kind, Refresh, Verdict
from reconciler.events.verdicts import number_verdict, template_verdict, waba_verdict
from reconciler.graph.client import GraphClient
from reconciler.reader import reread_number, reread_template, reread_waba
from reconciler.snapshot import LiveNumber
from reconciler.state.records import ConfirmedRecord


@dataclass(frozen=True)
class Read:
    """What reading one resource again found: the verdict, and the rows to confirm."""

    verdict: Verdict
    confirmed: tuple[ConfirmedRecord, ...] = ()


class GraphRefresher:
    def __init__(self, graph: GraphClient, config: Config, clock: Callable[[], float] = time.time) -> None:
        self.graph = graph
        self.config = config
        self.clock = clock
        self._ids: dict[str, dict[str, str]] = {}  # WABA ID → E.164 → number ID
        self._names = {waba.id: name for name, waba in config.wabas.items()}

    async def refresh(self, targets: Sequence[Refresh]) -> Mapping[Refresh, Read | Exception]:
        found = await asyncio.gather(*(self._one(t) for t in targets), return_exceptions=True)
        return {
            t: v if isinstance(v, (Read, Exception)) else RuntimeError(str(v))
            for t, v in zip(targets, found, strict=True)
        }

    async def _one(self, target: Refresh) -> Read:
        at = self.clock()
        if target.kind is Kind.TEMPLATE:
            live = await reread_template(self.graph, target.ident)
            row = template_record(self._names[target.waba_id], target.waba_id, live, at)
            return Read(template_verdict(target, live, self.config), (row,))
        if target.kind is Kind.NUMBER:
            return await self._number(target, at)
        review, subscriptions = await reread_waba(self.graph, target.waba_id)
        return Read(waba_verdict(target, review, subscriptions, self.config))

    async def _number(self, target: Refresh, at: float) -> Read:
        """A number by its E.164 (its ID looked up), or by its ID (an account alert): with its profile."""
        by_id = not target.ident.startswith("+")
        number_id = target.ident if by_id else await self._number_id(target.waba_id, target.ident)
        if number_id is None:
            return Read(number_verdict(target, None, self.config))
        live = await reread_number(self.graph, target.waba_id, number_id, with_profile=True)
        if by_id:
            live = replace(live, e164=e164_or_none(_plus(live.display_phone_number)) or live.e164)
            target = replace(target, ident=live.e164, address=f'numbers["{live.e164}"]')
            spec = self.config.numbers.get(live.e164)
            if spec is None or self.config.wabas[spec.waba].id != target.waba_id:
                why = f"number {live.e164} (ID {number_id}) is not declared in WABA {target.waba_id}"
                return Read(Verdict(target.address, why, False, declared=False))
        return Read(number_verdict(target, live, self.config), (number_record(_e164(live, target), at),))

    async def _number_id(self, waba_id: str, e164: str) -> str | None:
        known = self._ids.get(waba_id)
        if known is None or e164 not in known:
            items = await self.graph.get_all_pages(
                f"{waba_id}/phone_numbers", fields=["id", "display_phone_number"], waba_id=waba_id
            )
            known = {}
            for item in items:
                number = e164_or_none(_plus(str(item.get("display_phone_number", ""))))
                if number:
                    known[number] = str(item["id"])
            self._ids[waba_id] = known
        return known.get(e164)


def _plus(display: str) -> str:
    return display if display.startswith("+") else f"+{display}"


def _e164(live: LiveNumber, target: Refresh) -> LiveNumber:
    """The number under the E.164 it was named by (as a full read would key it)."""
    return replace(live, e164=target.ident)
