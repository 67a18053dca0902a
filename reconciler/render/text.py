"""The plan for a terminal: Terraform-like markers, field-level before → after, colour when wanted."""

from __future__ import annotations

from typing import Any

from reconciler.render.view import (
    CHECK_MARKS,
    MARKS,
    SIMULATED_BANNER,
    change_lines,
    drift_items,
    preconditions_by_address,
    summary_line,
    verdict_line,
)

_COLOURS = {"+": "32", "~": "33", "-": "31", "»": "36", "✓": "32", "✗": "31", "?": "33", "!": "1;35"}
_STATUS = {"blocked": "BLOCKED", "needs_input": "NEEDS INPUT", "waiting": "WAITING"}


def render_text(document: dict[str, Any], *, colour: bool = False) -> str:
    def paint(mark: str, text: str | None = None) -> str:
        text = mark if text is None else text
        return f"\x1b[{_COLOURS[mark]}m{text}\x1b[0m" if colour and mark in _COLOURS else text

    out: list[str] = []
    if document.get("simulated"):
        out += [paint("!", SIMULATED_BANNER), ""]
    actions = document["actions"]
    if actions:
        out.append("wabaplan will perform these actions, in this order:")
        out.append("")
    for number, action in enumerate(actions, 1):
        mark = MARKS[action["action"]]
        status = _STATUS.get(action["status"])
        tag = f"  [{status}]" if status else ""
        out.append(f"{number:>3}. {paint(mark)} {action['id']}{tag}")
        out.append(f"       {action['summary']}")
        for line in change_lines(action):
            change = f"{line.before} → {line.after}" if line.before else line.after
            out.append(f"       {paint(mark)} {line.path}: {change}")
        if action["reason"] and action["status"] != "ready":
            out.append(f"       {status.lower() if status else 'note'}: {action['reason']}")
        if action["depends_on"]:
            out.append(f"       after: {', '.join(action['depends_on'])}")
        for cost in action["cost"]:
            out.append(f"       cost: {cost['detail']}")
        out.append("")
    for address, checks in preconditions_by_address(document).items():
        out.append(f"Preconditions for {address}:")
        for check in checks:
            mark = CHECK_MARKS[check["outcome"]]
            out.append(f"  {paint(mark)} {check['name']}: {check['detail']}")
        out.append("")
    out += _findings(document)
    if document["pending"]:
        out.append("Pending (under Meta review and as declared, or a move not made yet; not drift):")
        out += [f"  … {p['address']}: {p['detail']}" for p in document["pending"]]
        out.append("")
    if document["notes"]:
        out.append("Notes:")
        out += [f"  - {note}" for note in document["notes"]]
        out.append("")
    out.append(summary_line(document))
    return "\n".join(out) + "\n"


def _findings(document: dict[str, Any]) -> list[str]:
    """Meta's verdicts, then (--refresh-only) drift and the write-only values that cannot be compared."""
    out: list[str] = []
    if document.get("verdicts"):
        out.append("Meta's verdicts (a person must act; not drift, not pending):")
        out += [f"  ✗ {v['address']}: {verdict_line(v)}" for v in document["verdicts"]]
        out.append("")
    drift = drift_items(document)
    if drift:
        out.append("Drift (Meta differs from the configuration):")
        out += [f"  ~ {d['detail']}" for d in drift]
        out.append("")
    if document.get("unknown"):
        out.append("Unknown (write-only, not drift):")
        out += [f"  ? {u['address']}: {u['path']}: {u['reason']}" for u in document["unknown"]]
        out.append("")
    return out
