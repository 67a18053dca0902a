"""What Meta refuses in a new template's content, answered as Meta answers it (`POST …/message_templates`).

The simulator's own reading of the rules wabaplan's `validate` checks in reconciler/config/template_rules.py
(the simulator may not import the client: tests/test_layers.py). tests/simulator/test_template_content.py
sends the same bad templates through both, so the two cannot drift apart.

Errors: a text over its length limit is code 100 with subcode 2388040 ("Message template character limit
exceeded", as the simulator already answered); META-API.md §8.2 names no subcode for the other content rules
(2388047/072/073/293 are listed only as "template content/format errors"), so they are code 100, invalid
parameter, with a plain message. Sources per rule are cited in config/template_rules.py.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from .errors import GraphError, invalid_parameter

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_TRAILING_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}\s*$")
_LEADING_PLACEHOLDER = re.compile(r"\s*\{\{[^{}]*\}\}")
_INTERNATIONAL = re.compile(r"^\+[1-9][0-9]{1,14}$")
_TEXT_LIMITS = {"HEADER": 60, "BODY": 1024, "FOOTER": 60}
_BUTTON_TEXT_LIMIT = 25
_MAX_BUTTONS = 10
_PER_TEMPLATE = {"PHONE_NUMBER": 1, "URL": 2, "COPY_CODE": 1}


def check_content(category: str, parameter_format: str, components: list[dict[str, Any]]) -> None:
    """Raise Meta's refusal for the first rule the template breaks; return quietly when it breaks none."""
    by_type = {c.get("type"): c for c in components}
    for kind, component in by_type.items():
        _check_length(kind, component.get("text"))
        if kind in ("HEADER", "BODY") and isinstance(component.get("text"), str):
            _check_placeholders(kind, component, parameter_format == "NAMED")
    footer = by_type.get("FOOTER") or {}
    if _PLACEHOLDER.search(str(footer.get("text") or "")):
        raise invalid_parameter("Footer text cannot contain variable parameters")
    buttons = [b for b in (by_type.get("BUTTONS") or {}).get("buttons") or [] if isinstance(b, dict)]
    if category == "AUTHENTICATION":
        _check_authentication(by_type, buttons)
    else:
        _check_button_kinds(category, buttons)
    for button in buttons:
        _check_button(button)


def _check_length(kind: str, text: Any) -> None:
    if isinstance(text, str) and kind in _TEXT_LIMITS and len(text) > _TEXT_LIMITS[kind]:
        raise GraphError(
            100,
            "Invalid parameter",
            subcode=2388040,
            user_title="Message template character limit exceeded",
            user_msg=f"The {kind} text is {len(text)} characters; the limit is {_TEXT_LIMITS[kind]}.",
        )


def _check_placeholders(kind: str, component: dict[str, Any], named: bool) -> None:
    text: str = component["text"]
    found = _PLACEHOLDER.findall(text)
    distinct = list(dict.fromkeys(found))
    pattern = r"[a-z0-9_]+" if named else r"[0-9]+"
    if any(not re.fullmatch(pattern, p) for p in distinct):
        raise invalid_parameter(
            f"The {kind} has a parameter that is not "
            + ("lower-case letters, digits and underscores" if named else "a number such as {{1}}")
        )
    if not named and [int(p) for p in distinct] != list(range(1, len(distinct) + 1)):
        raise invalid_parameter(f"The {kind} parameters are not sequential from {{{{1}}}}")
    if kind == "HEADER" and len(distinct) > 1:
        raise invalid_parameter("A text header supports 1 parameter")
    if kind == "BODY" and _LEADING_PLACEHOLDER.match(text):
        raise invalid_parameter("Formatting error - dangling parameter at the start of the body")
    if kind == "BODY" and _TRAILING_PLACEHOLDER.search(text):
        raise invalid_parameter("Formatting error - dangling parameter at the end of the body")
    if distinct and not _examples_cover(kind.lower(), component.get("example"), distinct, named):
        raise invalid_parameter(
            f"The {kind} needs an example value for each of its {len(distinct)} parameters"
        )


def _examples_cover(kind: str, example: Any, wanted: list[str], named: bool) -> bool:
    example = example if isinstance(example, dict) else {}
    if named:
        given = example.get(f"{kind}_text_named_params") or []
        names = [g.get("param_name") for g in given if isinstance(g, dict)]
        return sorted(map(str, names)) == sorted(wanted)
    values = example.get(f"{kind}_text")
    if kind == "body" and isinstance(values, list) and values and isinstance(values[0], list):
        values = values[0]
    return isinstance(values, list) and len(values) == len(wanted)


def _check_authentication(by_type: dict[Any, dict[str, Any]], buttons: list[dict[str, Any]]) -> None:
    if "HEADER" in by_type:
        raise invalid_parameter("Authentication templates do not support a header")
    if (by_type.get("FOOTER") or {}).get("text") is not None:
        raise invalid_parameter("Authentication templates use a preset footer; use code_expiration_minutes")
    if [b.get("type") for b in buttons] != ["OTP"]:
        raise invalid_parameter("Authentication templates need exactly one button, of type OTP")
    if not buttons[0].get("otp_type"):
        raise invalid_parameter("The OTP button needs an otp_type")


def _check_button_kinds(category: str, buttons: list[dict[str, Any]]) -> None:
    kinds = [str(b.get("type")) for b in buttons]
    if len(kinds) > _MAX_BUTTONS:
        raise invalid_parameter(f"A template can have at most {_MAX_BUTTONS} buttons")
    if "OTP" in kinds:
        raise invalid_parameter(f"OTP buttons are for authentication templates, not {category}")
    if category == "UTILITY" and "COPY_CODE" in kinds:
        raise invalid_parameter("Utility templates cannot have a copy code button")
    for kind, count in Counter(kinds).items():
        if count > _PER_TEMPLATE.get(kind, _MAX_BUTTONS):
            raise invalid_parameter(f"Too many {kind} buttons: at most {_PER_TEMPLATE[kind]}")
    runs = [
        k for i, k in enumerate(kinds) if i == 0 or (k == "QUICK_REPLY") != (kinds[i - 1] == "QUICK_REPLY")
    ]
    if len(runs) > 2:
        raise invalid_parameter("Invalid button combination: group quick reply buttons together")


def _check_button(button: dict[str, Any]) -> None:
    text = button.get("text")
    if isinstance(text, str) and len(text) > _BUTTON_TEXT_LIMIT:
        raise invalid_parameter(f"Button text can be at most {_BUTTON_TEXT_LIMIT} characters")
    if button.get("type") == "PHONE_NUMBER" and not _INTERNATIONAL.match(str(button.get("phone_number"))):
        raise invalid_parameter("Button phone_number must be a valid international phone number")
    if button.get("type") != "URL":
        return
    url = str(button.get("url") or "")
    address = urlsplit(url)
    if address.scheme not in ("http", "https") or not address.netloc:
        raise invalid_parameter("Button url must be a valid http(s) URL")
    placeholders = _PLACEHOLDER.findall(url)
    if len(placeholders) > 1 or (placeholders and not _TRAILING_PLACEHOLDER.search(url)):
        raise invalid_parameter("A URL button supports 1 parameter, appended to the end of the URL")
    if placeholders and len(button.get("example") or []) != 1:
        raise invalid_parameter("The URL button's parameter needs an example value")
