"""`wabaplan sim …`: the simulator served, and the simulated Meta that --sim runs share, worked by hand."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from reconciler import runtime
from reconciler.cli.args import SimBusinessArgs, SimNumberArgs, SimResetArgs, SimServeArgs, SimWorldArgs
from reconciler.cli.common import state_beside
from reconciler.cli.exit import ExitCode
from reconciler.config.phone import InvalidNumber, to_e164
from reconciler.errors import WabaplanError
from reconciler.simulator.cli import serve_command
from reconciler.statedir import StateDir


def serve(args: SimServeArgs) -> int:
    return serve_command(argparse.Namespace(**asdict(args)))


def reset(args: SimResetArgs) -> int:
    state = StateDir(state_beside(args.config))
    if state.sim_state.exists():
        state.sim_state.unlink()
        sys.stdout.write(f"simulator state removed ({state.sim_state}); the next --sim run starts fresh\n")
    else:
        sys.stdout.write(f"no simulator state at {state.sim_state}; nothing to do\n")
    return ExitCode.OK


def inbox(args: SimNumberArgs) -> int:
    with _shared_meta(args) as meta:
        number = _number(meta, args.number, onboarding=True)
        message = meta.control.inbox(number.id)
    if message is None:
        sys.stdout.write(f"no code has been sent to {number.e164} (phone number ID {number.id})\n")
        return ExitCode.ERROR
    sys.stdout.write(f"SIMULATED SMS to {number.e164}: {message['text']}\n")
    sys.stdout.write(
        f"apply it with: wabaplan apply -c {args.config} --sim --otp {number.e164}={message['code']}\n"
    )
    return ExitCode.OK


def disable_two_step(args: SimNumberArgs) -> int:
    with _shared_meta(args) as meta:
        number = _number(meta, args.number, onboarding=False)
        meta.control.disable_two_step(number.id)
    sys.stdout.write(f"SIMULATED: two-step verification is now off for {number.e164} (ID {number.id})\n")
    return ExitCode.OK


def approve_pending(args: SimWorldArgs) -> int:
    approved = []
    with _shared_meta(args) as meta:
        state = meta.simulator.state
        for number in state.numbers.values():
            if number.new_name_status == "PENDING_REVIEW" or number.name_status == "PENDING_REVIEW":
                meta.control.review_display_name(number.id, True)
                approved.append(f"display name of {number.e164}")
        for template in state.templates.values():
            if template.status == "PENDING":
                meta.control.review_template(template.id, True)
                approved.append(f"template {template.name} ({template.language})")
    sys.stdout.write(
        "".join(f"SIMULATED: approved {what}\n" for what in approved) or "nothing is pending review\n"
    )
    return ExitCode.OK


def business_verification(args: SimBusinessArgs) -> int:
    with _shared_meta(args) as meta:
        businesses = sorted(meta.simulator.state.businesses)
        business = args.business or (businesses[0] if len(businesses) == 1 else "")
        if not business:
            raise WabaplanError(f"name the business with --business (one of {', '.join(businesses)})")
        try:
            meta.control.set_business_verification(business, args.status)
        except (LookupError, ValueError) as exc:
            raise WabaplanError(f"{exc}") from None
    sys.stdout.write(f"SIMULATED: business {business} verification is now {args.status}\n")
    return ExitCode.OK


def _shared_meta(args: SimWorldArgs | SimNumberArgs | SimBusinessArgs) -> Any:
    state = StateDir(state_beside(args.config))
    return runtime.simulated_meta(args.world or None, state)


def _number(meta: Any, text: str, *, onboarding: bool) -> Any:
    try:
        e164 = to_e164(text)
    except InvalidNumber as exc:
        raise WabaplanError(f"{exc} ({exc.fix})") from None
    records = [n for n in meta.simulator.state.numbers.values() if n.e164 == e164 and n.status != "MIGRATED"]
    records.sort(key=lambda n: (bool(n.onboarding) != onboarding, n.id))
    if not records:
        raise WabaplanError(f"the simulated Meta has no number {e164}")
    return records[0]
