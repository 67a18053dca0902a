"""What a person types at apply — one-time codes, numbers, PINs — is checked before Meta is asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_estate import Cli

MIGRATING = "+85261234567"


@pytest.mark.parametrize(
    ("otp", "message"),
    [
        (f"{MIGRATING}=12-34", "the code must be the six digits Meta sent"),
        (f"{MIGRATING}=abcdef", "the code must be the six digits Meta sent"),
        ("564653", "--otp takes NUMBER=CODE"),
        ("+85251234568=123456", "no such number in"),
        (f"{MIGRATING}=１２３４５６", "the code must be the six digits Meta sent"),  # full-width digits
    ],
)
def test_a_malformed_otp_is_refused_before_anything_runs(
    estate: Path, cli: Cli, otp: str, message: str
) -> None:
    code, out = cli("apply", "-c", str(estate), "--sim", "--auto-approve", "--otp", otp)
    assert code == 1 and message in out and "Apply:" not in out


def test_two_codes_for_one_number_are_refused(estate: Path, cli: Cli) -> None:
    code, out = cli(
        "apply", "-c", str(estate), "--sim", "--auto-approve",
        "--otp", f"{MIGRATING}=111111", "--otp", "+852 6123 4567=222-222",
    )  # fmt: skip
    assert code == 1 and "two different codes" in out


def test_a_code_from_the_environment_is_checked_before_verify_is_spent(
    estate: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("sim", "disable-two-step", MIGRATING, "-c", str(estate))
    code, out = cli("apply", "-c", str(estate), "--sim", "--auto-approve")
    assert "awaiting the code sent to +85261234567" in out
    _, inbox = cli("sim", "inbox", MIGRATING, "-c", str(estate))
    hyphenated = inbox.split("WhatsApp code ", 1)[1].split()[0]
    assert "-" in hyphenated
    monkeypatch.setenv("WABAPLAN_OTP_85261234567", hyphenated[:-1])  # one digit short
    code, out = cli("apply", "-c", str(estate), "--sim", "--auto-approve")
    assert code == 1
    assert "verify_code: failed: the one-time code given for +85261234567 is not the six digits" in out
    # the code as the SMS shows it, hyphen and all, is taken
    monkeypatch.setenv("WABAPLAN_OTP_85261234567", hyphenated)
    _, out = cli("apply", "-c", str(estate), "--sim", "--auto-approve")
    assert "verify_code: done" in out


def test_a_pin_that_is_not_six_digits_blocks_its_action_without_showing_it(
    estate: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HK_MAIN_PIN", "98765x")
    code, out = cli("plan", "-c", str(estate), "--sim")
    assert code == 0
    assert "the PIN behind ${env:HK_MAIN_PIN} is not six digits" in out
    assert "98765x" not in out


@pytest.mark.parametrize("argv", [["--otp", f"049215={MIGRATING}"], ["--resend-code", "049215"]])
def test_a_code_put_where_the_number_goes_is_not_echoed(estate: Path, cli: Cli, argv: list[str]) -> None:
    code, out = cli("apply", "-c", str(estate), "--sim", "--auto-approve", *argv)
    assert code == 1 and "takes the phone number first" in out
    assert "049215" not in out


def test_a_pin_in_other_scripts_digits_is_not_six_digits(
    estate: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HK_MAIN_PIN", "１２３４５６")
    _, out = cli("plan", "-c", str(estate), "--sim")
    assert "the PIN behind ${env:HK_MAIN_PIN} is not six digits" in out
    code, out = cli("validate", "-c", str(estate), "--check-secrets")
    assert code == 1 and "is not 6 digits" in out


def test_a_new_code_and_a_given_code_for_one_number_are_refused(
    estate: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = cli(
        "apply", "-c", str(estate), "--sim", "--auto-approve",
        "--resend-code", "+852 6123 4567", "--otp", f"{MIGRATING}=111111",
    )  # fmt: skip
    assert code == 1 and "makes the code given for it" in out and "Apply:" not in out
    assert "111111" not in out
    monkeypatch.setenv("WABAPLAN_OTP_85261234567", "222222")  # a code from the environment is given too
    code, out = cli("apply", "-c", str(estate), "--sim", "--auto-approve", "--resend-code", MIGRATING)
    assert code == 1 and "(--otp or WABAPLAN_OTP_85261234567) stale" in out and "222222" not in out


def test_a_refresh_only_plan_is_not_applied(estate: Path, cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "drift.json"
    assert cli("plan", "-c", str(estate), "--sim", "--refresh-only", "--out", str(saved))[0] == 0
    code, out = cli("apply", str(saved), "-c", str(estate), "--sim")
    assert code == 1 and "is a --refresh-only plan" in out and "stale" not in out
