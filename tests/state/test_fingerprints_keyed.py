"""Fingerprints of write-only values stay keyed (reconciler.fingerprints): an HMAC under the state's key,
never a plain hash, which anyone holding the state could reverse over a PIN's million values."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from reconciler.fingerprints import keyed, of_file, verify_token_key

KEY, OTHER_KEY = bytes(range(32)), bytes(range(1, 33))
PIN = "482915"


def test_a_pins_fingerprint_is_not_its_plain_hash() -> None:
    stored = keyed(KEY, PIN)
    for plain in (hashlib.sha256(PIN.encode()).hexdigest(), hashlib.sha256(KEY + PIN.encode()).hexdigest()):
        assert stored != plain[: len(stored)]
    assert stored == hmac.new(KEY, PIN.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def test_a_fingerprint_depends_on_the_key_and_the_value() -> None:
    assert keyed(KEY, PIN) == keyed(KEY, PIN)  # stable: the same PIN is recognised next run
    assert keyed(KEY, PIN) != keyed(OTHER_KEY, PIN)
    assert keyed(KEY, PIN) != keyed(KEY, "482916")
    assert len(keyed(KEY, PIN)) == 32 and int(keyed(KEY, PIN), 16) >= 0
    assert keyed(KEY, "台北") == hmac.new(KEY, "台北".encode(), hashlib.sha256).hexdigest()[:32]


def test_a_files_fingerprint_is_keyed_over_its_content(tmp_path: Path) -> None:
    picture = tmp_path / "logo.png"
    picture.write_bytes(b"\x89PNG one")
    digest = hashlib.sha256(b"\x89PNG one").hexdigest()
    assert of_file(KEY, picture) == keyed(KEY, f"file:{digest}")
    assert of_file(KEY, picture) != digest[:32] and of_file(KEY, picture) != of_file(OTHER_KEY, picture)
    assert of_file(KEY, picture) != keyed(KEY, digest)  # a file and a text value never collide
    moved = tmp_path / "elsewhere.png"
    moved.write_bytes(b"\x89PNG one")
    assert of_file(KEY, moved) == of_file(KEY, picture)  # the content counts, not the name
    picture.write_bytes(b"\x89PNG two")
    assert of_file(KEY, picture) != of_file(KEY, moved)


def test_a_verify_token_is_fingerprinted_under_the_wabas_meta_id() -> None:
    assert verify_token_key("2000000000001") == 'wabas[id="2000000000001"].webhooks.verify_token'
