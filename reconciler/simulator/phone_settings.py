"""`GET|POST /{Phone-Number-ID}/settings` (Meta's spec): calling, payload encryption and data storage of a
number, and the user-identity-change notice.

GET answers `{calling, payload_encryption, storage_configuration}` as they stand (calling and encryption
off until set; storage is the number's `data_localization_region`, the same the register call sets). POST
takes exactly one of `calling`, `user_identity_change`, `payload_encryption`, `storage_configuration`
(the spec's oneOf), checks it whole and only then changes anything. No SIP password is ever shown: the
world has no SIP servers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

from .context import Ctx
from .errors import invalid_parameter
from .numbers import REGIONS, serving
from .protocol import p_json
from .state import NumberRec

ON_OFF = ("enabled", "disabled")
CALLING_CHOICES = {
    "status": ON_OFF,
    "call_icon_visibility": ("visible", "hidden"),
    "callback_permission_status": ON_OFF,
    "srtp_key_exchange_protocol": ("DTLS-SRTP", "SDES-SRTP"),
}
CALLING_PARTS = ("video", "audio", "sip")  # each {status: enabled|disabled}
KINDS = ("calling", "user_identity_change", "payload_encryption", "storage_configuration")
# What GET shows before anything was set (the spec requires these four in `calling`); the addresses are the
# spec example's, in Meta's own 157.240.0.0/16.
CALLING_DEFAULTS = {
    "status": "disabled",
    "call_icon_visibility": "visible",
    "ip_addresses": {"default": ["157.240.0.1", "157.240.0.2"]},
    "callback_permission_status": "disabled",
}


def get_settings(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    serving(n, "get")
    storage: dict[str, Any] = {"status": "default"}
    if n.data_localization_region:
        storage = {
            "status": "in_country_storage_enabled",
            "data_localization_region": n.data_localization_region,
        }
    return {
        "calling": {**CALLING_DEFAULTS, **(n.settings.get("calling") or {})},
        "payload_encryption": dict(n.settings.get("payload_encryption") or {"status": "disabled"}),
        "storage_configuration": storage,
    }


def update_settings(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    serving(n, "post")
    given = [kind for kind in KINDS if kind in ctx.req.params]
    if len(given) != 1:
        raise invalid_parameter(
            f"Give exactly one of {', '.join(KINDS)} (given: {', '.join(given) or 'none'})"
        )
    [kind] = given
    value = p_json(ctx.req.params, kind)
    if not isinstance(value, Mapping):
        raise invalid_parameter(f"Param {kind} must be an object")
    if kind == "calling":
        n.settings["calling"] = {**(n.settings.get("calling") or {}), **_calling(value)}
    elif kind == "user_identity_change":
        if not isinstance(value.get("enabled"), bool):
            raise invalid_parameter("Param user_identity_change[enabled] must be true or false")
        n.settings["user_identity_change"] = {"enabled": value["enabled"]}
    elif kind == "payload_encryption":
        n.settings["payload_encryption"] = _encryption(value)
    else:
        _storage(n, value)
    return {"success": True}


def _choice(value: Mapping[str, Any], key: str, choices: tuple[str, ...], where: str) -> str:
    chosen = value.get(key)
    if chosen not in choices:
        raise invalid_parameter(f"Param {where}[{key}] must be one of {', '.join(choices)}")
    return str(chosen)


def _calling(value: Mapping[str, Any]) -> dict[str, Any]:
    if "status" not in value:
        raise invalid_parameter("Param calling[status] is required")
    unknown = set(value) - set(CALLING_CHOICES) - set(CALLING_PARTS)
    if unknown:
        raise invalid_parameter(f"Param calling has unknown keys: {', '.join(sorted(unknown))}")
    calling: dict[str, Any] = {
        k: _choice(value, k, c, "calling") for k, c in CALLING_CHOICES.items() if k in value
    }
    for part in CALLING_PARTS:
        if part in value:
            inner = value[part]
            if not isinstance(inner, Mapping):
                raise invalid_parameter(f"Param calling[{part}] must be an object")
            calling[part] = {"status": _choice(inner, "status", ON_OFF, f"calling[{part}]")}
    return calling


def _encryption(value: Mapping[str, Any]) -> dict[str, Any]:
    status = _choice(value, "status", ON_OFF, "payload_encryption")
    if status == "disabled":
        return {"status": "disabled"}
    key = value.get("client_encryption_key")
    try:
        raw = base64.b64decode(str(key or ""), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw:
        raise invalid_parameter(
            "Param payload_encryption[client_encryption_key] must be a base64-encoded public key"
        )
    return {
        "status": "enabled",
        "client_encryption_key_fingerprint": "SHA256:" + hashlib.sha256(raw).hexdigest(),
    }


def _storage(n: NumberRec, value: Mapping[str, Any]) -> None:
    """In-country storage: the region the register call's data_localization_region sets, and as fixed: a
    registered number changes region only by deregistering and registering again."""
    enabled = value.get("enabled")
    if not isinstance(enabled, bool):
        raise invalid_parameter("Param storage_configuration[enabled] must be true or false")
    region = str(value.get("region") or "").upper() if enabled else None
    if enabled and region not in REGIONS:
        raise invalid_parameter(
            "Param storage_configuration[region] must be one of " + ", ".join(sorted(REGIONS))
        )
    if n.registered and region != n.data_localization_region:
        raise invalid_parameter(
            "The data localization region can only be changed by deregistering and registering again"
        )
    n.data_localization_region = region
