"""Meta's proofs: the `X-Hub-Signature-256` of a delivery, and the verify token of a subscription check.

Both compared in constant time. Nothing here logs or returns a secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

HEADER = "x-hub-signature-256"
PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The header value Meta sends: `sha256=` and the hex HMAC-SHA256 of the raw body under the app secret."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_by(secrets: Iterable[str], body: bytes, header: str | None) -> bool:
    """Whether `header` is the signature of `body` under one of the app secrets."""
    if not header or not header.startswith(PREFIX):
        return False
    given = header.encode()
    return any(hmac.compare_digest(sign(secret, body).encode(), given) for secret in secrets)


def token_matches(tokens: Iterable[str], given: str | None) -> bool:
    """Whether `given` is one of the configured verify tokens (every one compared, in constant time)."""
    if not given:
        return False
    found = False
    for token in tokens:
        found |= hmac.compare_digest(token.encode(), given.encode())
    return found
