"""Errors of the Graph API client, and the one table that maps Meta's answers onto them.

    WabaplanError                        (reconciler.errors)
    └── GraphError                       a Graph call failed or the client cannot be set up
        ├── GraphSettingsError           base URL, API version or token unusable (http:// to a remote host)
        ├── AuthError                    token invalid, expired or revoked (0, 102, 104, 190; HTTP 401)
        ├── PermissionDeniedError        token may not see or do this (3, 10, 200-299, 368; HTTP 403)
        ├── NotFoundError                no such object for this token (100/33, 33, 803; HTTP 404)
        ├── InvalidRequestError          Meta rejected a parameter (100, 131009, …; other HTTP 4xx)
        ├── PreconditionFailedError      the object's state forbids it (2388xxx, 133005, 136025, …; HTTP 409)
        ├── ThrottledError               a rate limit hit (4, 17, 32, 613, 80007, 80008, 130429, 133016; 429)
        ├── TransientError               Meta or the network failed for a moment (1, 2, 131000, …; HTTP 5xx)
        │   ├── ConnectionFailedError    no HTTP response at all: refused, timed out, dropped
        │   └── UnexpectedResponseError  a success response we cannot read (not JSON, malformed batch)
        └── AmbiguousWriteError          a write failed without saying whether it took effect: re-read first

Every error carries what Meta said (`code`, `subcode`, `error_type`, `fbtrace_id`, `message`), the HTTP
status, the request (`method`, `path`; never a token, never a query string), and two booleans for retries:

* `transient`: the same request may succeed if sent again later in this run;
* `not_executed`: the error proves Meta did nothing (a throttle answer, a 503, a refused connection), so
  even a non-idempotent write may be sent again. See `reconciler.graph.retry` for the rule that uses them.

`classify()` reads `ERROR_TABLE` top to bottom; the first row that matches decides. Lower-level exceptions
(httpx) are chained with `raise … from`. The codes wabaplan acts on beyond the class the table gives them
are named here, once (`MetaCode`, `MetaSubcode`): the table and every step that looks at a code use the name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, ClassVar

import httpx

from reconciler.errors import WabaplanError
from reconciler.graph.proxy import EnvironmentProxy
from reconciler.graph.secrets import redact


class ErrorKind(StrEnum):
    SETTINGS = "settings"
    AUTH = "auth"
    PERMISSION = "permission"
    NOT_FOUND = "not found"
    INVALID = "invalid parameter"
    PRECONDITION = "precondition failed"
    THROTTLED = "throttled"
    TRANSIENT = "transient"
    AMBIGUOUS = "ambiguous write"
    UNKNOWN = "unknown"


class MetaCode(IntEnum):
    """Meta's `code` values that wabaplan acts on by name (an `int`: compare with `error.code`)."""

    APP_RATE_LIMIT = 4  # "API Too Many Calls": the app's limit, so every request waits
    USER_RATE_LIMIT = 17  # "API User Too Many Calls": app-wide too
    PIN_MISMATCH = 133005  # the two-step PIN given is not the number's
    REGISTER_LIMIT = 133016  # register/deregister: 10 per number per 72 h, then locked for 72 h
    CODE_REFUSED = 136025  # the one-time code is wrong, expired or was never requested


class MetaSubcode(IntEnum):
    """Meta's 7-digit `error_subcode` values that wabaplan acts on by name (compare with `error.subcode`).

    The 2388xxx ones are migration and template preconditions: the table's 2388xxx row classifies them.
    """

    TWO_STEP_ON = 2388001  # migration: two-step verification is on at the source (or ownership unconfirmed)
    ALREADY_PRESENT = 2388012  # the number is already in the destination WABA
    TEMPLATE_EXISTS = 2388024  # "Content in this language already exists"
    MIGRATION_PRECONDITION = 2388103  # another migration precondition (`error_user_title` says which)
    TEMPLATE_NOT_FOUND = 2593002  # no such template: a repeated delete finds nothing


APP_WIDE_THROTTLES = frozenset({MetaCode.APP_RATE_LIMIT, MetaCode.USER_RATE_LIMIT})  # every request waits


class GraphError(WabaplanError):
    """A Graph API call failed, or the client cannot be set up.

    `str(error)` is a complete, token-free sentence: request, Meta's message, codes, and what to do.
    """

    kind: ClassVar[ErrorKind] = ErrorKind.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        http_status: int | None = None,
        code: int | None = None,
        subcode: int | None = None,
        error_type: str | None = None,
        fbtrace_id: str | None = None,
        transient: bool = False,
        not_executed: bool = False,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.path = path
        self.http_status = http_status
        self.code = code
        self.subcode = subcode
        self.error_type = error_type
        self.fbtrace_id = fbtrace_id
        self.transient = transient
        self.not_executed = not_executed
        self.retry_after = retry_after
        self.hint = hint
        super().__init__(self._describe())

    @property
    def request(self) -> str:
        """`"GET /v23.0/123/phone_numbers"`, or "" when no request was involved."""
        return " ".join(part for part in (self.method, self.path) if part)

    @property
    def code_label(self) -> str:
        """`"code 100/33"`, `"HTTP 503"` or `"connection error"`: short, for log lines."""
        if self.code is not None:
            return f"code {self.code}" + (f"/{self.subcode}" if self.subcode is not None else "")
        if self.http_status is not None:
            return f"HTTP {self.http_status}"
        return "no HTTP response" if isinstance(self, ConnectionFailedError) else "no code"

    def _describe(self) -> str:
        details = []
        if self.code is not None:
            details.append(f"code {self.code}")
        if self.subcode is not None:
            details.append(f"subcode {self.subcode}")
        if self.error_type:
            details.append(self.error_type)
        if self.http_status is not None:
            details.append(f"HTTP {self.http_status}")
        if self.fbtrace_id:
            details.append(f"fbtrace_id {self.fbtrace_id}")
        text = f"{self.request}: {self.message}" if self.request else self.message
        if details:
            text += f" [{', '.join(details)}]"
        if self.hint:
            text += f"; {self.hint}"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class GraphSettingsError(GraphError):
    kind = ErrorKind.SETTINGS


class AuthError(GraphError):
    kind = ErrorKind.AUTH


class PermissionDeniedError(GraphError):
    kind = ErrorKind.PERMISSION


class NotFoundError(GraphError):
    kind = ErrorKind.NOT_FOUND


class InvalidRequestError(GraphError):
    kind = ErrorKind.INVALID


class PreconditionFailedError(GraphError):
    kind = ErrorKind.PRECONDITION


class ThrottledError(GraphError):
    kind = ErrorKind.THROTTLED


class TransientError(GraphError):
    kind = ErrorKind.TRANSIENT


class ConnectionFailedError(TransientError):
    pass


class UnexpectedResponseError(TransientError):
    pass


class AmbiguousWriteError(GraphError):
    """A non-idempotent write failed in a way that does not say whether Meta applied it.

    Never retried blindly: the caller re-reads the resource and decides. `cause` is the original error.
    """

    kind = ErrorKind.AMBIGUOUS
    cause: GraphError | None = None

    @classmethod
    def wrap(cls, cause: GraphError) -> AmbiguousWriteError:
        error = cls(
            f"{cause.message}; the write may or may not have taken effect",
            method=cause.method,
            path=cause.path,
            http_status=cause.http_status,
            code=cause.code,
            subcode=cause.subcode,
            error_type=cause.error_type,
            fbtrace_id=cause.fbtrace_id,
            transient=False,
            not_executed=False,
            hint="not retried automatically: re-read the resource, then re-run (apply is level-triggered)",
        )
        error.cause = cause
        error.__cause__ = cause
        return error


# --------------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Match:
    """What a table row matches. Empty fields match anything; a row with no field set matches nothing."""

    codes: frozenset[int] | range | None = None
    subcode: int | None = None
    code_or_subcode: range | frozenset[int] | None = None  # 7-digit codes Meta sends in either field
    status: range | frozenset[int] | None = None
    transport: type[BaseException] | None = None

    def matches(
        self, code: int | None, subcode: int | None, status: int | None, exc: BaseException | None
    ) -> bool:
        if self.transport is not None:
            return exc is not None and isinstance(exc, self.transport)
        if exc is not None:
            return False
        if self.code_or_subcode is not None:
            return any(c is not None and c in self.code_or_subcode for c in (code, subcode))
        if self.codes is not None:
            if code is None or code not in self.codes:
                return False
            return self.subcode is None or subcode == self.subcode
        if self.status is not None:
            return status is not None and status in self.status
        return False


@dataclass(frozen=True)
class Rule:
    match: Match
    error: type[GraphError]
    transient: bool
    not_executed: bool
    hint: str


def _codes(*codes: int) -> frozenset[int]:
    return frozenset(codes)


def _row(
    match: Match,
    error: type[GraphError],
    *,
    transient: bool = False,
    not_executed: bool = False,
    hint: str = "",
) -> Rule:
    return Rule(match, error, transient, not_executed, hint)


_RENEW = "renew the access token (system-user tokens do not expire) and check WABAPLAN_ACCESS_TOKEN"
_GRANT = "grant the app/system user access to this asset (whatsapp_business_management) in Business Settings"
_SEE_ID = "check the ID, and that this token's business can see the object"
_RATE = "Meta's rate limit for this app or WABA; waits are automatic, a later run continues"
_BLIP = "a temporary failure at Meta or on the network; retried automatically where safe"

# First matching row wins: subcode- and code-specific rows, then HTTP status, then transport failures.
ERROR_TABLE: tuple[Rule, ...] = (
    # --- Meta codes: not found -----------------------------------------------------------------------
    _row(Match(codes=_codes(100), subcode=33), NotFoundError, hint=_SEE_ID),
    _row(Match(codes=_codes(803)), NotFoundError, hint=_SEE_ID),
    _row(Match(codes=_codes(33)), NotFoundError, hint="the business number was deleted"),
    # --- migration, template and other 7-digit codes (sent as code or as error_subcode) ---------------
    _row(
        Match(code_or_subcode=_codes(2494100)),
        TransientError,
        transient=True,
        not_executed=True,
        hint="the account is in maintenance mode; retry in a few minutes",
    ),
    _row(
        Match(code_or_subcode=_codes(2388040, 2388047, 2388072, 2388073, 2388293, 2388299)),
        InvalidRequestError,
        hint="fix the template's content or format",
    ),
    _row(
        Match(code_or_subcode=_codes(2388019)),
        PreconditionFailedError,
        hint="the WABA reached its template cap; delete unused templates",
    ),
    _row(
        Match(code_or_subcode=range(2388000, 2389000)),  # MetaSubcode's 2388xxx among them
        PreconditionFailedError,
        hint="a migration precondition is not met; Meta's message names it",
    ),
    _row(Match(code_or_subcode=_codes(2593079, 2593085, 2593108)), PreconditionFailedError),
    _row(Match(code_or_subcode=_codes(2593107)), ThrottledError, hint="coexistence sync call limit reached"),
    _row(
        Match(codes=_codes(200000)),
        PreconditionFailedError,
        hint="Meta refused to add the number to the WABA",
    ),
    # --- auth and permission ------------------------------------------------------------------------
    _row(Match(codes=_codes(0, 102, 104, 190)), AuthError, hint=_RENEW),
    _row(Match(codes=_codes(3, 10) | frozenset(range(200, 300))), PermissionDeniedError, hint=_GRANT),
    _row(Match(codes=_codes(368)), PermissionDeniedError, hint="temporarily blocked for a policy violation"),
    # --- throttling -------------------------------------------------------------------------------
    _row(
        Match(codes=_codes(MetaCode.REGISTER_LIMIT)),
        ThrottledError,
        hint="register/deregister is limited to 10 per number per 72 h; the number is locked for 72 h",
    ),
    _row(
        Match(codes=_codes(133008, 133009)),
        ThrottledError,
        hint="too many or too fast two-step-verification PIN attempts; wait before trying again",
    ),
    _row(
        Match(codes=APP_WIDE_THROTTLES | _codes(32, 613, 80007, 80008, 130429)),
        ThrottledError,
        transient=True,
        not_executed=True,
        hint=_RATE,
    ),
    # --- transient --------------------------------------------------------------------------------
    _row(
        Match(codes=_codes(2, 131016, 133004, 131057)),
        TransientError,
        transient=True,
        not_executed=True,
        hint=_BLIP,
    ),
    _row(Match(codes=_codes(1, 131000)), TransientError, transient=True, hint=_BLIP),
    # --- state preconditions ------------------------------------------------------------------------
    _row(
        Match(codes=_codes(MetaCode.PIN_MISMATCH)),
        PreconditionFailedError,
        hint="the two-step-verification PIN does not match the number's current PIN",
    ),
    _row(
        Match(codes=_codes(131031)),
        PreconditionFailedError,
        hint="the business account is locked, or the PIN is wrong",
    ),
    _row(
        Match(codes=_codes(MetaCode.CODE_REFUSED)),
        PreconditionFailedError,
        hint="the one-time code is wrong or expired; request a new code",
    ),
    _row(Match(codes=_codes(136024)), PreconditionFailedError, hint="Meta could not send a one-time code"),
    _row(
        Match(codes=_codes(133000)),
        PreconditionFailedError,
        hint="a previous deregistration was incomplete: deregister again, then register",
    ),
    _row(
        Match(codes=_codes(133006)),
        PreconditionFailedError,
        hint="the number must be verified again (request_code/verify_code) before registering",
    ),
    _row(Match(codes=_codes(133010)), PreconditionFailedError, hint="the number is not registered"),
    _row(
        Match(codes=_codes(133015)),
        PreconditionFailedError,
        hint="the number was recently deleted; wait about 5 minutes",
    ),
    _row(
        Match(codes=_codes(131045)),
        PreconditionFailedError,
        hint="incorrect certificate: register the number",
    ),
    # --- invalid parameters ------------------------------------------------------------------------
    _row(Match(codes=_codes(100, 131009, 300, 131059)), InvalidRequestError),
    # --- HTTP status, when the code is unknown or absent --------------------------------------------
    _row(Match(status=_codes(401)), AuthError, hint=_RENEW),
    _row(Match(status=_codes(403)), PermissionDeniedError, hint=_GRANT),
    _row(Match(status=_codes(404)), NotFoundError, hint=_SEE_ID),
    _row(Match(status=_codes(409, 412)), PreconditionFailedError),
    _row(Match(status=_codes(429)), ThrottledError, transient=True, not_executed=True, hint=_RATE),
    _row(Match(status=_codes(503)), TransientError, transient=True, not_executed=True, hint=_BLIP),
    _row(Match(status=range(500, 600)), TransientError, transient=True, hint=_BLIP),
    _row(Match(status=range(400, 500)), InvalidRequestError),
    # --- transport failures (no HTTP response) --------------------------------------------------------
    # The connection was never established (or no pooled connection was free): nothing was sent.
    _row(
        Match(transport=httpx.ConnectError),
        ConnectionFailedError,
        transient=True,
        not_executed=True,
        hint="cannot connect; check the base URL and the network",
    ),
    _row(Match(transport=httpx.ConnectTimeout), ConnectionFailedError, transient=True, not_executed=True),
    # A proxy refused the tunnel to Meta (answered CONNECT with an error status): Meta saw nothing.
    _row(Match(transport=httpx.ProxyError), ConnectionFailedError, transient=True, not_executed=True),
    _row(Match(transport=httpx.PoolTimeout), ConnectionFailedError, transient=True, not_executed=True),
    _row(Match(transport=httpx.UnsupportedProtocol), GraphSettingsError, hint="check the base URL"),
    _row(Match(transport=httpx.LocalProtocolError), InvalidRequestError),
    # Sent, or partly sent, and then no (complete) answer: Meta may have acted.
    _row(Match(transport=httpx.TimeoutException), ConnectionFailedError, transient=True),
    _row(Match(transport=httpx.TransportError), ConnectionFailedError, transient=True),
)

_FALLBACK = Rule(Match(), GraphError, transient=False, not_executed=False, hint="")


def classify(
    *,
    code: int | None = None,
    subcode: int | None = None,
    http_status: int | None = None,
    exc: BaseException | None = None,
) -> Rule:
    """The first row of ERROR_TABLE that matches (a non-transient GraphError row if none does)."""
    for rule in ERROR_TABLE:
        if rule.match.matches(code, subcode, http_status, exc):
            return rule
    return _FALLBACK


# --------------------------------------------------------------------------------------------------
# Building errors from what came back


@dataclass(frozen=True)
class Envelope:
    """Meta's `{"error": {...}}`, read leniently."""

    message: str
    code: int | None = None
    subcode: int | None = None
    error_type: str | None = None
    fbtrace_id: str | None = None
    is_transient: bool | None = None
    details: str | None = None

    @classmethod
    def parse(cls, body: Any) -> Envelope | None:
        if isinstance(body, str | bytes):
            try:
                body = json.loads(body)
            except ValueError:
                return None
        if not isinstance(body, Mapping) or not isinstance(body.get("error"), Mapping):
            return None
        err = body["error"]
        data = err.get("error_data")
        details = data.get("details") if isinstance(data, Mapping) else None
        return cls(
            message=str(err.get("message") or err.get("error_user_msg") or "no message"),
            code=_int(err.get("code")),
            subcode=_int(err.get("error_subcode")),
            error_type=str(err["type"]) if err.get("type") else None,
            fbtrace_id=str(err["fbtrace_id"]) if err.get("fbtrace_id") else None,
            is_transient=err.get("is_transient") if isinstance(err.get("is_transient"), bool) else None,
            details=str(details) if details else None,
        )


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def error_from_response(
    *,
    method: str,
    path: str,
    status: int,
    body: Any,
    retry_after: float | None = None,
    secrets: Iterable[str] = (),
) -> GraphError:
    """The error for a non-2xx answer (a whole response or one batch operation)."""
    envelope = Envelope.parse(body)
    secrets = tuple(secrets)
    if envelope is None:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
        text = redact(text, secrets)  # before the excerpt is cut: a token cut in two is no longer known
        message = f"HTTP {status} without a Graph error body" + (f": {text[:200]}" if text.strip() else "")
        rule = classify(http_status=status)
        return rule.error(
            redact(message, secrets),
            method=method,
            path=redact(path, secrets),
            http_status=status,
            transient=rule.transient,
            not_executed=rule.not_executed,
            retry_after=retry_after,
            hint=rule.hint or None,
        )
    rule = classify(code=envelope.code, subcode=envelope.subcode, http_status=status)
    message = envelope.message + (f" ({envelope.details})" if envelope.details else "")
    return rule.error(
        redact(message, secrets),
        method=method,
        path=redact(path, secrets),
        http_status=status,
        code=envelope.code,
        subcode=envelope.subcode,
        error_type=envelope.error_type,
        fbtrace_id=envelope.fbtrace_id,
        # The table decides; Meta's own is_transient is only believed when the table knows nothing.
        transient=rule.transient if rule is not _FALLBACK else bool(envelope.is_transient),
        not_executed=rule.not_executed,
        retry_after=retry_after,
        hint=rule.hint or None,
    )


def error_from_transport(
    *,
    method: str,
    path: str,
    exc: BaseException,
    secrets: Iterable[str] = (),
    proxy: EnvironmentProxy | None = None,
) -> GraphError:
    """The error for a request that got no HTTP response (chain it: `raise … from exc`).

    With a `proxy` from the environment in the way, a connection that failed was one to the proxy (or a
    tunnel it refused): the hint names the proxy's variable instead of the base URL."""
    rule = classify(exc=exc)
    hint = proxy.hint() if proxy is not None and rule.not_executed else rule.hint
    detail = str(exc) or type(exc).__name__
    what = "no response" if not rule.not_executed else "could not send"
    return rule.error(
        redact(f"{what}: {type(exc).__name__}: {detail}", tuple(secrets)),
        method=method,
        path=redact(path, tuple(secrets)),
        transient=rule.transient,
        not_executed=rule.not_executed,
        hint=hint or None,
    )
