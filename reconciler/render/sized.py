"""The plan as a pull-request comment that fits a size limit, what needs someone first.

    <!-- marker -->                        always (CI finds the comment by it, to update it in place)
    ### title, the summary line            always
    **Meta's verdicts**, **Needs attention**   verdicts; blocked, needs input, waiting          kept 1st
    **Drift**, **Notes**                                                                         2nd
    **Preconditions for …**, **Pending**                                                         3rd
    <details> All N actions                one table row per action, collapsed                   4th
    <details> Field changes and reasons    per action, collapsed                                 5th

Within the limit the comment shows everything. Past it, sections give way from the last kept: each keeps
as many of its items as fit, in order, and says how many more it leaves out, and the comment ends with one
line that says it was shortened and where the full plan is. Sizes are counted in characters (code points),
as GitHub and GitLab count a comment's length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.render.markdown import (
    DETAILS_SUMMARY,
    STATUS,
    TABLE_HEAD,
    action_detail,
    action_row,
    cell,
    drift_lines,
    has_detail,
    head_lines,
    pending_lines,
    precondition_lines,
    verdict_lines,
)
from reconciler.render.view import preconditions_by_address

ATTENTION = ("blocked", "needs_input", "waiting")  # in this order, before everything else
REASON_CHARS = 600  # one blocked item's reason, at most: a long one must not crowd out the others


@dataclass(frozen=True)
class Section:
    """Part of the comment: shown whole, or its first items and a line saying how many more are not."""

    rank: int  # 0 is kept first when space runs out
    noun: str  # what an item is, for "… 9,000 more actions not shown here"
    opening: tuple[str, ...]
    items: tuple[str, ...]  # each one line or more
    closing: tuple[str, ...] = ("",)

    def more(self, missing: int) -> str:
        return f"\n_… {missing:,} more {self.noun} not shown here._\n"


def render_sized(document: dict[str, Any], *, marker: str, title: str, limit: int, full_plan: str) -> str:
    """The comment for `document`, at most `limit` characters; `full_plan` says where the rest is."""
    head = head_lines(document, marker=marker, title=title)
    return fit(head, comment_sections(document), limit=limit, full_plan=full_plan)


def comment_sections(document: dict[str, Any]) -> list[Section]:
    actions = document["actions"]
    attention = [a for status in ATTENTION for a in actions if a["status"] == status]
    pending = pending_lines(document)  # a head of two lines, an item a line, a blank line
    verdicts, drift = verdict_lines(document), drift_lines(document)  # the same shape
    sections = [
        Section(0, "verdicts of Meta", tuple(verdicts[:2]), tuple(verdicts[2:-1])),
        Section(0, "actions that need attention", _attention_opening(attention), _attention(attention)),
        Section(1, "drift items", tuple(drift[:2]), tuple(drift[2:-1])),
        Section(1, "notes", ("**Notes**", ""), tuple(f"- {cell(n)}" for n in document["notes"])),
        Section(
            2,
            "resources' preconditions",
            (),
            tuple(_block(precondition_lines(a, c)) for a, c in preconditions_by_address(document).items()),
            (),
        ),
        Section(2, "pending reviews", tuple(pending[:2]), tuple(pending[2:-1])),
        Section(
            3,
            "actions",
            (f"<details><summary>All {len(actions):,} actions</summary>", "", *TABLE_HEAD),
            tuple(action_row(n, a) for n, a in enumerate(actions, 1)),
            ("", "</details>", ""),
        ),
        Section(
            4,
            "actions' changes and reasons",
            (f"<details><summary>{DETAILS_SUMMARY}</summary>", ""),
            tuple(_block(action_detail(a)) for a in actions if has_detail(a)),
            ("</details>", ""),
        ),
    ]
    return [s for s in sections if s.items]


def fit(head: Sequence[str], sections: Sequence[Section], *, limit: int, full_plan: str) -> str:
    """head and sections, whole when they fit in `limit` characters, else cut as the module says."""
    whole = [len(s.items) for s in sections]
    text = _text(head, sections, whole, "")
    if len(text) <= limit:
        return text
    budget = limit - _size(head) - _size(["", _shortened(sections, whole, limit, full_plan)])
    kept = [0] * len(sections)
    for index in sorted(range(len(sections)), key=lambda i: sections[i].rank):
        section = sections[index]
        more = _size([section.more(len(section.items))])
        room = budget - _size(section.opening) - _size(section.closing) - more
        for item in section.items:
            if len(item) + 1 > room:
                break
            room -= len(item) + 1
            kept[index] += 1
        if kept[index]:
            budget = room + (more if kept[index] == len(section.items) else 0)
    missing = [len(s.items) - k for s, k in zip(sections, kept, strict=True)]
    text = _text(head, sections, kept, _shortened(sections, missing, limit, full_plan))
    return text if len(text) <= limit else text[: limit - 2] + "…\n"  # a head too long: still one comment


def _text(head: Sequence[str], sections: Sequence[Section], kept: Sequence[int], shortened: str) -> str:
    out = list(head)
    for section, count in zip(sections, kept, strict=True):
        if count:
            out += [*section.opening, *section.items[:count]]
            if count < len(section.items):
                out.append(section.more(len(section.items) - count))
            out += section.closing
    if shortened:
        out += [""] * (out[-1] != "") + [shortened]
    return "\n".join(out).rstrip() + "\n"


def _shortened(sections: Sequence[Section], missing: Sequence[int], limit: int, full_plan: str) -> str:
    left_out = [f"{n:,} of {len(s.items):,} {s.noun}" for s, n in zip(sections, missing, strict=True) if n]
    return (
        f"**Shortened to fit the {limit:,}-character comment limit** "
        f"(not shown: {'; '.join(left_out) or 'nothing'}). {full_plan}"
    )


def _attention_opening(actions: list[dict[str, Any]]) -> tuple[str, ...]:
    counts = {s: sum(a["status"] == s for a in actions) for s in ATTENTION}
    said = ", ".join(f"{n:,} {STATUS[s].split(' ', 1)[1]}" for s, n in counts.items() if n)
    return (f"**Needs attention**: {said}", "")


def _attention(actions: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(
        f"- {STATUS[a['status']]} `{a['id']}`: {_clip(cell(a['reason'] or a['summary']), REASON_CHARS)}"
        for a in actions
    )


def _clip(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _block(lines: list[str]) -> str:
    """Lines as one item; they end with a blank line, which keeps a table apart from what follows."""
    return "\n".join(lines)


def _size(lines: Sequence[str]) -> int:
    """Characters the lines take in the comment, each with its newline."""
    return sum(len(line) + 1 for line in lines)
