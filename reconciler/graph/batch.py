"""Graph batch requests as values: what to ask, what came back, and the wire format in between.

A batch is `POST /{version}/` with form parameters `batch` (a JSON array of `{method, relative_url, body?}`,
at most 50) and `include_headers`. The answer is an array in request order of `{code, headers, body}` where
`body` is a JSON *string*, or `null` for an operation Meta did not complete. Every operation counts against
Meta's rate limits like a separate request.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote_plus, urlencode, urlsplit

from reconciler.graph.errors import GraphError, UnexpectedResponseError

MAX_BATCH = 50

JSONParams = Mapping[str, Any]


def encode_value(value: Any) -> str:
    """One form/query value the way Meta's SDK sends it: booleans `true`/`false`, containers as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    raise TypeError(f"cannot send a {type(value).__name__} as a Graph parameter")


def encode_params(params: JSONParams | None) -> dict[str, str]:
    """Parameters for a query string or form body; `None` values are dropped, a `fields` list is joined."""
    result: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if key == "fields" and isinstance(value, list | tuple):
            result[key] = ",".join(str(v) for v in value)
        else:
            result[key] = encode_value(value)
    return result


def form_body(params: Mapping[str, str]) -> bytes:
    """`params` as an application/x-www-form-urlencoded body, byte for byte as `urlencode` writes it.

    A batch's `batch` value is kilobytes of JSON: `quote_plus` spends a Python step on every byte of
    it, while a few `str.replace` passes (one for each unsafe character it holds) do the same work in C.
    """
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params.items()).encode()


_FORM_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
# every other ASCII character, "%" first (the codes written add more) and " " last ("+" is coded first)
_FORM_CODES = tuple(
    (c, "+" if c == " " else f"%{ord(c):02X}")
    for c in ["%", *(chr(n) for n in range(128) if chr(n) not in _FORM_SAFE + "% "), " "]
)


def _quote(text: str) -> str:
    if not text.isascii():
        return quote_plus(text)
    for char, code in _FORM_CODES:
        if char in text:
            text = text.replace(char, code)
    return text


@dataclass(frozen=True)
class BatchRequest:
    """One operation of a batch. `relative_url` is relative to the version: `"123?fields=id,name"`.

    `waba_id` charges the operation to that WABA's budget (default: the node id the URL starts with).
    `idempotent` marks a write as safe to repeat (see reconciler.graph.retry).
    """

    method: str
    relative_url: str
    body: Mapping[str, Any] | None = None
    waba_id: str | None = None
    idempotent: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        if self.method not in ("GET", "POST", "DELETE"):
            raise ValueError(f"batch method must be GET, POST or DELETE, not {self.method}")
        object.__setattr__(self, "relative_url", self.relative_url.lstrip("/"))

    @classmethod
    def get(
        cls,
        node: str,
        params: JSONParams | None = None,
        *,
        fields: Sequence[str] | None = None,
        waba_id: str | None = None,
    ) -> BatchRequest:
        """A GET of `node` (e.g. `"3000000000001"` or `"2000000000001/subscribed_apps"`)."""
        query = encode_params({**(params or {}), **({"fields": list(fields)} if fields else {})})
        url = node.lstrip("/") + (f"?{urlencode(query)}" if query else "")
        return cls("GET", url, waba_id=waba_id)

    @property
    def repeatable(self) -> bool:
        return self.method == "GET" or self.idempotent

    @functools.cached_property
    def node_path(self) -> str:
        """The path part of `relative_url`, without the query."""
        return urlsplit(self.relative_url).path

    def to_wire(self) -> dict[str, str]:
        op = {"method": self.method, "relative_url": self.relative_url}
        if self.body:
            op["body"] = urlencode(encode_params(self.body))
        return op


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one operation: `body` (parsed JSON) when it succeeded, else `error`."""

    request: BatchRequest
    status: int | None
    body: Any = None
    error: GraphError | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def value(self) -> Any:
        """The parsed body, or raise the operation's error."""
        if self.error is not None:
            raise self.error
        return self.body


class Batching(Protocol):
    """What sends batches: GraphClient, or a stand-in that gathers requests into shared batches."""

    async def batch(self, requests: Sequence[BatchRequest]) -> list[BatchResult]: ...


@dataclass(frozen=True)
class WireEntry:
    """One element of a batch response, before interpretation. `completed=False` is a `null` entry."""

    completed: bool
    status: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None


def parse_batch_response(payload: Any, expected: int, *, method: str, path: str) -> list[WireEntry]:
    """The entries of a batch answer; UnexpectedResponseError if it is not an array of `expected` entries."""
    if not isinstance(payload, list) or len(payload) != expected:
        got = f"{len(payload)} entries" if isinstance(payload, list) else type(payload).__name__
        raise UnexpectedResponseError(
            f"batch answer should be an array of {expected} entries, got {got}",
            method=method,
            path=path,
            transient=True,
        )
    entries: list[WireEntry] = []
    for item in payload:
        if item is None:
            entries.append(WireEntry(completed=False))
            continue
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), int):
            raise UnexpectedResponseError(
                "batch answer entry is not {code, headers, body}", method=method, path=path, transient=True
            )
        headers: dict[str, str] = {}
        for header in item.get("headers") or ():
            if isinstance(header, Mapping) and "name" in header:
                headers[str(header["name"]).lower()] = str(header.get("value", ""))
        body = item.get("body")
        entries.append(
            WireEntry(
                completed=True,
                status=item["code"],
                headers=headers,
                body=body if isinstance(body, str) or body is None else json.dumps(body),
            )
        )
    return entries
