"""Every secret apply resolves is on the journal's forbidden list, end to end: when Meta's answer echoes
one back (an error that quotes the request's own parameters), nothing the journal stores holds it.

Meta's simulator never quotes a PIN, so a transport in front of it plays that Meta: it forwards everything
to the real simulator over loopback, except the writes carrying a PIN or a verify token, which it answers
with a Graph error quoting the form it was sent. (The graph client's own redaction knows only the token:
the journal's forbidden list is what keeps these out.)
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
from leaks import assert_no_secret
from sim_estate import SECRETS, TW_PIN, apply_in_process, estate_without_the_move

from reconciler.render.progress import LineProgress
from reconciler.simulator import run_simulator

ECHOED = ("pin", "verify_token")


class EchoingMeta(httpx.AsyncBaseTransport):
    """The simulator, except that a write carrying a secret is refused with an error quoting it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.echoed: list[str] = []  # the secrets quoted back, as they reached this "Meta"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        form = dict(parse_qsl((await request.aread()).decode(errors="replace")))  # a picture is bytes
        quoted = [form[name] for name in ECHOED if name in form]
        if not quoted:
            return await self.inner.handle_async_request(request)
        self.echoed += quoted
        said = ", ".join(f"{name}={form[name]}" for name in ECHOED if name in form)
        error = {
            "message": f"(#100) Invalid parameter: {said} was refused",
            "type": "OAuthException",
            "code": 100,
            "error_data": {"details": f"the request said {said}"},
            "fbtrace_id": "AEcho",
        }
        return httpx.Response(400, json={"error": error})

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_secret_meta_echoes_back_is_never_stored(tmp_path: Path) -> None:
    path, config = estate_without_the_move(tmp_path / "estate")
    meta = EchoingMeta()
    shown = io.StringIO()
    with run_simulator() as sim:
        applied = apply_in_process(path, config, sim.base_url, LineProgress(shown), transport=meta)
    assert applied.report is not None
    failed = {o.action.id: o.detail for o in applied.report.outcomes if o.status == "failed"}
    # the echo reached apply: each PIN write failed with Meta's error, and that error was journalled
    assert {'numbers["+85251234567"].pin', 'numbers["+886912345678"].pin'} <= failed.keys(), failed
    assert set(meta.echoed) >= {SECRETS["HK_MAIN_PIN"], TW_PIN}
    stored = "\n".join(sqlite3.connect(path.parent / ".wabaplan" / "journal.db").iterdump())
    assert "pin=***" in stored  # Meta's words were kept, the value masked
    assert_no_secret(stored, *SECRETS.values(), TW_PIN, *meta.echoed)
    assert_no_secret(shown.getvalue(), *SECRETS.values(), TW_PIN, *meta.echoed)  # nor shown as it went
    assert_no_secret(repr(applied.report), *SECRETS.values(), TW_PIN, *meta.echoed)  # nor reported after
