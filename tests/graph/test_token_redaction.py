"""The token never shows: Token's repr/str/format/pickle, and redact() on what we log or raise."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass

import pytest

from reconciler.graph.errors import error_from_response
from reconciler.graph.secrets import Token, redact

SECRET = "EAAGm0PX4ZCpsBAKZCZBtokenvalue1234567890"


def test_token_never_reveals_itself_by_accident() -> None:
    token = Token(SECRET)
    assert repr(token) == "Token('***')"
    assert str(token) == "***"
    assert f"{token}" == "***" and f"{token!r}" == "Token('***')" and "{}".format(token) == "***"  # noqa: UP032

    @dataclass(frozen=True)
    class Holder:
        token: Token

    assert SECRET not in repr(Holder(token))
    assert token.reveal() == SECRET


def test_token_cannot_be_pickled_but_copies_are_itself() -> None:
    token = Token(SECRET)
    with pytest.raises(TypeError):
        pickle.dumps(token)
    assert copy.deepcopy(token) is token


def test_token_is_checked() -> None:
    with pytest.raises(ValueError):
        Token("  ")
    with pytest.raises(ValueError):
        Token("abc def")
    assert Token(" abc\n").reveal() == "abc"
    assert Token("a") == Token("a") and Token("a") != Token("b")


def test_token_from_reference(tmp_path) -> None:
    assert Token.from_reference("${env:T}", base_dir=tmp_path, environ={"T": "xyz"}).reveal() == "xyz"
    (tmp_path / "tok").write_text("from-file\n")
    assert Token.from_reference("${file:tok}", base_dir=tmp_path).reveal() == "from-file"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://graph.facebook.com/v23.0/1/phone_numbers?limit=25&access_token=abc123&after=QVF",
            "https://graph.facebook.com/v23.0/1/phone_numbers?limit=25&access_token=***&after=QVF",
        ),
        ("GET /me?appsecret_proof=deadbeef", "GET /me?appsecret_proof=***"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"),
        ("{'authorization': 'Bearer abc'}", "{'authorization': 'Bearer ***'}"),
        ('{"access_token": "abc", "x": 1}', '{"access_token": "***", "x": 1}'),
        ("next=%2Fme%3Faccess_token%3Dabc", "next=%2Fme%3Faccess_token%3D***"),
        ("Malformed access token EAAGm0PX4ZCpsBAKZCZBtokenXYZ987654321", "Malformed access token ***"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_known_secret_anywhere() -> None:
    assert redact("the token sim-token-harbour is wrong", ["sim-token-harbour"]) == "the token *** is wrong"
    assert Token("sim-token-harbour").redact("x sim-token-harbour y") == "x *** y"


def test_meta_echoing_the_token_is_redacted_in_errors() -> None:
    body = (
        '{"error":{"message":"Invalid OAuth access token - Cannot parse access token: sim-token-harbour",'
        '"type":"OAuthException","code":190,"fbtrace_id":"X"}}'
    )
    error = error_from_response(
        method="GET", path="/v23.0/me", status=401, body=body, secrets=["sim-token-harbour"]
    )
    assert "sim-token-harbour" not in str(error) and "sim-token-harbour" not in repr(error)
    assert "sim-token-harbour" not in error.message
    assert "Invalid OAuth access token" in error.message  # Meta's words stay readable


def test_a_token_after_bearer_or_oauth_is_masked_whatever_its_case() -> None:
    for text in (
        "Authorization: Bearer EAAGabc123",
        "authorization: OAuth tok_7f3a9",
        "Bearer x1y2z3",
        "authorization: OAuth token-7f3a9",
        "Authorization: OAuth access.x9y8z7",
    ):
        assert redact(text).endswith("***"), text


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: tok_7f3a9",
        "{'authorization': 'tok_7f3a9'}",
        'authorization="tok_7f3a9"',
        "Authorization=tok_7f3a9",
    ],
)
def test_an_authorization_value_without_a_scheme_is_masked(text: str) -> None:
    """A header printed without `Bearer`/`OAuth` (a raw token as the whole value) is masked all the same."""
    assert "tok_7f3a9" not in redact(text) and "***" in redact(text)
    assert redact(text).lower().startswith(("authorization", "{'authorization'"))


def test_a_token_carries_nothing_but_its_value() -> None:
    """Slots only: no `__dict__` in which a copy of the value (or anything else) could ride along."""
    token = Token(SECRET)
    assert not hasattr(token, "__dict__")
    with pytest.raises(AttributeError):
        token.extra = SECRET  # type: ignore[attr-defined]


def test_refusals_say_what_is_wrong_with_the_token() -> None:
    with pytest.raises(ValueError, match=r"^an access token must be a non-empty string$"):
        Token("")
    with pytest.raises(ValueError, match=r"^an access token must not contain whitespace$"):
        Token("EAA abc")
    with pytest.raises(TypeError, match=r"^a Token cannot be pickled$"):
        pickle.dumps(Token(SECRET))
