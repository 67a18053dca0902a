"""A Graph call as the simulator's core sees it, free of HTTP: `GraphRequest` in, `GraphResponse` out.

The HTTP layer (app.py) and batch requests (batch.py) both build `GraphRequest`s, so a batch operation
goes through exactly the code a direct call does. Parameter helpers here accept what real clients send
(META-API.md §11): query string, form or JSON body; JSON-encoded nested values; `"true"` strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from .errors import GraphError, invalid_parameter, missing_parameter

VERSION_RE = re.compile(r"^v[0-9]+\.[0-9]+$")
DEFAULT_VERSION = "v23.0"


@dataclass
class GraphRequest:
    method: str  # GET, POST, DELETE
    path: str  # without the version: "/2000000000001/phone_numbers"
    params: dict[str, Any]  # merged query + body
    token: str | None
    version: str = DEFAULT_VERSION
    base_url: str = ""  # "http://127.0.0.1:54321", for paging links
    query: dict[str, str] = field(default_factory=dict)  # the query string alone (paging links keep it)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""  # raw body (resumable upload)
    in_batch: bool = False


@dataclass
class GraphResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    endpoint: str = ""  # "POST /{Phone-Number-ID}/register"
    wrote: bool = False  # state changed (the lost-response knob only drops these)
    waba_ids: tuple[str, ...] = ()  # WABAs whose budget this call used


def split_version(path: str) -> tuple[str, str]:
    """`/v23.0/123/` -> (`v23.0`, `/123`). Unversioned paths use the default version."""
    parts = [p for p in path.split("/") if p]
    version = DEFAULT_VERSION
    if parts and VERSION_RE.match(parts[0]):
        version = parts.pop(0)
    return version, "/" + "/".join(parts)


def token_from(headers: Mapping[str, str], params: Mapping[str, Any]) -> str | None:
    """`Authorization: Bearer …` / `OAuth …`, else the `access_token` parameter."""
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    token = params.get("access_token")
    return str(token) if token else None


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Form or JSON bodies become a dict; anything else (an upload's bytes) is left to the handler."""
    if not body:
        return {}
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise invalid_parameter("The request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise invalid_parameter("The JSON request body must be an object")
        return data
    if ctype in ("application/x-www-form-urlencoded", ""):
        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return {}
    if ctype == "multipart/form-data":
        return _multipart(content_type, body)
    return {}


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True)
            payload = payload if isinstance(payload, bytes) else b""
            out[str(name)] = (
                payload.decode("utf-8", errors="replace") if part.get_filename() is None else payload
            )
    return out


# ------------------------------------------------------------------------------ parameter helpers


def p_str(params: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise missing_parameter(name)
        return None if value is None else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise invalid_parameter(f"Param {name} must be a string")
    return value


def p_bool(params: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", ""):
        return False
    if isinstance(value, int):
        return bool(value)
    raise invalid_parameter(f"Param {name} must be a boolean")


def p_int(params: Mapping[str, Any], name: str, default: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_parameter(f"Param {name} must be an integer") from None


def p_json(params: Mapping[str, Any], name: str) -> Any:
    """A nested value: already structured (JSON body) or a JSON string (form body, Meta's SDK)."""
    value = params.get(name)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")):
            try:
                return json.loads(text)
            except ValueError:
                raise invalid_parameter(f"Param {name} must be valid JSON") from None
    return value


def p_time(params: Mapping[str, Any], name: str) -> float | None:
    """A point in time as Graph takes it (`since`, `until`): a unix timestamp, or an ISO 8601 date/time."""
    value = params.get(name)
    if value is None or value == "":
        return None
    text = str(value).strip()
    if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return float(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_parameter(f"Param {name} must be a unix timestamp or an ISO 8601 date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def p_summary(params: Mapping[str, Any], name: str = "summary") -> bool | frozenset[str]:
    """`summary=true|false`, or `summary=total_count,…` for just those summary fields (META-API.md §11)."""
    value = params.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip()
    if text.lower() in ("true", "1"):
        return True
    if text.lower() in ("false", "0", ""):
        return False
    names = frozenset(part.strip() for part in text.split(",") if part.strip())
    if not all(re.fullmatch(r"[a-z_]+", n) for n in names):
        raise invalid_parameter(
            f"Param {name} must be true, false or a comma-separated list of summary fields"
        )
    return names


def pick_summary(wanted: bool | frozenset[str], full: dict[str, Any]) -> dict[str, Any] | None:
    """The summary object for `wanted` (from `p_summary`): all of `full`, the named fields, or none."""
    if wanted is False:
        return None
    if wanted is True:
        return full
    return {k: v for k, v in full.items() if k in wanted}


def check(condition: bool, error: GraphError) -> None:
    if not condition:
        raise error
