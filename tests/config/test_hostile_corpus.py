"""Each file in fixtures/hostile gets the exit code and the message its header expects from `validate`.

Each fixture starts with `# expect: exit CODE` and either `# expect: LINE:COLUMN: fragment` (a diagnostic at
exactly that place) or `# expect: fragment` (any line of output). The header is written in the file's own
encoding, so a UTF-16 fixture still carries its expectation. Whatever the file, nothing prints a
traceback or an "internal error".
"""

from __future__ import annotations

import codecs
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli import main

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
CASES = sorted(HOSTILE.glob("*.yaml"))
EXPECT = re.compile(
    r"^# expect: (?:exit (?P<code>\d+)|(?P<line>\d+):(?P<column>\d+): (?P<at>.+)|(?P<any>.+))$"
)
CRASHES = ("Traceback", "internal error")
CLASSES = (
    "alias", "depth", "number", "tag", "encoding", "syntax", "registered", "version", "duplicate", "merge",
)  # fmt: skip


def _header_text(raw: bytes) -> str:
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(codec)
    if raw[1:2] == b"\0":
        return raw.decode("utf-16-le")
    return raw.decode("utf-8-sig", errors="replace")


def _expectations(path: Path) -> tuple[int, list[tuple[str, str]]]:
    code, found = None, []
    for line in _header_text(path.read_bytes()).splitlines():
        match = EXPECT.match(line)
        if match is None:
            continue
        if match["code"] is not None:
            code = int(match["code"])
        elif match["at"] is not None:
            found.append((f"{path}:{match['line']}:{match['column']}: ", match["at"]))
        else:
            found.append(("", match["any"]))
    assert code is not None and found, f"{path.name} needs `# expect: exit N` and a message"
    return code, found


def test_the_corpus_covers_every_class() -> None:
    assert len(CASES) >= 45
    for kind in CLASSES:
        assert any(path.name.startswith(kind) for path in CASES), f"no hostile fixture of class {kind!r}"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_hostile_config_gets_its_exit_code_and_message(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, expected = _expectations(path)
    status = main(["validate", "-c", str(path)])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    for prefix, fragment in expected:
        assert any(line.startswith(prefix) and fragment in line for line in lines), (
            f"expected {prefix}…{fragment!r}; got:\n{out}{err}"
        )
    assert status == code, out + err
    for crash in CRASHES:
        assert crash not in out + err
    assert "\x1b" not in out, "a control character from the file reached the terminal"


SUBPROCESS_CASES = [
    "alias-bomb-billion-laughs-under-an-extension-key",
    "depth-flow-sequences-900",
    "tag-python-object-apply",
    "encoding-utf16-le-with-bom",
    "encoding-lone-surrogate-escape",
    "terminal-escape-in-a-key",
]


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_hostile_config_through_the_command_leaves_stderr_clean(name: str) -> None:
    path = HOSTILE / f"{name}.yaml"
    result = _validate_in_a_process(path)
    assert result.returncode == 1
    assert result.stderr == b"", result.stderr.decode(errors="replace")
    assert result.stdout.startswith(f"{path}:".encode())


@pytest.mark.parametrize("levels", [5_000, 100_000])
def test_brackets_nested_past_any_parsers_limit_end_in_one_diagnostic(tmp_path: Path, levels: int) -> None:
    """Far deeper than wabaplan's limit, and than the limit some libyaml builds keep themselves (which then
    speaks first, at its own column): one diagnostic at line 2, exit 1, never a crash — PyYAML without a
    limit of its own once crashed at 100,000."""
    path = tmp_path / "deep.yaml"
    path.write_text("wabas:\n  hk: " + "[" * levels + "]" * levels + "\n", encoding="utf-8")
    result = _validate_in_a_process(path)
    assert result.returncode == 1 and result.stderr == b"", result.stderr.decode(errors="replace")
    assert result.stdout.startswith(f"{path}:2:".encode()) and b"nesting" in result.stdout


def _validate_in_a_process(path: Path) -> subprocess.CompletedProcess[bytes]:
    """`wabaplan validate -c PATH` as a user runs it, without the debug switch that shows tracebacks."""
    environ = {k: v for k, v in os.environ.items() if k != "WABAPLAN_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "reconciler.cli", "validate", "-c", str(path)],
        capture_output=True,
        timeout=60,
        env=environ,
        check=False,
    )
