"""Simulator-only powers: the same in-process (`sim.control`) and over HTTP (`/_sim/…`).

None of this exists at Meta. It stands in for the people and systems around the API: the phone that
receives the one-time code, Meta's reviewers, the source BSP's owner in WhatsApp Manager, time passing.
"""

from __future__ import annotations

import copy
from typing import Any, get_args

from .engine import Simulator
from .numbers import disable_two_step, review_display_name
from .templates import review_template
from .world import BusinessVerification

_RATINGS = ["RED", "UNKNOWN", "YELLOW", "GREEN"]
BUSINESS_VERIFICATION = get_args(BusinessVerification)


def _digits(display: str) -> str:
    return "".join(c for c in display if c.isdigit())  # Meta's webhooks write display numbers bare


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
        """Meta's reviewer decides a name; subscribed apps hear `phone_number_name_update`."""
        with self._sim.lock:
            number = self._number(phone_number_id)
            requested = number.new_display_name or number.verified_name
            review_display_name(number, bool(approve))
            value = {
                "display_phone_number": _digits(number.display_phone_number),
                "decision": "APPROVED" if approve else "REJECTED",
                "requested_verified_name": requested,
            }
            if not approve:
                value["rejection_reason"] = "NAME_FORMAT_UNACCEPTABLE"
            self._emit(number.waba_id, "phone_number_name_update", value)

    def review_template(self, template_id: str, approve: bool, reason: str | None = None) -> None:
        """Meta's reviewer decides a template; subscribed apps hear `message_template_status_update`."""
        with self._sim.lock:
            template = self._sim.state.templates.get(str(template_id))
            if template is None:
                raise ControlError(f"no template {template_id}")
            review_template(template, bool(approve), reason)
            self._emit(
                template.waba_id,
                "message_template_status_update",
                {
                    "event": template.status,
                    "message_template_id": int(template.id),
                    "message_template_name": template.name,
                    "message_template_language": template.language,
                    "reason": template.rejected_reason or "NONE",
                    "message_template_category": template.category,
                },
            )

    def set_quality(
        self, phone_number_id: str, quality_rating: str, messaging_limit_tier: str | None = None
    ) -> None:
        """Meta's quality system rates a number (and may move its limit); apps hear
        `phone_number_quality_update`."""
        with self._sim.lock:
            if quality_rating not in _RATINGS:
                raise ValueError(f"quality_rating must be one of {', '.join(_RATINGS)}")
            number = self._number(phone_number_id)
            old_tier = number.messaging_limit_tier
            upgrade = _RATINGS.index(quality_rating) > _RATINGS.index(number.quality_rating)
            number.quality_rating = quality_rating
            number.messaging_limit_tier = messaging_limit_tier or old_tier
            event = "FLAGGED" if quality_rating == "RED" else "UPGRADE" if upgrade else "DOWNGRADE"
            self._emit(
                number.waba_id,
                "phone_number_quality_update",
                {"display_phone_number": _digits(number.display_phone_number), "event": event,
                 "current_limit": number.messaging_limit_tier, "old_limit": old_tier},
            )  # fmt: skip

    def set_app_webhook(self, app_id: str, callback_url: str | None, app_secret: str | None) -> None:
        """Point an app's callback somewhere (a running `wabaplan watch`), as its dashboard would."""
        with self._sim.lock:
            app = self._sim.state.apps.get(str(app_id))
            if app is None:
                raise ControlError(f"no app {app_id}")
            app.callback_url, app.app_secret = callback_url, app_secret

    def webhooks_delivered(self) -> list[dict[str, Any]]:
        """Every webhook delivery that ended: url, field, last status (0: no answer), attempts."""
        return list(self._sim.webhooks.delivered)

    def _emit(self, waba_id: str, field: str, value: dict[str, Any]) -> None:
        self._sim.webhooks.emit(self._sim.state, waba_id, field, value, self._sim.clock.now())

    def edit_profile(self, phone_number_id: str, **fields: Any) -> None:
        """What a person does in WhatsApp Manager → Profile: no API call, no webhook, only a changed value."""
        with self._sim.lock:
            profile = self._number(phone_number_id).profile
            for name, value in fields.items():
                if not hasattr(profile, name):
                    raise ControlError(f"a business profile has no field {name!r}")
                setattr(profile, name, value)

    def disable_two_step(self, phone_number_id: str) -> None:
        """What the number's owner does in WhatsApp Manager (there is no API for it)."""
        with self._sim.lock:
            disable_two_step(self._number(phone_number_id))

    def set_business_verification(self, business_id: str, status: str) -> None:
        """Meta's verification team decides a business (or its verification lapses): Meta's lower-case
        `verification_status` (META-API.md §3.1, §3.2)."""
        with self._sim.lock:
            business = self._sim.state.businesses.get(str(business_id))
            if business is None:
                raise ControlError(f"no business {business_id}")
            if status not in BUSINESS_VERIFICATION:
                raise ValueError(f"verification_status must be one of {', '.join(BUSINESS_VERIFICATION)}")
            business.verification_status = status

    def spend_budget(self, app_id: str, waba_id: str, calls: int) -> int:
        """Another program of the same app (a BSP's console, a script) makes `calls` calls on the WABA now:
        they count against the app's hourly budget there, as any call would. Returns the calls counted in
        the hour, which stop at the budget."""
        with self._sim.lock:
            if str(waba_id) not in self._sim.state.wabas:
                raise ControlError(f"no WABA {waba_id}")
            now, budget = self._sim.clock.now(), self._sim.budget_for(str(waba_id))
            for _ in range(int(calls)):
                self._sim.budget.try_spend(str(app_id), str(waba_id), budget, now)
            return self._sim.budget.usage(str(app_id), str(waba_id), budget, now).calls

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

    def hold_requests(self, held: bool) -> None:
        """Stall Meta: Graph requests that arrive wait (counted in `in_latency`) until released, so a test
        can hold a client mid-call, at a point it can see, instead of guessing how long a call takes."""
        self._sim.held = bool(held)

    def dump_state(self) -> dict[str, Any]:
        return self._sim.dump()

    def load_state(self, data: dict[str, Any]) -> None:
        self._sim.load(data)
