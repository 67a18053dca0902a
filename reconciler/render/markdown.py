"""The plan as a pull-request comment. The hidden marker lets CI find and update the same comment."""

from __future__ import annotations

from typing import Any

from reconciler.render.view import (
    CHECK_MARKS,
    MARKS,
    SIMULATED_BANNER,
    change_lines,
    preconditions_by_address,
    summary_line,
)

MARKER = "<!-- wabaplan:plan -->"
_STATUS = {
    "ready": "ready",
    "blocked": "⛔ blocked",
    "needs_input": "✋ needs input",
    "waiting": "⏳ waiting",
}


def render_markdown(document: dict[str, Any]) -> str:
    out = [MARKER, "### wabaplan plan", ""]
    if document.get("simulated"):
        out += [f"> **{SIMULATED_BANNER}**", ""]
    out += [f"**{summary_line(document)}**", ""]
    actions = document["actions"]
    if actions:
        out += ["| # | | action | status | cost |", "|---|---|---|---|---|"]
        for number, action in enumerate(actions, 1):
            cost = "<br>".join(c["detail"] for c in action["cost"]) or ""
            out.append(
                f"| {number} | `{MARKS[action['action']]}` | `{action['id']}`<br>{_cell(action['summary'])} "
                f"| {_STATUS[action['status']]} | {_cell(cost)} |"
            )
        out.append("")
        detailed = [a for a in actions if a["changes"] or a["status"] != "ready"]
        if detailed:
            out += ["<details><summary>Field changes and reasons</summary>", ""]
            for action in detailed:
                out += [f"**`{action['id']}`**", ""]
                if action["status"] != "ready" and action["reason"]:
                    out += [f"{_STATUS[action['status']]}: {action['reason']}", ""]
                lines = change_lines(action)
                if lines:
                    out.append("```diff")
                    for line in lines:
                        if line.before and line.before != "(none)":
                            out.append(f"- {line.path}: {line.before}")
                        out.append(f"+ {line.path}: {line.after}")
                    out += ["```", ""]
            out += ["</details>", ""]
    for address, checks in preconditions_by_address(document).items():
        out += [f"**Preconditions for `{address}`**", "", "| | condition | detail |", "|---|---|---|"]
        out += [f"| {CHECK_MARKS[c['outcome']]} | {c['name']} | {_cell(c['detail'])} |" for c in checks]
        out.append("")
    if document["pending"]:
        out += ["**Pending at Meta** (matches the configuration, not drift)", ""]
        out += [f"- `{p['address']}`: {p['detail']}" for p in document["pending"]]
        out.append("")
    if document["notes"]:
        out += ["**Notes**", ""]
        out += [f"- {_cell(n)}" for n in document["notes"]]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
