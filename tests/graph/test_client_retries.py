"""GraphClient retries and waits, against httpx.MockTransport playing Meta where the simulator cannot stage
a case exactly (a given Retry-After, a timeout after sending). The clock is fake: no test waits."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable

import httpx
import pytest

from reconciler.graph import (
    AmbiguousWriteError,
    BudgetPolicy,
    GraphClient,
    ManualClock,
    NotFoundError,
    RetryPolicy,
    ThrottledError,
    TransientError,
)

TOKEN = "sim-token-unit"
WABA = "2000000000001"
USAGE = "X-Business-Use-Case-Usage"


def meta_error(code: int, status: int = 400, *, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {
        "error": {"message": f"(#{code}) error", "type": "OAuthException", "code": code, "fbtrace_id": "T1"}
    }
    return httpx.Response(status, json=body, headers=headers)


def usage(eta: int = 0, calls: int = 10, object_id: str = WABA) -> str:
    return json.dumps(
        {
            object_id: [
                {
                    "type": "whatsapp_business_management",
                    "call_count": calls,
                    "total_cputime": 1,
                    "total_time": 1,
                    "estimated_time_to_regain_access": eta,
                }
            ]
        }
    )


Handler = Callable[[httpx.Request], httpx.Response]


def run(handler: Handler, scenario, *, clock: ManualClock | None = None, **options):
    clock = clock or ManualClock()
    options.setdefault("rng", random.Random(0))

    async def main():
        async with GraphClient(
            "https://graph.facebook.com",
            TOKEN,
            transport=httpx.MockTransport(handler),
            clock=clock,
            **options,
        ) as client:
            return await scenario(client)

    return asyncio.run(main()), clock


def script(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def test_requests_carry_version_user_agent_and_bearer_token() -> None:
    handler, seen = script(httpx.Response(200, json={"id": WABA, "name": "HK"}))
    result, _ = run(handler, lambda c: c.get(WABA, fields=["id", "name"]))
    assert result == {"id": WABA, "name": "HK"}
    request = seen[0]
    assert request.url.path == f"/v23.0/{WABA}" and request.url.params["fields"] == "id,name"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["user-agent"] == "wabaplan/0.1.0"
    assert "access_token" not in str(request.url)


def test_retry_after_is_honoured_exactly() -> None:
    handler, seen = script(
        meta_error(4, 400, headers={"Retry-After": "7"}), httpx.Response(200, json={"ok": 1})
    )
    result, clock = run(handler, lambda c: c.get("me"))
    assert result == {"ok": 1} and len(seen) == 2
    assert clock.sleeps == [7.0]


def test_estimated_time_to_regain_access_is_honoured_and_nothing_is_sent_meanwhile() -> None:
    sent_at: list[float] = []
    clock = ManualClock()

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.now())
        if len(sent_at) == 1:
            return meta_error(80007, 400, headers={USAGE: usage(eta=3, calls=100)})
        return httpx.Response(200, json={"data": []}, headers={USAGE: usage(calls=5)})

    async def scenario(client: GraphClient):
        first = asyncio.create_task(client.get(f"{WABA}/phone_numbers"))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        # A second request for the same WABA while it is blocked: it must wait too, not be sent.
        second = await client.get(f"{WABA}/message_templates")
        return await first, second, client.stats

    (first, second, stats), _ = run(handler, scenario, clock=clock)
    assert first == second == {"data": []}
    assert sent_at[0] == 0.0 and all(t >= 180.0 for t in sent_at[1:])
    assert stats.http_requests == 3


def test_a_block_longer_than_the_allowance_fails_fast_without_sending() -> None:
    handler, seen = script(meta_error(80007, 400, headers={USAGE: usage(eta=60, calls=100)}))
    with pytest.raises(ThrottledError) as info:
        run(handler, lambda c: c.get(f"{WABA}/phone_numbers"), retry=RetryPolicy(max_total_wait=300))
    assert len(seen) == 1
    assert info.value.code == 80007


def test_transient_reads_are_retried_with_growing_backoff_then_give_up(caplog) -> None:
    handler, seen = script(meta_error(2, 503))
    caplog.set_level("WARNING", logger="wabaplan.graph")
    with pytest.raises(TransientError) as info:
        run(handler, lambda c: c.get(WABA), retry=RetryPolicy(max_attempts=4, base_delay=1.0))
    assert len(seen) == 4 and info.value.code == 2
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith(f"GET /v23.0/{WABA}: transient (code 2), will retry in ")
    assert messages[0].endswith("(attempt 2/4)")
    assert messages[-1] == f"GET /v23.0/{WABA}: transient (code 2), giving up (attempt 4/4)"


def test_permanent_errors_are_not_retried() -> None:
    handler, seen = script(meta_error(100, 400))
    body = {"error": {"message": "nope", "type": "GraphMethodException", "code": 100, "error_subcode": 33}}
    handler, seen = script(httpx.Response(400, json=body))
    with pytest.raises(NotFoundError):
        run(handler, lambda c: c.get("999"))
    assert len(seen) == 1


def test_write_is_retried_when_meta_proves_nothing_happened() -> None:
    handler, seen = script(
        meta_error(80007), meta_error(133004, 503), httpx.Response(200, json={"success": True})
    )
    result, _ = run(handler, lambda c: c.post("3000000000001/register", {"messaging_product": "whatsapp"}))
    assert result == {"success": True} and len(seen) == 3
    assert seen[0].content == b"messaging_product=whatsapp"


def test_write_is_retried_when_the_connection_was_never_made() -> None:
    handler, seen = script(httpx.ConnectError("refused"), httpx.Response(200, json={"success": True}))
    result, _ = run(handler, lambda c: c.post("3000000000001/deregister"))
    assert result == {"success": True} and len(seen) == 2


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("no answer"),
        httpx.RemoteProtocolError("dropped"),
        meta_error(131000, 500),
        httpx.Response(502, text="bad gateway"),
    ],
)
def test_write_with_unknown_outcome_is_not_retried(failure) -> None:
    handler, seen = script(failure, httpx.Response(200, json={"success": True}))
    with pytest.raises(AmbiguousWriteError) as info:
        run(handler, lambda c: c.post("3000000000001/register", {"pin": "123456"}))
    assert len(seen) == 1
    assert isinstance(info.value.__cause__, TransientError)
    assert info.value.request == "POST /v23.0/3000000000001/register"


def test_idempotent_write_is_retried_like_a_read() -> None:
    handler, seen = script(httpx.ReadTimeout("no answer"), httpx.Response(200, json={"success": True}))
    result, _ = run(
        handler, lambda c: c.post("3000000000001/whatsapp_business_profile", {"about": "hi"}, idempotent=True)
    )
    assert result == {"success": True} and len(seen) == 2


def test_total_wait_is_capped() -> None:
    handler, seen = script(meta_error(4, headers={"Retry-After": "100"}))
    with pytest.raises(ThrottledError):
        run(handler, lambda c: c.get("me"), retry=RetryPolicy(max_attempts=10, max_total_wait=250))
    assert len(seen) == 3  # waits 100 + 100, a third wait would pass 250


def test_high_usage_paces_requests() -> None:
    clock = ManualClock()
    sent_at: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.now())
        return httpx.Response(200, json={}, headers={USAGE: usage(calls=95)})

    async def scenario(client: GraphClient):
        for _ in range(4):
            await client.get(WABA)
        return client.stats

    stats, _ = run(
        handler, scenario, clock=clock, budget=BudgetPolicy(slow_at=90, min_interval=2, max_interval=2)
    )
    assert sent_at == [0.0, 0.0, 2.0, 4.0]  # first answer reveals 95 %, then 2 s apart
    assert stats.budget_waits == 2


def test_concurrency_is_capped_overall_and_per_waba() -> None:
    in_flight = {"now": 0, "peak": 0}
    per_waba: dict[str, int] = {}
    peak_waba: dict[str, int] = {}

    class Slow(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            waba = request.url.path.split("/")[2]
            in_flight["now"] += 1
            per_waba[waba] = per_waba.get(waba, 0) + 1
            in_flight["peak"] = max(in_flight["peak"], in_flight["now"])
            peak_waba[waba] = max(peak_waba.get(waba, 0), per_waba[waba])
            await asyncio.sleep(0.002)
            in_flight["now"] -= 1
            per_waba[waba] -= 1
            return httpx.Response(200, json={})

    async def main():
        async with GraphClient(
            "https://graph.facebook.com", TOKEN, transport=Slow(), max_concurrency=5, per_waba_concurrency=2
        ) as client:
            wabas = [f"20000000000{i:02d}" for i in range(6)]
            await asyncio.gather(*(client.get(f"{w}/phone_numbers") for w in wabas for _ in range(5)))
            return client.stats

    stats = asyncio.run(main())
    assert in_flight["peak"] == 5 and stats.peak_in_flight == 5
    assert max(peak_waba.values()) == 2
    assert stats.http_requests == stats.operations == 30


def test_paging_next_url_is_followed_without_its_token() -> None:
    pages = [
        {
            "data": [{"id": "1"}],
            "paging": {
                "next": "https://graph.facebook.com/v23.0/5/templates?limit=1&access_token=LEAKED&after=c2"
            },
        },
        {"data": [{"id": "2"}], "paging": {"cursors": {"before": "c2", "after": "c3"}}},
    ]
    handler, seen = script(*(httpx.Response(200, json=p) for p in pages))
    items, _ = run(handler, lambda c: c.get_all_pages("5/templates", page_size=1))
    assert items == [{"id": "1"}, {"id": "2"}]
    assert all("LEAKED" not in str(r.url) for r in seen)
    assert seen[1].url.params["after"] == "c2" and seen[1].url.params["limit"] == "1"


def test_batch_retries_only_the_failed_reads_and_never_a_write_of_unknown_outcome() -> None:
    from urllib.parse import parse_qs

    def op(code: int, body: object) -> dict[str, object]:
        return {
            "code": code,
            "headers": [{"name": "Content-Type", "value": "text/javascript"}],
            "body": json.dumps(body),
        }

    failed = {"error": {"message": "Something went wrong", "type": "OAuthException", "code": 131000}}
    missing = {
        "error": {
            "message": "Unsupported get request",
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
        }
    }
    answers = [
        [op(200, {"id": "1"}), None, op(500, failed), op(400, missing), None],
        [op(200, {"id": "2"}), op(200, {"id": "3"})],
    ]
    batches: list[list[dict[str, str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        batches.append(json.loads(form["batch"][0]))
        assert form["include_headers"] == ["true"] and request.url.path == "/v23.0/"
        return httpx.Response(200, json=answers[len(batches) - 1])

    from reconciler.graph import BatchRequest

    requests = [
        BatchRequest.get("1", fields=["id"]),
        BatchRequest.get("2", fields=["id"]),
        BatchRequest.get("3", fields=["id"]),
        BatchRequest.get("4", fields=["id"]),
        BatchRequest("POST", "5/register", {"messaging_product": "whatsapp", "pin": "123456"}),
    ]
    (results, stats), _ = run(handler, lambda c: _with_stats(c, c.batch(requests)))
    assert [b["relative_url"] for b in batches[1]] == ["2?fields=id", "3?fields=id"]
    assert batches[0][4] == {
        "method": "POST",
        "relative_url": "5/register",
        "body": "messaging_product=whatsapp&pin=123456",
    }
    assert [r.body for r in results[:3]] == [{"id": "1"}, {"id": "2"}, {"id": "3"}]
    assert isinstance(results[3].error, NotFoundError)
    assert isinstance(results[4].error, AmbiguousWriteError)  # null for a write: may or may not have run
    assert stats.http_requests == 2 and stats.operations == 7


async def _with_stats(client: GraphClient, call):
    result = await call
    return result, client.stats


def test_an_app_level_throttle_holds_back_every_waba() -> None:
    clock = ManualClock()
    sent: list[tuple[float, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append((clock.now(), request.url.path))
        if len(sent) == 1:
            return meta_error(4, 400, headers={"Retry-After": "30"})
        return httpx.Response(200, json={})

    async def scenario(client: GraphClient):
        first = asyncio.create_task(client.get("2000000000001"))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        await client.get("2000000000002")  # another WABA: must wait for the app as well
        await first

    run(handler, scenario, clock=clock)
    assert sent[0] == (0.0, "/v23.0/2000000000001")
    assert all(t >= 30.0 for t, _ in sent[1:]) and len(sent) == 3


def test_app_usage_header_slows_everything_down() -> None:
    clock = ManualClock()
    sent_at: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.now())
        app_usage = '{"call_count": 100, "total_cputime": 10, "total_time": 10}'
        return httpx.Response(200, json={}, headers={"X-App-Usage": app_usage})

    async def scenario(client: GraphClient):
        for waba in ("2000000000001", "2000000000002", "2000000000003"):
            await client.get(waba)

    run(handler, scenario, clock=clock, budget=BudgetPolicy(slow_at=90, min_interval=1, max_interval=5))
    assert sent_at == [0.0, 0.0, 5.0]
