"""The pre-commit hook holds: .pre-commit-hooks.yaml passes pre-commit's own manifest schema, and its
entry, run as pre-commit runs it (from the repository root, with the hook's args and no file names),
validates a config: exit 0 when valid, 1 with the problem when not."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pre_commit.clientlib import InvalidManifestError, load_manifest

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def hook() -> dict[str, Any]:
    (only,) = load_manifest(str(MANIFEST))
    return only


def test_the_manifest_passes_pre_commits_schema() -> None:
    found = hook()
    assert found["id"] == "wabaplan-validate"
    assert found["language"] == "python", "pre-commit installs this repository with pip, wabaplan included"
    assert found["pass_filenames"] is False, "validate takes one config with -c, not a list of files"


def test_pre_commits_schema_has_teeth(tmp_path: Path) -> None:
    broken = tmp_path / ".pre-commit-hooks.yaml"
    broken.write_text(
        MANIFEST.read_text(encoding="utf-8").replace("  language: python\n", ""), encoding="utf-8"
    )
    with pytest.raises(InvalidManifestError):
        load_manifest(str(broken))


def test_the_hook_runs_for_the_default_config_only() -> None:
    files = re.compile(hook()["files"])
    assert files.search("numbers.yaml")
    for other in (
        "examples/numbers.yaml",
        "examples/world.yaml",
        "numbers.yaml.bak",
        ".github/workflows/x.yml",
    ):
        assert not files.search(other), other


def run_entry(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The hook's entry with `args`, from the repository root, with `wabaplan` being this checkout."""
    bin_dir = repo.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "wabaplan"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m reconciler.cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return subprocess.run(
        [*shlex.split(hook()["entry"]), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": path},
        timeout=120,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo, ignore=shutil.ignore_patterns("ci", ".wabaplan"))
    return repo


def test_the_entry_validates_the_default_config(repo: Path) -> None:
    result = run_entry(repo)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_entry_validates_the_config_its_args_name(repo: Path) -> None:
    (repo / "numbers.yaml").rename(repo / "estate.yaml")
    assert run_entry(repo).returncode == 1, "no numbers.yaml at the root any more"
    assert run_entry(repo, "-c", "estate.yaml").returncode == 0


def test_the_entry_reports_a_problem(repo: Path) -> None:
    config = repo / "numbers.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("vertical: RETAIL", "vertical: RETAL"), "utf-8"
    )
    result = run_entry(repo)
    assert result.returncode == 1
    assert "numbers.yaml:" in result.stdout + result.stderr and "RETAIL" in result.stdout + result.stderr
