"""Simulator-only powers: the same in-process (`sim.control`) and over HTTP (`/_sim/…`).

None of this exists at Meta. It stands in for the people and systems around the API: the phone that
receives the one-time code, Meta's reviewers, the source BSP's owner in WhatsApp Manager, time passing.
"""

from __future__ import annotations

import copy
from typing import Any

from .engine import Simulator
from .numbers import disable_two_step, review_display_name
from .templates import review_template


class ControlError(LookupError):
    """The control action names something the simulator does not hold."""


class SimulatorControl:
    def __init__(self, sim: Simulator) -> None:
        self._sim = sim

    # --------------------------------------------------------------------------------- time

    def advance_clock(self, seconds: float) -> float:
        """Move simulated time forward; returns the new time (epoch seconds)."""
        return self._sim.clock.advance(float(seconds))

    def now(self) -> float:
        return self._sim.clock.now()

    # --------------------------------------------------------------------------- the world

    def last_code(self, phone_number_id: str) -> str | None:
        """The SMS inbox: the last one-time code sent to this number, or None."""
        with self._sim.lock:
            rec = self._sim.state.codes.get(str(phone_number_id))
            return rec.code if rec else None

    def inbox(self, phone_number_id: str) -> dict[str, Any] | None:
        with self._sim.lock:
            rec = self._sim.state.codes.get(str(phone_number_id))
            if rec is None:
                return None
            return {
                "phone_number_id": rec.phone_number_id,
                "code": rec.code,
                "code_method": rec.method,
                "language": rec.language,
                "sent_at": rec.sent_at,
                "expires_at": rec.expires_at,
                "text": f"WhatsApp code {rec.code[:3]}-{rec.code[3:]}",
            }

    def review_display_name(self, phone_number_id: str, approve: bool) -> None:
        with self._sim.lock:
            review_display_name(self._number(phone_number_id), bool(approve))

    def review_template(self, template_id: str, approve: bool, reason: str | None = None) -> None:
        with self._sim.lock:
            template = self._sim.state.templates.get(str(template_id))
            if template is None:
                raise ControlError(f"no template {template_id}")
            review_template(template, bool(approve), reason)

    def disable_two_step(self, phone_number_id: str) -> None:
        """What the number's owner does in WhatsApp Manager (there is no API for it)."""
        with self._sim.lock:
            disable_two_step(self._number(phone_number_id))

    def _number(self, phone_number_id: str) -> Any:
        number = self._sim.state.numbers.get(str(phone_number_id))
        if number is None:
            raise ControlError(f"no phone number {phone_number_id}")
        return number

    # -------------------------------------------------------------------------- observation

    def request_counts(self) -> dict[str, int]:
        """Per endpoint ("GET /{WABA-ID}/phone_numbers"), plus `http_requests`, `operations`, `faults`."""
        with self._sim.lock:
            counts = dict(self._sim.counts)
        counts.setdefault("http_requests", 0)
        counts.setdefault("operations", 0)
        counts.setdefault("faults", 0)
        return counts

    def write_log(self) -> list[dict[str, Any]]:
        """Every call that changed state, in order (with `response_lost` when the answer was dropped)."""
        with self._sim.lock:
            return copy.deepcopy(self._sim.log)

    # ---------------------------------------------------------------------------- settings

    def reset(self) -> None:
        """Back to the world file (state, clock, counts, log, budgets)."""
        self._sim.reset()

    def set_faults(self, fault_rate: float | None = None, lost_response_rate: float | None = None) -> None:
        with self._sim.lock:
            plan = self._sim.faults
            if fault_rate is not None:
                plan.fault_rate = float(fault_rate)
            if lost_response_rate is not None:
                plan.lost_response_rate = float(lost_response_rate)
            plan.__post_init__()

    def set_latency(self, latency_ms: float) -> None:
        self._sim.latency_ms = float(latency_ms)

    def dump_state(self) -> dict[str, Any]:
        return self._sim.dump()

    def load_state(self, data: dict[str, Any]) -> None:
        self._sim.load(data)
