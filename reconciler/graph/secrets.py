"""The access token as a value that cannot leak, and the redaction applied to everything we show.

`Token` keeps the bearer token out of `repr`, `str`, f-strings, logs and pickles: the only way to the value
is `Token.reveal()`, called in one place (the client's `Authorization` header). `redact()` is applied to any
URL or message the graph layer logs or puts into an exception, because Meta sometimes echoes what it was
sent: it masks `access_token=` and `appsecret_proof=` parameters, `Authorization`/`Bearer` values,
`"access_token": "…"` in JSON, strings shaped like Meta tokens (`EAA…`), and any known secret verbatim.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

MASK = "***"

# Each pattern keeps group 1 (the name) and masks what follows it.
_PATTERNS: tuple[re.Pattern[str], ...] = (
    # query or form parameters: access_token=…, appsecret_proof=…, also URL-encoded inside other values
    re.compile(r"((?:access_token|appsecret_proof|client_secret)(?:=|%3D))[^&\s\"'<>]+", re.IGNORECASE),
    # JSON members: "access_token": "…"
    re.compile(r"(\"(?:access_token|appsecret_proof|client_secret)\"\s*:\s*\")[^\"]*", re.IGNORECASE),
    # headers, however they are printed: Authorization: Bearer …, 'authorization': 'OAuth …'
    re.compile(r"(\bBearer\s+)[^\s\"',;]+", re.IGNORECASE),
    # (but Meta's own "Invalid OAuth access token" names no token)
    re.compile(r"(\bOAuth\s+)(?!access\s+token\b)[^\s\"',;]+", re.IGNORECASE),
    re.compile(r"(\bAuthorization\b[\"']?\s*[:=]\s*[\"']?)(?!Bearer\b|OAuth\b)[^\s\"',;]+", re.IGNORECASE),
)
# Meta user, system-user and page tokens start with "EAA"; mask anything that looks like one.
_META_TOKEN = re.compile(r"\bEAA[A-Za-z0-9]{20,}\b")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret and every token-shaped value replaced by `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return _META_TOKEN.sub(MASK, text)


class Token:
    """A bearer token whose value never appears in `repr`, `str`, formatting or pickles.

    >>> Token("EAAB-secret")
    Token('***')
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("an access token must be a non-empty string")
        if any(ch.isspace() for ch in value.strip()):
            raise ValueError("an access token must not contain whitespace")
        self._value = value.strip()

    @classmethod
    def from_reference(
        cls, reference: str, *, base_dir: Path, environ: dict[str, str] | None = None
    ) -> Token:
        """Resolve a `${env:NAME}` / `${file:PATH}` reference (see reconciler.config.secrets)."""
        from reconciler.config.secrets import resolve  # local: the graph layer needs config only here

        return cls(resolve(reference, base_dir=base_dir, environ=environ))

    def reveal(self) -> str:
        """The value itself: only for the `Authorization` header."""
        return self._value

    def redact(self, text: str) -> str:
        """`text` with this token (and anything token-shaped) masked."""
        return redact(text, (self._value,))

    def __repr__(self) -> str:
        return f"Token('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Token, self._value))

    def __copy__(self) -> Token:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Token:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Token cannot be pickled")
