"""Plans to comment with: the example's, and a synthetic 10,000-number estate where a few need someone."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.diff import FieldChange
from reconciler.plan.model import Action, Cost, Kind, Op, Plan, Status
from reconciler.plan.params import RegisterParams, UpdateProfileParams, VerifyCodeParams

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PLAN = ROOT / "tests" / "golden" / "plan.json"  # the example estate's plan, as `plan --format json`


def number(n: int) -> str:
    return f"+8525{n:07d}"


def big_plan(numbers: int = 10_000, *, blocked_every: int = 1_000, waiting_every: int = 2_500) -> Plan:
    """A profile update for every number; every `blocked_every`-th number also blocked from registering,
    every `waiting_every`-th waiting for a code."""
    actions: list[Action] = []
    for n in range(numbers):
        address = f'numbers["{number(n)}"]'
        changes = (
            FieldChange(("profile", "about"), f"Shop {n}", f"Shop {n}: open daily 9:00-21:00"),
            FieldChange(
                ("profile", "websites"), [], [f"https://shop{n}.example/", f"https://shop{n}.example/hk"]
            ),
        )
        actions.append(
            Action(
                f"{address}.profile",
                address,
                Kind.UPDATE,
                Op.UPDATE_PROFILE,
                "update the business profile",
                changes=changes,
                params=UpdateProfileParams(
                    phone_number_id=str(3100000000000 + n), profile={c.path[1]: c.after for c in changes}
                ),
            )
        )
        if n % blocked_every == 0:
            actions.append(
                Action(
                    f"{address}.register",
                    address,
                    Kind.OPERATION,
                    Op.REGISTER,
                    f"register {number(n)} on Cloud API with its two-step PIN",
                    status=Status.BLOCKED,
                    reason=f"BLOCKED-{n}: two-step verification is still on at the source: the source "
                    "WABA's owner must turn it off in WhatsApp Manager",
                    costs=(Cost("register_attempt", "uses 1 of the 10 register calls Meta allows per 72 h"),),
                    params=RegisterParams(
                        phone_number_id=str(3100000000000 + n), data_localization_region=None
                    ),
                )
            )
        if n % waiting_every == 1:
            actions.append(
                Action(
                    f"{address}.verify_code",
                    address,
                    Kind.OPERATION,
                    Op.VERIFY_CODE,
                    f"verify the one-time code sent to {number(n)}",
                    status=Status.NEEDS_INPUT,
                    reason=f"INPUT-{n}: pass --otp {number(n)}=CODE",
                    params=VerifyCodeParams(waba_id="2000000000001", cc="852", phone_number=number(n)[4:]),
                )
            )
    return saved(Plan(actions=tuple(actions)))


def saved(plan: Plan) -> Plan:
    """With what a plan made against Meta records (the saved plan's schema requires it)."""
    return replace(
        plan, graph_url="https://graph.facebook.com", api_version="v23.0", config_hash="sha256:" + "0" * 64
    )


def write(document: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
