"""The reads: each resource an event names, read again through `reader`, one resource at a time (Meta's
budget spent on what moved), and its verdict. A number is named by its display number in webhooks, so its
ID is learnt once per WABA from the numbers edge (IDs only) and kept."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from reconciler.config.model import Config
from reconciler.config.phone import e164_or_none
from reconciler.events import Kind, Refresh, Verdict
from reconciler.events.verdicts import number_verdict, template_verdict, waba_verdict
from reconciler.graph.client import GraphClient
from reconciler.reader import reread_number, reread_template, reread_waba


class GraphRefresher:
    def __init__(self, graph: GraphClient, config: Config) -> None:
        self.graph = graph
        self.config = config
        self._ids: dict[str, dict[str, str]] = {}  # WABA ID → E.164 → number ID

    async def refresh(self, targets: Sequence[Refresh]) -> Mapping[Refresh, Verdict | Exception]:
        found = await asyncio.gather(*(self._one(t) for t in targets), return_exceptions=True)
        return {
            t: v if isinstance(v, (Verdict, Exception)) else RuntimeError(str(v))
            for t, v in zip(targets, found, strict=True)
        }

    async def _one(self, target: Refresh) -> Verdict:
        if target.kind is Kind.TEMPLATE:
            return template_verdict(target, await reread_template(self.graph, target.ident), self.config)
        if target.kind is Kind.NUMBER:
            number_id = await self._number_id(target.waba_id, target.ident)
            if number_id is None:
                return number_verdict(target, None, self.config)
            live = await reread_number(self.graph, target.waba_id, number_id, with_profile=False)
            return number_verdict(target, live, self.config)
        review, subscriptions = await reread_waba(self.graph, target.waba_id)
        return waba_verdict(target, review, subscriptions, self.config)

    async def _number_id(self, waba_id: str, e164: str) -> str | None:
        known = self._ids.get(waba_id)
        if known is None or e164 not in known:
            items = await self.graph.get_all_pages(
                f"{waba_id}/phone_numbers", fields=["id", "display_phone_number"], waba_id=waba_id
            )
            known = {}
            for item in items:
                shown = str(item.get("display_phone_number", ""))
                number = e164_or_none(shown if shown.startswith("+") else f"+{shown}")
                if number:
                    known[number] = str(item["id"])
            self._ids[waba_id] = known
        return known.get(e164)
