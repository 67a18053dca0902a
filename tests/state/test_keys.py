"""The fingerprint key never lives with the state: whoever holds only the state directory, or only a dump
of the shared database, cannot recover a PIN — tried here over the whole six-digit space."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from statekit import KEY

from reconciler.fingerprints import keyed
from reconciler.state import LocalState, StateKeyError, open_backend
from reconciler.state.keys import LEGACY_FILE, user_key_dir
from reconciler.state.localdir import ESTATE_FILE
from reconciler.state.postgres import Location

PIN = "482915"
PIN_KEY = 'numbers["+85251234567"].pin'
TARGET = "https://graph.facebook.com"


def test_local_key_lives_in_the_users_config_directory_private(tmp_path: Path) -> None:
    state = LocalState(tmp_path / "repo" / ".wabaplan")
    key = state.key()
    (file,) = user_key_dir().glob("*.key")
    assert file.stem == (state.path / ESTATE_FILE).read_text().strip()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert bytes.fromhex(file.read_text().strip()) == key
    assert LocalState(state.path).key() == key  # the same on every run
    assert not any(p.name.endswith(".key") for p in state.path.rglob("*"))
    assert tmp_path not in file.parents


def test_a_key_left_in_the_state_directory_is_moved_out(tmp_path: Path) -> None:
    state_dir = tmp_path / ".wabaplan"
    state_dir.mkdir()
    old = bytes(range(32))
    (state_dir / LEGACY_FILE).write_text(old.hex() + "\n")
    assert LocalState(state_dir).key() == old  # fingerprints made with it still match
    assert not (state_dir / LEGACY_FILE).exists()
    assert [bytes.fromhex(p.read_text().strip()) for p in user_key_dir().glob("*.key")] == [old]


def test_the_state_directory_keeps_itself_out_of_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "numbers.yaml").write_text("wabas: {}\n")
    state = LocalState(repo / ".wabaplan")
    state.key()
    with state.journal(target=TARGET) as journal:
        journal.set_fingerprint(PIN_KEY, keyed(state.key(), PIN), at=1.0)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    staged = subprocess.run(
        ["git", "-C", str(repo), "diff", "--cached", "--name-only"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert staged == ["numbers.yaml"]


PINS = 1_000_000  # every six-digit PIN, 000000 to 999999
FINGERPRINT = re.compile(r"[0-9a-f]{32}")  # what `keyed` gives: 16 bytes of the digest, in hex


def _digests(digest: Callable[[bytes], bytes]) -> bytes:
    """The first 16 bytes of `digest` of every six-digit PIN, PIN n at offset 16 * n."""
    table = bytearray()
    for n in range(PINS):
        table += digest(f"{n:06d}".encode())[:16]
    return bytes(table)


@functools.cache
def _plain_digests() -> bytes:
    """The plain hash of every PIN, computed once for every test that tries it."""
    return _digests(lambda pin: hashlib.sha256(pin).digest())


def _keyed_digests(key: bytes) -> bytes:
    keyed_state = hmac.new(key, digestmod=hashlib.sha256)  # the key's pads hashed once, copied per PIN

    def digest(pin: bytes) -> bytes:
        h = keyed_state.copy()
        h.update(pin)
        return h.digest()

    return _digests(digest)


def _pins_in(table: bytes, fingerprint: str) -> list[str]:
    """Every PIN whose entry in `table` is `fingerprint`."""
    want = bytes.fromhex(fingerprint)
    found = []
    at = table.find(want)
    while at != -1:
        if at % 16 == 0:
            found.append(f"{at // 16:06d}")
        at = table.find(want, at + 1)
    return found


def _recover(fingerprint: str, candidate_keys: list[bytes]) -> list[str]:
    """Every six-digit PIN whose plain hash, or HMAC under any candidate key, gives `fingerprint`."""
    if not FINGERPRINT.fullmatch(fingerprint):
        return []  # no digest's first 16 bytes print as anything else
    found = _pins_in(_plain_digests(), fingerprint)
    for key in candidate_keys:
        found += _pins_in(_keyed_digests(key), fingerprint)
    return sorted(found)


def _key_material(text: str) -> list[bytes]:
    """Anything in `text` that could be a key as wabaplan writes keys (64 hex digits): where an earlier
    wabaplan kept `fingerprint.key` in the state directory, this found it."""
    return [bytes.fromhex(h) for h in re.findall(r"[0-9a-fA-F]{64}", text)]


@pytest.mark.parametrize("where", ["local", "postgres"])
def test_no_pin_is_recoverable_from_what_wabaplan_stores(
    where: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env: dict[str, str] = {}
    if where == "postgres":
        env = {"WABAPLAN_STATE_URL": request.getfixturevalue("pg_url"), "WABAPLAN_STATE_KEY": KEY}
    state = open_backend(tmp_path / ".wabaplan", env)
    try:
        key = state.key()
        with state.lock(frozenset({"2000000000001"}), command="apply", timeout=None):
            with state.journal(target=TARGET) as journal:
                journal.set_fingerprint(PIN_KEY, keyed(key, PIN), at=1.0)
            stored = state.read_fingerprints(TARGET)[PIN_KEY]
    finally:
        state.close()
    if where == "local":  # the attacker has the whole state directory
        files = [p for p in (tmp_path / ".wabaplan").rglob("*") if p.is_file()]
        text = "\n".join(p.read_text(errors="replace") for p in files)
    else:  # the attacker has a dump of every table in the schema
        location = Location.parse(env["WABAPLAN_STATE_URL"])
        with psycopg.connect(location.conninfo, autocommit=True) as db:
            tables = db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (location.schema,)
            ).fetchall()
            text = "\n".join(
                repr(db.execute(f'SELECT * FROM "{location.schema}"."{t}"').fetchall())  # type: ignore[arg-type]
                for (t,) in tables
            )
    assert stored in text  # the fingerprint is there for the taking
    assert _recover(stored, _key_material(text)) == []  # and yet no PIN comes out of it
    assert _recover(stored, [key]) == [PIN]  # with the key, which wabaplan never stores there, it would


def test_a_missing_home_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_key_dir() == tmp_path / "home" / ".config" / "wabaplan" / "keys"
    monkeypatch.setenv("HOME", "")
    monkeypatch.setattr("os.path.expanduser", lambda p: p)
    with pytest.raises(StateKeyError, match="set XDG_CONFIG_HOME, or set WABAPLAN_STATE_KEY"):
        user_key_dir()
