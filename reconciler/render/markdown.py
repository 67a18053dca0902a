"""The plan as Markdown for a pull request. The hidden marker lets CI find and update the same comment.

`render_markdown` is the whole plan, nothing left out (`plan --format markdown`, `show`). Its pieces —
the head, a table row per action, an action's field changes, a table of preconditions — are what
`render.sized` arranges into a comment that fits a forge's size limit.
"""

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

MARKER = "<!-- wabaplan:plan -->"
STATUS = {
    "ready": "ready",
    "blocked": "⛔ blocked",
    "needs_input": "✋ needs input",
    "waiting": "⏳ waiting",
}
TABLE_HEAD = ("| # | | action | status | cost |", "|---|---|---|---|---|")
DETAILS_SUMMARY = "Field changes and reasons"


def render_markdown(document: dict[str, Any]) -> str:
    out = head_lines(document, marker=MARKER, title="wabaplan plan") + verdict_lines(document)
    actions = document["actions"]
    if actions:
        out += [*TABLE_HEAD, *(action_row(n, a) for n, a in enumerate(actions, 1)), ""]
        detailed = [a for a in actions if has_detail(a)]
        if detailed:
            out += [f"<details><summary>{DETAILS_SUMMARY}</summary>", ""]
            out += [line for action in detailed for line in action_detail(action)]
            out += ["</details>", ""]
    for address, checks in preconditions_by_address(document).items():
        out += precondition_lines(address, checks)
    out += drift_lines(document) + unknown_lines(document) + pending_lines(document) + notes_lines(document)
    return "\n".join(out).rstrip() + "\n"


def head_lines(document: dict[str, Any], *, marker: str, title: str) -> list[str]:
    """The marker, the title, the simulator's banner when simulated, the summary line."""
    out = [marker, f"### {title}", ""]
    if document.get("simulated"):
        out += [f"> **{SIMULATED_BANNER}**", ""]
    return [*out, f"**{summary_line(document)}**", ""]


def action_row(number: int, action: dict[str, Any]) -> str:
    cost = "<br>".join(c["detail"] for c in action["cost"]) or ""
    return (
        f"| {number} | `{MARKS[action['action']]}` | `{action['id']}`<br>{cell(action['summary'])} "
        f"| {STATUS[action['status']]} | {cell(cost)} |"
    )


def has_detail(action: dict[str, Any]) -> bool:
    return bool(action["changes"]) or action["status"] != "ready"


def action_detail(action: dict[str, Any]) -> list[str]:
    """The action's reason (unless ready) and its field changes as a diff."""
    out = [f"**`{action['id']}`**", ""]
    if action["status"] != "ready" and action["reason"]:
        out += [f"{STATUS[action['status']]}: {action['reason']}", ""]
    lines = change_lines(action)
    if lines:
        out.append("```diff")
        for line in lines:
            if line.before and line.before != "(none)":
                out.append(f"- {line.path}: {line.before}")
            out.append(f"+ {line.path}: {line.after}")
        out += ["```", ""]
    return out


def precondition_lines(address: str, checks: list[dict[str, Any]]) -> list[str]:
    out = [f"**Preconditions for `{address}`**", "", "| | condition | detail |", "|---|---|---|"]
    out += [f"| {CHECK_MARKS[c['outcome']]} | {c['name']} | {cell(c['detail'])} |" for c in checks]
    return [*out, ""]


def verdict_lines(document: dict[str, Any]) -> list[str]:
    if not document.get("verdicts"):
        return []
    out = ["**Meta's verdicts** (a person must act; not drift, not pending)", ""]
    return [*out, *(f"- ✗ `{v['address']}`: {cell(verdict_line(v))}" for v in document["verdicts"]), ""]


def drift_lines(document: dict[str, Any]) -> list[str]:
    drift = drift_items(document)
    if not drift:
        return []
    return [
        "**Drift** (Meta differs from the configuration)",
        "",
        *(f"- {cell(d['detail'])}" for d in drift),
        "",
    ]


def unknown_lines(document: dict[str, Any]) -> list[str]:
    if not document.get("unknown"):
        return []
    out = ["**Unknown** (write-only, not drift)", ""]
    return [*out, *(f"- `{u['address']}` {u['path']}: {cell(u['reason'])}" for u in document["unknown"]), ""]


def pending_lines(document: dict[str, Any]) -> list[str]:
    if not document["pending"]:
        return []
    out = ["**Pending** (under Meta review and as declared, or a move not made yet; not drift)", ""]
    return [*out, *(f"- `{p['address']}`: {p['detail']}" for p in document["pending"]), ""]


def notes_lines(document: dict[str, Any]) -> list[str]:
    if not document["notes"]:
        return []
    return ["**Notes**", "", *(f"- {cell(n)}" for n in document["notes"]), ""]


def cell(text: str) -> str:
    """Text that stays inside one Markdown table cell (or one list item)."""
    return text.replace("|", "\\|").replace("\n", " ")
