"""Graph batch requests (META-API.md §7.5): `POST /` with `batch=[{method, relative_url, body?, name?}]`.

At most 50 operations; each is a full Graph operation (counted, rate-limited, logged) run in order.
Answers a JSON array, one entry per operation: `{"code", "headers"?, "body": "<JSON text>"}`, or `null`
when an operation was not run because one it depends on failed. `{result=NAME:$.path}` references in a
`relative_url` or `body` are filled from an earlier named operation's answer.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from .errors import GraphError, invalid_parameter, missing_parameter
from .protocol import VERSION_RE, GraphRequest, GraphResponse, p_bool, p_json
from .ratelimit import Usage, usage_header

MAX_OPERATIONS = 50
REF_RE = re.compile(r"\{result=([^:}]+):\$\.?([^}]*)\}")


class Operations(Protocol):
    """What a batch needs of the simulator (`engine.Simulator`, which hands itself in): to run one
    operation exactly as a direct call runs, its trace ID, and the WABA budgets the operations used."""

    def operation(self, req: GraphRequest, request_number: int, op: int) -> GraphResponse: ...

    def trace_id(self, request_number: int, op: int = 0) -> str: ...

    def usages(self, token: str | None, waba_ids: Sequence[str]) -> list[Usage]: ...


def is_batch(req: GraphRequest) -> bool:
    return req.path.strip("/") == "" and req.method == "POST" and "batch" in req.params


def run_batch(sim: Operations, req: GraphRequest, request_number: int) -> GraphResponse:
    try:
        operations = _parse(req)
    except GraphError as err:
        return GraphResponse(err.http_status, err.envelope(sim.trace_id(request_number)), {}, "POST /")
    include_headers = p_bool(req.params, "include_headers", True)
    results: list[Any] = []
    named: dict[str, GraphResponse | None] = {}
    waba_ids: list[str] = []
    wrote = False
    for index, op in enumerate(operations, start=1):
        try:
            op_req = _op_request(req, op, named)
        except _Skipped:
            results.append(None)
            if op.get("name"):
                named[str(op["name"])] = None
            continue
        except GraphError as err:
            results.append(
                {
                    "code": err.http_status,
                    "body": json.dumps(err.envelope(sim.trace_id(request_number, index))),
                }
            )
            continue
        response = sim.operation(op_req, request_number, index)
        wrote = wrote or response.wrote
        waba_ids.extend(w for w in response.waba_ids if w not in waba_ids)
        if op.get("name"):
            named[str(op["name"])] = response
        entry: dict[str, Any] = {"code": response.status}
        if include_headers:
            entry["headers"] = [
                {"name": "Content-Type", "value": "text/javascript; charset=UTF-8"},
                *({"name": k, "value": v} for k, v in response.headers.items()),
            ]
        omit = p_bool(op, "omit_response_on_success", False)
        entry["body"] = (
            None if omit and response.status == 200 else json.dumps(response.body, ensure_ascii=False)
        )
        results.append(entry)
    headers = {"facebook-api-version": req.version, "x-fb-trace-id": sim.trace_id(request_number)}
    usages = sim.usages(req.token, waba_ids)
    if usages:
        headers["x-business-use-case-usage"] = usage_header(usages)
    return GraphResponse(200, results, headers, "POST /", wrote=wrote, waba_ids=tuple(waba_ids))


def _parse(req: GraphRequest) -> list[dict[str, Any]]:
    if "batch" not in req.params:
        raise missing_parameter("batch")
    operations = p_json(req.params, "batch")
    if not isinstance(operations, list) or not all(isinstance(o, dict) for o in operations):
        raise invalid_parameter("Param batch must be a JSON array of operations")
    if not operations:
        raise invalid_parameter("Param batch must contain at least one operation")
    if len(operations) > MAX_OPERATIONS:
        raise invalid_parameter(f"Too many requests in batch message. Maximum batch size is {MAX_OPERATIONS}")
    for op in operations:
        if not op.get("relative_url"):
            raise invalid_parameter("Each batch operation needs a relative_url")
    return operations


class _Skipped(Exception):
    """An operation whose dependency failed: answered with null."""


def _op_request(
    outer: GraphRequest, op: dict[str, Any], named: dict[str, GraphResponse | None]
) -> GraphRequest:
    depends = op.get("depends_on")
    if depends is not None:
        dep = named.get(str(depends))
        if dep is None or dep.status != 200:
            raise _Skipped
    relative = _fill(str(op["relative_url"]), named)
    method = str(op.get("method", "GET")).upper()
    if method not in ("GET", "POST", "DELETE"):
        raise invalid_parameter(f"Unsupported batch method {method}")
    split = urlsplit(relative if relative.startswith("/") else "/" + relative)
    segments = [s for s in split.path.split("/") if s]
    if segments and VERSION_RE.match(segments[0]):
        version, segments = segments[0], segments[1:]
    else:
        version = outer.version
    path = "/" + "/".join(segments)
    query = dict(_query_pairs(split.query))
    params: dict[str, Any] = dict(query)
    body = op.get("body")
    if isinstance(body, str):
        params.update(parse_qsl(_fill(body, named), keep_blank_values=True))
    elif isinstance(body, dict):
        params.update(body)
    token = params.get("access_token") or outer.token
    return GraphRequest(
        method=method,
        path=path,
        params=params,
        token=str(token) if token else None,
        version=version,
        base_url=outer.base_url,
        query=query,
        headers={},
        in_batch=True,
    )


@functools.lru_cache(maxsize=1024)
def _query_pairs(query: str) -> tuple[tuple[str, str], ...]:
    """A relative URL's query, decoded: the operations of a large read repeat a few queries many times."""
    return tuple(parse_qsl(query, keep_blank_values=True))


def _fill(text: str, named: dict[str, GraphResponse | None]) -> str:
    def replace(match: re.Match[str]) -> str:
        response = named.get(match.group(1))
        if response is None or response.status != 200:
            raise _Skipped
        values = _select(response.body, [p for p in match.group(2).split(".") if p])
        return ",".join(str(v) for v in values)

    return REF_RE.sub(replace, text)


def _select(node: Any, path: list[str]) -> list[Any]:
    if not path:
        return [node]
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(node, list):
        return [v for item in node for v in _select(item, rest)]
    if isinstance(node, list) and head.isdigit() and int(head) < len(node):
        return _select(node[int(head)], rest)
    if isinstance(node, dict) and head in node:
        return _select(node[head], rest)
    return []
