"""The HTTP face of the simulator: an ASGI app (Starlette request/response primitives).

Graph requests: version prefix optional (`/v23.0/…`, any `vNN.N`), trailing slash allowed, parameters
from query, form or JSON body, token from `Authorization` or `access_token`. Per request: injected latency
(`await`ed, so requests overlap), then a seeded fault *before* any effect, then the operation under the
simulator's lock, then — for writes only — the seeded "response lost" drop *after* the effect.

`/_sim/…` is the simulator's own control surface (no token, never faulted, not counted).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .clock import iso
from .control import ControlError, SimulatorControl
from .engine import Simulator
from .errors import GraphError, invalid_parameter, transient
from .protocol import GraphRequest, GraphResponse, parse_body, split_version, token_from

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

CONTROL_PREFIX = "/_sim"


class GraphJSONResponse(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    response = GraphJSONResponse(body, status_code=status, headers=headers)
    response.headers["content-type"] = "application/json; charset=UTF-8"
    return response


def drop_connection(send: Send) -> bool:
    """Close the TCP connection without answering (uvicorn's protocol objects; see docs/simulator.md)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    cycle.disconnected = True  # type: ignore[union-attr]  # uvicorn then neither answers nor logs
    transport.close()
    return True


class SimulatorApp:
    def __init__(self, sim: Simulator, control: SimulatorControl | None = None) -> None:
        self.sim = sim
        self.control = control or SimulatorControl(sim)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            response = await self._control(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self._graph(scope, receive, send)

    # ------------------------------------------------------------------------------------ Graph

    async def _graph(self, scope: Scope, receive: Receive, send: Send) -> None:
        sim = self.sim
        request = Request(scope, receive)
        method = request.method.upper()
        number = sim.begin_request(method, request.url.path)
        body = await request.body()
        if sim.latency_ms > 0 or sim.held:
            with sim.waiting_out_latency():
                await asyncio.sleep(sim.latency_ms / 1000.0)
                while sim.held:  # Meta stalls (a test holds it) until released
                    await asyncio.sleep(0.005)
        fault = sim.faults.fault_for(number)
        if fault is not None:
            sim.count_fault(method, request.url.path)
            if fault == "drop" and drop_connection(send):
                return
            # a drop that cannot be done degrades to 500 code 131000 ("Something went wrong", §8.2)
            status, code = fault.split(":") if fault != "drop" else ("500", "131000")
            err = transient(int(code))
            await _json(int(status), err.envelope(sim.trace_id(number)), err.headers)(scope, receive, send)
            return
        response = self._dispatch(request, method, body, number)
        if response.wrote and sim.faults.loses_response(number):
            sim.mark_lost(number)
            if drop_connection(send):
                return
        await _json(response.status, response.body, response.headers)(scope, receive, send)

    def _dispatch(self, request: Request, method: str, body: bytes, number: int) -> GraphResponse:
        sim = self.sim
        version, path = split_version(request.url.path)
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = dict(request.query_params)
        try:
            body_params = {} if "/upload:" in path else parse_body(headers.get("content-type", ""), body)
            params: dict[str, Any] = {**query, **body_params}
            override = str(params.pop("method", "")).upper() if method in ("GET", "POST") else ""
            if override in ("GET", "POST", "DELETE"):
                method = override
            if method not in ("GET", "POST", "DELETE"):
                raise invalid_parameter(f"Unsupported HTTP method {method}")
        except GraphError as err:
            return GraphResponse(
                err.http_status, err.envelope(sim.trace_id(number)), {"facebook-api-version": version}
            )
        req = GraphRequest(
            method=method,
            path=path,
            params=params,
            token=token_from(headers, params),
            version=version,
            base_url=str(request.base_url).rstrip("/"),
            query=query,
            headers=headers,
            body=body,
        )
        return sim.handle(req, number)

    # ---------------------------------------------------------------------------------- controls

    async def _control(self, request: Request) -> Response:
        path = request.url.path[len(CONTROL_PREFIX) :].rstrip("/") or "/"
        method = request.method.upper()
        try:
            data = await _control_body(request)
            for pattern, verb, handler in self._control_routes():
                match = re.fullmatch(pattern, path)
                if match and verb == method:
                    return _json(200, handler(data, *match.groups()))
            return _json(
                404,
                {
                    "error": {
                        "message": f"no simulator control {method} {CONTROL_PREFIX}{path}; see GET /_sim/"
                    }
                },
            )
        except (ControlError, GraphError) as exc:
            return _json(404 if isinstance(exc, ControlError) else 400, {"error": {"message": str(exc)}})
        except (ValueError, TypeError, KeyError) as exc:
            return _json(400, {"error": {"message": f"bad control request: {exc}"}})

    def _control_routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        c = self.control
        return [
            ("/", "GET", lambda d: {"controls": CONTROL_INDEX}),
            (r"/inbox/(\w+)", "GET", lambda d, pn: c.inbox(pn) or {"phone_number_id": pn, "code": None}),
            (
                r"/numbers/(\w+)/display_name/review",
                "POST",
                lambda d, pn: _ok(c.review_display_name, pn, _flag(d, "approve")),
            ),
            (
                r"/numbers/(\w+)/disable_two_step",
                "POST",
                lambda d, pn: _ok(c.disable_two_step, pn),
            ),
            (
                r"/numbers/(\w+)/profile",
                "POST",
                lambda d, pn: _ok(c.edit_profile, pn, **dict(d)),
            ),
            (
                r"/numbers/(\w+)/quality",
                "POST",
                lambda d, pn: _ok(c.set_quality, pn, str(d["quality_rating"]), d.get("messaging_limit_tier")),
            ),
            (
                r"/businesses/(\w+)/verification",
                "POST",
                lambda d, bid: _ok(c.set_business_verification, bid, str(d["verification_status"])),
            ),
            (
                r"/wabas/(\w+)/budget/spend",
                "POST",
                lambda d, wid: {"calls": c.spend_budget(str(d["app_id"]), wid, int(d["calls"]))},
            ),
            ("/webhooks", "GET", lambda d: {"data": c.webhooks_delivered()}),
            (
                r"/templates/(\w+)/review",
                "POST",
                lambda d, tid: _ok(c.review_template, tid, _flag(d, "approve"), d.get("reason")),
            ),
            ("/clock", "GET", lambda d: _clock(c.now(), self.sim.clock.offset)),
            (
                "/clock/advance",
                "POST",
                lambda d: _clock(c.advance_clock(float(d["seconds"])), self.sim.clock.offset),
            ),
            ("/requests", "GET", lambda d: c.request_counts()),
            ("/writes", "GET", lambda d: {"data": c.write_log()}),
            ("/reset", "POST", lambda d: _ok(c.reset)),
            ("/faults", "GET", lambda d: _faults(self.sim)),
            ("/faults", "POST", lambda d: _ok(_set_faults, c, d) and _faults(self.sim)),
            ("/state", "GET", lambda d: c.dump_state()),
            ("/state", "POST", lambda d: _ok(c.load_state, d)),
        ]


CONTROL_INDEX = {
    "POST /_sim/wabas/{waba_id}/budget/spend": '{"app_id", "calls"}: another program of the app calls',
    "GET /_sim/inbox/{phone_number_id}": "the last one-time code sent to the number (the SMS inbox)",
    "POST /_sim/numbers/{phone_number_id}/display_name/review": '{"approve": true|false}: decide a name',
    "POST /_sim/numbers/{phone_number_id}/disable_two_step": "the owner turns 2FA off in WhatsApp Manager",
    "POST /_sim/numbers/{phone_number_id}/profile": '{"about"?, "email"?, …}: edited in WhatsApp Manager',
    "POST /_sim/templates/{template_id}/review": '{"approve": true|false, "reason"?}: decide a template',
    "POST /_sim/numbers/{phone_number_id}/quality": '{"quality_rating", "messaging_limit_tier"?}: rate it',
    "POST /_sim/businesses/{business_id}/verification": '{"verification_status"}: Meta decides a business',
    "GET /_sim/webhooks": "every webhook delivery that ended (url, field, status, attempts)",
    "GET /_sim/clock": "simulated time",
    "POST /_sim/clock/advance": '{"seconds": N}: move simulated time forward',
    "GET /_sim/requests": "request counts per endpoint, plus http_requests, operations, faults",
    "GET /_sim/writes": "every state-changing call, in order",
    "POST /_sim/reset": "back to the world file",
    "GET|POST /_sim/faults": '{"fault_rate", "lost_response_rate", "latency_ms"}',
    "GET|POST /_sim/state": "dump or load the whole simulated state (JSON)",
}


async def _control_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data: dict[str, Any] = dict(request.query_params)
    if raw:
        data.update(parse_body(request.headers.get("content-type", "application/json"), raw))
    return data


def _ok(action: Callable[..., None], *args: Any) -> dict[str, bool]:
    action(*args)
    return {"success": True}


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise ValueError(f'"{name}" must be true or false')


def _clock(now: float, offset: float) -> dict[str, Any]:
    return {"now": now, "iso": iso(now), "offset_seconds": offset}


def _faults(sim: Simulator) -> dict[str, Any]:
    plan = sim.faults
    return {
        "seed": plan.seed,
        "fault_rate": plan.fault_rate,
        "lost_response_rate": plan.lost_response_rate,
        "latency_ms": sim.latency_ms,
    }


def _set_faults(control: SimulatorControl, data: dict[str, Any]) -> None:
    control.set_faults(
        fault_rate=float(data["fault_rate"]) if "fault_rate" in data else None,
        lost_response_rate=float(data["lost_response_rate"]) if "lost_response_rate" in data else None,
    )
    if "latency_ms" in data:
        control.set_latency(float(data["latency_ms"]))
