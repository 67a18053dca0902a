"""`wabaplan validate` stays light: neither the simulator nor its web stack is imported to parse or run it;
and no command keeping local state imports PostgreSQL's driver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "numbers.yaml"

SCRIPT = """
import json, sys
from reconciler.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:  # --help
    code = exit.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("starlette", "uvicorn", "psycopg")
               or m == "reconciler.simulator" or m.startswith("reconciler.simulator."))
print(json.dumps({"code": code, "heavy": heavy}))
"""


def loaded_after(*argv: str) -> dict[str, object]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, env=env, check=True
    )
    report: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return report


def test_validate_imports_no_simulator() -> None:
    assert loaded_after("validate", "-c", str(EXAMPLE)) == {"code": 0, "heavy": []}


def test_the_sim_commands_do_import_it() -> None:  # so the check above would see it
    report = loaded_after("sim", "reset", "--help")
    assert report["code"] == 0 and "reconciler.simulator" in report["heavy"]  # type: ignore[operator]


def test_comment_imports_no_simulator() -> None:
    """Outside CI it stops at "cannot tell where to comment", after loading the plan and the forge code."""
    plan = ROOT / "tests" / "golden" / "plan.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "comment", str(plan)],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == {"code": 1, "heavy": []}
    assert "cannot tell where to comment" in result.stderr


def test_a_plan_on_local_state_imports_no_postgresql_driver(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "WABAPLAN_STATE_URL"}
    env |= {"NO_COLOR": "1", "PYTHONPATH": str(ROOT), "WABAPLAN_STATE_DIR": str(tmp_path / "state")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "plan", "--sim", "-c", str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0, result.stderr
    assert "reconciler.simulator" in report["heavy"]  # --sim: the simulator, as expected
    assert not [m for m in report["heavy"] if m.startswith("psycopg")]
