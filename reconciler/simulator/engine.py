"""The simulated Meta: state + clock + budgets + counts + write log, answering `GraphRequest`s.

No HTTP here (app.py does that) and no threads (callers hold `lock`, which every public method takes).

    sim = Simulator(world, seed=0)
    n = sim.begin_request("GET", "/v23.0/2000000000001")     # arrival order: faults and trace IDs key on it
    response = sim.handle(GraphRequest(...), n)

Order of checks for one operation, as Meta does them: token (104/190) → object (100/33, 803) → edge
(2500) → reach (100/33) → permission (10, 200) → WABA rate budget (80007) → the operation itself.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from . import errors as E
from .batch import is_batch, run_batch
from .clock import SimClock, iso
from .context import Ctx
from .errors import GraphError
from .faults import FaultPlan, fbtrace_id
from .protocol import GraphRequest, GraphResponse, split_version
from .ratelimit import RateBudget, Usage, usage_header
from .routes import EDGES, ROUTES, endpoint_name
from .state import State, TokenRec, dump_state, load_state, state_from_world
from .webhooks import Emitter
from .world import Limits, World

MANAGEMENT = "whatsapp_business_management"


_APP_USAGE = json.dumps({"call_count": 0, "total_cputime": 0, "total_time": 0})


class Simulator:
    def __init__(
        self,
        world: World,
        *,
        seed: int = 0,
        fault_rate: float = 0.0,
        lost_response_rate: float = 0.0,
        latency_ms: float = 0.0,
        rate_limits: Mapping[str, Any] | None = None,
    ) -> None:
        if rate_limits:
            limits = Limits.model_validate({**world.limits.model_dump(), **rate_limits})
            world = world.model_copy(update={"limits": limits})
        self.world = world
        self.seed = seed
        self.faults = FaultPlan(seed, fault_rate, lost_response_rate)
        self.latency_ms = float(latency_ms)
        self.held = False  # a test's stall: Graph requests wait, counted in `in_latency`, until released
        start = world.clock.start.timestamp() if world.clock.start else None
        self.clock = SimClock(start, frozen=world.clock.frozen)
        self.lock = threading.RLock()
        self.budget = RateBudget()
        self.webhooks = Emitter()  # sends to subscribed apps' callbacks, once a server's loop is attached
        self.reset()

    # ------------------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        """Back to the world file: state, clock, budgets, counts, log."""
        with self.lock:
            self.clock.restart(self.world.clock.start.timestamp() if self.world.clock.start else None)
            self.state: State = state_from_world(self.world, self.clock.now())
            self.budget.clear()
            self.counts: Counter[str] = Counter()
            self.log: list[dict[str, Any]] = []
            self.request_number = 0
            self.in_latency = 0
            self.peak_overlap = 0

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {"clock_offset": self.clock.offset, "state": dump_state(self.state)}

    def load(self, data: Mapping[str, Any]) -> None:
        with self.lock:
            self.state = load_state(dict(data["state"]))

    # ------------------------------------------------------------------------------- requests

    @contextmanager
    def waiting_out_latency(self) -> Iterator[None]:
        """Around a request's injected latency: `peak_overlap` is how many ever waited at once (the
        proof that latency overlaps rather than serialises requests). Only the server's event loop
        touches these counters, so they take no lock: waiting on the state's lock here would itself
        serialise the latency behind other requests' work."""
        self.in_latency += 1
        self.peak_overlap = max(self.peak_overlap, self.in_latency)
        try:
            yield
        finally:
            self.in_latency -= 1

    def begin_request(self, method: str, raw_path: str) -> int:
        """Count an HTTP request on arrival (faulted ones too); returns its number."""
        with self.lock:
            self.request_number += 1
            self.counts["http_requests"] += 1
            return self.request_number

    def count_fault(self, method: str, raw_path: str) -> None:
        with self.lock:
            _, path = split_version(raw_path)
            self.counts[self._endpoint_for(method, path)] += 1
            self.counts["operations"] += 1
            self.counts["faults"] += 1

    def trace_id(self, request_number: int, op: int = 0) -> str:
        return fbtrace_id(self.seed, request_number * 1000 + op)

    def handle(self, req: GraphRequest, request_number: int) -> GraphResponse:
        with self.lock:
            if is_batch(req):
                return run_batch(self, req, request_number)
            return self.operation(req, request_number, 0)

    def operation(self, req: GraphRequest, request_number: int, op: int) -> GraphResponse:
        """One Graph operation (a direct call, or one entry of a batch). Caller holds the lock."""
        now = self.clock.now()
        endpoint = self._endpoint_for(req.method, req.path)
        self.counts[endpoint] += 1
        self.counts["operations"] += 1
        usages: list[Usage] = []
        try:
            token = self._authenticate(req.token, now)
            kind, obj, edge = self._resolve(req)
            route = ROUTES.get((kind, edge, req.method))
            if route is None:
                if edge is not None and edge not in EDGES.get(kind, set()):
                    raise E.unknown_path(f"/{edge}")
                raise E.unsupported_request(req.method, _obj_id(obj))
            reach = self._reach(token, kind, obj)
            if reach is None:
                raise E.unsupported_request(req.method, _obj_id(obj))
            if route.needs_management_scope and MANAGEMENT not in token.scopes:
                raise E.no_permission(f"this action: the token lacks the {MANAGEMENT} permission")
            if route.write and reach != "manage":
                raise E.permissions_error(
                    "this access token can read this WhatsApp Business Account, not change it"
                )
            waba_id = self.state.waba_of(kind, obj)
            if waba_id is not None:
                usage = self._spend(token.app_id, waba_id, now)
                usages.append(usage)
                if usage.regain_seconds > 0:
                    raise E.waba_rate_limited(int(usage.regain_seconds // 60) + 1)
            ctx = Ctx(self.state, token, now, req, f"{self.seed}:op:{request_number}:{op}")
            body = route.handler(ctx, obj)
        except GraphError as err:
            headers = self._headers(req, request_number, op, usages)
            headers.update(err.headers)
            return GraphResponse(
                err.http_status,
                err.envelope(self.trace_id(request_number, op)),
                headers,
                endpoint,
                waba_ids=tuple(u.waba_id for u in usages),
            )
        if route.write:
            self._log_write(req, request_number, endpoint, obj, token, body, ctx.notes, now)
        return GraphResponse(
            200,
            body,
            self._headers(req, request_number, op, usages),
            endpoint,
            wrote=route.write,
            waba_ids=tuple(u.waba_id for u in usages),
        )

    # ------------------------------------------------------------------------------ the checks

    def _authenticate(self, token: str | None, now: float) -> TokenRec:
        if not token:
            raise E.missing_token()
        rec = self.state.tokens.get(token)
        if rec is None:
            raise E.invalid_token()
        if rec.expires_at is not None and now >= rec.expires_at:
            raise E.expired_token(_graph_time(rec.expires_at), _graph_time(now))
        return rec

    def _resolve(self, req: GraphRequest) -> tuple[str, Any, str | None]:
        parts = [p for p in req.path.split("/") if p]
        if not parts:
            raise E.invalid_parameter("Missing batch parameter: POST / takes a batch of operations")
        head, rest = parts[0], parts[1:]
        if len(rest) > 1:
            raise E.unknown_path("/" + "/".join(rest[1:]))
        edge = rest[0] if rest else None
        state = self.state
        if head.startswith("upload:"):
            upload = state.uploads.get(head)
            if upload is None:
                raise E.unsupported_request(req.method, head)
            if edge:
                raise E.unknown_path(f"/{edge}")
            return "upload", upload, None
        if not head.isdigit():
            raise E.unknown_alias(head)
        for kind, table in (
            ("waba", state.wabas),
            ("phone", state.numbers),
            ("template", state.templates),
            ("business", state.businesses),
            ("app", state.apps),
        ):
            obj = table.get(head)
            if obj is not None:
                return kind, obj, edge
        owner = state.profile_owner(head)
        if owner is not None:
            return "profile", owner, edge
        raise E.unsupported_request(req.method, head)

    def _reach(self, token: TokenRec, kind: str, obj: Any) -> str | None:
        """ "manage", "view" or None (the token cannot see the object)."""
        if kind == "waba":
            return (
                "manage" if obj.id in token.wabas else ("view" if obj.id in token.view_only_wabas else None)
            )
        if kind in ("phone", "template", "profile"):
            waba = self.state.wabas.get(obj.waba_id)
            return self._reach(token, "waba", waba) if waba else None
        if kind == "business":
            return "view" if obj.id in token.businesses else None
        if kind == "app":
            return "manage" if obj.id == token.app_id else None
        if kind == "upload":
            return "manage" if obj.app_id == token.app_id else None
        return None

    def _spend(self, app_id: str, waba_id: str, now: float) -> Usage:
        return self.budget.try_spend(app_id, waba_id, self.budget_for(waba_id), now)

    def budget_for(self, waba_id: str) -> int:
        limits = self.state.limits
        if self.state.has_registered_number(waba_id):
            return limits.waba_calls_per_hour_registered
        return limits.waba_calls_per_hour

    def usages(self, token: str | None, waba_ids: Sequence[str]) -> list[Usage]:
        """Where each WABA's budget stands now for the token's app (none for an unknown token): a batch
        reports these once its operations have run. Caller holds the lock."""
        rec = self.state.tokens.get(token or "")
        if rec is None:
            return []
        now = self.clock.now()
        return [self.budget.usage(rec.app_id, w, self.budget_for(w), now) for w in waba_ids]

    def _endpoint_for(self, method: str, path: str) -> str:
        parts = [p for p in path.split("/") if p]
        if not parts:
            return endpoint_name(method, "root", None)
        head = parts[0]
        edge = parts[1] if len(parts) > 1 else None
        kind: str | None = None
        if head.startswith("upload:"):
            kind = "upload"
        else:
            for name, table in (
                ("waba", self.state.wabas),
                ("phone", self.state.numbers),
                ("template", self.state.templates),
                ("business", self.state.businesses),
                ("app", self.state.apps),
            ):
                if head in table:
                    kind = name
                    break
            else:
                kind = "profile" if self.state.profile_owner(head) is not None else None
        return endpoint_name(method, kind, edge)

    def _headers(
        self, req: GraphRequest, request_number: int, op: int, usages: list[Usage]
    ) -> dict[str, str]:
        trace = self.trace_id(request_number, op)
        headers = {
            "facebook-api-version": req.version,
            "x-fb-trace-id": trace,
            "x-fb-request-id": trace[::-1],
            "x-app-usage": _APP_USAGE,
        }
        if usages:
            headers["x-business-use-case-usage"] = usage_header(usages)
        return headers

    def _log_write(
        self,
        req: GraphRequest,
        request_number: int,
        endpoint: str,
        obj: Any,
        token: TokenRec,
        body: Any,
        notes: dict[str, Any],
        now: float,
    ) -> None:
        params = _masked({k: v for k, v in req.params.items() if k != "access_token"})
        self.log.append(
            {
                "seq": len(self.log) + 1,
                "request": request_number,
                "time": iso(now),
                "timestamp": now,
                "method": req.method,
                "endpoint": endpoint,
                "path": req.path,
                "object_id": _obj_id(obj),
                "app_id": token.app_id,
                "params": _jsonable(params),
                "response": body,
                "notes": dict(notes),
                "in_batch": req.in_batch,
                "response_lost": False,
            }
        )

    def mark_lost(self, request_number: int) -> None:
        with self.lock:
            for entry in self.log:
                if entry["request"] == request_number:
                    entry["response_lost"] = True


def _obj_id(obj: Any) -> str:
    return str(getattr(obj, "id", obj))


def _graph_time(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")


SECRET_PARAMS = frozenset({"pin", "code", "verify_token"})  # what a client sends that no log should show
MASK = "***"


def _masked(params: dict[str, Any]) -> dict[str, Any]:
    """The write log keeps what was asked, never a PIN, one-time code or verify token (even nested, as in
    `whatsapp_business_api_data`, which a form post sends as JSON text)."""
    masked: dict[str, Any] = {}
    for key, value in params.items():
        if key in SECRET_PARAMS:
            masked[key] = MASK
        elif isinstance(value, dict):
            masked[key] = _masked(value)
        elif isinstance(value, str) and value.startswith("{"):
            try:
                inner = json.loads(value)
            except ValueError:
                masked[key] = value
            else:
                masked[key] = json.dumps(_masked(inner)) if isinstance(inner, dict) else value
        else:
            masked[key] = value
    return masked


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
