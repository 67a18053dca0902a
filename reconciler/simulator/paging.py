"""Cursor paging as Graph does it: `limit`, `after`, `before`, `paging.cursors` and `paging.next`."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from .errors import invalid_parameter

T = TypeVar("T")

DEFAULT_LIMIT = 25
MAX_LIMIT = 100  # the spec's maximum for phone_numbers; larger requests are capped, as Graph does


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(f"sim:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raw = ""
    if not raw.startswith("sim:"):
        raise invalid_parameter(f"The cursor {cursor!r} is not valid; start again without it")
    return raw[4:]


def clamp_limit(value: Any, default: int = DEFAULT_LIMIT) -> int:
    if value is None or value == "":
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise invalid_parameter("Param limit must be an integer") from None
    if limit < 1:
        raise invalid_parameter("Param limit must be a positive integer")
    return min(limit, MAX_LIMIT)


def paginate(
    items: Sequence[T],
    key: Callable[[T], str],
    *,
    limit: int,
    after: str | None = None,
    before: str | None = None,
) -> tuple[list[T], dict[str, Any], bool, bool]:
    """One page: (items, cursors, has_next, has_previous). Cursors name items, so inserts don't shift them."""
    keys = [key(i) for i in items]
    start, stop = 0, len(items)
    if after:
        k = decode_cursor(after)
        start = keys.index(k) + 1 if k in keys else len(items)
        stop = min(len(items), start + limit)
    elif before:
        k = decode_cursor(before)
        stop = keys.index(k) if k in keys else 0
        start = max(0, stop - limit)
    else:
        stop = min(len(items), limit)
    page = list(items[start:stop])
    cursors: dict[str, Any] = {}
    if page:
        cursors = {"before": encode_cursor(key(page[0])), "after": encode_cursor(key(page[-1]))}
    return page, cursors, stop < len(items), start > 0


def paging_object(
    cursors: dict[str, Any],
    has_next: bool,
    has_previous: bool,
    *,
    url: str,
    query: Mapping[str, str],
    limit: int,
) -> dict[str, Any]:
    """`{"cursors": {...}, "next"?: url, "previous"?: url}`: links keep the caller's query (token too)."""
    paging: dict[str, Any] = {"cursors": cursors} if cursors else {}
    base = {k: v for k, v in query.items() if k not in ("after", "before", "limit")}
    if has_next and cursors:
        paging["next"] = f"{url}?{urlencode({**base, 'limit': limit, 'after': cursors['after']})}"
    if has_previous and cursors:
        paging["previous"] = f"{url}?{urlencode({**base, 'limit': limit, 'before': cursors['before']})}"
    return paging
