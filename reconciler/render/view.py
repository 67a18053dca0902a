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


def drift_items(document: dict[str, Any]) -> list[dict[str, Any]]:
    """--refresh-only: each drift item; a plan saved before drift had a shape (one line of text each, or
    among the notes) gives its lines as `detail`."""
    if not document.get("refresh_only"):
        return []
    drift = document.get("drift", [n for n in document["notes"] if " at Meta" in n])
    return [{"address": d.partition(": ")[0], "detail": d} if isinstance(d, str) else d for d in drift]


def verdict_line(verdict: dict[str, Any]) -> str:
    """One verdict for people: what Meta ruled (and why, when it said), then what to change."""
    said = f" ({verdict['reason']})" if verdict["reason"] else ""
    return f"{verdict['subject'].replace('_', ' ')} {verdict['status']}{said}: {verdict['fix']}"


def summary_line(document: dict[str, Any]) -> str:
    verdicts = len(document.get("verdicts", ()))
    ruled = f"; {verdicts} verdict(s) of Meta need a person" if verdicts else ""
    if document.get("refresh_only"):
        unknown = len(document.get("unknown", ()))
        unseen = f"; {unknown} write-only value(s) cannot be compared" if unknown else ""
        return (
            f"Refresh only: {len(drift_items(document))} difference(s) at Meta from the configuration"
            f"{ruled}{unseen}; no actions planned."
        )
    s = document["summary"]
    counts = (
        f"{s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
        f"{s['operations']} operations"
    )
    if document.get("incomplete"):
        return (
            f"Plan incomplete: {len(document['incomplete'])} WABA(s) could not be read (see the notes); "
            f"{counts} in the rest{ruled}."
        )
    if not document["actions"]:
        if verdicts:
            return f"No changes to make{ruled} (see Meta's verdicts)."
        return "No changes. Meta matches the configuration."
    blocked = f" ({s['blocked']} blocked)" if s["blocked"] else ""
    return f"Plan: {counts}{blocked}{ruled}."


def preconditions_by_address(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for check in document["preconditions"]:
        grouped.setdefault(check["address"], []).append(check)
    return grouped
