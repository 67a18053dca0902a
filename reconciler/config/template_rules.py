"""Meta's rules for a message template's content, checked before Meta sees it.

Templates that break these rules pass the model's shape checks, and Meta refuses them on submission,
mid-apply. Each rule is a pure function over the template as a mapping (`category`, `parameter_format`,
`components`, as the Graph API takes them) that yields `Problem`s, each with its path inside the template,
so `validate` can point at the offending line and column. `RULES` is the one table; `enforce` turns its
problems into validation errors for the model's hook.

Sources (cited per rule as [tag]):
  [components]  developers.facebook.com/documentation/business-messaging/whatsapp/templates/components
  [overview]    developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview
                ("Parameter formats"), and META-API.md §5.3 (named parameters are {{lower_snake}})
  [auth]        developers.facebook.com/docs/whatsapp/business-management-api/authentication-templates/
                copy-code-button-authentication-templates ("URLs, media, and emojis are not supported"; the
                buttons component holds one button of type OTP)
  [buttons]     Meta's button limits as restated in docs.gupshup.io/docs/template-button-list: at most 10
                buttons, 1 PHONE_NUMBER, 2 URL, 1 COPY_CODE (MARKETING only), quick replies grouped,
                AUTHENTICATION only one button of type OTP
  [dangling]    META-API.md §5.5: Meta refuses "Formatting error - dangling parameter"; twilio.com/docs/
                api/errors/63040: "Template body cannot start or end with a placeholder"
  [e164]        developers.facebook.com/documentation/business-messaging/messenger-platform/send-messages/
                buttons/call: "+" then the country code, area code and local number (E.164: at most 15 digits)
  [lengths]     META-API.md §5 and [components]: body 1024, text header 60, footer 60, button text 25
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from reconciler.config import meta

Path = tuple[str | int, ...]
VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAMED = re.compile(r"^[a-z0-9_]+$")
POSITIONAL = re.compile(r"^[0-9]+$")
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


@dataclass(frozen=True)
class Problem:
    rule: str
    path: Path  # inside the template, e.g. ("components", 2, "buttons", 0, "url")
    what: str
    fix: str


@dataclass(frozen=True)
class Rule:
    name: str
    source: str
    check: Callable[[Mapping[str, Any]], Iterator[Problem]]


# ---------------------------------------------------------------- reading a template


def _components(template: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for index, component in enumerate(template.get("components") or []):
        if type(component) is dict or isinstance(component, Mapping):  # the usual case without the ABC
            yield index, component


def _buttons(template: Mapping[str, Any]) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    for index, component in _components(template):
        if component.get("type") == "BUTTONS":
            for position, button in enumerate(component.get("buttons") or []):
                if isinstance(button, Mapping):
                    yield ("components", index, "buttons", position), button


def _text_components(template: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any], str]]:
    """HEADER and BODY components with text: the ones whose variables take examples."""
    for index, component in _components(template):
        text = component.get("text")
        if component.get("type") in ("HEADER", "BODY") and isinstance(text, str):
            yield index, component, text


def variables(text: str) -> list[str]:
    """The variable names in `text`, in order of appearance, repeats included."""
    return list(_variables(text))


@functools.lru_cache(maxsize=4096)
def _variables(text: str) -> tuple[str, ...]:
    # each rule asks again, and an estate's WABAs often declare the same texts
    return tuple(VARIABLE.findall(text))


def _named(template: Mapping[str, Any]) -> bool:
    return template.get("parameter_format") == "NAMED"


# ---------------------------------------------------------------- the rules


def _variable_syntax(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [overview] POSITIONAL variables are {{1}}, {{2}}…; NAMED ones lower-case letters, digits, underscores.
    named = _named(template)
    for index, _component, text in _text_components(template):
        for name in _variables(text):
            if named and not NAMED.match(name):
                yield Problem(
                    "variable-syntax",
                    ("components", index, "text"),
                    f"named variable {{{{{name}}}}} may only hold lower-case letters, digits and underscores",
                    f"rename it, e.g. {{{{{re.sub(r'[^a-z0-9_]', '_', name.lower()) or 'name'}}}}}",
                )
            elif not named and not POSITIONAL.match(name):
                yield Problem(
                    "variable-syntax",
                    ("components", index, "text"),
                    f"variable {{{{{name}}}}} is not a number, and parameter_format is not NAMED",
                    "number the variables {{1}}, {{2}}…, or set `parameter_format: NAMED` on the template",
                )


def _positional_sequence(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [overview] positional variables are numbered from 1, in sequence, with no gaps.
    if _named(template):
        return
    for index, _component, text in _text_components(template):
        numbers = [int(name) for name in _variables(text) if POSITIONAL.match(name)]
        first_seen = list(dict.fromkeys(numbers))
        expected = list(range(1, len(first_seen) + 1))
        if first_seen != expected:
            shown = ", ".join(f"{{{{{n}}}}}" for n in first_seen)
            yield Problem(
                "positional-sequence",
                ("components", index, "text"),
                f"variables appear as {shown}; Meta wants {{{{1}}}} to {{{{{len(first_seen)}}}}} in order, "
                "without gaps",
                "renumber them " + ", ".join(f"{{{{{n}}}}}" for n in expected) + " in order of appearance",
            )


def _header_one_variable(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [components] "Text headers support 1 parameter."
    for index, component, text in _text_components(template):
        distinct = set(_variables(text))
        if component.get("type") == "HEADER" and len(distinct) > 1:
            yield Problem(
                "header-one-variable",
                ("components", index, "text"),
                f"a text header may hold 1 variable, not {len(distinct)}",
                "keep one variable in the header; move the others to the body",
            )


def _examples(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [components] "If this string contains a parameter, you must include the example property and example
    # parameter value": body_text (an array of one array) / header_text for positional variables,
    # body_text_named_params / header_text_named_params ({param_name, example}) for named ones.
    named = _named(template)
    for index, component, text in _text_components(template):
        wanted = list(dict.fromkeys(_variables(text)))
        if not wanted or (not named and not all(POSITIONAL.match(name) for name in wanted)):
            continue  # no variables, or ones variable-syntax refuses
        kind = "body" if component.get("type") == "BODY" else "header"
        example = component.get("example")
        where: Path = ("components", index, "example" if isinstance(example, Mapping) else "text")
        example = example if isinstance(example, Mapping) else {}
        if named:
            key = f"{kind}_text_named_params"
            given = [p.get("param_name") for p in example.get(key) or [] if isinstance(p, Mapping)]
            missing = [name for name in wanted if name not in given]
            if missing or len(given) != len(wanted):
                yield Problem(
                    "examples",
                    where,
                    f"{kind} variables {', '.join(wanted)} need one example each by name under "
                    f"example.{key}; missing: {', '.join(missing) or 'none'}, given: {len(given)}",
                    f"write `{key}: [{{param_name: {wanted[0]}, example: …}}, …]`, one per variable",
                )
            continue
        key = f"{kind}_text"
        values = example.get(key)
        if kind == "body" and isinstance(values, list) and values and isinstance(values[0], list):
            values = values[0]
        count = len(values) if isinstance(values, list) else 0
        if count != len(wanted):
            shape = f"{key}: [[…]]" if kind == "body" else f"{key}: […]"
            yield Problem(
                "examples",
                where,
                f"the {kind} has {len(wanted)} variable(s) but example.{key} gives {count} value(s)",
                f"give one example per variable, in order: `{shape}`",
            )


def _footer_no_variables(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [components] a footer is plain text: its creation syntax offers no parameter.
    for index, component in _components(template):
        text = component.get("text")
        if component.get("type") == "FOOTER" and isinstance(text, str) and _variables(text):
            yield Problem(
                "footer-no-variables",
                ("components", index, "text"),
                "a FOOTER cannot hold variables",
                "write the footer as fixed text; move the variable to the body",
            )


_DANGLING = (  # where a variable dangles, and the fix
    (re.compile(r"\s*\{\{[^{}]*\}\}"), "starts",
     'begin the body with fixed text before the first variable, e.g. "Hello {{1}}, …"'),
    (re.compile(r".*\{\{[^{}]*\}\}\s*$", re.S), "ends",
     "end the body with fixed text after the last variable, e.g. a full stop and a sentence"),
)  # fmt: skip


def _body_not_dangling(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [dangling] Meta refuses a body whose first or last thing is a variable ("dangling parameter").
    for index, component, text in _text_components(template):
        if component.get("type") != "BODY":
            continue
        for pattern, where, fix in _DANGLING:
            if pattern.match(text):
                message = f"the BODY {where} with a variable, which Meta refuses as a dangling parameter"
                yield Problem("body-dangling-variable", ("components", index, "text"), message, fix)


def _authentication_shape(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [auth] preset body, optional footer (code_expiration_minutes), one OTP button; no media, no URLs.
    if template.get("category") != "AUTHENTICATION":
        return
    for index, component in _components(template):
        if component.get("type") == "HEADER":
            yield Problem(
                "authentication-shape",
                ("components", index, "type"),
                "AUTHENTICATION templates have no header (Meta supports no media or text header there)",
                "remove the HEADER component",
            )
        if component.get("type") == "FOOTER" and component.get("text") is not None:
            yield Problem(
                "authentication-shape",
                ("components", index, "text"),
                "AUTHENTICATION templates use Meta's preset footer, not your text",
                "remove `text`; use code_expiration_minutes instead",
            )
    buttons = list(_buttons(template))
    if not buttons or len(buttons) > 1 or buttons[0][1].get("type") != "OTP":
        at: Path = buttons[0][0] if buttons else ("components",)
        yield Problem(
            "authentication-shape",
            at,
            "an AUTHENTICATION template needs exactly one button, of type OTP",
            "add a BUTTONS component with one `{type: OTP, otp_type: COPY_CODE}` button",
        )
    elif not buttons[0][1].get("otp_type"):
        yield Problem(
            "authentication-shape",
            buttons[0][0],
            "the OTP button has no otp_type",
            "add `otp_type: COPY_CODE` (or ONE_TAP, ZERO_TAP)",
        )


_MOST = {"PHONE_NUMBER": 1, "URL": 2, "COPY_CODE": 1}


def _button_mix(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [buttons] what a MARKETING or UTILITY template may combine (AUTHENTICATION: authentication-shape).
    category = template.get("category")
    if category == "AUTHENTICATION":
        return
    seen: dict[str, int] = {}
    kinds: list[str] = []
    for path, button in _buttons(template):
        kind = str(button.get("type"))
        kinds.append(kind)
        seen[kind] = seen.get(kind, 0) + 1
        if kind == "OTP":
            yield Problem(
                "button-mix",
                (*path, "type"),
                f"OTP buttons belong to AUTHENTICATION templates, not {category}",
                "remove the button, or make this an AUTHENTICATION template",
            )
        elif kind == "COPY_CODE" and category == "UTILITY":
            yield Problem(
                "button-mix",
                (*path, "type"),
                "UTILITY templates cannot have a COPY_CODE button",
                "remove it, or make this a MARKETING template",
            )
        elif kind in _MOST and seen[kind] == _MOST[kind] + 1:
            yield Problem(
                "button-mix",
                (*path, "type"),
                f"a template may have at most {_MOST[kind]} {kind} button(s)",
                "remove this one",
            )
    groups = [kind == "QUICK_REPLY" for kind in kinds]
    switches = sum(1 for a, b in itertools.pairwise(groups) if a != b)
    if switches > 1:
        first = next(_buttons(template))[0][:-1]
        yield Problem(
            "button-mix",
            first,
            "quick-reply buttons are mixed in among the other buttons",
            "list all QUICK_REPLY buttons together, before or after the others",
        )


def _button_targets(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [e164] a phone-number button dials +<country code><number>; [components] a URL button opens a web
    # address, with at most one variable, at its end, which takes an example.
    for path, button in _buttons(template):
        kind = button.get("type")
        if kind == "PHONE_NUMBER":
            number = button.get("phone_number")
            if not isinstance(number, str) or not E164.match(number):
                yield Problem(
                    "button-targets",
                    (*path, "phone_number") if number is not None else path,
                    f"phone_number {number!r} is not an international number in E.164 form",
                    'write "+", the country code and the number, digits only, e.g. "+85251234567"',
                )
        if kind == "URL":
            url = button.get("url")
            parts = urlsplit(url) if isinstance(url, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                yield Problem(
                    "button-targets",
                    (*path, "url") if url is not None else path,
                    f"url {url!r} is not an http(s):// web address",
                    "write the full address, e.g. https://example.com/orders/{{1}}",
                )
                continue
            found = _variables(url)
            if len(found) > 1 or (found and not re.search(r"\{\{[^{}]*\}\}$", url)):
                yield Problem(
                    "button-targets",
                    (*path, "url"),
                    "a URL button may hold one variable, at the very end of the address",
                    "keep a single {{1}} as the last thing in the URL",
                )
            elif found and len(button.get("example") or []) != 1:
                yield Problem(
                    "button-targets",
                    (*path, "example") if button.get("example") is not None else (*path, "url"),
                    "the URL's variable needs one example value",
                    'add `example: ["…"]` with the value that completes the URL',
                )


def _lengths(template: Mapping[str, Any]) -> Iterator[Problem]:
    # [lengths]
    for index, component in _components(template):
        kind = component.get("type")
        text = component.get("text")
        limit = {
            "BODY": meta.TEMPLATE_BODY_MAX,
            "HEADER": meta.TEMPLATE_HEADER_TEXT_MAX,
            "FOOTER": meta.TEMPLATE_FOOTER_MAX,
        }.get(str(kind))
        if isinstance(text, str) and limit is not None and len(text) > limit:
            yield Problem(
                "lengths",
                ("components", index, "text"),
                f"{kind} text is {len(text)} characters; Meta allows at most {limit}",
                "shorten it",
            )
        buttons = component.get("buttons") or []
        if kind == "BUTTONS" and len(buttons) > meta.TEMPLATE_BUTTONS_MAX:
            yield Problem(
                "lengths",
                ("components", index, "buttons"),
                f"{len(buttons)} buttons; Meta allows at most {meta.TEMPLATE_BUTTONS_MAX}",
                "remove some",
            )
    for path, button in _buttons(template):
        text = button.get("text")
        if isinstance(text, str) and len(text) > meta.TEMPLATE_BUTTON_TEXT_MAX:
            yield Problem(
                "lengths",
                (*path, "text"),
                f"button text is {len(text)} characters; Meta allows at most {meta.TEMPLATE_BUTTON_TEXT_MAX}",
                "shorten it",
            )


RULES: tuple[Rule, ...] = (
    Rule("variable-syntax", "overview", _variable_syntax),
    Rule("positional-sequence", "overview", _positional_sequence),
    Rule("header-one-variable", "components", _header_one_variable),
    Rule("examples", "components", _examples),
    Rule("footer-no-variables", "components", _footer_no_variables),
    Rule("body-dangling-variable", "dangling", _body_not_dangling),
    Rule("authentication-shape", "auth", _authentication_shape),
    Rule("button-mix", "buttons", _button_mix),
    Rule("button-targets", "e164, components", _button_targets),
    Rule("lengths", "lengths", _lengths),
)


_CHECKED: dict[str, tuple[Problem, ...]] = {}  # a template's repr → its problems
_CHECKED_MAX = 4096


def problems(template: Mapping[str, Any], rules: Sequence[Rule] = RULES) -> list[Problem]:
    """Every rule's problems with `template`, in the table's order."""
    return [found for rule in rules for found in rule.check(template)]


def enforce(template: Mapping[str, Any]) -> None:
    """The problems as one ValidationError located inside the template: the model's hook.

    `template` is the model's JSON dump (strings, numbers, true/false, null, lists and mappings), whose
    `repr` is the same only for the same template: a template declared again (an estate's WABAs often
    share them) is checked once.
    """
    key = repr(template)
    found = _CHECKED.get(key)
    if found is None:
        if len(_CHECKED) >= _CHECKED_MAX:
            _CHECKED.clear()
        found = _CHECKED[key] = tuple(problems(template))
    if found:
        raise ValidationError.from_exception_data(
            "Template",
            [
                {
                    "type": PydanticCustomError("wabaplan", "{what}", {"what": p.what, "fix": p.fix}),
                    "loc": p.path,
                    "input": None,
                }
                for p in found
            ],
        )
