"""Config texts the config tests share, each with the place of the value it is about."""

from __future__ import annotations

WABA = 'wabas:\n  hk:\n    id: "2000000000001"\n'
TPL = "wabas.hk.templates[0]"


def expiring(minutes: str) -> str:
    """An AUTHENTICATION template whose footer's code expiry is `minutes` (the value at 11:38)."""
    return WABA + (
        "    templates:\n      - name: t\n        language: en_US\n        category: AUTHENTICATION\n"
        "        components:\n          - type: BODY\n          - type: FOOTER\n"
        f"            code_expiration_minutes: {minutes}\n"
        "          - type: BUTTONS\n            buttons: [{type: OTP, otp_type: COPY_CODE}]\n"
    )
