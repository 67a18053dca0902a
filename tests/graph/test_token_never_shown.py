"""A token never appears in a log line, an error message, a traceback or a repr (captured output scanned)."""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any

import pytest
from graph_support import HARBOUR_TOKEN, sim_client

from reconciler.graph import (
    AmbiguousWriteError,
    AuthError,
    BatchRequest,
    GraphError,
    NotFoundError,
    PermissionDeniedError,
    RetryPolicy,
)

UNKNOWN_TOKEN = "EAAGunknownTokenValue0123456789abcdef"
SOURCE_TOKEN = "sim-token-acme-source"
TOKENS = (HARBOUR_TOKEN, UNKNOWN_TOKEN, SOURCE_TOKEN)


def everything_said(error: BaseException) -> str:
    """The error, its repr, and its whole chain as a traceback would print it."""
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


def test_no_token_in_logs_errors_or_reprs(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture
) -> None:
    from reconciler.simulator import run_simulator

    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    said: list[str] = []

    with run_simulator(fault_rate=0.3, seed=3) as sim:

        async def main() -> None:
            async with sim_client(sim, HARBOUR_TOKEN, retry=RetryPolicy(max_attempts=10)) as graph:
                said.append(repr(graph))
                said.append(repr(graph.stats))
                for _ in range(10):
                    await graph.get_all_pages("2000000000001/phone_numbers", fields=["id"], page_size=1)
                results = await graph.batch(
                    [BatchRequest.get("3000000000001", fields=["id"]), BatchRequest.get("3999999999999")]
                )
                said.extend(repr(r) for r in results)
                with pytest.raises(NotFoundError) as missing:
                    await graph.get("3999999999999")
                said.append(everything_said(missing.value))
                sim.control.set_faults(fault_rate=0.0, lost_response_rate=1.0)
                with pytest.raises(AmbiguousWriteError) as lost:
                    await graph.post(
                        "3000000000001/whatsapp_business_profile",
                        {"messaging_product": "whatsapp", "about": "Tea and teaware"},
                    )
                said.append(everything_said(lost.value))
                sim.control.set_faults(lost_response_rate=0.0)

            async with sim_client(sim, UNKNOWN_TOKEN) as stranger:
                said.append(repr(stranger))
                with pytest.raises(AuthError) as denied:
                    await stranger.get("2000000000001")
                said.append(everything_said(denied.value))

            async with sim_client(sim, SOURCE_TOKEN) as viewer:
                with pytest.raises(PermissionDeniedError) as readonly:
                    await viewer.post("2000000000901/subscribed_apps")
                said.append(everything_said(readonly.value))

        asyncio.run(main())
        writes = sim.control.write_log()

    captured = capsys.readouterr()
    lines = [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    corpus = "\n".join([*said, *lines, captured.out, captured.err, caplog.text])

    assert any("will retry in" in line for line in lines)  # the faults did produce retry logs
    assert len(writes) == 1 and writes[0].get("response_lost") is True  # the lost write was not resent
    for token in TOKENS:
        assert token not in corpus, f"token {token[:8]}… leaked"
    assert "Token('***')" in said[0]


def test_errors_name_the_request_without_query_or_token() -> None:
    from reconciler.simulator import run_simulator

    with run_simulator() as sim:

        async def main() -> GraphError:
            leaky = "3999999999999?access_token=" + HARBOUR_TOKEN  # a caller's mistake, stripped
            async with sim_client(sim, HARBOUR_TOKEN) as graph:
                try:
                    await graph.get(leaky, {"fields": "id"})
                except GraphError as error:
                    return error
                raise AssertionError("expected an error")

        error = asyncio.run(main())
    assert error.request == "GET /v23.0/3999999999999"
    assert HARBOUR_TOKEN not in everything_said(error)
    assert error.fbtrace_id and error.code == 100 and error.subcode == 33


def test_ambiguous_write_is_raised_once_and_not_resent() -> None:
    from reconciler.simulator import run_simulator

    with run_simulator(lost_response_rate=1.0) as sim:

        async def main() -> Any:
            async with sim_client(sim, HARBOUR_TOKEN) as graph:
                with pytest.raises(AmbiguousWriteError) as info:
                    await graph.post(
                        "3000000000001/whatsapp_business_profile",
                        {"messaging_product": "whatsapp", "about": "Tea"},
                    )
                return info.value, graph.stats

        error, stats = asyncio.run(main())
        counts = sim.control.request_counts()
    assert stats.http_requests == counts["http_requests"] == 1
    assert error.request == "POST /v23.0/3000000000001/whatsapp_business_profile"
    assert "re-read" in str(error)
