"""The commit a local run was made at: `.git/HEAD` read from the config's directory upward, no `git` run.

Follows a branch to its ref, loose or packed, and a worktree's `.git` file to the repository's common
directory. Anything else (no repository, a detached head in an odd layout, an unreadable file) is "":
the commit is a courtesy in `wabaplan history`, never a reason to fail.
"""

from __future__ import annotations

import re
from pathlib import Path

_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
MAX_DEPTH = 64  # directories walked up at most


def head_commit(start: Path) -> str:
    """The full hash HEAD names in the repository holding `start`, or "" when there is none to read."""
    try:
        git_dir = _git_dir(start.resolve())
        if git_dir is None:
            return ""
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if _SHA.fullmatch(head):
            return head  # a detached head
        if not head.startswith("ref: "):
            return ""
        return _ref(git_dir, _common_dir(git_dir), head.removeprefix("ref: ").strip())
    except (OSError, UnicodeDecodeError):
        return ""


def _git_dir(start: Path) -> Path | None:
    for directory in [start, *start.parents][:MAX_DEPTH]:
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # a worktree or submodule: "gitdir: PATH"
            text = dot_git.read_text(encoding="utf-8").strip()
            return (
                (directory / text.removeprefix("gitdir:").strip()).resolve()
                if text.startswith("gitdir:")
                else None
            )
    return None


def _common_dir(git_dir: Path) -> Path:
    common = git_dir / "commondir"
    return (git_dir / common.read_text(encoding="utf-8").strip()).resolve() if common.is_file() else git_dir


def _ref(git_dir: Path, common: Path, ref: str) -> str:
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            sha = loose.read_text(encoding="utf-8").strip()
            return sha if _SHA.fullmatch(sha) else ""
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            sha, _, name = line.partition(" ")
            if name == ref and _SHA.fullmatch(sha):
                return sha
    return ""
