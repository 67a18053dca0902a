"""What every human renderer shows, derived once from the plan document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.diff import value_text

MARKS = {"create": "+", "update": "~", "delete": "-", "operation": "»"}
CHECK_MARKS = {"pass": "✓", "fail": "✗", "unknown": "?"}
SIMULATED_BANNER = "SIMULATED — planned against the wabaplan simulator, not against Meta"


@dataclass(frozen=True)
class ChangeLine:
    path: str
    before: str
    after: str


def change_lines(action: dict[str, Any]) -> list[ChangeLine]:
    """Before/after text of each change; a sensitive change shows only that it changes."""
    return [
        ChangeLine(c["path"], "", c["after"])
        if c["sensitive"]
        else ChangeLine(c["path"], value_text(c["before"]), value_text(c["after"]))
        for c in action["changes"]
    ]


def summary_line(document: dict[str, Any]) -> str:
    if document.get("refresh_only"):
        # a plan saved before `drift` was written down: its drift is among the notes
        drift = document.get("drift", [n for n in document["notes"] if " at Meta" in n])
        return f"Refresh only: {len(drift)} difference(s) at Meta from the configuration; no actions planned."
    s = document["summary"]
    counts = (
        f"{s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
        f"{s['operations']} operations"
    )
    if document.get("incomplete"):
        return (
            f"Plan incomplete: {len(document['incomplete'])} WABA(s) could not be read (see the notes); "
            f"{counts} in the rest."
        )
    if not document["actions"]:
        return "No changes. Meta matches the configuration."
    blocked = f" ({s['blocked']} blocked)" if s["blocked"] else ""
    return f"Plan: {counts}{blocked}."


def preconditions_by_address(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for check in document["preconditions"]:
        grouped.setdefault(check["address"], []).append(check)
    return grouped
