"""`wabaplan validate`: exit codes, output formats, and one clear line for unusable files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "numbers.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_example_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "-c", str(EXAMPLE))
    assert code == 0
    assert "valid — 2 WABAs, 3 numbers, 4 templates" in out


def test_invalid_file_exits_1_with_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "tests" / "fixtures" / "invalid" / "many-problems-at-once.yaml"
    code, out, _ = run(capsys, "validate", "-c", str(path))
    assert code == 1
    assert out.count(f"{path}:") == 5 + 1  # five problems and the summary line
    assert out.rstrip().endswith("5 problems")


def test_json_format_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "tests" / "fixtures" / "invalid" / "profile-vertical-typo.yaml"
    code, out, _ = run(capsys, "validate", "-c", str(path), "--format", "json")
    document = json.loads(out)
    assert code == 1 and document["valid"] is False
    [diagnostic] = document["diagnostics"]
    assert diagnostic["line"] == 10 and diagnostic["path"] == 'numbers["+85251234567"].profile.vertical'
    assert diagnostic["fix"] == "did you mean 'RETAIL'?"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "file not found"),
        (b"", "file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "is a binary file"),
        (b"\xff\xfe\xfa not utf-8", "is not UTF-8 text"),
        (b"just a string\n", "the top level is a single value"),
        (b"- a\n- b\n", "the top level is a list"),
        (b"wabas: [unclosed\n", "YAML syntax error"),
    ],
)
def test_unusable_file_gets_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, fragment: str
) -> None:
    path = tmp_path / "numbers.yaml"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, "validate", "-c", str(path))
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 2 and fragment in lines[0] and lines[0].startswith(f"{path}:")
    assert "Traceback" not in out + err


def test_directory_without_yaml_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("wabas: {}\n", encoding="utf-8")  # only *.yaml and *.yml are read
    code, out, _ = run(capsys, "validate", "-c", str(tmp_path))
    assert code == 1
    assert out == (
        f"{tmp_path}:1:1: the directory holds no *.yaml or *.yml file (start from examples/numbers.yaml, "
        f"or pass a single file with -c)\n{tmp_path} (0 files): 1 problem\n"
    )


def test_default_config_is_numbers_yaml_in_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "numbers.yaml").write_text('wabas: {hk: {id: "1"}}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "validate")
    assert code == 0 and out.startswith("numbers.yaml: valid")


def test_usage_error_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", "--format", "yaml"])
    assert info.value.code == 1


def test_schema_command_prints_the_config_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "config")
    assert code == 0
    assert json.loads(out)["title"] == "wabaplan configuration"


def test_console_command_is_installed() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", "validate", "-c", str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
