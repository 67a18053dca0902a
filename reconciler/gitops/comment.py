"""The comment's body, pure: the project's marker first, then the plan, sized to the forge's limit.

The marker names the project (`<!-- wabaplan:plan project=markets/hk.yaml -->`), so two configs in one
repository keep two comments. The project is percent-encoded in it, so no name can end the HTML comment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from reconciler.render.sized import render_sized

# The most characters a comment may hold: GitHub refuses a longer body (422, "body is too long (maximum is
# 65536 characters)"), GitLab a longer note (400, "is too long (maximum is 1000000 characters)").
LIMITS = {"github": 65_536, "gitlab": 1_000_000}


def marker(project: str) -> str:
    return f"<!-- wabaplan:plan project={quote(project, safe='/@+:')} -->"


def comment_body(
    document: dict[str, Any], *, project: str, forge: str, plan_file: str, details_url: str | None = None
) -> str:
    """The whole comment for the plan `document` of `project`, at most the forge's limit."""
    if details_url:
        full_plan = f"The full plan: {details_url}"
    else:
        full_plan = (
            f"The full plan is the saved plan `{plan_file}`: keep it as an artifact of this job; "
            f"`wabaplan show {plan_file}` renders it."
        )
    title = f"wabaplan plan · `{project.replace('`', '')}`"
    return render_sized(
        document, marker=marker(project), title=title, limit=LIMITS[forge], full_plan=full_plan
    )
