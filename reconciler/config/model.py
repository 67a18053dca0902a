"""The desired state a user declares: pydantic models with Meta's limits, `extra="forbid"` throughout.

Errors raised here carry a `fix` in their context so `validate` can say how to mend them. Checks that
span several resources (references between them, duplicates) are in `Config`'s validators; when a
validation context with a `diagnostics` list is given they are collected there instead of raised, so the
user sees every problem at once.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from collections.abc import Callable
from difflib import get_close_matches
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.config import meta, template_rules
from reconciler.config.phone import InvalidNumber, to_e164
from reconciler.config.secrets import REFERENCE_PATTERN, literal_secret_fix, parse_reference

Loc = tuple[str | int, ...]


def problem(what: str, fix: str) -> PydanticCustomError:
    """A validation error whose message is `what`; `fix` travels in the context."""
    return PydanticCustomError("wabaplan", "{what}", {"what": what, "fix": fix})


def _report(info: ValidationInfo, loc: Loc, what: str, fix: str) -> None:
    """Collect a cross-resource problem into the context, or raise it when nobody collects."""
    sink = (info.context or {}).get("diagnostics")
    if sink is None:
        raise problem(f"{'.'.join(map(str, loc))}: {what}", fix)
    sink.append((loc, what, fix))


def _where(info: ValidationInfo, loc: Loc) -> str:
    """` at FILE:LINE:COL` when the config is several files (the loader passes `place_of`), else ''."""
    place_of = (info.context or {}).get("place_of")
    return f" at {place_of(loc)}" if place_of else ""


# ---------------------------------------------------------------- field types


def _id_from_yaml(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _check_meta_id(value: str) -> str:
    if not value.isascii() or not value.isdigit():
        raise problem(f"{value!r} is not a Meta ID", 'Meta IDs are digits only, e.g. "2000000000001"')
    return value


MetaId = Annotated[
    str,
    BeforeValidator(_id_from_yaml),
    AfterValidator(_check_meta_id),
    WithJsonSchema({"type": ["string", "integer"], "pattern": "^[0-9]+$", "description": "A Meta object ID"}),
]


_SIMPLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")  # an ASCII name, the usual kind: usable


def _check_local_name(value: str) -> str:
    if _SIMPLE_NAME.match(value):
        return value
    if not value or not (value[0].isalpha() and all(c.isalnum() or c in "_-" for c in value)):
        raise problem(
            f"{value!r} is not a usable local name",
            "use letters, digits, `_` and `-`, starting with a letter, e.g. hk_retail",
        )
    return value


LocalName = Annotated[str, AfterValidator(_check_local_name)]


def secret(what: str, example_env: str) -> Any:
    """A field that holds a `${env:…}`/`${file:…}` reference to a secret, never the secret."""

    def check(value: Any) -> str:
        try:
            parse_reference(value)
        except ValueError as exc:
            if "literal" in str(exc):
                raise problem(
                    f"a literal {what} is not allowed", literal_secret_fix(what, example_env)
                ) from None
            raise problem(str(exc), f"write ${{env:{example_env}}} or ${{file:PATH}}") from None
        return value.strip()

    return Annotated[
        Any,
        AfterValidator(check),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": REFERENCE_PATTERN,
                "description": f"Reference to the {what}: ${{env:NAME}} or ${{file:PATH}}; never the value.",
            }
        ),
    ]


def _check_number_key(value: str) -> str:
    try:
        return to_e164(value)
    except InvalidNumber as exc:
        raise problem(str(exc), exc.fix) from None


NumberKey = Annotated[str, AfterValidator(_check_number_key)]


def _check_https_url(limit: int, what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc:
            raise problem(f"{what} {value!r} is not an https:// URL", "Meta calls only https:// endpoints")
        if len(value) > limit:
            raise problem(f"{what} is {len(value)} characters; Meta allows at most {limit}", "shorten it")
        return value

    return check


# An address that urlsplit reads as http(s) with a host: checked without it, for each of many numbers.
_SIMPLE_WEBSITE = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][!-~]*)?\Z")


def _check_website(value: str) -> str:
    if _SIMPLE_WEBSITE.match(value) and len(value) <= meta.PROFILE_WEBSITE_MAX:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise problem(f"website {value!r} does not start with http:// or https://", "write the full URL")
    if len(value) > meta.PROFILE_WEBSITE_MAX:
        raise problem(
            f"website is {len(value)} characters; Meta allows at most {meta.PROFILE_WEBSITE_MAX}",
            "use a shorter URL",
        )
    return value


def _check_email(value: str) -> str:
    if len(value) > meta.PROFILE_EMAIL_MAX:
        raise problem(
            f"email is {len(value)} characters; Meta allows at most {meta.PROFILE_EMAIL_MAX}",
            "use a shorter address",
        )
    simple = _SIMPLE_EMAIL.match(value)
    if simple and _domain_accepted(simple.group(1)):
        return value
    import email_validator  # only for an address the cheap check above does not settle

    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        reason = reason[:1].lower() + reason[1:]
        raise problem(
            f"{value!r} is not a valid e-mail address: {reason}", "write it like name@example.com"
        ) from None
    return value


# An ASCII dot-atom before the @ that email_validator always accepts, and an ASCII domain: whether such
# an address is valid depends on its domain alone (the length limits are far above PROFILE_EMAIL_MAX), so
# each domain is validated once. Any other address, and any refused, goes through email_validator whole,
# which words the problem.
_SIMPLE_EMAIL = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@([A-Za-z0-9.-]+)\Z")


@functools.lru_cache(maxsize=4096)
def _domain_accepted(domain: str) -> bool:
    import email_validator  # here: it takes a while to import

    try:
        email_validator.validate_email(f"a@{domain}", check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


def _check_not_blank(value: str) -> str:
    if not value.strip():
        raise problem("must not be blank", "write some text, or remove the key")
    return value


def _check_printable(*, lines: bool) -> Callable[[str], str]:
    """Refuse control characters (and line breaks unless `lines`): Meta shows this text to customers."""
    allowed = {"\n", "\t"} if lines else set()

    def check(value: str) -> str:
        if value.isprintable():  # a printable character is in none of the categories refused below
            return value
        for char in value:
            if char in allowed:
                continue
            if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp"):
                where = (
                    "a line break"
                    if char in "\r\n\x85\u2028\u2029"
                    else f"control character U+{ord(char):04X}"
                )
                raise problem(f"contains {where}", "remove it" + ("" if lines else "; this text is one line"))
        return value

    return check


OneLine = AfterValidator(_check_printable(lines=False))
Lines = AfterValidator(_check_printable(lines=True))


AccessTokenRef = secret("access token", "WABAPLAN_ACCESS_TOKEN")
SourceTokenRef = secret("source access token", "SOURCE_ACCESS_TOKEN")
PinRef = secret("two-step verification PIN", "HK_MAIN_PIN")
VerifyTokenRef = secret("webhook verify token", "WEBHOOK_VERIFY_TOKEN")

ReviewStatus = Literal[meta.ACCOUNT_REVIEW_STATUSES]  # type: ignore[valid-type]
VerificationStatus = Literal[meta.BUSINESS_VERIFICATION_STATUSES]  # type: ignore[valid-type]
ButtonType = Literal[meta.TEMPLATE_BUTTON_TYPES]  # type: ignore[valid-type]
ComponentType = Literal[meta.TEMPLATE_COMPONENT_TYPES]  # type: ignore[valid-type]
HeaderFormat = Literal[meta.TEMPLATE_HEADER_FORMATS]  # type: ignore[valid-type]
TemplateLanguage = Literal[meta.TEMPLATE_LANGUAGES]  # type: ignore[valid-type]
TemplateCategory = Literal[meta.TEMPLATE_CATEGORIES]  # type: ignore[valid-type]
ParameterFormat = Literal[meta.TEMPLATE_PARAMETER_FORMATS]  # type: ignore[valid-type]
CodeMethod = Literal[meta.CODE_METHODS]
Vertical = Literal[meta.VERTICALS]
Region = Literal[meta.DATA_LOCALIZATION_REGIONS]


# ---------------------------------------------------------------- lifecycle


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Lifecycle(_Model):
    """Guards on one resource. Subclasses say which field paths `ignore_changes` may name."""

    ignorable: ClassVar[tuple[str, ...]] = ()

    prevent_destroy: bool = Field(
        default=False, description="Refuse any plan that would deregister or delete this resource."
    )
    ignore_changes: tuple[str, ...] = Field(
        default=(), description="Field paths left to humans: never planned, even when they drift."
    )

    @field_validator("ignore_changes")
    @classmethod
    def _known_paths(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        for path in paths:
            if path not in cls.ignorable:
                close = get_close_matches(path, cls.ignorable, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"one of: {', '.join(cls.ignorable)}"
                raise problem(f"{path!r} is not a field that can be ignored here", hint)
        return paths


class NumberLifecycle(_Lifecycle):
    ignorable: ClassVar[tuple[str, ...]] = (
        "display_name", "pin", "data_localization_region", "profile", "profile.about", "profile.address",
        "profile.description", "profile.email", "profile.vertical", "profile.websites", "profile.picture",
    )  # fmt: skip
    prevent_destroy: bool = Field(
        default=True,
        description="Refuse to deregister this number (numbers cannot be deleted through the API). "
        "Default true: set false to allow `apply --allow-destroy` to deregister it.",
    )


class TemplateLifecycle(_Lifecycle):
    ignorable: ClassVar[tuple[str, ...]] = ("category", "components", "parameter_format")


class WabaLifecycle(_Lifecycle):
    ignorable: ClassVar[tuple[str, ...]] = (
        "webhooks", "webhooks.override_callback_uri", "webhooks.verify_token", "templates",
    )  # fmt: skip


# ---------------------------------------------------------------- connection


class Connection(_Model):
    """How to reach the Graph API."""

    api_version: Annotated[str, Field(pattern=meta.API_VERSION_PATTERN)] = Field(
        default=meta.DEFAULT_API_VERSION, description="Graph API version, like v23.0."
    )
    graph_url: str = Field(
        default=meta.DEFAULT_GRAPH_URL,
        description="Graph API base URL; https:// (plain http:// only for a loopback simulator).",
    )
    access_token: AccessTokenRef = Field(
        default="${env:WABAPLAN_ACCESS_TOKEN}",
        description="System-user access token with whatsapp_business_management, by reference.",
    )

    @field_validator("api_version", mode="before")
    @classmethod
    def _version_shape(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise problem(f"API version {value} has no leading v", f"write it as a string like v{value}")
        return value

    @field_validator("graph_url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise problem(f"{value!r} is not an http(s) URL", "write it like https://graph.facebook.com")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise problem(
                "plain http:// would send the access token unencrypted",
                "use https://, or a loopback address (127.0.0.1) for a local simulator",
            )
        if parts.path not in ("", "/"):
            raise problem(
                f"{value!r} has a path; the API version is added from api_version",
                "write only scheme and host, e.g. https://graph.facebook.com",
            )
        return value.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------- WABAs and templates


class WabaExpectations(_Model):
    """States a WABA must be in before wabaplan does work that depends on them (null: don't check)."""

    account_review_status: ReviewStatus | None = Field(
        default="APPROVED", description="WABA review status Meta must report."
    )
    business_verification_status: VerificationStatus | None = Field(
        default="verified", description="Business verification status of the owning business."
    )


class Webhooks(_Model):
    """The app subscribed to this WABA's webhooks, and an optional WABA-level callback override."""

    app_id: MetaId = Field(description="ID of the app to subscribe (the app that owns the access token).")
    override_callback_uri: (
        Annotated[str, AfterValidator(_check_https_url(meta.OVERRIDE_CALLBACK_MAX, "callback URL"))] | None
    ) = Field(default=None, description="WABA-level alternate callback URL (https, at most 200 chars).")
    verify_token: VerifyTokenRef | None = Field(
        default=None, description="Verify token Meta echoes to the override callback, by reference."
    )

    @model_validator(mode="after")
    def _override_pair(self) -> Webhooks:
        if (self.override_callback_uri is None) != (self.verify_token is None):
            raise problem(
                "override_callback_uri and verify_token go together",
                "set both to override the callback, or neither",
            )
        return self


class TemplateButton(_Model):
    type: ButtonType
    text: Annotated[str, Field(min_length=1, max_length=meta.TEMPLATE_BUTTON_TEXT_MAX)] | None = None
    url: str | None = None
    phone_number: str | None = None
    example: list[str] | None = None
    otp_type: Literal["COPY_CODE", "ONE_TAP", "ZERO_TAP"] | None = None


class TemplateComponent(_Model):
    type: ComponentType
    format: HeaderFormat | None = None
    text: str | None = None
    example: dict[str, Any] | None = None
    buttons: list[TemplateButton] | None = None
    add_security_recommendation: bool | None = Field(
        default=None, description="AUTHENTICATION templates: add Meta's security sentence to the BODY."
    )
    code_expiration_minutes: Annotated[StrictInt, Field(ge=1, le=90)] | None = Field(
        default=None, description="AUTHENTICATION templates: code expiry shown in the FOOTER (1-90)."
    )

    @model_validator(mode="after")
    def _shape(self) -> TemplateComponent:
        limits = {"BODY": meta.TEMPLATE_BODY_MAX, "FOOTER": meta.TEMPLATE_FOOTER_MAX}
        if self.type == "HEADER" and (self.format or "TEXT") == "TEXT":
            limits["HEADER"] = meta.TEMPLATE_HEADER_TEXT_MAX
        if self.type == "HEADER" and (self.format or "TEXT") == "TEXT" and not self.text:
            raise problem("a TEXT header needs text", "add `text: …`, or another format")
        if self.text is not None and len(self.text) > limits.get(self.type, meta.TEMPLATE_BODY_MAX):
            limit = limits.get(self.type, meta.TEMPLATE_BODY_MAX)
            raise problem(
                f"{self.type} text is {len(self.text)} characters; Meta allows at most {limit}", "shorten it"
            )
        if self.type == "BUTTONS" and not (1 <= len(self.buttons or []) <= meta.TEMPLATE_BUTTONS_MAX):
            raise problem(
                f"a BUTTONS component needs 1 to {meta.TEMPLATE_BUTTONS_MAX} buttons",
                "list them under buttons:",
            )
        if self.type != "BUTTONS" and self.buttons:
            raise problem(
                f"a {self.type} component cannot have buttons", "put buttons in a BUTTONS component"
            )
        if self.format is not None and self.type != "HEADER":
            raise problem(f"only a HEADER has a format, not a {self.type}", "remove `format`")
        return self


def _check_template_name(value: str) -> str:
    if not re.match(meta.TEMPLATE_NAME_PATTERN, value):
        raise problem(
            f"template name {value!r} may only hold lower-case letters, digits and underscores",
            f"rename it, e.g. {''.join(c if c.isalnum() else '_' for c in value.lower())!r}",
        )
    if len(value) > meta.TEMPLATE_NAME_MAX:
        raise problem(f"template name is longer than {meta.TEMPLATE_NAME_MAX} characters", "shorten it")
    return value


_RULES_READ = {"category", "parameter_format", "components"}  # what template_rules reads of a template


class Template(_Model):
    """A message template; (name, language) identifies it within its WABA."""

    name: Annotated[str, AfterValidator(_check_template_name)] = Field(
        description="Lower-case letters, digits and underscores, at most 512 characters."
    )
    language: TemplateLanguage = Field(description="Meta language code, e.g. en_US or zh_HK.")
    category: TemplateCategory
    parameter_format: ParameterFormat | None = None
    components: list[TemplateComponent] = Field(min_length=1)
    lifecycle: TemplateLifecycle = TemplateLifecycle()

    @field_validator("components")
    @classmethod
    def _one_of_each(cls, components: list[TemplateComponent]) -> list[TemplateComponent]:
        kinds = [c.type for c in components]
        if kinds.count("BODY") != 1:
            raise problem(
                f"a template needs exactly one BODY component, not {kinds.count('BODY')}", "fix components"
            )
        for kind in set(kinds):
            if kinds.count(kind) > 1:
                raise problem(f"more than one {kind} component", f"keep a single {kind}")
        return components

    @model_validator(mode="after")
    def _body_by_category(self) -> Template:
        body = next(c for c in self.components if c.type == "BODY")
        authentication = self.category == "AUTHENTICATION"
        if not authentication and not body.text:
            raise problem("the BODY component needs text", "add `text: …` to the BODY component")
        if authentication and body.text:
            raise problem(
                "AUTHENTICATION templates use Meta's preset body, not your text",
                "remove `text` from the BODY; use add_security_recommendation instead",
            )
        if not authentication and any(
            c.add_security_recommendation is not None or c.code_expiration_minutes is not None
            for c in self.components
        ):
            raise problem(
                "add_security_recommendation and code_expiration_minutes are for AUTHENTICATION templates",
                "remove them, or set category: AUTHENTICATION",
            )
        return self

    @model_validator(mode="after")
    def _meta_rules(self) -> Template:
        # Meta's content rules (template_rules.RULES), each reported at its place inside the template.
        template_rules.enforce(self.model_dump(mode="json", include=_RULES_READ, exclude_none=True))
        return self


class Waba(_Model):
    """A WhatsApp Business Account this config manages."""

    id: MetaId = Field(description="The WABA's Meta ID.")
    expect: WabaExpectations = WabaExpectations()
    webhooks: Webhooks | None = None
    templates: list[Template] = Field(default=[])
    delete_undeclared_templates: bool = Field(
        default=False,
        description="true: this file is the whole truth for the WABA's templates, and any template at Meta "
        "it does not declare is deleted by `apply --allow-destroy` (an approved one's name is then locked "
        "for 30 days). Default false: undeclared templates are left alone.",
    )
    lifecycle: WabaLifecycle = WabaLifecycle()


# ---------------------------------------------------------------- phone numbers


class CodeDelivery(_Model):
    """How Meta delivers the one-time code that proves ownership when a number is added or migrated."""

    method: CodeMethod = "SMS"
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")] = Field(
        default="en_US", description="Locale of the code message, e.g. en_US or zh_HK."
    )


class Profile(_Model):
    """The WhatsApp business profile customers see."""

    about: (
        Annotated[
            str,
            Field(min_length=1, max_length=meta.PROFILE_ABOUT_MAX),
            AfterValidator(_check_not_blank),
            OneLine,
        ]
        | None
    ) = None
    address: Annotated[str, Field(max_length=meta.PROFILE_ADDRESS_MAX), Lines] | None = None
    description: Annotated[str, Field(max_length=meta.PROFILE_DESCRIPTION_MAX), Lines] | None = None
    email: Annotated[str, AfterValidator(_check_email)] | None = None
    vertical: Vertical | None = None
    websites: (
        Annotated[
            list[Annotated[str, AfterValidator(_check_website)]], Field(max_length=meta.PROFILE_WEBSITES_MAX)
        ]
        | None
    ) = None
    picture: str | None = Field(
        default=None, description="Path to a JPEG or PNG profile picture, relative to this file."
    )


class MigrateFrom(_Model):
    """Where a number still at another Business Solution Provider moves from."""

    waba_id: MetaId = Field(description="The source WABA's Meta ID (at the other BSP).")
    access_token: SourceTokenRef | None = Field(
        default=None,
        description="Optional token that can read the source WABA, so preconditions there can be checked.",
    )


class PhoneNumber(_Model):
    """A business phone number, keyed in `numbers` by its international form."""

    waba: LocalName = Field(description="Local name of the WABA (under `wabas`) the number belongs to.")
    display_name: (
        Annotated[str, Field(min_length=meta.DISPLAY_NAME_MIN, max_length=meta.DISPLAY_NAME_MAX), OneLine]
        | None
    ) = Field(default=None, description="Display name (verified name); changes go to Meta review.")
    pin: PinRef | None = Field(default=None, description="Six-digit two-step verification PIN, by reference.")
    verification: CodeDelivery = CodeDelivery()
    data_localization_region: Region | None = Field(
        default=None, description="Local-storage region, set at registration."
    )
    profile: Profile | None = None
    migrate_from: MigrateFrom | None = None
    registered: bool = Field(
        default=True,
        description="false: deregister the number from Cloud API (it stops sending and receiving; numbers "
        "cannot be deleted through the API). Needs lifecycle.prevent_destroy: false and "
        "`apply --allow-destroy`.",
    )
    lifecycle: NumberLifecycle = NumberLifecycle()

    @field_validator("waba")
    @classmethod
    def _declared_waba(cls, name: str, info: ValidationInfo) -> str:
        # Config records the WABA names in the context once they validate, so a bad reference is
        # reported beside every other problem rather than after them.
        declared = (info.context or {}).get("waba_names")
        if declared is not None and name not in declared:
            raise problem(f"no WABA named {name!r}", _waba_fix(name, list(declared)))
        return name


def _waba_fix(name: str, declared: list[str]) -> str:
    close = get_close_matches(name, declared, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"declare it under wabas ({', '.join(declared) or 'none yet'})"


# ---------------------------------------------------------------- the whole file


class Config(_Model):
    """A wabaplan configuration file."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="wabaplan configuration")

    version: Literal[1] = Field(default=1, description="Format version of this file.")
    connection: Connection = Connection()
    wabas: dict[LocalName, Waba] = Field(description="WABAs by a local name of your choice.")
    numbers: dict[NumberKey, PhoneNumber] = Field(
        default={}, description='Phone numbers by international number, e.g. "+852 5123 4567".'
    )

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_a_whole_number(cls, value: Any) -> Any:
        # Without this, pydantic takes 1.0 and true for 1: a format version is written exactly.
        if type(value) is not int:
            shown = "null" if value is None else str(value).lower() if type(value) is bool else repr(value)
            raise problem(f"{shown} is not a format version", "write `version: 1`, a number without quotes")
        return value

    @model_validator(mode="before")
    @classmethod
    def _drop_extension_keys(cls, data: Any) -> Any:
        # Top-level keys starting with `x-` hold YAML anchors to share between entries (as in Compose).
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
        return data

    @field_validator("wabas", mode="before")
    @classmethod
    def _remember_names(cls, wabas: Any, info: ValidationInfo) -> Any:
        # The names as written, before each WABA validates: a WABA with a problem of its own is still
        # declared, so a number naming it is not reported, and one naming a typo still is.
        if isinstance(info.context, dict) and isinstance(wabas, dict):
            info.context["waba_names"] = dict.fromkeys(str(name) for name in wabas)  # in order, found at once
        return wabas

    @field_validator("numbers", mode="before")
    @classmethod
    def _no_number_twice(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, dict):
            return value
        seen: dict[str, str] = {}
        kept: dict[Any, Any] = {}
        for raw, body in value.items():
            try:
                e164 = to_e164(raw)
            except InvalidNumber:
                kept[raw] = body  # the key validator reports it
                continue
            if e164 in seen:
                _report(
                    info,
                    ("numbers", raw),
                    f"{raw!r} is the same number as {seen[e164]!r} ({e164}), declared twice",
                    "keep one of the two entries",
                )
                continue
            seen[e164] = raw
            kept[raw] = body
        if isinstance(info.context, dict):
            info.context["kept_numbers"] = seen  # where a diagnostic about the number should point
        return kept

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Config:
        waba_ids: dict[str, str] = {}
        for name, waba in self.wabas.items():
            if waba.id in waba_ids:
                _report(
                    info,
                    ("wabas", name, "id"),
                    f"WABA {waba.id} is already declared as {waba_ids[waba.id]!r}"
                    + _where(info, ("wabas", waba_ids[waba.id])),
                    "declare each WABA once",
                )
            waba_ids.setdefault(waba.id, name)
            seen: dict[tuple[str, str], int] = {}
            for index, template in enumerate(waba.templates):
                key = (template.name, template.language)
                if key in seen:
                    _report(
                        info,
                        ("wabas", name, "templates", index, "name"),
                        f"template {template.name!r} in {template.language} is already declared at "
                        f"templates[{seen[key]}]",
                        "declare each (name, language) once",
                    )
                seen.setdefault(key, index)
        for number, spec in self.numbers.items():
            if spec.waba not in self.wabas:
                fix = _waba_fix(spec.waba, list(self.wabas))
                _report(info, ("numbers", number, "waba"), f"no WABA named {spec.waba!r}", fix)
            if not spec.registered and "prevent_destroy" not in spec.lifecycle.model_fields_set:
                # Left at its default (true), the guard blocks the very deregistration asked for; a guard
                # written out as true is a deliberate hold, which the plan reports as blocked.
                _report(
                    info,
                    ("numbers", number, "registered"),
                    "registered: false asks to deregister the number, but lifecycle.prevent_destroy is "
                    "true by default, so every plan would block it",
                    "set `lifecycle.prevent_destroy: false` on this number to let `apply --allow-destroy` "
                    "deregister it, or remove `registered: false`",
                )
            if spec.waba not in self.wabas:
                continue
            if spec.migrate_from and spec.migrate_from.waba_id == self.wabas[spec.waba].id:
                _report(
                    info,
                    ("numbers", number, "migrate_from", "waba_id"),
                    "the source WABA is the number's own WABA",
                    "migrate_from names the WABA at the other provider; remove it once the move is done",
                )
        return self
