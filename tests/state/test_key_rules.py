"""The fingerprint key's rules, one by one: what `WABAPLAN_STATE_KEY` must be, the key check a shared store
keeps (a persisted value: it must not drift between versions), where a local key lives and how it is
written (whole, private, never over another run's)."""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

import pytest

from reconciler.state import StateKeyError
from reconciler.state.keys import ENV, _create_private, from_environment, key_check, local_key, user_key_dir

HEX = "00112233445566778899aabbccddeeff" * 2


def test_the_key_from_the_environment_is_its_64_hex_digits() -> None:
    assert from_environment({ENV: HEX}) == bytes.fromhex(HEX)
    assert from_environment({ENV: f"  {HEX.upper()}\n"}) == bytes.fromhex(HEX)  # as pasted into a secret
    assert from_environment({}) is None and from_environment({ENV: "  "}) is None


@pytest.mark.parametrize("value", [HEX[:-1], HEX + "0", HEX[:-1] + "g", "0x" + HEX[2:]])
def test_a_key_that_is_not_64_hex_digits_is_refused_saying_how_to_make_one(value: str) -> None:
    with pytest.raises(StateKeyError) as refused:
        from_environment({ENV: value})
    assert str(refused.value) == (
        f"{ENV} is not 64 hex digits (it has {len(value)} characters): make a key with "
        "python3 -c 'import secrets; print(secrets.token_hex(32))'"
    )
    assert value not in str(refused.value)  # the (would-be) key is not printed


def test_a_key_required_and_unset_says_who_needs_it_and_where_to_keep_it() -> None:
    with pytest.raises(StateKeyError) as refused:
        from_environment({ENV: ""}, required_for="shared state (WABAPLAN_STATE_URL)")
    assert str(refused.value) == (
        f"{ENV} is not set: shared state (WABAPLAN_STATE_URL) needs the fingerprint key from the environment "
        "(64 hex digits; make one with python3 -c 'import secrets; print(secrets.token_hex(32))' and keep it "
        "in the CI's secret store)"
    )


def test_the_key_check_is_a_fixed_keyed_value() -> None:
    """Shared stores keep it: the same key gives the same 16 hex digits in every version of wabaplan (a
    change would refuse every runner's key), another key another check, and the key is not in it."""
    assert key_check(bytes(32)) == "6deb8ed19f78c658"
    assert key_check(bytes(range(32))) == "ec70fb2ac5228bd0"
    assert bytes(range(32)).hex()[:16] not in key_check(bytes(range(32)))


def test_local_keys_live_under_the_config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_key_dir() == tmp_path / "xdg" / "wabaplan" / "keys"  # XDG first
    monkeypatch.setenv("XDG_CONFIG_HOME", "")
    assert user_key_dir() == tmp_path / "home" / ".config" / "wabaplan" / "keys"


def test_a_key_is_written_whole_private_and_never_over_another_runs(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "estate.key"
    _create_private(path, bytes(32))
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii") == bytes(32).hex() + "\n"
    _create_private(path, bytes(range(32)))  # a second run, a moment later, with a key of its own
    assert path.read_text(encoding="ascii") == bytes(32).hex() + "\n"  # the first one stands
    assert sorted(p.name for p in path.parent.iterdir()) == ["estate.key"]  # no temporary left


def test_a_damaged_local_key_is_refused_and_kept(tmp_path: Path) -> None:
    state = tmp_path / ".wabaplan"
    local_key(state)
    (file,) = user_key_dir().glob("*.key")
    file.write_text("not a key\n", encoding="ascii")
    with pytest.raises(StateKeyError) as refused:
        local_key(state)
    assert str(refused.value) == f"{file} is not a fingerprint key (64 hex digits): restore it from a backup"
    assert file.read_text(encoding="ascii") == "not a key\n"


def test_a_key_directory_that_cannot_be_made_says_what_to_do(tmp_path: Path) -> None:
    """A regular file where the key directory should be (root or not, nothing can be written there)."""
    user_key_dir().parent.mkdir(parents=True)
    user_key_dir().write_text("a file, not a directory\n")
    with pytest.raises(StateKeyError) as refused:
        local_key(tmp_path / ".wabaplan")
    assert str(refused.value).startswith(f"the fingerprint key {user_key_dir()}/")
    assert str(refused.value).endswith(
        f"cannot be read or written (File exists): make its directory writable, or set {ENV}"
    )


def test_without_xdg_or_home_the_account_home_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.delenv("HOME", raising=False)
    home = pwd.getpwuid(os.getuid()).pw_dir  # what `~` is for this account without HOME
    assert user_key_dir() == Path(home) / ".config" / "wabaplan" / "keys"


def test_no_home_at_all_is_one_clear_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No XDG_CONFIG_HOME, HOME empty and no account home either (`~` stays `~`, as in some containers)."""
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", "")
    monkeypatch.setattr("os.path.expanduser", lambda path: path)
    with pytest.raises(StateKeyError) as refused:
        user_key_dir()
    assert str(refused.value) == (
        f"no home directory to keep the fingerprint key in: set XDG_CONFIG_HOME, or set {ENV}"
    )


def test_the_key_file_of_earlier_versions_is_the_one_moved_out(tmp_path: Path) -> None:
    """Earlier wabaplans kept `.wabaplan/fingerprint.key`: that name, spelt out, is what is looked for."""
    state = tmp_path / ".wabaplan"
    state.mkdir()
    (state / "fingerprint.key").write_text(bytes(range(32)).hex() + "\n", encoding="ascii")
    assert local_key(state) == bytes(range(32))
    assert not (state / "fingerprint.key").exists()
