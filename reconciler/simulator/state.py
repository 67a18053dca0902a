"""Simulated Meta's in-memory state: plain records, built from a World, serialisable to JSON.

Only `operations` (numbers.py, templates.py, accounts.py, uploads.py) change it, always under the
dispatcher's lock. `dump_state()` / `load_state()` round-trip it through JSON so a later feature can keep
simulated Meta alive across CLI runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from .world import Limits, PhoneNumber, Profile, Template, Token, Waba, World, e164

REGISTERED = frozenset({"CONNECTED", "FLAGGED", "RESTRICTED"})
GONE = frozenset({"MIGRATED", "DELETED"})
PROFILE_ID_PREFIX = "55"  # a business profile's ID: this, then its number's ID (IDs are digit strings)


SEAL_ROUNDS = 20_000


def seal(secret: str | None) -> str | None:
    """How the simulator keeps a PIN or verify token: salted PBKDF2, so a saved state never holds the
    value, and a six-digit PIN cannot be recovered from it by trying all million (a user may run `--sim`
    with real PINs in the environment)."""
    if secret is None:
        return None
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), bytes.fromhex(salt), SEAL_ROUNDS).hex()
    return f"pbkdf2:{salt}:{digest}"


def sealed_matches(sealed: str | None, secret: str | None) -> bool:
    """Whether `secret` is what `seal` sealed (constant time)."""
    if sealed is None or secret is None:
        return sealed is None and secret is None
    kind, _, rest = sealed.partition(":")
    if kind != "pbkdf2":
        return False
    salt, _, digest = rest.partition(":")
    mine = hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), bytes.fromhex(salt), SEAL_ROUNDS).hex()
    return hmac.compare_digest(mine, digest)


@dataclass
class BusinessRec:
    id: str
    name: str
    verification_status: str
    timezone_id: int = 0


@dataclass
class AppRec:
    id: str
    name: str
    callback_url: str | None = None
    app_secret: str | None = None  # signs the webhooks sent to callback_url (none sent without it)


@dataclass
class TokenRec:
    token: str
    app_id: str
    businesses: list[str]
    wabas: list[str]
    view_only_wabas: list[str]
    scopes: list[str]
    expires_at: float | None = None


@dataclass
class SubscriptionRec:
    app_id: str
    override_callback_uri: str | None = None
    verify_token: str | None = None


@dataclass
class TemplateRec:
    id: str
    waba_id: str
    name: str
    language: str
    category: str
    status: str
    quality_score: str
    parameter_format: str
    components: list[dict[str, Any]]
    created_at: float
    rejected_reason: str | None = None
    sub_category: str | None = None
    previous_category: str | None = None
    message_send_ttl_seconds: int | None = None
    edits: list[float] = field(default_factory=list)  # times of edits made while APPROVED


@dataclass
class WabaRec:
    id: str
    name: str
    owner_business: str
    account_review_status: str
    currency: str
    timezone_id: str
    country: str | None
    message_template_namespace: str
    ownership_type: str
    payment_method_attached: bool
    subscriptions: list[SubscriptionRec]
    is_enabled_for_insights: bool = False
    template_auto_archival_enabled: bool = True
    disable_marketing_messages_on_cloud_api: bool = False
    created_at: float = 0.0  # creation_time (the world's WABAs exist from the clock's start)
    template_creations: list[float] = field(default_factory=list)


@dataclass
class ProfileRec:
    about: str | None = None
    address: str | None = None
    description: str | None = None
    email: str | None = None
    vertical: str = ""
    websites: list[str] = field(default_factory=list)
    profile_picture_url: str | None = None


@dataclass
class NumberRec:
    id: str
    e164: str
    display_phone_number: str
    waba_id: str
    status: str
    verified_name: str
    name_status: str
    code_verification_status: str
    platform_type: str
    quality_rating: str
    throughput: str
    messaging_limit_tier: str
    is_official_business_account: bool
    account_mode: str
    two_step_enabled: bool
    pin: str | None
    profile: ProfileRec
    created_at: float
    last_onboarded_time: float | None = None
    new_display_name: str | None = None
    new_name_status: str | None = None
    needs_reregister: bool = False  # an approved rename takes effect at the next register
    data_localization_region: str | None = None
    webhook_override_uri: str | None = None
    webhook_verify_token: str | None = None
    search_visibility: str = "VISIBLE"
    # how it came to this WABA: None (world), "add" (POST phone_numbers), "migrate" (add with migrate)
    onboarding: str | None = None
    migrating_from: str | None = None  # source number ID while a migration is pending
    migrated_to: str | None = None  # on the source record once the destination registered
    register_attempts: list[float] = field(default_factory=list)
    deregister_attempts: list[float] = field(default_factory=list)
    registration_blocked_until: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # POST /{Phone-Number-ID}/settings, by key

    @property
    def registered(self) -> bool:
        return self.status in REGISTERED

    @property
    def profile_id(self) -> str:
        """Its business profile's own node ID (`/{WhatsApp-Business-Profile-ID}`): one profile per number."""
        return PROFILE_ID_PREFIX + self.id


@dataclass
class CodeRec:
    phone_number_id: str
    code: str
    method: str
    language: str
    sent_at: float
    expires_at: float
    used: bool = False


@dataclass
class DeletedNameRec:
    waba_id: str
    name: str
    language: str
    locked_until: float


@dataclass
class UploadRec:
    id: str  # "upload:<session>"
    app_id: str
    file_name: str
    file_length: int
    file_type: str
    data_hex: str = ""
    handle: str | None = None

    @property
    def offset(self) -> int:
        return len(self.data_hex) // 2


@dataclass
class State:
    limits: Limits
    businesses: dict[str, BusinessRec] = field(default_factory=dict)
    apps: dict[str, AppRec] = field(default_factory=dict)
    tokens: dict[str, TokenRec] = field(default_factory=dict)
    wabas: dict[str, WabaRec] = field(default_factory=dict)
    numbers: dict[str, NumberRec] = field(default_factory=dict)
    templates: dict[str, TemplateRec] = field(default_factory=dict)
    deleted_names: list[DeletedNameRec] = field(default_factory=list)
    codes: dict[str, CodeRec] = field(default_factory=dict)  # last code sent, per phone number ID
    uploads: dict[str, UploadRec] = field(default_factory=dict)
    handles: dict[str, str] = field(default_factory=dict)  # upload handle -> upload ID
    next_id: int = 1

    # ------------------------------------------------------------------ lookups

    def new_id(self, prefix: str) -> str:
        """Deterministic fresh Graph IDs: prefix + counter, 15 digits like Meta's."""
        while True:
            value = f"{prefix}{self.next_id:0{15 - len(prefix)}d}"
            self.next_id += 1
            if not self.exists(value):
                return value

    def exists(self, obj_id: str) -> bool:
        return any(
            obj_id in table
            for table in (self.businesses, self.apps, self.wabas, self.numbers, self.templates)
        )

    def numbers_of(self, waba_id: str) -> list[NumberRec]:
        return list(self._numbers_by_waba().get(waba_id, ()))

    def _numbers_by_waba(self) -> dict[str, list[NumberRec]]:
        """Numbers grouped by WABA, rebuilt only when a number is added. Sound because a number record
        never changes WABA (a migration adds a new record) and none is ever removed; without it every
        request's budget check scanned every number (quadratic in a large estate)."""
        key = (id(self.numbers), len(self.numbers))
        cached = self.__dict__.get("_by_waba")
        if cached is None or cached[0] != key:
            grouped: dict[str, list[NumberRec]] = {}
            for number in self.numbers.values():
                grouped.setdefault(number.waba_id, []).append(number)
            cached = (key, grouped)
            self.__dict__["_by_waba"] = cached  # not a field: never dumped with the state
        return cached[1]

    def templates_of(self, waba_id: str) -> list[TemplateRec]:
        """The WABA's templates, from a grouping of the whole table kept between calls (each read of a
        WABA's templates used to scan every template of the estate). It is built again when the table
        changed: a template added (the table's size or its newest key differ: IDs are never reused),
        or one of this WABA's deleted or replaced (its record is no longer the table's)."""
        table = self.templates
        key = (id(table), len(table), next(reversed(table), None))
        cached = self.__dict__.get("_templates_grouped")
        if cached is not None and cached[0] == key:
            group = cached[1].get(waba_id, ())
            if all(table.get(t.id) is t for t in group):
                return list(group)
        grouped: dict[str, list[TemplateRec]] = {}
        for template in table.values():
            grouped.setdefault(template.waba_id, []).append(template)
        self.__dict__["_templates_grouped"] = (key, grouped)  # not a field: never dumped with the state
        return list(grouped.get(waba_id, ()))

    def waba_of(self, kind: str, obj: Any) -> str | None:
        if kind == "waba":
            return obj.id  # type: ignore[no-any-return]
        if kind in ("phone", "template", "profile"):
            return obj.waba_id  # type: ignore[no-any-return]
        return None

    def profile_owner(self, profile_id: str) -> NumberRec | None:
        """The number whose business profile has this ID (`profile_id`), if any."""
        if not profile_id.startswith(PROFILE_ID_PREFIX):
            return None
        return self.numbers.get(profile_id[len(PROFILE_ID_PREFIX) :])

    def has_registered_number(self, waba_id: str) -> bool:
        return any(n.registered for n in self.numbers_of(waba_id))


# -------------------------------------------------------------------------------- from a World


def state_from_world(world: World, now: float) -> State:
    """Simulated Meta as the world file describes it, every record created at `now`."""
    state = State(limits=world.limits)
    for b in world.businesses:
        state.businesses[b.id] = BusinessRec(b.id, b.name, b.verification_status, b.timezone_id)
    for a in world.apps:
        state.apps[a.id] = AppRec(a.id, a.name, a.callback_url, a.app_secret)
    for tok in world.tokens:
        state.tokens[tok.token] = _token_rec(tok)
    for w in world.wabas:
        state.wabas[w.id] = _waba_rec(w, now)
        for t in w.templates:
            state.templates[t.id] = _template_rec(t, w.id, now)
    for n in world.phone_numbers:
        state.numbers[n.id] = _number_rec(n, now)
    return state


def _token_rec(tok: Token) -> TokenRec:
    return TokenRec(
        token=tok.token,
        app_id=tok.app,
        businesses=list(tok.businesses),
        wabas=list(tok.wabas),
        view_only_wabas=list(tok.view_only_wabas),
        scopes=list(tok.scopes),
        expires_at=tok.expires_at.timestamp() if tok.expires_at else None,
    )


def _waba_rec(w: Waba, now: float) -> WabaRec:
    return WabaRec(
        id=w.id,
        name=w.name,
        owner_business=w.owner_business,
        account_review_status=w.account_review_status,
        currency=w.currency,
        timezone_id=w.timezone_id,
        country=w.country,
        message_template_namespace=w.message_template_namespace or f"ns_{w.id}",
        ownership_type=w.ownership_type,
        payment_method_attached=w.payment_method_attached,
        created_at=now,
        subscriptions=[
            SubscriptionRec(s.app, s.override_callback_uri, seal(s.verify_token)) for s in w.subscriptions
        ],
    )


def _template_rec(t: Template, waba_id: str, now: float) -> TemplateRec:
    return TemplateRec(
        id=t.id,
        waba_id=waba_id,
        name=t.name,
        language=t.language,
        category=t.category,
        status=t.status,
        quality_score=t.quality_score,
        parameter_format=t.parameter_format,
        components=[dict(c) for c in t.components],
        created_at=now,
        rejected_reason=t.rejected_reason,
        sub_category=t.sub_category,
    )


def _number_rec(n: PhoneNumber, now: float) -> NumberRec:
    """A number of the world, its PIN and webhook verify token sealed."""
    return NumberRec(
        id=n.id,
        e164=e164(n.display_phone_number),
        display_phone_number=n.display_phone_number,
        waba_id=n.waba,
        status=n.status,
        verified_name=n.verified_name,
        name_status=n.name_status,
        code_verification_status=n.code_verification_status,
        platform_type=n.platform_type,
        quality_rating=n.quality_rating,
        throughput=n.throughput,
        messaging_limit_tier=n.messaging_limit_tier,
        is_official_business_account=n.is_official_business_account,
        account_mode=n.account_mode,
        two_step_enabled=n.two_step.enabled,
        pin=seal(n.two_step.pin),
        profile=_profile_rec(n.profile),
        created_at=now,
        last_onboarded_time=n.last_onboarded_time.timestamp() if n.last_onboarded_time else None,
        new_display_name=n.new_display_name,
        new_name_status=n.new_name_status,
        data_localization_region=n.data_localization_region,
        webhook_override_uri=n.webhook_override.override_callback_uri if n.webhook_override else None,
        webhook_verify_token=seal(n.webhook_override.verify_token) if n.webhook_override else None,
    )


def _profile_rec(p: Profile) -> ProfileRec:
    return ProfileRec(
        about=p.about,
        address=p.address,
        description=p.description,
        email=p.email,
        vertical=p.vertical,
        websites=list(p.websites),
        profile_picture_url=p.profile_picture_url,
    )


# ----------------------------------------------------------------------------- JSON round trip


def dump_state(state: State) -> dict[str, Any]:
    data = dataclasses.asdict(state)
    data["limits"] = state.limits.model_dump()
    return data


def load_state(data: dict[str, Any]) -> State:
    return typing.cast(State, _build(State, data))


def _build(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    if tp is Limits:
        return Limits.model_validate(value)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        kwargs = {
            f.name: _build(hints[f.name], value[f.name]) for f in dataclasses.fields(tp) if f.name in value
        }
        return tp(**kwargs)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _build(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        return [_build(args[0], v) for v in value]
    if origin is dict:
        return {k: _build(args[1], v) for k, v in value.items()}
    return value
