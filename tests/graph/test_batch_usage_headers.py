"""A batch asks for per-operation headers only when it has something to learn from them: the batch's own
`X-Business-Use-Case-Usage` names every WABA it touched, and feeds the budget (parsed once)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

import httpx

from reconciler.graph import BatchRequest, GraphClient, ManualClock
from reconciler.graph.budget import parse_usage_header

WABA = "2000000000001"
NUMBER = "3000000000001"
USAGE = "X-Business-Use-Case-Usage"


def usage(percent: int, eta: int = 0) -> str:
    entry = {"type": "whatsapp_business_management", "call_count": percent, "total_cputime": 1}
    return json.dumps({WABA: [{**entry, "total_time": 1, "estimated_time_to_regain_access": eta}]})


def batch_answer(request: httpx.Request, forms: list[dict[str, list[str]]]) -> httpx.Response:
    form = parse_qs(request.content.decode())
    forms.append(form)
    ops = json.loads(form["batch"][0])
    with_headers = form["include_headers"] == ["true"]
    entries = [
        {
            "code": 200,
            **({"headers": [{"name": USAGE, "value": usage(40)}]} if with_headers else {}),
            "body": json.dumps({"id": op["relative_url"].split("?")[0]}),
        }
        for op in ops
    ]
    return httpx.Response(200, json=entries, headers={USAGE: usage(40)})


def send(requests: list[BatchRequest]) -> tuple[list[dict[str, list[str]]], GraphClient]:
    forms: list[dict[str, list[str]]] = []

    async def main() -> GraphClient:
        transport = httpx.MockTransport(lambda r: batch_answer(r, forms))
        async with GraphClient("http://127.0.0.1:1", "t", transport=transport, clock=ManualClock()) as graph:
            await graph.batch(requests)
            await graph.batch(requests)
            return graph

    return forms, asyncio.run(main())


def test_operations_charged_to_a_named_waba_ask_for_no_headers() -> None:
    forms, graph = send([BatchRequest.get(NUMBER, fields=["id"], waba_id=WABA)])
    assert [f["include_headers"] for f in forms] == [["false"], ["false"]]
    assert graph.budget.status(WABA).percent == 40  # the batch's own header fed the budget


def test_an_unknown_node_asks_for_headers_until_its_waba_is_learnt() -> None:
    forms, graph = send([BatchRequest.get(NUMBER, fields=["id"])])
    assert [f["include_headers"] for f in forms] == [["true"], ["false"]]
    assert graph.budget.status(WABA).percent == 40


def test_a_usage_header_is_parsed_once_however_often_it_repeats() -> None:
    text = usage(55, eta=2)
    first, second = parse_usage_header(text), parse_usage_header(text)
    assert first == second and first is not second  # a copy each time: callers may change theirs
    assert first[WABA][0].estimated_time_to_regain_access == 2
