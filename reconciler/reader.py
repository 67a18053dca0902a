"""Read the live state a config needs, with the fewest requests the Graph API allows.

    round 1  one batch pass over every WABA the config names: the node (review and verification status),
             its subscribed apps, the first page of its phone numbers and of its templates   (4 ops a WABA)
    round 2+ further pages of any edge that has more, batched again                          (only if needed)
    last     the business profile of each declared number that exists at Meta             (1 op a number)

Operations travel in Graph batches of 50, so a full read of N numbers in M WABAs costs about
ceil(4M/50) + ceil(N/50) HTTP requests (plus paging), while Meta counts 4M + N operations. Everything is
normalised here (empty strings to None, display numbers to E.164, lists to tuples) so the diff compares
like with like.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reconciler.config.model import Config
from reconciler.config.phone import e164_or_none
from reconciler.graph.allowance import Allowance
from reconciler.graph.batch import Batching, BatchRequest
from reconciler.graph.client import GraphClient
from reconciler.graph.errors import GraphError, NotFoundError, PermissionDeniedError, ThrottledError
from reconciler.snapshot import (
    LiveNumber,
    LiveProfile,
    LiveSubscription,
    LiveTemplate,
    LiveWaba,
    Snapshot,
    Unreadable,
)

WABA_FIELDS = (
    "id", "name", "account_review_status", "business_verification_status", "owner_business_info",
    "currency", "timezone_id", "primary_funding_id",
)  # fmt: skip
NUMBER_FIELDS = (
    "id", "display_phone_number", "verified_name", "name_status", "new_display_name", "new_name_status",
    "code_verification_status", "status", "platform_type", "quality_rating", "throughput",
    "messaging_limit_tier", "is_official_business_account", "new_certificate", "last_onboarded_time",
)  # fmt: skip
TEMPLATE_FIELDS = (
    "id", "name", "language", "status", "category", "components", "parameter_format", "quality_score",
    "rejected_reason",
)  # fmt: skip
PROFILE_FIELDS = ("about", "address", "description", "email", "profile_picture_url", "websites", "vertical")
PAGE_SIZE = 100


@dataclass
class _Edges:
    """What one WABA's reads have produced so far."""

    node: Mapping[str, Any] | None = None
    subscriptions: list[Mapping[str, Any]] = field(default_factory=list)
    numbers: list[Mapping[str, Any]] = field(default_factory=list)
    templates: list[Mapping[str, Any]] = field(default_factory=list)
    error: GraphError | None = None


async def read_snapshot(
    config: Config, graph: GraphClient, *, sources: Mapping[str, GraphClient] | None = None
) -> Snapshot:
    """The live state of every WABA `config` names (and of migration sources, given their clients)."""
    waba_ids = sorted({waba.id for waba in config.wabas.values()})
    declared = set(config.numbers)
    wabas, unreadable = await read_wabas(graph, waba_ids, profiles_for=declared)
    source_wabas: dict[str, LiveWaba] = {}
    for source_id, client in (sources or {}).items():
        found, failed = await read_wabas(client, [source_id], profiles_for=set(), templates=True)
        source_wabas.update(found)
        unreadable.update(failed)
    return Snapshot(
        wabas=wabas,
        sources=source_wabas,
        unreadable=unreadable,
        graph_url=graph.settings.base_url,
        api_version=graph.api_version,
    )


async def read_wabas(
    graph: GraphClient, waba_ids: Sequence[str], *, profiles_for: set[str] | None, templates: bool = True
) -> tuple[dict[str, LiveWaba], dict[str, Unreadable]]:
    """Read `waba_ids` and the business profiles of the numbers in `profiles_for` (E.164; None: all)."""
    edges = await _read_edges(graph, waba_ids, templates=templates)
    found, failed, numbers_by_id = _live_wabas(edges, known=profiles_for or frozenset())
    del edges  # Meta's raw answers, normalised now: not held while the profiles are read
    wanted = _profiles_wanted(numbers_by_id.values(), profiles_for)
    for waba_id, short in _over_budget(graph, found, wanted).items():  # not begun: left out whole
        del found[waba_id]
        failed[waba_id] = Unreadable(waba_id, short)
    wanted = [(waba_id, n) for waba_id, n in wanted if waba_id in found]
    throttled = await _read_profiles(graph, found, wanted)
    for waba_id, error in throttled.items():
        del found[waba_id]
        failed[waba_id] = Unreadable(waba_id, _reason(error))
    return found, failed


def _profiles_wanted(
    numbers: Iterable[tuple[str, LiveNumber]], profiles_for: set[str] | None
) -> list[tuple[str, LiveNumber]]:
    """(WABA ID, number) for each registered number in `profiles_for` (None: all): whose profiles to read."""
    return [(w, n) for w, n in numbers if n.registered and (profiles_for is None or n.e164 in profiles_for)]


def allowances(graph: GraphClient, wabas: Mapping[str, LiveWaba]) -> dict[str, Allowance]:
    """What Meta's answers so far left of each of `wabas`' hourly budgets (those it has reported on)."""
    known = set(graph.budget.known_ids())
    return {
        waba_id: Allowance.of(
            graph.budget.status(waba_id).percent, registered=any(n.registered for n in waba.numbers.values())
        )
        for waba_id, waba in wabas.items()
        if waba_id in known
    }


def _over_budget(
    graph: GraphClient, found: Mapping[str, LiveWaba], wanted: Iterable[tuple[str, LiveNumber]]
) -> dict[str, str]:
    """WABA ID → why its profiles are not read now: reading them needs more operations than Meta's last
    answers left of its hourly budget. Reading part of them would spend the rest and plan nothing."""
    needed: dict[str, int] = {}
    for waba_id, _ in wanted:
        needed[waba_id] = needed.get(waba_id, 0) + 1
    left = allowances(graph, {waba_id: found[waba_id] for waba_id in needed})
    short: dict[str, str] = {}
    for waba_id, allowance in left.items():
        count = needed[waba_id]
        why = allowance.shortfall(count, f"reading its {count} business profiles")
        if why is not None:
            short[waba_id] = f"not readable now: {why}; retry in about an hour"
    return short


_Read = tuple[str, str, BatchRequest]  # (WABA ID, edge: "node" or an _Edges list, request)


async def _read_edges(graph: GraphClient, waba_ids: Sequence[str], *, templates: bool) -> dict[str, _Edges]:
    """Rounds 1 and 2+: each WABA's node and edges, batched, a round for each further page; the first
    error a WABA meets is kept in its `_Edges`."""
    edges = {waba_id: _Edges() for waba_id in waba_ids}
    round_ = _first_round(waba_ids, templates=templates)
    while round_:
        results = await graph.batch([request for _, _, request in round_])
        next_round: list[_Read] = []
        for (waba_id, edge, request), result in zip(round_, results, strict=True):
            state = edges[waba_id]
            if result.error is not None:
                state.error = state.error or result.error
            elif edge == "node":
                state.node = result.body
            else:
                getattr(state, edge).extend(result.body.get("data", []))
                after = _next_cursor(result.body)
                if after is not None:
                    next_round.append((waba_id, edge, _with_after(request, after)))
        round_ = next_round
    return edges


def _first_round(waba_ids: Sequence[str], *, templates: bool) -> list[_Read]:
    """Round 1: each WABA's node, subscribed apps and first pages of numbers and (if wanted) templates."""
    # each query encoded once, not once per WABA
    edges = [
        ("node", "", _query(fields=WABA_FIELDS)),
        ("subscriptions", "/subscribed_apps", ""),
        ("numbers", "/phone_numbers", _query({"limit": PAGE_SIZE}, fields=NUMBER_FIELDS)),
    ]
    if templates:
        edges.append(
            ("templates", "/message_templates", _query({"limit": PAGE_SIZE}, fields=TEMPLATE_FIELDS))
        )
    return [
        (waba_id, edge, BatchRequest("GET", f"{waba_id}{node}{query}", waba_id=waba_id))
        for waba_id in waba_ids
        for edge, node, query in edges
    ]


def _query(params: Mapping[str, Any] | None = None, *, fields: Iterable[str]) -> str:
    """`?…`: the query of a GET, encoded as BatchRequest.get encodes it."""
    return BatchRequest.get("", params, fields=list(fields)).relative_url


def _live_wabas(
    edges: Mapping[str, _Edges], *, known: AbstractSet[str]
) -> tuple[dict[str, LiveWaba], dict[str, Unreadable], dict[str, tuple[str, LiveNumber]]]:
    """What was read, normalised: the WABAs read; those Meta would not show (not found, not permitted)
    or not now (its rate budget spent), any other error raised; and every number read by its ID, with
    its WABA's ID. A display number whose digits are a `known` E.164 (the config's, parsed when it was
    loaded) is not parsed again."""
    found: dict[str, LiveWaba] = {}
    failed: dict[str, Unreadable] = {}
    numbers_by_id: dict[str, tuple[str, LiveNumber]] = {}
    for waba_id, state in edges.items():
        if state.error is not None:
            if not isinstance(state.error, (NotFoundError, PermissionDeniedError, ThrottledError)):
                raise state.error
            failed[waba_id] = Unreadable(waba_id, _reason(state.error))
            continue
        numbers = [_number(raw, waba_id, known) for raw in state.numbers]
        for number in numbers:
            numbers_by_id[number.id] = (waba_id, number)
        found[waba_id] = _live_waba(waba_id, state, numbers)
    return found, failed, numbers_by_id


def _live_waba(waba_id: str, state: _Edges, numbers: Sequence[LiveNumber]) -> LiveWaba:
    return LiveWaba(
        id=waba_id,
        name=_text(state.node, "name"),
        account_review_status=_text(state.node, "account_review_status"),
        business_verification_status=_text(state.node, "business_verification_status"),
        owner_business_id=_text((state.node or {}).get("owner_business_info"), "id"),
        primary_funding_id=_text(state.node, "primary_funding_id"),
        subscriptions=tuple(_subscription(raw) for raw in state.subscriptions),
        numbers={number.e164: number for number in numbers},
        templates=tuple(
            sorted((_template(raw) for raw in state.templates), key=lambda t: (t.name, t.language))
        ),
    )


async def _read_profiles(
    graph: GraphClient, found: Mapping[str, LiveWaba], wanted: Sequence[tuple[str, LiveNumber]]
) -> dict[str, ThrottledError]:
    """Last round: the business profile of each number `wanted`, set on its number in `found`. Returns the
    WABAs whose profiles Meta's rate limit held back (their first such error): they cannot be planned
    now, the others can."""
    throttled: dict[str, ThrottledError] = {}
    if wanted:
        query = _query(fields=PROFILE_FIELDS)  # encoded once, not per number
        results = await graph.batch(
            [BatchRequest("GET", f"{n.id}/whatsapp_business_profile{query}", waba_id=w) for w, n in wanted]
        )
        for (waba_id, number), result in zip(wanted, results, strict=True):
            if isinstance(result.error, ThrottledError):
                throttled.setdefault(waba_id, result.error)
                continue
            profile = _profile(result.value())
            live = found[waba_id]
            live.numbers[number.e164] = number.with_profile(profile)
    return throttled


def _next_cursor(body: Mapping[str, Any]) -> str | None:
    paging = body.get("paging") or {}
    if not paging.get("next"):
        return None
    after = (paging.get("cursors") or {}).get("after")
    if after:
        return str(after)
    query = dict(parse_qsl(urlsplit(str(paging["next"])).query))
    return query.get("after")


def _with_after(request: BatchRequest, after: str) -> BatchRequest:
    parts = urlsplit(request.relative_url)
    params = {k: v for k, v in parse_qsl(parts.query) if k not in ("after", "before")}
    params["after"] = after
    return BatchRequest.get(parts.path, params, waba_id=request.waba_id)


def _reason(error: GraphError) -> str:
    if isinstance(error, ThrottledError):
        return not_readable_now(error.retry_after)
    if isinstance(error, PermissionDeniedError):
        return "the access token has no permission on it"
    return "it does not exist, or the access token cannot see it"


def not_readable_now(retry_after: float | None) -> str:
    """Why a WABA over its rate budget is left out of this read, and when to try again."""
    wait = retry_after if retry_after and retry_after > 0 else 3600.0  # Meta's window: a rolling hour
    when = (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "not readable now: Meta's rate limit for it is spent (each operation counts: every page, every "
        f"batch entry); retry after {when} (in about {math.ceil(wait / 60)} min)"
    )


# ---------------------------------------------------------------- normalisation


def _text(raw: Mapping[str, Any] | None, key: str) -> str | None:
    value = raw.get(key) if raw else None
    if value is None:
        return None
    text = (value if type(value) is str else str(value)).strip()  # a read calls this 180,000 times
    return text or None


def _number(raw: Mapping[str, Any], waba_id: str, known: AbstractSet[str] = frozenset()) -> LiveNumber:
    display = str(raw.get("display_phone_number", ""))
    digits = "+" + "".join(c for c in display if c.isdigit())
    written = display if display.startswith("+") else f"+{display}"
    throughput = raw.get("throughput") or {}
    return LiveNumber(
        id=str(raw["id"]),
        e164=digits if digits in known else e164_or_none(written) or digits,
        display_phone_number=display,
        waba_id=waba_id,
        status=_text(raw, "status"),
        verified_name=_text(raw, "verified_name"),
        name_status=_text(raw, "name_status"),
        new_display_name=_text(raw, "new_display_name"),
        new_name_status=_text(raw, "new_name_status"),
        code_verification_status=_text(raw, "code_verification_status"),
        platform_type=_text(raw, "platform_type"),
        quality_rating=_text(raw, "quality_rating"),
        throughput_level=_text(throughput, "level") if isinstance(throughput, Mapping) else None,
        messaging_limit_tier=_text(raw, "messaging_limit_tier"),
        is_official_business_account=raw.get("is_official_business_account"),
        needs_reregister=bool(raw.get("new_certificate")),
        onboarded_at=_time(raw, "last_onboarded_time"),
    )


def _time(raw: Mapping[str, Any], key: str) -> float | None:
    """Meta's timestamp (`2023-08-22T19:05:53+0000`) as Unix seconds; None when absent or unreadable."""
    text = _text(raw, key)
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return None


def _profile(body: Mapping[str, Any]) -> LiveProfile:
    data = body.get("data") or [{}]
    raw = data[0] if isinstance(data, list) and data else {}
    return LiveProfile(
        about=_text(raw, "about"),
        address=_text(raw, "address"),
        description=_text(raw, "description"),
        email=_text(raw, "email"),
        vertical=_text(raw, "vertical") if raw.get("vertical") not in ("UNDEFINED", "NOT_A_BIZ") else None,
        websites=tuple(str(w) for w in raw.get("websites") or () if str(w).strip()),
        profile_picture_url=_text(raw, "profile_picture_url"),
    )


def _template(raw: Mapping[str, Any]) -> LiveTemplate:
    return LiveTemplate(
        id=str(raw["id"]),
        name=str(raw.get("name", "")),
        language=str(raw.get("language", "")),
        status=str(raw.get("status", "")),
        category=str(raw.get("category", "")),
        components=tuple(raw.get("components") or ()),
        parameter_format=_text(raw, "parameter_format"),
        quality_score=_quality(raw.get("quality_score")),
        rejected_reason=_rejected_reason(raw.get("rejected_reason")),
    )


def _rejected_reason(value: Any) -> str | None:
    """Meta's rejected_reason, None when it gives none (it writes "NONE" for a template not rejected)."""
    text = str(value).strip() if value is not None else ""
    return None if text in ("", "NONE") else text


def _quality(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return _text(value, "score")
    return _text({"q": value}, "q")


def _subscription(raw: Mapping[str, Any]) -> LiveSubscription:
    app = raw.get("whatsapp_business_api_data") or {}
    return LiveSubscription(
        app_id=str(app.get("id", "")),
        app_name=_text(app, "name"),
        override_callback_uri=_text(raw, "override_callback_uri"),
    )


# ---------------------------------------------------------------- one resource again (compare-and-set)


async def reread_number(graph: Batching, waba_id: str, number_id: str, *, with_profile: bool) -> LiveNumber:
    """One number as `read_wabas` would have seen it, for checking it has not moved since the plan."""
    requests = [BatchRequest.get(number_id, fields=NUMBER_FIELDS, waba_id=waba_id)]
    if with_profile:
        requests.append(
            BatchRequest.get(f"{number_id}/whatsapp_business_profile", fields=PROFILE_FIELDS, waba_id=waba_id)
        )
    results = await graph.batch(requests)
    number = _number(results[0].value(), waba_id)
    if with_profile and number.registered:
        number = number.with_profile(_profile(results[1].value()))
    return number


async def reread_template(graph: GraphClient, template_id: str) -> LiveTemplate:
    return _template(await graph.get(template_id, fields=TEMPLATE_FIELDS))


async def reread_waba(graph: GraphClient, waba_id: str) -> tuple[str | None, tuple[LiveSubscription, ...]]:
    """A WABA's review status and subscriptions."""
    node, apps = await graph.batch(
        [
            BatchRequest.get(waba_id, fields=["id", "account_review_status"], waba_id=waba_id),
            BatchRequest.get(f"{waba_id}/subscribed_apps", waba_id=waba_id),
        ]
    )
    subscriptions = tuple(_subscription(raw) for raw in apps.value().get("data", []))
    return _text(node.value(), "account_review_status"), subscriptions
