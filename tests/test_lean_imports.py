"""deepdiff comes without numpy and httpx without its command-line client (reconciler.lean)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import reconciler.diff, reconciler.graph.client
import httpx
print("httpx.main from", httpx.main.__module__)
from reconciler.diff import diff_fields
print(diff_fields({"a": [1, 2]}, {"a": [1, 3]})[0].path)
try:
    import numpy
except RuntimeError as exc:
    print("numpy importable afterwards:", exc)
"""


def test_deepdiff_and_httpx_import_none_of_their_optional_parts(tmp_path: Path) -> None:
    # stand-ins that fail loudly if imported: numpy (deepdiff's) and click (httpx's command line)
    for name in ("numpy", "click"):
        (tmp_path / f"{name}.py").write_text(f"raise RuntimeError('{name} was imported')\n")
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "httpx.main from httpx"  # the stub httpx defines when its CLI is missing
    assert lines[1] == "('a', 1)"  # deepdiff works without numpy
    assert lines[2] == "numpy importable afterwards: numpy was imported"  # hidden only while deepdiff loaded
