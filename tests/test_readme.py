"""The README's contract with a new user stays true."""

from __future__ import annotations

import re
from pathlib import Path

from reconciler.config.reference import update_readme

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _setup_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", README, flags=re.S)
    assert block, "the README must open with a sh block of set-up commands"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_setup_is_exactly_two_commands() -> None:
    install, tests = _setup_commands()
    assert install.endswith("wabaplan plan -c examples/numbers.yaml --sim")
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command() -> None:
    _, tests = _setup_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"{tests} 2>&1 | tee" in ci


def test_configuration_reference_is_current() -> None:
    assert update_readme(README) == README, (
        "the README's configuration reference is stale: run `python -m reconciler.config.reference README.md`"
    )
