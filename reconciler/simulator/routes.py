"""Which operation answers (node kind, edge, method), and whether it writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import accounts, numbers, phone_settings, profiles, templates, uploads
from .context import Ctx


@dataclass(frozen=True)
class Route:
    handler: Callable[[Ctx, Any], Any]
    write: bool = False
    needs_management_scope: bool = True


ROUTES: dict[tuple[str, str | None, str], Route] = {
    ("waba", None, "GET"): Route(accounts.get_node("waba")),
    ("waba", None, "POST"): Route(accounts.update_waba, write=True),
    ("waba", "phone_numbers", "GET"): Route(numbers.list_numbers),
    ("waba", "phone_numbers", "POST"): Route(numbers.add_number, write=True),
    ("waba", "message_templates", "GET"): Route(templates.list_templates),
    ("waba", "message_templates", "POST"): Route(templates.create_template, write=True),
    ("waba", "message_templates", "DELETE"): Route(templates.delete_templates, write=True),
    ("waba", "migrate_message_templates", "POST"): Route(templates.migrate_templates, write=True),
    ("waba", "subscribed_apps", "GET"): Route(accounts.list_subscribed_apps),
    ("waba", "subscribed_apps", "POST"): Route(accounts.subscribe_app, write=True),
    ("waba", "subscribed_apps", "DELETE"): Route(accounts.unsubscribe_app, write=True),
    ("phone", None, "GET"): Route(accounts.get_node("phone")),
    ("phone", None, "POST"): Route(numbers.update_number, write=True),
    ("phone", "request_code", "POST"): Route(numbers.request_code, write=True),
    ("phone", "verify_code", "POST"): Route(numbers.verify_code, write=True),
    ("phone", "register", "POST"): Route(numbers.register, write=True),
    ("phone", "deregister", "POST"): Route(numbers.deregister, write=True),
    ("phone", "whatsapp_business_profile", "GET"): Route(numbers.get_profile),
    ("phone", "whatsapp_business_profile", "POST"): Route(numbers.update_profile, write=True),
    ("phone", "settings", "GET"): Route(phone_settings.get_settings),
    ("phone", "settings", "POST"): Route(phone_settings.update_settings, write=True),
    ("profile", None, "GET"): Route(profiles.get_profile_node),
    ("profile", None, "POST"): Route(profiles.update_profile_node, write=True),
    ("template", None, "GET"): Route(accounts.get_node("template")),
    ("template", None, "POST"): Route(templates.edit_template, write=True),
    ("business", None, "GET"): Route(accounts.get_node("business")),
    ("business", "owned_whatsapp_business_accounts", "GET"): Route(accounts.business_wabas),
    ("business", "client_whatsapp_business_accounts", "GET"): Route(accounts.business_client_wabas),
    ("app", "uploads", "POST"): Route(uploads.create_session, write=True, needs_management_scope=False),
    ("upload", None, "POST"): Route(uploads.upload_chunk, write=True, needs_management_scope=False),
    ("upload", None, "GET"): Route(uploads.session_status, needs_management_scope=False),
}

PLACEHOLDERS = {
    "waba": "{WABA-ID}",
    "phone": "{Phone-Number-ID}",
    "template": "{TEMPLATE-ID}",
    "business": "{BUSINESS-ID}",
    "profile": "{WhatsApp-Business-Profile-ID}",
    "app": "{APP-ID}",
    "upload": "upload:{SESSION}",
}

EDGES: dict[str, set[str]] = {}
for _kind, _edge, _method in ROUTES:
    if _edge:
        EDGES.setdefault(_kind, set()).add(_edge)


def endpoint_name(method: str, kind: str | None, edge: str | None) -> str:
    """`"POST /{Phone-Number-ID}/register"`, the key of request counts."""
    node = "/" + PLACEHOLDERS.get(kind or "", "{ID}") if kind != "root" else ""
    return f"{method} {node}{'/' + edge if edge else ''}" if node else f"{method} /"
