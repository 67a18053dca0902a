"""A Markdown reference of the configuration file, rendered from its JSON Schema (kept in the README)."""

from __future__ import annotations

import json
from typing import Any

from reconciler.config.schema import config_schema

BEGIN = "<!-- BEGIN CONFIG REFERENCE (generated: python -m reconciler.config.reference README.md) -->"
END = "<!-- END CONFIG REFERENCE -->"
_SECTIONS = {
    "Config": "top level",
    "Connection": "connection",
    "Waba": "wabas.NAME",
    "WabaExpectations": "wabas.NAME.expect",
    "Webhooks": "wabas.NAME.webhooks",
    "Template": "wabas.NAME.templates[]",
    "TemplateComponent": "wabas.NAME.templates[].components[]",
    "TemplateButton": "…components[].buttons[]",
    "PhoneNumber": 'numbers."+NUMBER"',
    "CodeDelivery": 'numbers."+NUMBER".verification',
    "Profile": 'numbers."+NUMBER".profile',
    "MigrateFrom": 'numbers."+NUMBER".migrate_from',
    "NumberLifecycle": 'numbers."+NUMBER".lifecycle',
    "WabaLifecycle": "wabas.NAME.lifecycle",
    "TemplateLifecycle": "wabas.NAME.templates[].lifecycle",
}


def render_reference() -> str:
    schema = config_schema()
    defs = {"Config": schema, **schema.get("$defs", {})}
    lines = [BEGIN]
    for name, title in _SECTIONS.items():
        model = defs[name]
        lines += ["", f"#### `{title}`", ""]
        if model.get("description"):
            lines += [model["description"].strip().splitlines()[0], ""]
        lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
        required = set(model.get("required", []))
        for key, prop in model.get("properties", {}).items():
            default = "required" if key in required else _default(prop)
            meaning = (prop.get("description") or "").replace("\n", " ").replace("|", "\\|")
            lines.append(f"| `{key}` | {_type(prop)} | {default} | {meaning} |")
    lines.append(END)
    return "\n".join(lines)


def _default(prop: dict[str, Any]) -> str:
    if "default" not in prop:
        return "—"
    value = prop["default"]
    if isinstance(value, dict) and value:
        return "see below"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        target = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{target}](#{_anchor(_SECTIONS.get(target, target))})"
    if "anyOf" in prop:
        arms = [a for a in prop["anyOf"] if a.get("type") != "null"]
        return " or ".join(_type(a) for a in arms) + (" or null" if len(arms) < len(prop["anyOf"]) else "")
    if "enum" in prop or "const" in prop:
        values = prop.get("enum", [prop.get("const")])
        shown = ", ".join(f"`{v}`" for v in values[:8])
        return f"one of {shown}" + (f" … ({len(values)} values)" if len(values) > 8 else "")
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        extra = prop.get("additionalProperties")
        return f"map of {_type(extra)}" if isinstance(extra, dict) else "mapping"
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if "(env|file)" in prop.get("pattern", ""):
        return "secret reference"
    return str(kind)


def _anchor(title: str) -> str:
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def update_readme(text: str) -> str:
    """`text` with the part between the markers replaced by the current reference."""
    start, end = text.index("<!-- BEGIN CONFIG REFERENCE"), text.index(END) + len(END)
    return text[:start] + render_reference() + text[end:]


if __name__ == "__main__":  # pragma: no cover
    import sys
    from pathlib import Path

    if len(sys.argv) > 1:
        readme = Path(sys.argv[1])
        readme.write_text(update_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(render_reference())
