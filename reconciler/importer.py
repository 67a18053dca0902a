"""Write a configuration for what exists at Meta, so a team can adopt wabaplan with an empty first plan.

Pure: a snapshot in, YAML text out. Secrets become `${env:…}` placeholders, never values. Write-only
values (PINs, profile pictures) cannot be read back, so they are left out with a comment saying how to
manage them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import phonenumbers
from pydantic import ValidationError

from reconciler.config.model import Template
from reconciler.config.phone import country_code_split
from reconciler.gcpause import collector_paused
from reconciler.snapshot import LiveNumber, LiveProfile, LiveTemplate, LiveWaba, Snapshot
from reconciler.yamlwrite import dump_yaml

SKIPPED_NUMBER_STATUSES = {"MIGRATED", "DELETED", "BANNED"}
SKIPPED_TEMPLATE_STATUSES = {"DELETED", "PENDING_DELETION", "ARCHIVED", "DISABLED"}
_COMPONENT_KEYS = {
    "type", "format", "text", "example", "buttons", "add_security_recommendation", "code_expiration_minutes",
}  # fmt: skip
_BUTTON_KEYS = {"type", "text", "url", "phone_number", "example", "otp_type"}


def render_config(snapshot: Snapshot, waba_ids: Iterable[str], *, header: str = "") -> str:
    """YAML for the WABAs `waba_ids` as they are in `snapshot` (which must hold them)."""
    with collector_paused():  # a document of thousands of numbers, every object of it kept to the end
        return _render_config(snapshot, waba_ids, header)


def _render_config(snapshot: Snapshot, waba_ids: Iterable[str], header: str) -> str:
    names = _local_names([snapshot.wabas[w] for w in waba_ids])
    notes: list[str] = []
    checked: dict[str, str | None] = {}  # a declared template (its repr) → why Meta's rules refuse it
    wabas: dict[str, Any] = {}
    numbers: dict[str, Any] = {}
    for waba_id, name in names.items():
        live = snapshot.wabas[waba_id]
        wabas[name] = _waba(live, name, notes, checked)
        for number in sorted(live.numbers.values(), key=lambda n: n.e164):
            if number.status in SKIPPED_NUMBER_STATUSES:
                continue
            numbers[_international(number.e164)] = _number(number, name)
    document: dict[str, Any] = {
        "version": 1,
        "connection": {
            "api_version": snapshot.api_version or "v23.0",
            "graph_url": snapshot.graph_url or "https://graph.facebook.com",
            "access_token": "${env:WABAPLAN_ACCESS_TOKEN}",
        },
        "wabas": wabas,
        "numbers": numbers,
    }
    body = dump_yaml(document)
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [
        "# Written by `wabaplan import` from live state. Secrets are placeholders: set the variables, or",
        "# switch them to ${file:PATH}. Two-step PINs and profile pictures cannot be read back: add `pin:`",
        "# and `profile.picture:` to manage them (the next plan will then set them). A webhook verify token",
        "# cannot be read back either: the first plan sets it, unless wabaplan set that value before.",
    ]
    lines += [f"# note: {note}" for note in notes]
    return "\n".join(lines) + "\n\n" + body


def _local_names(wabas: list[LiveWaba]) -> dict[str, str]:
    names: dict[str, str] = {}
    used: set[str] = set()
    for waba in wabas:
        base = re.sub(r"[^a-z0-9]+", "_", (waba.name or "").lower()).strip("_")
        base = base if base and base[0].isalpha() else f"waba_{waba.id}"
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        names[waba.id] = name
    return names


def _waba(live: LiveWaba, name: str, notes: list[str], checked: dict[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": live.id}
    if live.subscriptions:
        first = live.subscriptions[0]
        hooks: dict[str, Any] = {"app_id": first.app_id}
        if first.override_callback_uri:
            hooks["override_callback_uri"] = first.override_callback_uri
            hooks["verify_token"] = "${env:" + _env_name(name) + "_VERIFY_TOKEN}"
        out["webhooks"] = hooks
        if len(live.subscriptions) > 1:
            others = ", ".join(s.app_id for s in live.subscriptions[1:])
            notes.append(f"{name}: also subscribed apps {others}; only one is declared")
    templates = []
    for template in live.templates:
        if template.status in SKIPPED_TEMPLATE_STATUSES:
            continue
        declared = _template(template)
        key = repr(declared)  # WABAs often hold the same templates: each checked once
        if key not in checked:
            checked[key] = _refusal(declared)
        refusal = checked[key]
        if refusal is not None:
            notes.append(f"{name}: template {template.name} ({template.language}) left out: {refusal}")
            continue
        templates.append(declared)
    if templates:
        out["templates"] = templates
    return out


def _refusal(declared: dict[str, Any]) -> str | None:
    """Why the config model refuses a declared template (its first error, and where), or None."""
    try:
        Template.model_validate(declared)
    except ValidationError as exc:
        first_error = exc.errors(include_url=False)[0]
        return f"{first_error['msg']} at {'.'.join(map(str, first_error['loc']))}"
    return None


def _template(live: LiveTemplate) -> dict[str, Any]:
    out: dict[str, Any] = {"name": live.name, "language": live.language, "category": live.category}
    if live.parameter_format:
        out["parameter_format"] = live.parameter_format
    out["components"] = [_component(c) for c in live.components]
    return out


def _component(raw: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in raw.items() if k in _COMPONENT_KEYS and v is not None}
    if "buttons" in out:
        out["buttons"] = [{k: v for k, v in b.items() if k in _BUTTON_KEYS} for b in out["buttons"]]
    return out


def _number(number: LiveNumber, waba_name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"waba": waba_name}
    if number.verified_name:
        out["display_name"] = number.verified_name
    if number.profile is not None:
        profile = _profile(number.profile)
        if profile:
            out["profile"] = profile
    return out


def _profile(live: LiveProfile) -> dict[str, Any]:
    fields = {
        "about": live.about,
        "address": live.address,
        "description": live.description,
        "email": live.email,
        "vertical": live.vertical,
        "websites": list(live.websites) or None,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _international(e164: str) -> str:
    """ "+85251234567" as "+852 5123 4567". An E.164 number is "+", a country code (no code is the prefix
    of another) and the national number: formatted from those directly by the country's formats (see
    `_formats`), it needs no parsing; anything else, or a national number with leading zeros, is parsed
    as written."""
    digits = e164[1:]
    plain = e164.startswith("+") and digits.isdigit() and digits.isascii()
    split = country_code_split(digits) if plain else None
    if split is not None:
        code, national = split
        formats = _formats(code)
        if national and not national.startswith("0") and formats is not None:
            return f"+{code} {_formatted(national, formats)}"
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


_Format = tuple[re.Pattern[str] | None, re.Pattern[str], str, str | None]
# "(\d{3})(\d{4})": digit groups, whose match is never empty
_GROUPS = re.compile(r"(?:\(\\d(?:\{[1-9][0-9]*(?:,[0-9]*)?\})?\))+")
_RULE = re.compile(r"(?:\\[1-9]|[^\\])*")  # "\1 \2": groups and literal text


def _formatted(national: str, formats: tuple[_Format, ...]) -> str:
    """The national number as phonenumbers' `format_number` writes it: by the first format whose last
    leading-digits pattern matches its start and whose pattern matches all of it, substituted (`re.sub`);
    as it is if none does."""
    for leading, pattern, rule, fields in formats:
        if leading is not None and not leading.match(national):
            continue
        if fields is not None:  # the pattern's first match, whole, is the only one `re.sub` replaces
            found = pattern.match(national)
            if found is not None and found.end() == len(national):
                return fields.format(*found.groups())
        if pattern.fullmatch(national):
            return pattern.sub(rule, national)
    return national


@functools.cache
def _formats(code: int) -> tuple[_Format, ...] | None:
    """Country code `code`'s international formats, compiled once (with the substitution as a format string
    where the pattern is digit groups); None where phonenumbers has no metadata for `code`."""
    region = phonenumbers.region_code_for_country_code(code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region.upper())
    if metadata is None:
        return None
    formats = metadata.intl_number_format or metadata.number_format  # as `_format_nsn` picks them
    return tuple(
        (
            re.compile(f.leading_digits_pattern[-1]) if f.leading_digits_pattern else None,
            re.compile(f.pattern),
            f.format,
            _fields(f.format) if _GROUPS.fullmatch(f.pattern) and _RULE.fullmatch(f.format) else None,
        )
        for f in formats
    )


def _fields(rule: str) -> str:
    """A substitution "\\1 \\2" as the format string "{0} {1}"."""
    literal = rule.replace("{", "{{").replace("}", "}}")
    return re.sub(r"\\([1-9])", lambda group: "{" + str(int(group[1]) - 1) + "}", literal)


def _env_name(name: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
