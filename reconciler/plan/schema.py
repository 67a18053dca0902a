"""What a plan document must be before it is read back: of this wabaplan's format, and as its schema says.

`schemas/plan.schema.json` is a copy of the packaged schema (`wabaplan schema plan` prints it).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from reconciler.errors import WabaplanError

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

FORMAT_VERSION = "1"  # a saved plan without `checksum` (saved before it was recorded) is of this format too
MAKE_ONE = "save one with `wabaplan plan --out plan.json`"


class PlanFileError(WabaplanError):
    """A saved plan that cannot be used as one."""


def check_document(document: Any, source: str) -> None:
    """Refuse what is not a plan document of this format, naming `source` (a file, say) and what to do."""
    if not isinstance(document, dict) or "format_version" not in document:
        raise PlanFileError(f"{source} is not a saved wabaplan plan ({MAKE_ONE})")
    if document["format_version"] != FORMAT_VERSION:
        found = json.dumps(document["format_version"], ensure_ascii=True)[:40]  # 1 and "1" told apart
        raise PlanFileError(
            f"{source} is a plan of format {found}; this wabaplan reads format {json.dumps(FORMAT_VERSION)} "
            f"({MAKE_ONE})"
        )
    problems = sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    if problems:
        first = problems[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise not_as_saved(source, where, f"{first.message}{more}")


def not_as_saved(source: str, where: str, what: str) -> PlanFileError:
    return PlanFileError(f"{source}: {where}: {what}: not as wabaplan saved it; plan again ({MAKE_ONE})")


def plan_schema_text() -> str:
    """The JSON Schema of a saved plan (`wabaplan schema plan`; schemas/plan.schema.json is a copy)."""
    return (resources.files("reconciler") / "data" / "plan.schema.json").read_text(encoding="utf-8")


@cache
def _validator() -> Draft202012Validator:
    # imported here: only a saved plan read back is checked, and most commands read none
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_inlined(json.loads(plan_schema_text())))


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with each `{"$ref": "#/$defs/NAME"}` replaced by the definition (none refers to itself):
    the same verdicts, a third less CPU (a 10,000-action plan: 2.7 → 1.8 s), since jsonschema resolves a
    reference again at every value that uses it."""
    definitions = schema.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if len(node) == 1 and isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items() if key != "$defs"}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {**inline(schema), "$defs": definitions}
