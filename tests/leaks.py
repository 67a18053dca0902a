"""How tests look for a secret in what wabaplan printed or stored.

A token is looked for anywhere. A secret made only of digits (a PIN, a one-time code) counts only where it
stands as a whole run of digits: a journal's timestamp such as 1795791520.44 holds "915204" by chance, and
that is not a leak; "PIN 915204" or "code=915204." is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def leaked(text: str, secrets: Iterable[str]) -> list[str]:
    """The secrets (non-empty) that appear in `text`."""
    found = []
    for secret in filter(None, secrets):
        if secret.isdigit():
            hit = re.search(rf"(?<![0-9]){secret}(?![0-9])", text) is not None
        else:
            hit = secret in text
        if hit:
            found.append(secret)
    return found


def assert_no_secret(text: str, *secrets: str) -> None:
    """Fails naming only the first two characters of any secret found in `text`."""
    found = leaked(text, secrets)
    assert not found, f"a secret was printed or stored: {', '.join(s[:2] + '…' for s in found)}"
