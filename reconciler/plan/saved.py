"""A plan saved with `wabaplan plan --out`, read back for `show` and `apply PLAN` / `apply --reviewed PLAN`.

A saved plan is found, is JSON, and is what `schemas/plan.schema.json` describes (`Plan.from_json` checks
the rest) — or the user gets one line saying which of those it is not, and what to do. Nothing here writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.boundedio import read_bounded
from reconciler.errors import InputTooLarge
from reconciler.plan.model import Plan
from reconciler.plan.schema import MAKE_ONE, PlanFileError, plan_schema_text

__all__ = ["PlanFileError", "SavedPlan", "load_saved_plan", "plan_schema_text"]


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    document: dict[str, Any]  # as saved, for rendering (it also holds what reading Meta cost)


MAX_PLAN_BYTES = 256 * 1024 * 1024  # a 10,000-number plan is about 7 MB; 50,000 about 35 MB


def load_saved_plan(path: Path) -> SavedPlan:
    try:
        text = read_bounded(path, MAX_PLAN_BYTES).decode("utf-8")
    except InputTooLarge as exc:
        raise PlanFileError(f"{exc} ({MAKE_ONE})") from None
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such file ({MAKE_ONE})") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{path} is not a text file, so not a saved plan ({MAKE_ONE})") from None
    except OSError as exc:
        raise PlanFileError(f"{path} cannot be read ({exc.strerror or exc})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg}), so not a saved plan ({MAKE_ONE})"
        ) from None
    except RecursionError:
        raise PlanFileError(f"{path} nests deeper than any saved plan does ({MAKE_ONE})") from None
    return SavedPlan(Plan.from_json(document, source=str(path)), document)
