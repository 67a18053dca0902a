"""connect(): the one place clients are built, with the transport and clock given to every client."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx

from reconciler.graph import ManualClock, Token
from reconciler.graph.connect import connect

SOURCE = "2000000000999"


@dataclass(frozen=True)
class Target:
    base_url: str = "https://graph.example.test"
    api_version: str = "v21.0"
    token: Token = field(default_factory=lambda: Token("main-token"))
    source_tokens: dict[str, Token] = field(default_factory=lambda: {SOURCE: Token("source-token")})


def test_one_client_per_token_all_through_the_transport_given() -> None:
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers["Authorization"]))
        return httpx.Response(200, json={"id": request.url.path.rsplit("/", 1)[-1]})

    async def run() -> dict[str, int]:
        async with connect(Target(), transport=httpx.MockTransport(answer)) as connection:
            await connection.graph.get("2000000000001")
            await connection.sources[SOURCE].get(SOURCE)
            return connection.cost()

    assert asyncio.run(run()) == {"http_requests": 2, "operations": 2}
    assert seen == [
        ("/v21.0/2000000000001", "Bearer main-token"),
        (f"/v21.0/{SOURCE}", "Bearer source-token"),
    ]


def test_every_wait_goes_through_the_clock_given() -> None:
    answers = iter([httpx.Response(503, json={"error": {"code": 2, "message": "later"}})])

    def answer(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json={"ok": True}))

    clock = ManualClock()

    async def run() -> object:
        async with connect(Target(), transport=httpx.MockTransport(answer), clock=clock) as connection:
            return await connection.graph.get("2000000000001")

    assert asyncio.run(run()) == {"ok": True}
    assert len(clock.sleeps) == 1  # the backoff before the retry, in virtual time


def test_closing_the_connection_closes_every_client() -> None:
    async def run() -> list[bool]:
        connection = connect(Target(), transport=httpx.MockTransport(lambda r: httpx.Response(200)))
        async with connection:
            pass
        clients = [connection.graph, *connection.sources.values()]
        return [client._http.is_closed for client in clients]

    assert asyncio.run(run()) == [True, True]


def test_a_target_without_sources_gets_one_client() -> None:
    connection = connect(Target(source_tokens={}))
    assert connection.sources == {}
    asyncio.run(connection.aclose())
