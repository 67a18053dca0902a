"""The fingerprint key: the HMAC key for write-only fingerprints, never stored with the state.

A PIN has a million values: whoever holds both the fingerprints and the key recovers every PIN in
seconds. So the key never lives in the state store nor under the config's directory:

- `WABAPLAN_STATE_KEY` (64 hex digits: 32 random bytes), when set, is the key, for any backend; a shared
  (PostgreSQL) state requires it, so every runner fingerprints alike.
- Otherwise local state keeps a per-user key outside the working tree:
  `$XDG_CONFIG_HOME/wabaplan/keys/<estate>.key` (default `~/.config/…`), mode 0600, made on first use.
  A `fingerprint.key` left in the state directory by an earlier wabaplan is moved there.

A shared store keeps a *key check* (an HMAC of a fixed text under the key), so a runner given another
key is refused rather than seeing every PIN as changed. The check reveals nothing about the key.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from reconciler.state.errors import StateKeyError
from reconciler.state.localdir import estate_id

ENV = "WABAPLAN_STATE_KEY"
LEGACY_FILE = "fingerprint.key"
HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
GENERATE = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def from_environment(environ: Mapping[str, str], *, required_for: str = "") -> bytes | None:
    """The key `WABAPLAN_STATE_KEY` holds; None when unset (an error when `required_for` says why)."""
    value = (environ.get(ENV) or "").strip()
    if not value:
        if required_for:
            raise StateKeyError(
                f"{ENV} is not set: {required_for} needs the fingerprint key from the environment "
                f"(64 hex digits; make one with {GENERATE} and keep it in the CI's secret store)"
            )
        return None
    if not HEX_KEY.fullmatch(value):
        raise StateKeyError(
            f"{ENV} is not 64 hex digits (it has {len(value)} characters): make a key with {GENERATE}"
        )
    return bytes.fromhex(value)


def key_check(key: bytes) -> str:
    """What a shared store keeps to recognise its key: an HMAC of a fixed text, which reveals nothing."""
    return hmac.new(key, b"wabaplan fingerprint key check", hashlib.sha256).hexdigest()[:16]


def user_key_dir() -> Path:
    """Where local keys live: the user's config directory, never the working tree."""
    base = os.environ.get("XDG_CONFIG_HOME")
    if not base:
        home = os.environ.get("HOME") or os.path.expanduser("~")
        if not home or home == "~":
            raise StateKeyError(
                f"no home directory to keep the fingerprint key in: set XDG_CONFIG_HOME, or set {ENV}"
            )
        base = os.path.join(home, ".config")
    return Path(base) / "wabaplan" / "keys"


def local_key(state_dir: Path) -> bytes:
    """The key of the estate in `state_dir`, from the user's config directory (made, or moved from
    the state directory where an earlier wabaplan kept it, on first use)."""
    path = user_key_dir() / f"{estate_id(state_dir)}.key"
    legacy = state_dir / LEGACY_FILE
    try:
        if path.exists():
            key = _read(path)
        else:
            _create_private(path, _read(legacy) if legacy.exists() else secrets.token_bytes(32))
            key = _read(path)  # ours, or one another run made at the same moment
        if legacy.exists():
            legacy.unlink()  # moved: it must not stay beside the fingerprints
    except OSError as exc:
        raise StateKeyError(
            f"the fingerprint key {path} cannot be read or written ({exc.strerror or exc}): "
            f"make its directory writable, or set {ENV}"
        ) from None
    return key


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    if not HEX_KEY.fullmatch(text):
        raise StateKeyError(f"{path} is not a fingerprint key (64 hex digits): restore it from a backup")
    return bytes.fromhex(text)


def _create_private(path: Path, key: bytes) -> None:
    """Write the key whole (mode 0600) under a temporary name, then link it into place: never a half
    key, and never over a key another run made first."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, (key.hex() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
