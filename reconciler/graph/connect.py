"""The one place Graph clients are built: a target's client, and one per migration source WABA.

    async with connect(target) as connection:
        snapshot = await read_snapshot(config, connection.graph, sources=connection.sources)
        await connection.graph.post(...)  # the same client: what it learnt of the rate budget still holds

A command opens one connection and reads and writes through it, so the budget Meta's usage headers
reported while reading paces the writes that follow. The httpx `transport` (an in-process simulator, a
mock) and the `clock` (every wait: backoff, budget, polling) are injected here, shared by every client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx

from reconciler.graph.client import DEFAULT_MAX_CONCURRENCY, GraphClient
from reconciler.graph.clock import Clock
from reconciler.graph.secrets import Token


class Endpoint(Protocol):
    """Where to connect and with which tokens (`runtime.GraphTarget` is one)."""

    @property
    def base_url(self) -> str: ...

    @property
    def api_version(self) -> str: ...

    @property
    def token(self) -> Token: ...

    @property
    def source_tokens(self) -> Mapping[str, Token]: ...  # source WABA id → its token


@dataclass(frozen=True)
class Connection:
    """The clients of one command: `graph` with the target's token, `sources` with each source WABA's."""

    graph: GraphClient
    sources: Mapping[str, GraphClient]

    def cost(self) -> dict[str, int]:
        """HTTP requests and Meta-counted operations so far, over every client."""
        stats = [self.graph.stats, *(client.stats for client in self.sources.values())]
        return {
            "http_requests": sum(s.http_requests for s in stats),
            "operations": sum(s.operations for s in stats),
        }

    async def aclose(self) -> None:
        try:
            for client in self.sources.values():
                await client.aclose()
        finally:
            await self.graph.aclose()

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def connect(
    target: Endpoint,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    parallelism: int | None = None,
) -> Connection:
    """The clients for `target`; use as `async with connect(target) as connection:` (or call `aclose()`).

    `parallelism` (apply's `--parallelism`: actions at once) raises each client's cap on requests in
    flight to match, so N actions can each have their request out; the cap never drops below the
    client's default (DEFAULT_MAX_CONCURRENCY), which reads use. The per-WABA cap stays as it is.
    """
    in_flight = max(DEFAULT_MAX_CONCURRENCY, parallelism or 0)

    def client(token: Token) -> GraphClient:
        return GraphClient(
            target.base_url,
            token,
            api_version=target.api_version,
            transport=transport,
            clock=clock,
            max_concurrency=in_flight,
        )

    graph = client(target.token)  # first: a base URL or version it refuses is refused before any other
    return Connection(graph, {waba_id: client(token) for waba_id, token in target.source_tokens.items()})
