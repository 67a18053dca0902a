"""Hostile saved-plan files: each is one line on stderr with exit 1 that says what the file is not and how
to make a good one — never a traceback, a hang or an "internal error". The table is the corpus: a new
case is one row (name, the file's bytes, the message expected after `error: FILE`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_estate import Cli

MAKE_ONE = "(save one with `wabaplan plan --out plan.json`)"
PLANS: list[tuple[str, bytes | None, str]] = [
    ("empty", b"", ":1:1: not JSON (Expecting value), so not a saved plan"),
    ("truncated", b'{"format_version": "1", "actions": [', ":1:37: not JSON (Expecting value)"),
    ("a-picture", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", " is not a text file, so not a saved plan"),
    ("utf-16", '{"format_version": "1"}'.encode("utf-16"), " is not a text file, so not a saved plan"),
    ("latin-1", '{"format_version": "1", "x": "café"}'.encode("latin-1"), " is not a text file"),
    ("a-json-array", b"[1, 2]", " is not a saved wabaplan plan"),
    ("an-empty-object", b"{}", " is not a saved wabaplan plan"),
    ("a-string", b'"format_version"', " is not a saved wabaplan plan"),
    (
        "a-future-format",
        b'{"format_version": "99"}',
        ' is a plan of format "99"; this wabaplan reads format "1"',
    ),
    (
        "format-as-a-number",
        b'{"format_version": 1}',
        ' is a plan of format 1; this wabaplan reads format "1"',
    ),
    ("nested-100000-deep", b"[" * 100_000 + b"]" * 100_000, " nests deeper than any saved plan does"),
    ("format-only", b'{"format_version": "1"}', ": (top level): "),
    ("a-directory", None, " cannot be read (Is a directory)"),
]


@pytest.mark.parametrize(("name", "content", "said"), PLANS, ids=[row[0] for row in PLANS])
def test_a_hostile_plan_file_is_one_clear_line(
    tmp_path: Path, cli: Cli, name: str, content: bytes | None, said: str
) -> None:
    path = tmp_path / f"{name}.json"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    code, out = cli("show", str(path))
    assert code == 1, out
    assert out.startswith(f"error: {path}{said}"), out
    assert out.count("\n") == 1 and "Traceback" not in out and "internal error" not in out
    if name != "a-directory":  # a file that is there, and not a plan: how to make one
        assert out.rstrip().endswith(MAKE_ONE) or "not as wabaplan saved it" in out, out


def test_a_missing_plan_file_says_how_to_make_one(tmp_path: Path, cli: Cli) -> None:
    code, out = cli("show", str(tmp_path / "plan.json"))
    assert (code, out) == (1, f"error: {tmp_path / 'plan.json'}: no such file {MAKE_ONE}\n")


def test_apply_reads_a_hostile_plan_the_same_way_before_anything_else(estate: Path, cli: Cli) -> None:
    plan = estate.parent / "plan.json"
    plan.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    code, out = cli("apply", str(plan), "--sim", "--auto-approve", "-c", str(estate))
    assert code == 1 and f"error: {plan} nests deeper than any saved plan does" in out, out
    assert "Traceback" not in out and "Apply complete" not in out
