"""Meta's Graph API error envelope and the errors the simulator answers with.

Every refusal is a `GraphError`; the HTTP layer turns it into

    {"error": {"message", "type", "code", "error_subcode"?, "error_user_title"?, "error_user_msg"?,
               "error_data"?, "is_transient"?, "fbtrace_id"}}

Codes and messages follow META-API.md §8 (and §1.7 for migration, §4.1 for registration). Where Meta's
exact wording is unknown the message says plainly what is wrong; clients must key on `code` and
`error_subcode`, never on text (META-API.md §8.1).
"""

from __future__ import annotations

from typing import Any

GRAPH_DOCS = "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"


class GraphError(Exception):
    """A Graph API refusal: HTTP status plus the fields of Meta's `error` object."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        http_status: int = 400,
        type: str = "OAuthException",
        subcode: int | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        details: str | None = None,
        is_transient: bool | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.type = type
        self.subcode = subcode
        self.user_title = user_title
        self.user_msg = user_msg
        self.details = details
        self.is_transient = is_transient
        self.headers = dict(headers or {})

    def envelope(self, fbtrace_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.is_transient is not None:
            error["is_transient"] = self.is_transient
        if self.user_title is not None:
            error["error_user_title"] = self.user_title
        if self.user_msg is not None:
            error["error_user_msg"] = self.user_msg
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        error["fbtrace_id"] = fbtrace_id
        return {"error": error}

    def __repr__(self) -> str:
        return f"GraphError(code={self.code}, subcode={self.subcode}, message={self.message!r})"


# ---------------------------------------------------------------------------------------- access tokens


def missing_token() -> GraphError:
    # Meta answers a request without any token with code 104 (not 190); both are OAuthException.
    return GraphError(
        104,
        "An access token is required to request this resource.",
        http_status=401,
        headers={
            "WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_request" "An access token is required"'
        },
    )


def invalid_token() -> GraphError:
    return GraphError(
        190,
        "Invalid OAuth access token - Cannot parse access token",
        http_status=401,
        headers={
            "WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"'
        },
    )


def expired_token(expired_at: str, now: str) -> GraphError:
    return GraphError(
        190,
        f"Error validating access token: Session has expired on {expired_at}. The current time is {now}.",
        http_status=401,
        subcode=463,
        headers={"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" "Session has expired"'},
    )


def no_permission(action: str = "this action") -> GraphError:
    return GraphError(
        10,
        f"(#10) Application does not have permission for {action}",
        http_status=403,
    )


def permissions_error(detail: str) -> GraphError:
    return GraphError(200, f"(#200) Permissions error: {detail}", http_status=403)


# ------------------------------------------------------------------------------------------- objects


def unsupported_request(method: str, object_id: str) -> GraphError:
    """Unknown, inaccessible, or not supporting this method: Meta does not say which (META-API.md §11)."""
    return GraphError(
        100,
        f"Unsupported {method.lower()} request. Object with "
        f"ID '{object_id}' does not exist, cannot be loaded "
        f"due to missing permissions, or does not support this operation. {GRAPH_DOCS}",
        type="GraphMethodException",
        subcode=33,
    )


def unknown_alias(name: str) -> GraphError:
    return GraphError(803, f"(#803) Some of the aliases you requested do not exist: {name}", http_status=404)


def unknown_path(components: str) -> GraphError:
    return GraphError(2500, f"Unknown path components: {components}")


def nonexisting_field(field: str, node_type: str) -> GraphError:
    return GraphError(100, f"(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})")


def invalid_parameter(
    detail: str, *, subcode: int | None = None, user_title: str | None = None
) -> GraphError:
    return GraphError(
        100,
        f"(#100) {detail}" if subcode is None else "Invalid parameter",
        subcode=subcode,
        user_title=user_title or ("Invalid parameter" if subcode is not None else None),
        user_msg=detail if subcode is not None else None,
    )


def missing_parameter(name: str) -> GraphError:
    return GraphError(100, f"(#100) The parameter {name} is required")


# ----------------------------------------------------------------------------------------- throttling


def waba_rate_limited(minutes: int) -> GraphError:
    return GraphError(
        80007,
        "(#80007) There have been too many calls to this WhatsApp Business account. "
        "Wait a bit and try again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
        is_transient=True,
        details=f"Rate limit of this WhatsApp Business account reached; retry in about {minutes} min.",
    )


# ------------------------------------------------------------------------------------- phone numbers


def migration_error(subcode: int, title: str, detail: str) -> GraphError:
    """Migration precondition failures (META-API.md §1.7). The top-level code is undocumented: we use 100."""
    return GraphError(
        100,
        "Invalid parameter",
        subcode=subcode,
        user_title=title,
        user_msg=detail,
        details=detail,
    )


def register_limit(detail: str) -> GraphError:
    return GraphError(133016, "(#133016) Account register deregister rate limit exceeded", details=detail)


def pin_mismatch() -> GraphError:
    return GraphError(
        133005,
        "(#133005) Two step verification PIN Mismatch",
        details="The PIN does not match the two-step verification PIN of this phone number.",
    )


def reverification_needed() -> GraphError:
    return GraphError(
        133006,
        "(#133006) Phone number re-verification needed",
        details="Verify the phone number with request_code and verify_code before registering it.",
    )


def not_registered() -> GraphError:
    return GraphError(
        133010, "(#133010) Account not registered", details="This phone number is not registered."
    )


def verify_code_error(detail: str) -> GraphError:
    return GraphError(136025, "(#136025) Verify code error", details=detail)


# -------------------------------------------------------------------------------------------- faults


def transient(code: int) -> GraphError:
    """What Meta answers when it is unwell (the `--fault-rate` share)."""
    if code == 1:  # HTTP 400, not 500 (META-API.md §8.2)
        return GraphError(1, "An unknown error occurred", http_status=400, is_transient=True)
    if code == 2:
        return GraphError(2, "(#2) Service temporarily unavailable", http_status=503, is_transient=True)
    if code == 131000:
        return GraphError(
            131000,
            "(#131000) Something went wrong",
            http_status=500,
            is_transient=True,
            details="Something went wrong. Please retry.",
        )
    if code == 4:
        return GraphError(4, "(#4) Application request limit reached", is_transient=True)
    if code == 80007:
        return waba_rate_limited(1)
    raise ValueError(f"no transient error with code {code}")
