"""The layers of docs/ARCHITECTURE.md hold: import-linter checks the contracts in pyproject.toml."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# In a fresh interpreter, with this checkout first on the path: the code checked is the code tested,
# even where another copy of the package is installed.
LINT = (
    "import importlib.util, sys\n"
    "from importlinter.cli import lint_imports\n"
    "print('checking', importlib.util.find_spec('reconciler').origin)\n"
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))\n"
)


def test_the_import_contracts_hold() -> None:
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    result = subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = result.stdout + result.stderr
    assert f"checking {ROOT / 'reconciler' / '__init__.py'}" in report, report
    assert result.returncode == 0, report
