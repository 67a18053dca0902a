"""`validate`'s diagnostics for CI: GitHub workflow annotations, a GitLab Code Quality report.

GitHub (https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions, "Setting an
error message"): one line per problem, which the runner turns into an annotation on the pull request's diff

    ::error file=numbers.yaml,line=15,col=17,title=wabaplan validate::numbers["+852…"]…: … (fix)

with the escaping of actions/toolkit's `command.ts`: in the message `%`, CR and LF become %25, %0D, %0A;
in a property value `:` and `,` also become %3A and %2C.

GitLab (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format): a JSON array, one
issue per problem, for `artifacts: reports: codequality:`

    {"description": …, "check_name": …, "fingerprint": …, "severity": "major",
     "location": {"path": "numbers.yaml", "lines": {"begin": 15}}}

The fingerprint is stable while the problem stays (file, YAML path and message; not the line, which moves).
Paths are made relative to the repository root when under it: both forges match annotations by that path.
Here rather than in `render`, so that `validate` stays light (render brings the plan's diff machinery).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Sequence

from reconciler.config.diagnostics import Diagnostic

TITLE = "wabaplan validate"


def github_annotations(diagnostics: Sequence[Diagnostic], *, root: str = "") -> str:
    lines = []
    for d in diagnostics:
        properties = {"file": repo_path(d.file, root), "line": d.line, "col": d.column, "title": TITLE}
        said = ",".join(f"{name}={_property(str(value))}" for name, value in properties.items())
        lines.append(f"::error {said}::{_data(_message(d))}\n")
    return "".join(lines)


def gitlab_code_quality(diagnostics: Sequence[Diagnostic], *, root: str = "") -> str:
    issues = []
    for d in diagnostics:
        path = repo_path(d.file, root)
        check = f"wabaplan/{d.path.split('.')[0].split('[')[0] or 'file'}"
        fingerprint = hashlib.sha256(f"{path}\0{d.path}\0{d.message}".encode()).hexdigest()
        issues.append(
            {
                "description": _message(d),
                "check_name": check,
                "fingerprint": fingerprint,
                "severity": "major",
                "location": {"path": path, "lines": {"begin": max(d.line, 1)}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def repo_path(file: str, root: str) -> str:
    """`file` relative to `root` (GITHUB_WORKSPACE, CI_PROJECT_DIR) when inside it, with forward slashes."""
    path = file.replace("\\", "/")
    root = root.replace("\\", "/").rstrip("/")
    if root and posixpath.isabs(path) and (path + "/").startswith(root + "/"):
        path = posixpath.relpath(path, root)
    return posixpath.normpath(path)


def _message(d: Diagnostic) -> str:
    what = f"{d.path}: {d.message}" if d.path else d.message
    return f"{what} ({d.fix})" if d.fix else what


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
