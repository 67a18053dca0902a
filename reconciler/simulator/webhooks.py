"""Webhooks, sent as Meta sends them: when simulated state changes (a review, a quality change), each app
subscribed to the WABA that has a callback URL and an app secret receives Meta's envelope

    {"object": "whatsapp_business_account",
     "entry": [{"id": "<WABA ID>", "time": <unix>, "changes": [{"field": "...", "value": {...}}]}]}

POSTed to the subscription's override callback (else the app's), signed `X-Hub-Signature-256:
sha256=<hex HMAC-SHA256 of the raw body with the app secret>`, retried with back-off until answered 2xx.
Deliveries run as tasks on the server's loop; nothing is sent when no callback is set.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from .state import State

OBJECT = "whatsapp_business_account"


@dataclass
class Emitter:
    attempts: int = 6
    backoff: float = 0.5  # seconds before the first retry, doubled each time
    loop: asyncio.AbstractEventLoop | None = None
    delivered: list[dict[str, Any]] = field(default_factory=list)  # url, field, status, attempts
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _client: httpx.AsyncClient | None = None  # one for every delivery, as Meta keeps its connections

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def emit(self, state: State, waba_id: str, field_name: str, value: dict[str, Any], now: float) -> int:
        """Queue the change for every subscribed app with a callback; how many deliveries were queued."""
        waba = state.wabas.get(waba_id)
        if waba is None or self.loop is None:
            return 0
        body = json.dumps(
            {"object": OBJECT, "entry": [{"id": waba_id, "time": int(now),
                                          "changes": [{"value": value, "field": field_name}]}]}
        ).encode()  # fmt: skip
        queued = 0
        for subscription in waba.subscriptions:
            app = state.apps.get(subscription.app_id)
            url = subscription.override_callback_uri or (app.callback_url if app else None)
            if app is None or not url or not app.app_secret:
                continue
            signature = "sha256=" + hmac.new(app.app_secret.encode(), body, hashlib.sha256).hexdigest()
            self.loop.call_soon_threadsafe(self._start, str(url), body, signature, field_name)
            queued += 1
        return queued

    def _start(self, url: str, body: bytes, signature: str, field_name: str) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(url, body, signature, field_name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, body: bytes, signature: str, field_name: str) -> None:
        headers = {"content-type": "application/json", "x-hub-signature-256": signature}
        status = 0
        if self._client is None:  # made once, on the loop that sends (building one costs ~50 ms)
            self._client = httpx.AsyncClient(timeout=10)
        for attempt in range(1, self.attempts + 1):
            try:
                status = (await self._client.post(url, content=body, headers=headers)).status_code
            except httpx.HTTPError:
                status = 0
            if 200 <= status < 300:
                break
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        self.delivered.append({"url": url, "field": field_name, "status": status, "attempts": attempt})
