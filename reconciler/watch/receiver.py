"""The ASGI app Meta calls: GET verification, POST deliveries, and /healthz.

    GET  ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…  → the challenge (text/plain), else 403
    POST a delivery: over the size limit 413 · signature missing 401, wrong 403 (checked over the raw
         body before parsing) · not JSON or not Meta's envelope 400 · queue full 503 + Retry-After ·
         the state store unusable 500 · else recorded, then 200 at once
    GET  /healthz → {"status": "ok", "queued", "counts"}

Refusals are logged with the reason and the peer, never with a token, secret or signature.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from reconciler.events import PayloadError, parse_payload
from reconciler.state.errors import StateError
from reconciler.watch.inbox import Inbox
from reconciler.watch.signature import HEADER, signed_by, token_matches

log = logging.getLogger("wabaplan.watch")


@dataclass(frozen=True)
class Secrets:
    app_secrets: tuple[str, ...]  # the app's secret(s): a delivery must be signed with one
    verify_tokens: tuple[str, ...]  # what Meta's subscription check must present

    def __repr__(self) -> str:
        return f"Secrets({len(self.app_secrets)} app secrets, {len(self.verify_tokens)} verify tokens)"


class TooLarge(Exception):
    """A request body past the receiver's limit (answered 413)."""


def receiver_app(inbox: Inbox, secrets: Secrets, *, max_body: int, retry_after: int = 10) -> Starlette:
    async def verify(request: Request) -> Response:
        query = request.query_params
        if query.get("hub.mode") == "subscribe" and token_matches(
            secrets.verify_tokens, query.get("hub.verify_token")
        ):
            return PlainTextResponse(query.get("hub.challenge", ""))
        log.warning("refused a subscription check from %s: wrong mode or verify token", _peer(request))
        return PlainTextResponse("forbidden", status_code=403)

    async def deliver(request: Request) -> Response:
        try:
            body = await _read(request, max_body)
        except TooLarge:
            log.warning("refused a delivery from %s: body over %d bytes", _peer(request), max_body)
            return PlainTextResponse("body too large", status_code=413)
        except ClientDisconnect:
            return PlainTextResponse("incomplete", status_code=400)  # nobody is left to read it
        header = request.headers.get(HEADER)
        if not signed_by(secrets.app_secrets, body, header):
            why = "no X-Hub-Signature-256" if not header else "a wrong X-Hub-Signature-256"
            log.warning("refused a delivery from %s: %s", _peer(request), why)
            return PlainTextResponse("bad signature", status_code=401 if not header else 403)
        return await _take(inbox, body, _peer(request), retry_after)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "queued": inbox.queue.qsize(), "counts": dict(inbox.counts)})

    routes = [
        Route("/healthz", health, methods=["GET"]),
        Route("/{path:path}", verify, methods=["GET"]),
        Route("/{path:path}", deliver, methods=["POST"]),
    ]
    return Starlette(routes=routes)


async def _take(inbox: Inbox, body: bytes, peer: str, retry_after: int) -> Response:
    try:
        events = parse_payload(json.loads(body))
    except (ValueError, PayloadError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        log.warning("refused a delivery from %s: %s", peer, _first_line(exc))
        return PlainTextResponse("not a webhook delivery", status_code=400)
    try:
        taken = await inbox.take(events)
    except StateError as exc:
        log.error("could not record a delivery (%s): answered 500, Meta will deliver it again", exc)
        return PlainTextResponse("cannot record now", status_code=500)
    if not taken:
        return PlainTextResponse("busy", status_code=503, headers={"Retry-After": str(retry_after)})
    return PlainTextResponse("ok")


async def _read(request: Request, limit: int) -> bytes:
    """The raw body, read a chunk at a time and given up on as soon as it passes `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _peer(request: Request) -> str:
    return f"{request.client.host}:{request.client.port}" if request.client else "?"


def _first_line(exc: BaseException) -> str:
    text: Sequence[str] = str(exc).splitlines() or [type(exc).__name__]
    return text[0][:200]
