"""An error body that is not Graph JSON is redacted too: a proxy in front of Meta that answers with its own
HTML page (a 502 echoing the request's `Authorization: Bearer …` header) must not carry the token into an
exception, its traceback, a retry log line or the `-v` debug log.

Meta never answers like this, so the simulator cannot stage it: httpx.MockTransport plays the proxy, and
counts the requests that reached it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import traceback
from collections.abc import Callable

import httpx
import pytest

from reconciler.graph import AmbiguousWriteError, GraphClient, GraphError, ManualClock, RetryPolicy

TOKEN = "sim-token-proxied"  # not shaped like a Meta token: only knowing it, or `Bearer`, masks it
WABA = "2000000000001"
Handler = Callable[[httpx.Request], httpx.Response]


def proxy_page(request: httpx.Request) -> httpx.Response:
    """What a misconfigured reverse proxy sends back: its error page, dumping the request headers."""
    echoed = f"authorization: {request.headers['authorization']}"
    return httpx.Response(502, html=f"<html><h1>502 Bad Gateway</h1><pre>{echoed}</pre></html>")


def everything_said(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


def call(
    method: str, caplog: pytest.LogCaptureFixture, page: Handler = proxy_page
) -> tuple[GraphError, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return page(request)

    async def main() -> GraphError:
        async with GraphClient(
            "https://graph.facebook.com",
            TOKEN,
            transport=httpx.MockTransport(handler),
            clock=ManualClock(),
            rng=random.Random(0),
            retry=RetryPolicy(max_attempts=3),
        ) as graph:
            with pytest.raises(GraphError) as info:
                if method == "GET":
                    await graph.get(WABA, {"fields": "id"})
                else:
                    await graph.post(f"{WABA}/phone_numbers", {"cc": "852", "phone_number": "51234567"})
            return info.value

    caplog.set_level(logging.DEBUG)  # what -v shows, and more: every logger, httpx included
    return asyncio.run(main()), seen


def test_a_proxys_html_502_echoing_the_bearer_token_is_redacted_in_errors_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error, seen = call("GET", caplog)
    assert len(seen) == 3  # a read is retried on a 502: the token went out three times...
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in seen)
    assert "will retry in" in caplog.text
    said = everything_said(error) + "\n" + caplog.text
    assert TOKEN not in said  # ...and came back in three pages, never shown
    assert "HTTP 502 without a Graph error body" in str(error)  # the page is still described
    assert "***" in error.message


def test_a_write_answered_by_the_proxy_page_is_ambiguous_sent_once_and_redacted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 502 may come after Meta acted: the POST is not sent again, and the error says so without the
    token the page echoed."""
    error, seen = call("POST", caplog)
    assert isinstance(error, AmbiguousWriteError)
    assert [r.method for r in seen] == ["POST"]  # reached the wire once
    assert TOKEN not in everything_said(error) + "\n" + caplog.text


@pytest.mark.parametrize("cut", range(1, len(TOKEN)))
def test_no_part_of_the_token_survives_where_the_page_is_cut_short(
    caplog: pytest.LogCaptureFixture, cut: int
) -> None:
    """An error quotes the first 200 characters of a page that is not Graph JSON: when that excerpt ends
    inside the echoed token, the part before the cut must not show either (redact, then cut)."""
    padding = "." * (200 - len("token ") - cut)

    def page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, html=f"{padding}token {TOKEN} more")

    error, _ = call("POST", caplog, page)
    assert f"token {TOKEN[:cut]}" not in error.message, error.message
