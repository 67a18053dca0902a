"""A proxy from the environment standing between wabaplan and the real Meta: when it is down, or refuses
the tunnel with its own 502 page, the error is one line that names the proxy's variable (and never its
credentials), and says nothing reached Meta — not "check the base URL and the network".

The proxy is a real loopback server (asyncio), so httpx takes its ordinary proxy path from the environment;
it records the CONNECT lines that reached it. The client's clock is a ManualClock: back-offs cost nothing.
"""

from __future__ import annotations

import asyncio
import random
import socket

import pytest

from reconciler.graph import ConnectionFailedError, GraphClient, ManualClock, RetryPolicy
from reconciler.graph.proxy import EnvironmentProxy, environment_proxy

TOKEN = "EAAproxiedtoken0123456789"
PAGE = b"<html><body><h1>502 Bad Gateway</h1><p>upstream unreachable</p></body></html>"
CREDENTIALS = "proxyuser:secret-pw@"


async def _read_through(
    variable: str, env: pytest.MonkeyPatch, *, listening: bool
) -> tuple[str, list[bytes]]:
    """GET a WABA from graph.facebook.com with `variable` pointing at a loopback proxy (or a closed port);
    the error's text, and the first line of every request that reached the proxy."""
    seen: list[bytes] = []

    async def refuse_tunnel(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readline())
        head = f"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {len(PAGE)}\r\n"
        writer.write(head.encode() + b"Connection: close\r\n\r\n" + PAGE)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse_tunnel, "127.0.0.1", 0) if listening else None
    port = server.sockets[0].getsockname()[1] if server else _closed_port()
    env.setenv(variable, f"http://{CREDENTIALS}127.0.0.1:{port}")
    try:
        async with GraphClient(
            "https://graph.facebook.com",
            TOKEN,
            clock=ManualClock(),
            rng=random.Random(0),
            retry=RetryPolicy(max_attempts=2),
        ) as graph:
            with pytest.raises(ConnectionFailedError) as raised:
                await graph.get("2000000000001", {"fields": "id"})
    finally:
        if server:
            server.close()
            await server.wait_closed()
    assert raised.value.not_executed  # nothing reached Meta: safe to say so (and to retry even a write)
    return str(raised.value), seen


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def _names_the_proxy(text: str, variable: str) -> None:
    assert "\n" not in text and "Traceback" not in text
    assert f"through the proxy {variable}=http://127.0.0.1:" in text, text
    assert f"add graph.facebook.com to NO_PROXY (or unset {variable})" in text, text
    assert "check the base URL" not in text
    assert CREDENTIALS not in text and "secret-pw" not in text and TOKEN not in text


def test_a_proxy_refusing_the_tunnel_with_its_502_page_is_named(env: pytest.MonkeyPatch) -> None:
    text, seen = asyncio.run(_read_through("HTTPS_PROXY", env, listening=True))
    _names_the_proxy(text, "HTTPS_PROXY")
    assert "ProxyError: 502 Bad Gateway" in text
    assert seen == [b"CONNECT graph.facebook.com:443 HTTP/1.1\r\n"] * 2  # reached the proxy; retried once


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_a_proxy_that_is_down_is_named(env: pytest.MonkeyPatch, variable: str) -> None:
    text, _ = asyncio.run(_read_through(variable, env, listening=False))
    _names_the_proxy(text, variable)
    assert "ConnectError" in text


def test_the_proxy_named_is_the_one_httpx_uses() -> None:
    """NO_PROXY covering Meta, or a proxy set only for plain http://, blames no proxy."""
    meta = "https://graph.facebook.com"
    assert environment_proxy(meta, {"HTTPS_PROXY": "http://h:1", "NO_PROXY": ".facebook.com"}) is None
    assert environment_proxy(meta, {"HTTP_PROXY": "http://h:1"}) is None
    assert environment_proxy(meta, {"https_proxy": "http://a:1", "HTTPS_PROXY": "http://b:2"}) == (
        EnvironmentProxy("https_proxy", "http://a:1", "graph.facebook.com")
    )
