"""Fingerprints of write-only values: keyed HMACs, so the value itself is never stored or shown.

A PIN has a million possible values, so a plain hash would be reversed in a second; the HMAC key is never
stored with the fingerprints (reconciler.state.keys says where it lives).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path


def verify_token_key(waba_id: str) -> str:
    """Where a WABA's webhook verify token is fingerprinted: by the WABA's Meta ID, not its local name, so
    renaming the WABA in the config (or importing it under another name) does not set the token again."""
    return f'wabas[id="{waba_id}"].webhooks.verify_token'


def keyed(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def of_file(key: bytes, path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return keyed(key, f"file:{digest}")
