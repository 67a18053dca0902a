"""The client against the simulator over real loopback sockets: paging, batches, throttling, faults."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from graph_support import BIG_TOKEN, BIG_WABA, HARBOUR_TOKEN, NUMBER_COUNT, OTHER_WABA, sim_client

from reconciler.graph import (
    BatchRequest,
    GraphClient,
    ManualClock,
    NotFoundError,
    RetryPolicy,
    ThrottledError,
)

FIELDS = ["id", "display_phone_number", "verified_name", "quality_rating", "status"]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# ---------------------------------------------------------------------------------------------- paging


def test_paging_across_more_than_100_numbers(fresh_big_sim) -> None:
    async def main():
        async with sim_client(fresh_big_sim, BIG_TOKEN) as graph:
            full = await graph.get_all_pages(f"{BIG_WABA}/phone_numbers", fields=FIELDS)
            small = await graph.get_all_pages(f"{BIG_WABA}/phone_numbers", fields=FIELDS, page_size=25)
            return full, small, graph.stats

    full, small, stats = run(main())
    ids = [n["id"] for n in full]
    assert len(ids) == NUMBER_COUNT and len(set(ids)) == NUMBER_COUNT
    assert set(ids) == {f"3000000{i:06d}" for i in range(NUMBER_COUNT)}
    assert small == full  # same items, same order, whatever the page size
    assert set(full[0]) >= {"id", "display_phone_number", "verified_name", "quality_rating"}
    counts = fresh_big_sim.control.request_counts()
    assert counts["GET /{WABA-ID}/phone_numbers"] == 2 + 6  # 100 + 50, then 6 pages of 25
    assert stats.http_requests == counts["http_requests"] == 8


def test_paging_an_empty_edge_and_a_single_page(fresh_big_sim) -> None:
    async def main():
        async with sim_client(fresh_big_sim, BIG_TOKEN) as graph:
            return await graph.get_all_pages(f"{OTHER_WABA}/phone_numbers", fields=["id"])

    assert run(main()) == [{"id": "3000000999999"}]


# ----------------------------------------------------------------------------------------------- batch


def test_batch_reads_match_direct_reads_and_count_every_operation(fresh_big_sim) -> None:
    ids = [f"3000000{i:06d}" for i in range(NUMBER_COUNT)]

    async def main():
        async with sim_client(fresh_big_sim, BIG_TOKEN) as graph:
            results = await graph.batch(
                [
                    BatchRequest.get(i, fields=["id", "verified_name", "quality_rating"], waba_id=BIG_WABA)
                    for i in ids
                ]
            )
            batch_stats = graph.stats
            direct = [await graph.get(i, fields=["id", "verified_name", "quality_rating"]) for i in ids[:5]]
            return results, batch_stats, direct

    results, stats, direct = run(main())
    assert [r.request.relative_url.split("?")[0] for r in results] == ids  # in request order
    assert all(r.ok and r.status == 200 for r in results)
    assert [r.value() for r in results[:5]] == direct
    assert results[7].body == {"id": ids[7], "verified_name": "Fleet 7", "quality_rating": "YELLOW"}
    assert stats.http_requests == 3 and stats.operations == NUMBER_COUNT  # 50 + 50 + 50
    counts = fresh_big_sim.control.request_counts()
    assert counts["GET /{Phone-Number-ID}"] == NUMBER_COUNT + 5


def test_batch_maps_each_failed_operation_to_our_errors(fresh_big_sim) -> None:
    async def main():
        async with sim_client(fresh_big_sim, BIG_TOKEN) as graph:
            return await graph.batch(
                [
                    BatchRequest.get("3000000000001", fields=["id"]),
                    BatchRequest.get("3999999999999", fields=["id"]),  # no such object
                    BatchRequest.get(f"{BIG_WABA}/phone_numbers", {"limit": 2}, fields=["id"]),
                ]
            )

    ok, missing, edge = run(main())
    assert ok.value() == {"id": "3000000000001"}
    assert isinstance(missing.error, NotFoundError)
    assert (missing.error.code, missing.error.subcode) == (100, 33)
    assert missing.error.request == "GET /v23.0/3999999999999"
    with pytest.raises(NotFoundError):
        missing.value()
    assert len(edge.value()["data"]) == 2
    assert fresh_big_sim.control.request_counts()["http_requests"] == 1  # not retried: permanent


# -------------------------------------------------------------------------------------------- throttle


class WatchingTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, noting for each request whether our budget said the WABA was blocked."""

    def __init__(self, waba: str) -> None:
        super().__init__()
        self.waba = waba
        self.client: GraphClient | None = None
        self.sent_while_blocked = 0
        self.answers: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.client is not None
        if self.client.budget.blocked_for(self.waba) > 0:
            self.sent_while_blocked += 1
        response = await super().handle_async_request(request)
        self.answers.append(response.status_code)
        return response


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("2000000000001", {"id": "2000000000001", "name": "Harbour Lane HK"}),
        # a number: Meta charges it to its WABA; the client learns that from the first answer's header
        ("3000000000001", {"id": "3000000000001", "name_status": "APPROVED"}),
    ],
)
def test_throttling_is_honoured_no_request_while_blocked(node: str, expected: dict[str, str]) -> None:
    from reconciler.simulator import run_simulator

    limits = {"waba_calls_per_hour": 6, "waba_calls_per_hour_registered": 6}
    with run_simulator(rate_limits=limits) as sim:
        transport = WatchingTransport("2000000000001")
        clock = ManualClock(on_sleep=sim.control.advance_clock)

        async def main():
            async with sim_client(
                sim,
                HARBOUR_TOKEN,
                transport=transport,
                clock=clock,
                retry=RetryPolicy(max_total_wait=6 * 3600),
            ) as graph:
                transport.client = graph
                fields = [k for k in expected if k != "id"]
                first = await graph.get(node, fields=fields)
                results = await asyncio.gather(*(graph.get(node, fields=fields) for _ in range(13)))
                results.append(first)
                return results, graph.stats

        results, stats = run(main())
        counts = sim.control.request_counts()

    assert all(r == expected for r in results)
    refused = transport.answers.count(400)
    assert transport.sent_while_blocked == 0
    # 14 calls at 6 per hour fill the window twice; each time only what was already in flight (per-WABA
    # concurrency 4) can be refused, everything else waits for the budget.
    assert 1 <= refused <= 2 * 4
    assert counts["http_requests"] == 14 + refused
    assert stats.waited_seconds >= 3600 - 60  # Meta said about an hour; we waited it out (virtually)


def test_a_block_beyond_the_allowance_fails_fast_without_hammering() -> None:
    from reconciler.simulator import run_simulator

    limits = {"waba_calls_per_hour": 2, "waba_calls_per_hour_registered": 2}
    with run_simulator(rate_limits=limits) as sim:

        async def main():
            async with sim_client(
                sim, HARBOUR_TOKEN, per_waba_concurrency=1, retry=RetryPolicy(max_total_wait=60)
            ) as graph:
                outcomes = await asyncio.gather(
                    *(graph.get("2000000000001") for _ in range(6)), return_exceptions=True
                )
                return outcomes

        outcomes = run(main())
        counts = sim.control.request_counts()

    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 4 and all(isinstance(e, ThrottledError) for e in errors)
    assert counts["http_requests"] == 3  # two allowed, one refused; the other three never sent
    assert "the request was not sent" in str(errors[-1])


# ---------------------------------------------------------------------------------------------- faults


def test_reads_survive_a_20_percent_fault_rate(fresh_big_sim) -> None:
    ids = [f"3000000{i:06d}" for i in range(0, NUMBER_COUNT, 3)]

    async def read_everything() -> Any:
        async with sim_client(fresh_big_sim, BIG_TOKEN) as graph:
            waba = await graph.get(BIG_WABA, fields=["id", "name"])
            numbers = await graph.get_all_pages(f"{BIG_WABA}/phone_numbers", fields=FIELDS, page_size=20)
            batch = await graph.batch([BatchRequest.get(i, fields=["id", "verified_name"]) for i in ids])
            singles = await asyncio.gather(*(graph.get(i, fields=["quality_rating"]) for i in ids[:20]))
            return (waba, numbers, [r.value() for r in batch], singles), graph.stats

    clean, clean_stats = run(read_everything())
    fresh_big_sim.control.reset()
    fresh_big_sim.control.set_faults(fault_rate=0.2)
    faulty, faulty_stats = run(read_everything())
    counts = fresh_big_sim.control.request_counts()
    fresh_big_sim.control.set_faults(fault_rate=0.0)

    assert faulty == clean
    assert counts["faults"] > 0 and faulty_stats.retries > 0
    assert faulty_stats.http_requests > clean_stats.http_requests


# ---------------------------------------------------------------------------------------------- upload


def test_resumable_upload_sends_the_bytes_to_the_session(fresh_big_sim) -> None:
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

    async def main():
        async with sim_client(fresh_big_sim, BIG_TOKEN) as graph:
            session = await graph.post(
                "4000000000777/uploads",
                {"file_name": "logo.png", "file_length": len(content), "file_type": "image/png"},
                idempotent=True,
            )
            return session, await graph.upload(session["id"], content)

    session, answer = run(main())
    assert session["id"].startswith("upload:")  # a path segment with a colon, not a URL scheme
    assert answer["h"]
    counts = fresh_big_sim.control.request_counts()
    assert counts["POST /upload:{SESSION}"] == 1
