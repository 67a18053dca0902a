"""The Graph API client: one httpx.AsyncClient, Meta's errors mapped, retries, rate budget, paging, batches.

    async with GraphClient("https://graph.facebook.com", token) as graph:
        waba = await graph.get("2000000000001", fields=["id", "name"])
        numbers = await graph.get_all_pages("2000000000001/phone_numbers", {"fields": "id,status"})
        results = await graph.batch([BatchRequest.get(n["id"], fields=["name_status"]) for n in numbers])

Paths are relative to the API version (`"123/phone_numbers"` becomes `/v23.0/123/phone_numbers`). Each request
is charged to a budget key: the `waba_id` given, else the WABA that Meta's usage header showed the node is
charged to, else the node id the path starts with. Concurrency is capped overall and per key; before sending,
the key's budget (reconciler.graph.budget) and the app's may hold the request back; failures are retried by
the rule in reconciler.graph.retry. The token is sent only as an `Authorization`
header and never appears in a log line, an error or a repr.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from reconciler import __version__
from reconciler.graph.batch import (
    MAX_BATCH,
    BatchRequest,
    BatchResult,
    JSONParams,
    WireEntry,
    encode_params,
    form_body,
    parse_batch_response,
)
from reconciler.graph.budget import (
    APP_KEY,
    APP_USAGE_HEADER,
    BudgetPolicy,
    BudgetTracker,
    UsageEntry,
    parse_usage_header,
)
from reconciler.graph.budget import HEADER as USAGE_HEADER
from reconciler.graph.clock import Clock, SystemClock
from reconciler.graph.errors import (
    APP_WIDE_THROTTLES,
    ErrorKind,
    GraphError,
    ThrottledError,
    TransientError,
    UnexpectedResponseError,
    error_from_response,
    error_from_transport,
)
from reconciler.graph.proxy import environment_proxy
from reconciler.graph.retry import RetryPolicy, final_error, may_retry
from reconciler.graph.secrets import Token
from reconciler.graph.settings import DEFAULT_API_VERSION, GraphSettings, is_loopback

log = logging.getLogger("wabaplan.graph")

USER_AGENT = f"wabaplan/{__version__}"
DEFAULT_MAX_CONCURRENCY = 16  # requests in flight per client, unless apply's --parallelism asks for more
_DROP_FROM_NEXT = frozenset({"access_token", "appsecret_proof"})
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_OP_USAGE_HEADER = USAGE_HEADER.lower()  # batch entries' header names, as parse_batch_response keeps them

Usage = Mapping[str, tuple[UsageEntry, ...]]  # a usage header, parsed: object id → its entries


@dataclass
class _Allowance:
    """Seconds of waiting (backoff and budget waits together) left for one call."""

    left: float


@dataclass(frozen=True)
class GraphStats:
    """Counters since the client was created. `operations` is what Meta counts: each batch op is one."""

    http_requests: int = 0
    operations: int = 0
    retries: int = 0
    budget_waits: int = 0
    waited_seconds: float = 0.0
    peak_in_flight: int = 0


class GraphClient:
    """Async Graph API client. Use as `async with GraphClient(...) as graph:` (or call `aclose()`)."""

    def __init__(
        self,
        base_url: str,
        token: Token | str,
        *,
        api_version: str = DEFAULT_API_VERSION,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        retry: RetryPolicy | None = None,
        budget: BudgetPolicy | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        per_waba_concurrency: int = 4,
        timeout: float = 30.0,
    ) -> None:
        if max_concurrency < 1 or per_waba_concurrency < 1:
            raise ValueError("concurrency limits must be at least 1")
        self.settings = GraphSettings(base_url, api_version)
        self._token = token if isinstance(token, Token) else Token(token)
        self._clock: Clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self.retry = retry or RetryPolicy()
        self.budget = BudgetTracker(self._clock.now, budget or BudgetPolicy())
        self._overall = asyncio.Semaphore(max_concurrency)
        self._per_waba_concurrency = per_waba_concurrency
        self._per_key: dict[str, asyncio.Semaphore] = {}
        self._owner: dict[str, str] = {}  # node id -> the WABA Meta charges it to (learnt from headers)
        self._owned: set[str] = set()  # the WABAs in `_owner`: a key known to be a WABA
        self._in_flight = 0
        self._stats = GraphStats()
        # A loopback endpoint (the simulator) is never reached through HTTP(S)_PROXY: a proxy
        # would only stand in the way (or see the token). Meta itself honours the environment's.
        direct = is_loopback(httpx.URL(self.settings.base_url).host)
        self._proxy = None if direct else environment_proxy(self.settings.base_url, os.environ)
        self._http = httpx.AsyncClient(
            base_url=self.settings.base_url + "/",
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            trust_env=not direct,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Authorization": f"Bearer {self._token.reveal()}",
            },
        )

    @classmethod
    def from_settings(cls, settings: GraphSettings, token: Token | str, **options: Any) -> GraphClient:
        return cls(settings.base_url, token, api_version=settings.api_version, **options)

    # -- lifecycle ---------------------------------------------------------------------------------

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return (
            f"GraphClient(base_url={self.settings.base_url!r}, api_version={self.settings.api_version!r}, "
            f"token={self._token!r})"
        )

    @property
    def stats(self) -> GraphStats:
        return self._stats

    @property
    def api_version(self) -> str:
        return self.settings.api_version

    # -- public calls ------------------------------------------------------------------------------

    async def get(
        self,
        path: str,
        params: JSONParams | None = None,
        *,
        fields: Sequence[str] | None = None,
        waba_id: str | None = None,
    ) -> Any:
        """GET `path` and return the parsed JSON. Retried on transient errors and throttling."""
        if fields:
            params = {**(params or {}), "fields": list(fields)}
        return await self._call("GET", path, params=params, waba_id=waba_id, repeatable=True)

    async def post(
        self,
        path: str,
        data: JSONParams | None = None,
        *,
        params: JSONParams | None = None,
        waba_id: str | None = None,
        idempotent: bool = False,
    ) -> Any:
        """POST a form body. Retried only when safe (see reconciler.graph.retry); else AmbiguousWriteError."""
        return await self._call(
            "POST", path, params=params, data=data, waba_id=waba_id, repeatable=idempotent
        )

    async def delete(
        self,
        path: str,
        params: JSONParams | None = None,
        *,
        waba_id: str | None = None,
        idempotent: bool = False,
    ) -> Any:
        """DELETE `path`. Same retry rule as `post`."""
        return await self._call("DELETE", path, params=params, waba_id=waba_id, repeatable=idempotent)

    async def upload(self, session_id: str, content: bytes, *, offset: int = 0) -> Any:
        """Resumable Upload: send `content` to `upload:<session>` from `offset`; Meta answers `{"h": handle}`.

        One exchange, not retried here (sending the same bytes at the same offset again is harmless, so
        apply simply runs the step again).
        """
        path = f"/{self.api_version}/{session_id.lstrip('/')}"  # not urlsplit: "upload:" reads as a scheme
        secrets = (self._token.reveal(),)
        self._count(http_requests=1, operations=1)
        headers = {"file_offset": str(offset), "Authorization": f"OAuth {self._token.reveal()}"}
        try:
            response = await self._http.post(path, content=content, headers=headers)
        except httpx.TransportError as exc:
            raise error_from_transport(
                method="POST", path=path, exc=exc, secrets=secrets, proxy=self._proxy
            ) from exc
        if response.is_success:
            return response.json()
        raise error_from_response(
            method="POST", path=path, status=response.status_code, body=response.content, secrets=secrets
        )

    async def get_all_pages(
        self,
        path: str,
        params: JSONParams | None = None,
        *,
        fields: Sequence[str] | None = None,
        waba_id: str | None = None,
        page_size: int = 100,
    ) -> list[Any]:
        """Every item of a paged edge, following `paging.cursors.after` (or `paging.next`) until no `next`."""
        return [
            item
            async for item in self.iter_pages(
                path, params, fields=fields, waba_id=waba_id, page_size=page_size
            )
        ]

    async def iter_pages(
        self,
        path: str,
        params: JSONParams | None = None,
        *,
        fields: Sequence[str] | None = None,
        waba_id: str | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[Any]:
        """Like `get_all_pages`, one item at a time (a page is fetched when the previous one is used up)."""
        query: dict[str, Any] = dict(params or {})
        if fields:
            query["fields"] = list(fields)
        query.setdefault("limit", page_size)
        seen: set[str] = set()
        while True:
            page = await self.get(path, query, waba_id=waba_id)
            if not isinstance(page, Mapping) or not isinstance(page.get("data", []), list):
                raise UnexpectedResponseError(
                    "a paged answer should be {data: [...], paging: {...}}",
                    method="GET",
                    path=self._versioned(path)[0],
                    transient=False,
                )
            for item in page.get("data", []):
                yield item
            paging = _mapping(page.get("paging"))
            next_url = paging.get("next")
            if not next_url:
                return  # Meta omits `next` on the last page (cursors may still be present)
            after = _mapping(paging.get("cursors")).get("after")
            if after:
                query = {k: v for k, v in query.items() if k != "before"} | {"after": after}
                marker = f"after={after}"
            else:
                path, query = self._from_next_url(str(next_url))
                marker = f"next={path}?{sorted(query.items())}"
            if marker in seen:
                raise UnexpectedResponseError(
                    "paging returned the same cursor twice",
                    method="GET",
                    path=self._versioned(path)[0],
                    transient=False,
                )
            seen.add(marker)

    async def batch(self, requests: Sequence[BatchRequest]) -> list[BatchResult]:
        """Run `requests` as Graph batches of at most 50 operations (sent concurrently), results in order.

        A failed operation is retried alone (in a later batch) when the retry rule allows; otherwise its
        BatchResult carries the error. Operations Meta did not complete (`null`) count as transient.
        """
        items = list(requests)
        results: list[BatchResult | None] = [None] * len(items)
        pending = list(range(len(items)))
        attempt = 1
        allowance = _Allowance(self.retry.max_total_wait)
        path = self._versioned("")[0]
        while pending:
            pending = self._refuse_blocked(items, pending, results, path, allowance)
            if not pending:
                break
            outcomes = await self._send_chunks(items, pending, allowance)
            again, delays = self._keep_or_retry(outcomes, results, attempt)
            if not again:
                break
            delay = self._batch_delay(again, max(delays), len(pending), attempt, allowance, path)
            if delay is None:
                _give_up(again, results)
                break
            await self._wait(delay, retry=True)
            allowance.left -= delay
            attempt += 1
            pending = sorted(again)
        return [r for r in results if r is not None]

    def _refuse_blocked(
        self,
        items: list[BatchRequest],
        pending: list[int],
        results: list[BatchResult | None],
        path: str,
        allowance: _Allowance,
    ) -> list[int]:
        """Refuse, unsent, the operations whose WABA is blocked past the allowance; the rest stay pending
        (one blocked WABA holds back none of the others)."""
        for index in pending:
            results[index] = self._refused(items[index], path, allowance)
        return [index for index in pending if results[index] is None]

    async def _send_chunks(
        self, items: list[BatchRequest], pending: list[int], allowance: _Allowance
    ) -> dict[int, BatchResult]:
        """Send the pending operations as batches of ≤ 50, side by side; every operation's result."""
        chunks = [pending[i : i + MAX_BATCH] for i in range(0, len(pending), MAX_BATCH)]
        # Chunks wait side by side: each gets the allowance left, the slowest one sets what remains.
        shares = [_Allowance(allowance.left) for _ in chunks]
        outcomes = await asyncio.gather(
            *(
                self._batch_once([(i, items[i]) for i in chunk], share)
                for chunk, share in zip(chunks, shares, strict=True)
            )
        )
        allowance.left = min(share.left for share in shares)
        return {index: result for chunk_results in outcomes for index, result in chunk_results.items()}

    def _keep_or_retry(
        self, outcomes: dict[int, BatchResult], results: list[BatchResult | None], attempt: int
    ) -> tuple[dict[int, BatchResult], list[float]]:
        """Store each result that is final (a success, or an error not to retry); return the failures to
        retry, with the delay each asks for."""
        again: dict[int, BatchResult] = {}
        delays: list[float] = []
        for index, result in outcomes.items():
            if result.error is None:
                results[index] = result
                continue
            repeatable = result.request.repeatable
            if may_retry(result.error, repeatable=repeatable) and attempt < self.retry.max_attempts:
                again[index] = result
                delays.append(self.retry.delay(result.error, attempt, self._rng))
            else:
                results[index] = replace(result, error=final_error(result.error, repeatable=repeatable))
        return again, delays

    def _batch_delay(
        self,
        again: dict[int, BatchResult],
        delay: float,
        sent: int,
        attempt: int,
        allowance: _Allowance,
        path: str,
    ) -> float | None:
        """`delay` when the failed operations may wait that long before their retry, else None (give up).
        Logs what happens next."""
        summary = _summarise([r.error for r in again.values() if r.error is not None])
        if delay > allowance.left:
            log.warning(
                "POST %s (batch): %d operation(s) failed (%s); waiting %.1f s more would exceed "
                "the %.0f s allowed, giving up on them",
                path,
                len(again),
                summary,
                delay,
                self.retry.max_total_wait,
            )
            return None
        log.warning(
            "POST %s (batch): %d of %d operation(s) failed (%s), will retry them in %.1f s (attempt %d/%d)",
            path,
            len(again),
            sent,
            summary,
            delay,
            attempt + 1,
            self.retry.max_attempts,
        )
        return delay

    # -- one request, with retries -----------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: JSONParams | None = None,
        data: JSONParams | None = None,
        waba_id: str | None,
        repeatable: bool,
    ) -> Any:
        url_path, query = self._versioned(path)
        query.update(encode_params(params))
        key = self._charge_key(waba_id, url_path)
        attempt = 1
        allowance = _Allowance(self.retry.max_total_wait)
        while True:
            try:
                return await self._send_once(
                    method, url_path, query, data, keys={key}, operations=1, allowance=allowance
                )
            except GraphError as error:
                delay = self._next_delay(error, attempt, allowance, repeatable, method, url_path)
                if delay is None:
                    final = final_error(error, repeatable=repeatable)
                    if final is error:
                        raise
                    raise final from error
                await self._wait(delay, retry=True)
                allowance.left -= delay
                attempt += 1

    def _next_delay(
        self, error: GraphError, attempt: int, allowance: _Allowance, repeatable: bool, method: str, path: str
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up. Logs what happens next."""
        what = f"{method} {path}: {error.kind.value} ({error.code_label})"
        if not may_retry(error, repeatable=repeatable):
            if error.transient and not repeatable and not error.not_executed:
                log.warning(
                    "%s; not retried: a write whose outcome is unknown (re-read before retrying)", what
                )
            return None
        if attempt >= self.retry.max_attempts:
            log.warning("%s, giving up (attempt %d/%d)", what, attempt, self.retry.max_attempts)
            return None
        delay = self.retry.delay(error, attempt, self._rng)
        if delay > allowance.left:
            log.warning(
                "%s; waiting %.1f s more would exceed the %.0f s allowed, giving up",
                what,
                delay,
                self.retry.max_total_wait,
            )
            return None
        log.warning(
            "%s, will retry in %.1f s (attempt %d/%d)", what, delay, attempt + 1, self.retry.max_attempts
        )
        return delay

    async def _send_once(
        self,
        method: str,
        url_path: str,
        query: Mapping[str, str] | None,
        data: JSONParams | None,
        *,
        keys: Iterable[str | None],
        operations: int,
        allowance: _Allowance,
        label: str | None = None,
    ) -> Any:
        """One HTTP exchange: JSON on 2xx, else the mapped GraphError (raised)."""
        body, _ = await self._send_reading_usage(
            method, url_path, query, data, keys=keys, operations=operations, allowance=allowance, label=label
        )
        return body

    async def _send_reading_usage(
        self,
        method: str,
        url_path: str,
        query: Mapping[str, str] | None,
        data: JSONParams | None,
        *,
        keys: Iterable[str | None],
        operations: int,
        allowance: _Allowance,
        label: str | None = None,
    ) -> tuple[Any, Usage]:
        """`_send_once`, also returning the answer's usage header, parsed (once).

        Order: the per-WABA slots, then the budget gate (waiting here holds back only that WABA's other
        requests), then the overall slot for the exchange itself.
        """
        secrets = (self._token.reveal(),)
        key_list = sorted({k for k in keys if k})
        async with self._key_slots(key_list):
            await self._wait_for_budget([*key_list, APP_KEY], method, label or url_path, allowance)
            async with self._overall_slot():
                response = await self._exchange(method, url_path, query, data, operations, secrets)
        usage = parse_usage_header(response.headers.get(USAGE_HEADER))
        self._observe_usage(usage, key_list)
        self.budget.observe_app_usage(response.headers.get(APP_USAGE_HEADER))
        if response.is_success:
            try:
                return (response.json() if response.content else None), usage
            except ValueError as exc:
                raise UnexpectedResponseError(
                    f"HTTP {response.status_code} answer is not JSON",
                    method=method,
                    path=url_path,
                    http_status=response.status_code,
                    transient=True,
                ) from exc
        error = error_from_response(
            method=method,
            path=url_path,
            status=response.status_code,
            body=response.content,
            retry_after=self._retry_after(response.headers, key_list, usage),
            secrets=secrets,
        )
        self._note_throttle(error, key_list)
        raise error

    async def _exchange(
        self,
        method: str,
        url_path: str,
        query: Mapping[str, str] | None,
        data: JSONParams | None,
        operations: int,
        secrets: tuple[str, ...],
    ) -> httpx.Response:
        """Send and receive; a transport failure becomes our error (chained)."""
        self._count(http_requests=1, operations=operations)
        started = time.perf_counter()
        try:
            response = await self._http.request(
                method,
                url_path,
                params=dict(query or {}),
                content=form_body(encode_params(data)) if data else None,
                headers=_FORM if data else None,
            )
        except httpx.TransportError as exc:
            error = error_from_transport(
                method=method, path=url_path, exc=exc, secrets=secrets, proxy=self._proxy
            )
            log.debug("%s %s -> %s", method, url_path, error.code_label)
            raise error from exc
        elapsed_ms = (time.perf_counter() - started) * 1e3
        log.debug("%s %s -> %d (%.0f ms)", method, url_path, response.status_code, elapsed_ms)
        return response

    async def _batch_once(
        self, items: list[tuple[int, BatchRequest]], allowance: _Allowance
    ) -> dict[int, BatchResult]:
        """Send one batch of ≤ 50 operations. Never raises a GraphError: each result carries its own.

        Per-operation headers are asked for only when an operation's WABA is not known yet (to learn
        which WABA Meta charges its node to): the batch's own usage header names every WABA it touched.
        """
        path = self._versioned("")[0]
        op_keys = [self._op_key(req, path) for _, req in items]
        learn = any(
            key is not None and not req.waba_id and key not in self._owned
            for (_, req), key in zip(items, op_keys, strict=True)
        )
        try:
            payload, usage = await self._send_reading_usage(
                "POST",
                path,
                None,
                {"batch": [req.to_wire() for _, req in items], "include_headers": learn},
                keys=set(op_keys),
                operations=len(items),
                allowance=allowance,
                label=f"{path} (batch)",
            )
            entries = parse_batch_response(payload, len(items), method="POST", path=path)
        except GraphError as error:
            return {
                i: BatchResult(req, error.http_status, error=_rebind(error, req, path)) for i, req in items
            }
        return {
            index: self._op_result(req, entry, path, key, usage)
            for (index, req), entry, key in zip(items, entries, op_keys, strict=True)
        }

    def _op_result(
        self, req: BatchRequest, entry: WireEntry, path: str, key: str | None, batch_usage: Usage
    ) -> BatchResult:
        """One operation's answer: its body, or its error mapped through the table."""
        op_path = f"{path}{req.node_path}" if entry.status >= 300 or not entry.completed else ""
        if not entry.completed:
            error = TransientError(
                "Meta did not complete this batch operation (null entry)",
                method=req.method,
                path=op_path,
                transient=True,
                not_executed=False,
            )
            return BatchResult(req, None, error=error)
        keys = [key] if key else []
        header = entry.headers.get(_OP_USAGE_HEADER)
        if header is not None:
            usage = parse_usage_header(header)
            self._observe_usage(usage, keys)
        else:  # the batch's header already fed the budget; keep only this operation's WABA
            usage = {key: batch_usage[key]} if key in batch_usage else {}
        if 200 <= entry.status < 300:
            try:
                body = json.loads(entry.body) if entry.body else None
            except ValueError:
                error = UnexpectedResponseError(
                    "batch operation body is not JSON",
                    method=req.method,
                    path=f"{path}{req.node_path}",
                    http_status=entry.status,
                    transient=True,
                )
                return BatchResult(req, entry.status, error=error)
            return BatchResult(req, entry.status, body=body, headers=entry.headers)
        op_error = error_from_response(
            method=req.method,
            path=op_path,
            status=entry.status,
            body=entry.body,
            retry_after=self._retry_after(entry.headers, keys, usage),
            secrets=(self._token.reveal(),),
        )
        self._note_throttle(op_error, keys)
        return BatchResult(req, entry.status, error=op_error, headers=entry.headers)

    def _refused(self, req: BatchRequest, batch_path: str, allowance: _Allowance) -> BatchResult | None:
        """An operation whose WABA Meta has blocked for longer than the wait allowed: refused unsent."""
        key = self._op_key(req, batch_path)
        blocked = self.budget.blocked_for(key) if key else 0.0
        if blocked <= allowance.left + 1e-9:
            return None
        error = ThrottledError(
            f"{key} is blocked by Meta's rate limit for another {blocked:.0f} s; the operation was not sent",
            method=req.method,
            path=f"{batch_path}{req.node_path}",
            transient=True,
            not_executed=True,
            retry_after=blocked,
            hint="run again later: Meta counts every operation (each batch operation, each page) per WABA",
        )
        return BatchResult(req, None, error=error)

    def _op_key(self, req: BatchRequest, batch_path: str) -> str | None:
        return req.waba_id or self._charge_key(None, f"{batch_path}{req.node_path}")

    # -- budget, concurrency, waiting --------------------------------------------------------------

    def _charge_key(self, waba_id: str | None, url_path: str) -> str | None:
        """The budget key: `waba_id` if given, else the WABA the node is known to belong to, else the node."""
        if waba_id:
            return waba_id
        node = _node_key(url_path)
        return self._owner.get(node, node) if node else None

    def _note_throttle(self, error: GraphError, keys: Sequence[str]) -> None:
        """A retryable throttle holds back every request charged to the same keys (all, for app-level)."""
        if error.kind is not ErrorKind.THROTTLED or not error.transient:
            return
        seconds = error.retry_after or self.retry.throttle_floor
        for key in [APP_KEY] if error.code in APP_WIDE_THROTTLES else keys:
            self.budget.block(key, seconds)

    def _observe_usage(self, usage: Usage, keys: Sequence[str]) -> None:
        """Feed the budget; when Meta charged a lone node to one other object (a number to its WABA),
        remember that, so later requests for the node wait on the WABA's budget."""
        self.budget.observe_usage(usage)
        if len(keys) != 1 or len(usage) != 1:
            return
        charged = next(iter(usage))
        if charged != keys[0]:
            self._owner[keys[0]] = charged
            self._owned.add(charged)

    async def _wait_for_budget(
        self, keys: Sequence[str], method: str, path: str, allowance: _Allowance
    ) -> None:
        """Hold the request while a key is blocked or paced; ThrottledError (not sent) past the allowance."""
        while keys:
            delay, key = max((self.budget.wait_before_send(k), k) for k in keys)
            if delay <= 0:
                return
            blocked = self.budget.blocked_for(key) > 0
            who = "the app" if key == APP_KEY else key
            if delay > allowance.left + 1e-9:
                reason = "blocked by Meta's rate limit" if blocked else "near Meta's rate limit"
                raise ThrottledError(
                    f"{who} is {reason} for another {delay:.0f} s; the request was not sent",
                    method=method,
                    path=path,
                    transient=True,
                    not_executed=True,
                    retry_after=delay,
                    hint="run again later, or raise the wait allowance (RetryPolicy.max_total_wait)",
                )
            if blocked:
                log.info(
                    "%s %s: %s is blocked by Meta's rate limit, waiting %.1f s before sending",
                    method,
                    path,
                    who,
                    delay,
                )
            else:
                percent = self.budget.status(key).percent
                log.debug(
                    "%s %s: %s is at %.0f%% of its rate budget, pacing: waiting %.1f s",
                    method,
                    path,
                    who,
                    percent,
                    delay,
                )
            await self._wait(delay, retry=False)
            allowance.left -= delay

    @asynccontextmanager
    async def _key_slots(self, keys: Sequence[str]) -> AsyncIterator[None]:
        """Per-key slots in sorted order (before the overall slot): one fixed order, so no deadlock."""
        async with AsyncExitStack() as stack:
            for key in keys:
                semaphore = self._per_key.setdefault(key, asyncio.Semaphore(self._per_waba_concurrency))
                await stack.enter_async_context(semaphore)
            yield

    @asynccontextmanager
    async def _overall_slot(self) -> AsyncIterator[None]:
        async with self._overall:
            self._in_flight += 1
            if self._in_flight > self._stats.peak_in_flight:
                self._stats = replace(self._stats, peak_in_flight=self._in_flight)
            try:
                yield
            finally:
                self._in_flight -= 1

    async def _wait(self, seconds: float, *, retry: bool) -> None:
        if retry:
            self._count(retries=1, waited=seconds)
        else:
            self._count(budget_waits=1, waited=seconds)
        await self._clock.sleep(seconds)

    def _count(
        self,
        *,
        http_requests: int = 0,
        operations: int = 0,
        retries: int = 0,
        budget_waits: int = 0,
        waited: float = 0.0,
    ) -> None:
        s = self._stats
        self._stats = replace(
            s,
            http_requests=s.http_requests + http_requests,
            operations=s.operations + operations,
            retries=s.retries + retries,
            budget_waits=s.budget_waits + budget_waits,
            waited_seconds=s.waited_seconds + waited,
        )

    def _retry_after(self, headers: Mapping[str, str], keys: Sequence[str], usage: Usage) -> float | None:
        """Meta's own estimate of when to try again: `Retry-After`, or the budget header's minutes
        (`usage`, the header already parsed)."""
        waits: list[float] = []
        retry_after = headers.get("retry-after")
        if retry_after:
            waits.extend(_parse_retry_after(retry_after))
        relevant = [usage[k] for k in keys if k in usage] or list(usage.values())
        for entries in relevant:
            waits.extend(e.estimated_time_to_regain_access * 60.0 for e in entries)
        positive = [w for w in waits if w > 0]
        return max(positive) if positive else None

    # -- paths -------------------------------------------------------------------------------------

    def _versioned(self, path: str) -> tuple[str, dict[str, str]]:
        """`"123/edge?x=1"` -> (`"/v23.0/123/edge"`, {"x": "1"}); a version prefix given is kept."""
        parts = urlsplit(path)
        query = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _DROP_FROM_NEXT}
        relative = parts.path.lstrip("/")
        first = relative.split("/", 1)[0]
        if not _is_version(first):
            relative = f"{self.api_version}/{relative}"
        return "/" + relative, query

    def _from_next_url(self, url: str) -> tuple[str, dict[str, str]]:
        """Path and query of a `paging.next` URL, sent to our base URL without any token it carries."""
        parts = urlsplit(url)
        path = parts.path
        prefix = urlsplit(self.settings.base_url).path.rstrip("/")
        if prefix and path.startswith(prefix + "/"):
            path = path[len(prefix) :]
        query = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _DROP_FROM_NEXT}
        return path, query


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _is_version(segment: str) -> bool:
    head, _, tail = segment.partition(".")
    return len(segment) > 1 and segment[0] == "v" and head[1:].isdigit() and tail.isdigit()


def _node_key(url_path: str) -> str | None:
    """The node id a versioned path starts with, if numeric (`/v23.0/123/phone_numbers` -> `123`)."""
    segments = [s for s in url_path.split("/") if s]
    if segments and _is_version(segments[0]):
        segments = segments[1:]
    return segments[0] if segments and segments[0].isdigit() else None


def _parse_retry_after(value: str) -> list[float]:
    value = value.strip()
    try:
        return [max(0.0, float(value))]
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return []
    return [max(0.0, when.timestamp() - time.time())]


def _give_up(again: Mapping[int, BatchResult], results: list[BatchResult | None]) -> None:
    """The failed operations not to be retried after all: each result carries its final error."""
    for index, failed in again.items():
        assert failed.error is not None
        results[index] = replace(
            failed, error=final_error(failed.error, repeatable=failed.request.repeatable)
        )


def _summarise(errors: Sequence[GraphError]) -> str:
    labels: dict[str, int] = {}
    for error in errors:
        label = f"{error.kind.value} ({error.code_label})"
        labels[label] = labels.get(label, 0) + 1
    return ", ".join(f"{n}× {label}" if n > 1 else label for label, n in sorted(labels.items()))


def _rebind(error: GraphError, req: BatchRequest, batch_path: str) -> GraphError:
    """The whole-batch `error`, restated for one of its operations (chained to the original)."""
    op = type(error)(
        f"the batch carrying this operation failed: {error.message}",
        method=req.method,
        path=f"{batch_path}{req.node_path}",
        http_status=error.http_status,
        code=error.code,
        subcode=error.subcode,
        error_type=error.error_type,
        fbtrace_id=error.fbtrace_id,
        transient=error.transient,
        not_executed=error.not_executed,
        retry_after=error.retry_after,
        hint=error.hint,
    )
    op.__cause__ = error
    return op
