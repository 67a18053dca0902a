"""apply's --otp NUMBER=CODE and --resend-code NUMBER, checked against the config (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reconciler.apply.run import otp_digits
from reconciler.config import Config
from reconciler.config.phone import InvalidNumber, to_e164
from reconciler.errors import WabaplanError


def otp_pairs(pairs: Sequence[str], config: Config, path: Path) -> dict[str, str]:
    """--otp NUMBER=CODE pairs, each for a declared number, one code per number, six digits."""
    codes: dict[str, str] = {}
    for pair in pairs:
        number, sep, code = pair.partition("=")
        code = code.strip()
        if not sep or not code:
            raise WabaplanError("--otp takes NUMBER=CODE, e.g. --otp +85261234567=123456 (no '=CODE' given)")
        e164 = declared("--otp", number, config, path)
        digits = otp_digits(code)
        if digits is None:
            raise WabaplanError(
                f"--otp {e164}=…: the code must be the six digits Meta sent (123456 or 123-456)"
            )
        if codes.get(e164, digits) != digits:
            raise WabaplanError(f"--otp gives {e164} two different codes: pass the one Meta sent last")
        codes[e164] = digits
    return codes


def declared(option: str, number: str, config: Config, path: Path) -> str:
    """The E.164 form of a number the option names, which the config at path must declare."""
    if otp_digits(number) is not None:  # a code where the number goes: never echo it back
        raise WabaplanError(
            f"{option} takes the phone number first (NUMBER=CODE for --otp), e.g. +85261234567"
        )
    try:
        e164 = to_e164(number)
    except InvalidNumber as exc:
        raise WabaplanError(f"{option}: {exc} ({exc.fix})") from None
    if e164 not in config.numbers:
        raise WabaplanError(f"{option} {e164}: no such number in {path} (check for a typo)")
    return e164
