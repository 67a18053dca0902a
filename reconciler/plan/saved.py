"""A plan saved with `wabaplan plan --out`, read back for `show` and `apply PLAN`.

A saved plan is found, is JSON, and is what `schemas/plan.schema.json` describes — or the user gets one
line saying which of those it is not, and what to do. Nothing here writes.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from reconciler.errors import WabaplanError
from reconciler.plan.model import FORMAT_VERSION


class PlanFileError(WabaplanError):
    """A saved plan that cannot be used as one."""


def load_saved_plan(path: Path) -> dict[str, Any]:
    make_one = "save one with `wabaplan plan --out plan.json`"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such file ({make_one})") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{path} is not a text file, so not a saved plan ({make_one})") from None
    except OSError as exc:
        raise PlanFileError(f"{path} cannot be read ({exc.strerror or exc})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg}), so not a saved plan ({make_one})"
        ) from None
    except RecursionError:
        raise PlanFileError(f"{path} nests deeper than any saved plan does ({make_one})") from None
    if not isinstance(document, dict) or "format_version" not in document:
        raise PlanFileError(f"{path} is not a saved wabaplan plan ({make_one})")
    if document["format_version"] != FORMAT_VERSION:
        raise PlanFileError(
            f"{path} is a plan of format {document['format_version']!r}; this wabaplan reads format "
            f"{FORMAT_VERSION} ({make_one})"
        )
    problems = sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    if problems:
        first = problems[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PlanFileError(
            f"{path}: {where}: {first.message}{more}: not as wabaplan saved it; plan again ({make_one})"
        )
    return document


def plan_schema_text() -> str:
    """The JSON Schema of a saved plan (`wabaplan schema plan`; schemas/plan.schema.json is a copy)."""
    return (resources.files("reconciler") / "data" / "plan.schema.json").read_text(encoding="utf-8")


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(plan_schema_text()))
