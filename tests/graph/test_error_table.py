"""Meta's answers -> our error types: the one table, read through classify() and error_from_response()."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.errors import WabaplanError
from reconciler.graph.errors import (
    ERROR_TABLE,
    AmbiguousWriteError,
    AuthError,
    ConnectionFailedError,
    GraphError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ThrottledError,
    TransientError,
    classify,
    error_from_response,
    error_from_transport,
)


def envelope(code: int, *, subcode: int | None = None, message: str = "boom", **extra: object) -> bytes:
    error: dict[str, object] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf123",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return json.dumps({"error": error}).encode()


@pytest.mark.parametrize(
    ("code", "subcode", "status", "expected", "transient"),
    [
        (190, None, 401, AuthError, False),
        (102, None, 401, AuthError, False),
        (104, None, 401, AuthError, False),
        (0, None, 401, AuthError, False),
        (10, None, 403, PermissionDeniedError, False),
        (200, None, 403, PermissionDeniedError, False),
        (294, None, 403, PermissionDeniedError, False),
        (3, None, 500, PermissionDeniedError, False),
        (100, 33, 400, NotFoundError, False),
        (803, None, 404, NotFoundError, False),
        (100, None, 400, InvalidRequestError, False),
        (131009, None, 400, InvalidRequestError, False),
        (4, None, 400, ThrottledError, True),
        (17, None, 400, ThrottledError, True),
        (32, None, 400, ThrottledError, True),
        (613, None, 400, ThrottledError, True),
        (80007, None, 400, ThrottledError, True),
        (80008, None, 400, ThrottledError, True),
        (130429, None, 400, ThrottledError, True),
        (133016, None, 400, ThrottledError, False),  # a 72 h lock: never retried within a run
        (1, None, 400, TransientError, True),
        (2, None, 503, TransientError, True),
        (131000, None, 500, TransientError, True),
        (131016, None, 503, TransientError, True),
        (133004, None, 503, TransientError, True),
        (131057, None, 500, TransientError, True),
        (2494100, None, 400, TransientError, True),
        (100, 2494100, 400, TransientError, True),
        (100, 2388103, 400, PreconditionFailedError, False),  # migration errors arrive as subcodes
        (2388012, None, 400, PreconditionFailedError, False),
        (100, 2388040, 400, InvalidRequestError, False),  # template content errors are the caller's to fix
        (133005, None, 400, PreconditionFailedError, False),
        (136025, None, 400, PreconditionFailedError, False),
        (131031, None, 403, PreconditionFailedError, False),
    ],
)
def test_meta_codes_map_to_kinds(code, subcode, status, expected, transient) -> None:
    error = error_from_response(
        method="GET", path="/v23.0/1", status=status, body=envelope(code, subcode=subcode)
    )
    assert type(error) is expected
    assert error.transient is transient
    assert error.code == code and error.subcode == subcode


@pytest.mark.parametrize(
    ("status", "expected", "transient", "not_executed"),
    [
        (401, AuthError, False, False),
        (403, PermissionDeniedError, False, False),
        (404, NotFoundError, False, False),
        (409, PreconditionFailedError, False, False),
        (429, ThrottledError, True, True),
        (500, TransientError, True, False),
        (502, TransientError, True, False),
        (503, TransientError, True, True),
        (504, TransientError, True, False),
        (418, InvalidRequestError, False, False),
    ],
)
def test_http_status_decides_without_an_envelope(status, expected, transient, not_executed) -> None:
    error = error_from_response(method="GET", path="/v23.0/1", status=status, body=b"<html>oops</html>")
    assert type(error) is expected
    assert (error.transient, error.not_executed) == (transient, not_executed)
    assert error.code is None and error.http_status == status


def test_unknown_code_falls_back_to_http_status() -> None:
    assert (
        type(error_from_response(method="GET", path="/x", status=500, body=envelope(999))) is TransientError
    )
    assert (
        type(error_from_response(method="GET", path="/x", status=400, body=envelope(999)))
        is InvalidRequestError
    )


def test_only_proof_of_no_effect_marks_not_executed() -> None:
    def not_executed(code: int, status: int) -> bool:
        return error_from_response(method="POST", path="/x", status=status, body=envelope(code)).not_executed

    assert all(not_executed(c, 400) for c in (4, 17, 32, 613, 80007, 80008, 130429))
    assert all(not_executed(c, 503) for c in (2, 131016, 133004))
    assert not not_executed(1, 500)
    assert not not_executed(131000, 500)


@pytest.mark.parametrize(
    ("exc", "not_executed"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ConnectTimeout("slow"), True),
        (httpx.PoolTimeout("busy"), True),
        (httpx.ReadTimeout("no answer"), False),
        (httpx.WriteTimeout("half sent"), False),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), False),
        (httpx.ReadError("reset"), False),
    ],
)
def test_transport_failures_are_transient_and_say_whether_anything_was_sent(exc, not_executed) -> None:
    error = error_from_transport(method="POST", path="/v23.0/1/register", exc=exc)
    assert isinstance(error, ConnectionFailedError) and isinstance(error, TransientError)
    assert error.transient is True
    assert error.not_executed is not_executed
    assert error.request == "POST /v23.0/1/register"


def test_error_keeps_everything_meta_said() -> None:
    body = envelope(
        100,
        subcode=33,
        message="(#100) Unsupported get request.",
        type="GraphMethodException",
        error_data={"details": "Object with ID '9' does not exist"},
    )
    error = error_from_response(method="GET", path="/v23.0/9", status=400, body=body)
    assert (
        isinstance(error, NotFoundError)
        and isinstance(error, GraphError)
        and isinstance(error, WabaplanError)
    )
    assert (error.code, error.subcode, error.error_type, error.fbtrace_id, error.http_status) == (
        100,
        33,
        "GraphMethodException",
        "AbCdEf123",
        400,
    )
    assert error.method == "GET" and error.path == "/v23.0/9"
    text = str(error)
    assert text.startswith(
        "GET /v23.0/9: (#100) Unsupported get request. (Object with ID '9' does not exist)"
    )
    assert "code 100" in text and "subcode 33" in text and "fbtrace_id AbCdEf123" in text
    assert "check the ID" in text  # what to do
    assert repr(error).startswith("NotFoundError(")


def test_meta_is_transient_flag_is_used_only_when_the_table_is_silent() -> None:
    unknown = error_from_response(
        method="GET", path="/x", status=302, body=envelope(424242, is_transient=True)
    )
    assert type(unknown) is GraphError and unknown.transient is True
    known = error_from_response(method="GET", path="/x", status=400, body=envelope(100, is_transient=True))
    assert known.transient is False


def test_ambiguous_write_wraps_and_chains_its_cause() -> None:
    cause = error_from_transport(method="POST", path="/v23.0/1/register", exc=httpx.ReadTimeout("t"))
    wrapped = AmbiguousWriteError.wrap(cause)
    assert wrapped.__cause__ is cause and wrapped.cause is cause
    assert wrapped.transient is False
    assert wrapped.request == "POST /v23.0/1/register"
    assert "re-read" in str(wrapped)


def test_table_rows_are_all_reachable() -> None:
    # A row shadowed by an earlier, broader row would be dead: check each row wins for its own example.
    for rule in ERROR_TABLE:
        m = rule.match
        if m.transport is not None:
            example = classify(exc=m.transport("x"))  # type: ignore[call-arg]
        elif m.code_or_subcode is not None:
            example = classify(subcode=next(iter(m.code_or_subcode)), code=100)
        elif m.codes is not None:
            example = classify(code=min(m.codes), subcode=m.subcode, http_status=400)
        else:
            assert m.status is not None
            example = classify(http_status=min(m.status))
        assert example is rule, rule
