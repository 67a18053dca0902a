"""The world file: what simulated Meta knows before the first request (YAML, `docs/simulator.md`).

    world = load_world("examples/world.yaml")      # -> World, or WorldError listing every problem
    world = world_from_data({...})                 # the same from a dict (tests build worlds in code)

Each problem names `file:line:column`, the path (`phone_numbers[2].waba`) and what to do. Values follow
Meta's own rules (field limits, enums), because the simulator serves them back as Meta would.
The JSON Schema in `schemas/world.schema.json` is generated from these models (`simulator/schema.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import phonenumbers
import yaml  # type: ignore[import-untyped]
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

# --------------------------------------------------------------------------------------------- enums

BusinessVerification = Literal[
    "expired",
    "failed",
    "ineligible",
    "not_verified",
    "pending",
    "pending_need_more_info",
    "pending_submission",
    "rejected",
    "revoked",
    "verified",
]
ReviewStatus = Literal["APPROVED", "PENDING", "REJECTED"]
PhoneStatus = Literal[
    "CONNECTED",
    "DISCONNECTED",
    "PENDING",
    "FLAGGED",
    "RESTRICTED",
    "BANNED",
    "MIGRATED",
    "DELETED",
    "UNVERIFIED",
]
NameStatus = Literal["APPROVED", "AVAILABLE_WITHOUT_REVIEW", "DECLINED", "EXPIRED", "PENDING_REVIEW", "NONE"]
CodeVerification = Literal["VERIFIED", "NOT_VERIFIED", "EXPIRED"]
Platform = Literal["CLOUD_API", "ON_PREMISE", "NOT_APPLICABLE"]
Quality = Literal["GREEN", "YELLOW", "RED", "UNKNOWN", "NA"]
Throughput = Literal["STANDARD", "HIGH", "NOT_APPLICABLE"]
LimitTier = Literal["TIER_50", "TIER_250", "TIER_1K", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"]
Region = Literal["AE", "AU", "BH", "BR", "CA", "CH", "DE", "GB", "ID", "IN", "JP", "KR", "SG", "ZA"]
Vertical = Literal[
    "",
    "ALCOHOL",
    "APPAREL",
    "AUTO",
    "BEAUTY",
    "EDU",
    "ENTERTAIN",
    "EVENT_PLAN",
    "FINANCE",
    "GOVT",
    "GROCERY",
    "HEALTH",
    "HOTEL",
    "NONPROFIT",
    "ONLINE_GAMBLING",
    "OTC_DRUGS",
    "OTHER",
    "PHYSICAL_GAMBLING",
    "PROF_SERVICES",
    "RESTAURANT",
    "RETAIL",
    "TRAVEL",
]
TemplateCategory = Literal["AUTHENTICATION", "MARKETING", "UTILITY"]
TemplateStatus = Literal[
    "APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "LIMIT_EXCEEDED", "ARCHIVED"
]
Scope = Literal["whatsapp_business_management", "whatsapp_business_messaging", "business_management"]

# ------------------------------------------------------------------------------------------- scalars


def _id_from_int(value: object) -> object:
    # YAML reads an unquoted 1000000000001 as an int; Graph IDs are strings of digits.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


GraphId = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,20}$"),
    BeforeValidator(_id_from_int),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": "^[0-9]{1,20}$"}, {"type": "integer", "minimum": 0}],
            "description": 'a Graph ID: digits, best quoted ("1000000000001")',
        }
    ),
]
Pin = Annotated[str, Field(pattern=r"^[0-9]{6}$", description='six digits, quoted: "135790"')]
HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=256)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -------------------------------------------------------------------------------------------- models


class Business(_Model):
    """A Meta business portfolio."""

    id: GraphId
    name: str = Field(min_length=1)
    verification_status: BusinessVerification = "verified"
    timezone_id: int = Field(0, ge=0, description="the portfolio's time zone, by Meta's numeric ID")


class App(_Model):
    """A Meta app (a BSP's app): subscribes to WABAs' webhooks, owns upload sessions."""

    id: GraphId
    name: str = Field(min_length=1)
    callback_url: HttpUrl | None = Field(None, description="the app's webhook callback URL (app dashboard)")
    app_secret: str | None = Field(
        None,
        min_length=1,
        description="the app's secret: with callback_url, state changes are POSTed there as Meta's webhooks, "
        "signed with it (X-Hub-Signature-256)",
    )


class Token(_Model):
    """An access token and what it reaches. WABA access is explicit, not implied by the business."""

    token: str = Field(min_length=1)
    app: GraphId = Field(description="the app the token belongs to (it subscribes, uploads, is rate-limited)")
    businesses: list[GraphId] = Field(default_factory=list, description="business portfolios it can read")
    wabas: list[GraphId] = Field(default_factory=list, description="WABAs it can read and manage")
    view_only_wabas: list[GraphId] = Field(
        default_factory=list, description="WABAs it can read but not change (writes answer #200)"
    )
    scopes: list[Scope] = Field(
        default_factory=lambda: _default_scopes(),
        description="granted permissions; without whatsapp_business_management every call answers #10",
    )
    expires_at: datetime | None = Field(
        None, description="after this (simulated) time the token answers #190"
    )
    description: str | None = None


def _default_scopes() -> list[Scope]:
    return ["whatsapp_business_management", "whatsapp_business_messaging"]


class Subscription(_Model):
    """An app subscribed to a WABA's webhooks, with an optional WABA-level callback override."""

    app: GraphId
    override_callback_uri: HttpUrl | None = None
    verify_token: str | None = None


class Template(_Model):
    """A message template (one name + language)."""

    id: GraphId
    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = Field(pattern=r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")
    category: TemplateCategory
    status: TemplateStatus = "APPROVED"
    quality_score: Quality = "UNKNOWN"
    parameter_format: Literal["POSITIONAL", "NAMED"] = "POSITIONAL"
    components: list[dict[str, Any]] = Field(default_factory=list)
    rejected_reason: str | None = None
    sub_category: str | None = None


class Waba(_Model):
    """A WhatsApp Business Account."""

    id: GraphId
    name: str = Field(min_length=1, max_length=255)
    owner_business: GraphId
    account_review_status: ReviewStatus = "APPROVED"
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    timezone_id: str = "1"
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    message_template_namespace: str | None = None
    ownership_type: Literal["CLIENT_OWNED", "ON_BEHALF_OF", "SELF"] = "CLIENT_OWNED"
    payment_method_attached: bool = Field(
        True,
        description="a payment method / credit line (migration needs it; currency and time zone are "
        "then fixed)",
    )
    subscribed_apps: list[GraphId | Subscription] = Field(
        default_factory=list, description="app IDs, or {app, override_callback_uri, verify_token}"
    )
    templates: list[Template] = Field(default_factory=list)

    @property
    def subscriptions(self) -> list[Subscription]:
        return [s if isinstance(s, Subscription) else Subscription(app=s) for s in self.subscribed_apps]


class TwoStep(_Model):
    """Two-step verification. Only the owner can turn it off (WhatsApp Manager), never the API."""

    enabled: bool = False
    pin: Pin | None = None


class Profile(_Model):
    """WhatsApp business profile, with Meta's limits (META-API.md §4.4)."""

    about: str | None = Field(None, min_length=1, max_length=139)
    address: str | None = Field(None, max_length=256)
    description: str | None = Field(None, max_length=512)
    email: str | None = Field(None, max_length=128, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    vertical: Vertical = ""
    websites: list[HttpUrl] = Field(default_factory=list, max_length=2)
    profile_picture_url: HttpUrl | None = None


class WebhookOverride(_Model):
    override_callback_uri: HttpUrl
    verify_token: str | None = None


class PhoneNumber(_Model):
    """A business phone number and everything Meta keeps about it."""

    id: GraphId
    display_phone_number: str = Field(description='international form, e.g. "+852 5123 4567"')
    waba: GraphId
    status: PhoneStatus = "CONNECTED"
    verified_name: str = Field(min_length=1, max_length=75)
    name_status: NameStatus = "APPROVED"
    new_display_name: str | None = Field(None, min_length=2, max_length=75, description="a pending rename")
    new_name_status: NameStatus | None = None
    code_verification_status: CodeVerification = "VERIFIED"
    platform_type: Platform = "CLOUD_API"
    quality_rating: Quality = "GREEN"
    throughput: Throughput = "STANDARD"
    messaging_limit_tier: LimitTier = "TIER_1K"
    is_official_business_account: bool = False
    account_mode: Literal["LIVE", "SANDBOX"] = "LIVE"
    two_step: TwoStep = Field(default_factory=lambda: TwoStep.model_validate({}))
    data_localization_region: Region | None = None
    profile: Profile = Field(default_factory=lambda: Profile.model_validate({}))
    webhook_override: WebhookOverride | None = None
    last_onboarded_time: datetime | None = None

    @field_validator("display_phone_number")
    @classmethod
    def _valid_number(cls, value: str) -> str:
        e164(value)
        return value


class Limits(_Model):
    """Meta's limits, configurable for tests (defaults are Meta's documented values)."""

    waba_calls_per_hour: int = Field(200, ge=1, description="per app per WABA (META-API.md §7.1)")
    waba_calls_per_hour_registered: int = Field(
        5000, ge=1, description="once the WABA has a registered number"
    )
    template_creations_per_hour: int = Field(100, ge=1)
    register_per_72h: int = Field(
        10, ge=1, description="per number, rolling 72 h (register and deregister each)"
    )
    deregister_per_72h: int = Field(10, ge=1)
    code_ttl_seconds: int = Field(600, ge=1, description="how long a one-time code stays valid")
    template_name_lock_days: int = Field(30, ge=0)


class Clock(_Model):
    start: datetime | None = Field(None, description="simulated time at start (default: real time)")
    frozen: bool = Field(False, description="when true, only `advance` moves time")


class World(_Model):
    """Everything the simulated Meta holds at start."""

    version: Literal[1] = 1
    description: str | None = None
    clock: Clock = Field(default_factory=lambda: Clock.model_validate({}))
    limits: Limits = Field(default_factory=lambda: Limits.model_validate({}))
    businesses: list[Business] = Field(default_factory=list)
    apps: list[App] = Field(default_factory=list)
    tokens: list[Token] = Field(default_factory=list)
    wabas: list[Waba] = Field(default_factory=list)
    phone_numbers: list[PhoneNumber] = Field(default_factory=list)


# ----------------------------------------------------------------------------------------- numbers


def e164(text: str) -> str:
    """`"+852 5123 4567"` -> `"+85251234567"`, or ValueError saying what is wrong."""
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(
            f'{text!r} is not an international phone number (write it like "+852 5123 4567")'
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise ValueError(f"{text!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_form(cc: str, national: str) -> str:
    """Meta's display style for a number given as `cc` + `phone_number`: `"+852 6123 4567"`."""
    number = phonenumbers.parse(f"+{cc}{national}", None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# ------------------------------------------------------------------------------------------ errors


@dataclass(frozen=True)
class WorldProblem:
    location: str  # "world.yaml:12:5" or "<world>"
    path: str  # "phone_numbers[2].waba"
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.path or '(top)'}: {self.message}"


class WorldError(ValueError):
    """The world file cannot be used; `problems` lists every reason."""

    def __init__(self, source: str, problems: Sequence[WorldProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid simulator world {source} ({len(self.problems)} problem(s)):\n{lines}")


# ----------------------------------------------------------------------------------------- loading

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's reader, where PyYAML was built with it


def load_world(path: str | Path) -> World:
    """Read and check a world file (YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorldError(
            str(path), [WorldProblem(str(path), "", f"cannot read the file: {exc.strerror}")]
        ) from exc
    return world_from_text(text, source=str(path))


def world_from_text(text: str, *, source: str = "<world>") -> World:
    """The world in `text`: read once with libyaml where PyYAML has it (a 50,000-number world took minutes
    with the pure-Python reader, twice over); its node tree, to place problems at their lines, is composed
    only when there are problems to place."""
    try:
        try:
            data = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError:  # read again for PyYAML's own words and marks (libyaml's differ)
            data = yaml.load(text, Loader=yaml.SafeLoader)
        if data is None or not isinstance(data, Mapping):
            return world_from_data(data if data is not None else {}, source=source)
        try:
            return world_from_data(data, source=source)
        except WorldError:
            node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        what = ": ".join(filter(None, (exc.context, exc.problem))) or "invalid YAML"  # one location only
        problem = f"not valid YAML: {what} (fix the YAML syntax at this line)"
        raise WorldError(source, [WorldProblem(where, "", problem)]) from None
    except yaml.YAMLError as exc:
        raise WorldError(source, [WorldProblem(source, "", f"not valid YAML: {exc}")]) from None
    return world_from_data(data, source=source, node=node)


def world_from_data(
    data: Mapping[str, Any], *, source: str = "<world>", node: yaml.Node | None = None
) -> World:
    """Build a World from plain data; every problem is reported at once."""
    if not isinstance(data, Mapping):
        raise WorldError(
            source, [WorldProblem(source, "", "the world must be a mapping (businesses:, wabas:, …)")]
        )
    try:
        world = World.model_validate(data)
    except ValidationError as exc:
        problems = [
            WorldProblem(_where(source, node, err["loc"]), _path(err["loc"]), _explain(err))
            for err in exc.errors(include_url=False)
        ]
        raise WorldError(source, problems) from None
    problems = [
        WorldProblem(_where(source, node, loc), _path(loc), msg) for loc, msg in check_references(world)
    ]
    if problems:
        raise WorldError(source, problems)
    return world


_Loc = tuple[str | int, ...]  # a path into the world: ("phone_numbers", 2, "waba")
_Problem = tuple[_Loc, str]  # where, and what is wrong there


def check_references(world: World) -> list[_Problem]:
    """Cross-references and uniqueness that a schema cannot express, in the order of the file's sections."""
    businesses = {b.id for b in world.businesses}
    apps = {a.id for a in world.apps}
    wabas = {w.id for w in world.wabas}
    ids = _GraphIds()
    out: list[_Problem] = []
    for i, b in enumerate(world.businesses):
        out += ids.claim(b.id, ("businesses", i, "id"))
    for i, a in enumerate(world.apps):
        out += ids.claim(a.id, ("apps", i, "id"))
    out += _token_problems(world, businesses, apps, wabas)
    for i, w in enumerate(world.wabas):
        out += _waba_problems(i, w, ids, businesses, apps)
    out += _number_problems(world, ids, wabas)
    return out


class _GraphIds:
    """The Graph IDs claimed so far, across every kind of object: Graph IDs are unique."""

    def __init__(self) -> None:
        self.seen: dict[str, _Loc] = {}

    def claim(self, obj_id: str, loc: _Loc) -> list[_Problem]:
        if obj_id in self.seen:
            return [(loc, f"ID {obj_id} is already used at {_path(self.seen[obj_id])}; Graph IDs are unique")]
        self.seen[obj_id] = loc
        return []


def _token_problems(world: World, businesses: set[str], apps: set[str], wabas: set[str]) -> list[_Problem]:
    out: list[_Problem] = []
    tokens: set[str] = set()
    for i, tok in enumerate(world.tokens):
        if tok.token in tokens:
            out.append((("tokens", i, "token"), f"token {tok.token!r} is listed twice"))
        tokens.add(tok.token)
        if tok.app not in apps:
            out.append((("tokens", i, "app"), f"no app {tok.app} in apps:"))
        for j, b_id in enumerate(tok.businesses):
            if b_id not in businesses:
                out.append((("tokens", i, "businesses", j), f"no business {b_id} in businesses:"))
        for key in ("wabas", "view_only_wabas"):
            for j, w_id in enumerate(getattr(tok, key)):
                if w_id not in wabas:
                    out.append((("tokens", i, key, j), f"no WABA {w_id} in wabas:"))
    return out


def _waba_problems(i: int, w: Waba, ids: _GraphIds, businesses: set[str], apps: set[str]) -> list[_Problem]:
    """`wabas[i]`: its ID, owner, subscribed apps and templates (their IDs, one of each name and language)."""
    out = ids.claim(w.id, ("wabas", i, "id"))
    if w.owner_business not in businesses:
        out.append((("wabas", i, "owner_business"), f"no business {w.owner_business} in businesses:"))
    for j, s in enumerate(w.subscriptions):
        if s.app not in apps:
            out.append((("wabas", i, "subscribed_apps", j), f"no app {s.app} in apps:"))
    names: set[tuple[str, str]] = set()
    for j, t in enumerate(w.templates):
        out += ids.claim(t.id, ("wabas", i, "templates", j, "id"))
        if (t.name, t.language) in names:
            out.append((("wabas", i, "templates", j), f"template {t.name} ({t.language}) is listed twice"))
        names.add((t.name, t.language))
    return out


def _number_problems(world: World, ids: _GraphIds, wabas: set[str]) -> list[_Problem]:
    """Each phone number: its ID, its WABA, a PIN for two-step, a whole pending rename, and no number
    live twice in one WABA."""
    out: list[_Problem] = []
    live: dict[tuple[str, str], int] = {}
    for i, n in enumerate(world.phone_numbers):
        out += ids.claim(n.id, ("phone_numbers", i, "id"))
        if n.waba not in wabas:
            out.append((("phone_numbers", i, "waba"), f"no WABA {n.waba} in wabas:"))
        if n.two_step.enabled and n.two_step.pin is None:
            out.append((("phone_numbers", i, "two_step", "pin"), "two-step verification is on: give its pin"))
        if (n.new_display_name is None) != (n.new_name_status is None):
            out.append(
                (("phone_numbers", i), "new_display_name and new_name_status go together (a pending rename)")
            )
        if n.status not in ("MIGRATED", "DELETED"):
            number_key = (n.waba, e164(n.display_phone_number))
            if number_key in live:
                out.append(
                    (
                        ("phone_numbers", i, "display_phone_number"),
                        f"the same number is already phone_numbers[{live[number_key]}]",
                    )
                )
            live[number_key] = i
    return out


# ------------------------------------------------------------------------------- error positioning


def _path(loc: Iterable[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _explain(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see docs/simulator.md)"
    if kind == "missing":
        return "required key is missing"
    if kind == "string_pattern_mismatch" and isinstance(err.get("input"), int):
        return f"{msg}; write it as a quoted string"
    return msg


def _where(source: str, node: yaml.Node | None, loc: Sequence[str | int]) -> str:
    """`file:line:col` of the deepest YAML node along `loc` (pydantic error locations)."""
    best = node
    current = node
    for part in loc:
        if current is None:
            break
        nxt: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in current.value:
                if getattr(key_node, "value", None) == part:
                    nxt = value_node
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            nxt = current.value[part]
        if nxt is None:
            # union/validator branches put extra parts in loc ("function-before[...]"): skip them
            if isinstance(part, str) and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
                continue
            break
        best = current = nxt
    if best is None:
        return source
    return f"{source}:{best.start_mark.line + 1}:{best.start_mark.column + 1}"
