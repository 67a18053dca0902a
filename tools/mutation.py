#!/usr/bin/env python3
"""Mutation-test one module with its own fast tests, and print its kill rate.

    python3 tools/mutation.py reconciler/graph/secrets.py                 # the tests listed below
    python3 tools/mutation.py reconciler/graph/retry.py tests/graph/test_retry_rule.py   # or these
    python3 tools/mutation.py reconciler/state/keys.py tests/state/test_keys.py -k "not no_pin_is_recoverable"
    python3 tools/mutation.py --again reconciler/state/keys.py   # after adding tests: only what survived

`--again` keeps the previous run's cache: mutmut counts a killed mutant as killed whatever the tests became,
and runs every other one again against the tests as they are now (the module must be the one measured).
Never run `mutmut show` while a run is going: it re-reads the module, mutated at that moment, into the cache.

mutmut 2 (`pip install 'mutmut==2.5.1'`, see docs/testing.md) changes the module in place one mutant at a
time, runs the tests with `-x`, and puts the module back. Run it on a clean worktree, one module at a time,
niced; the module is checked clean before and after. The survivors are listed with their diffs, to be
killed by a test or explained in docs/testing.md as equivalent.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".mutmut-cache"
RUN_LIMIT = 300  # seconds one mutant's tests may take (a fast selection takes a few)

# The safety-critical modules, in priority order, and the unit tests that are theirs (no simulator suites).
MODULES: dict[str, tuple[str, ...]] = {
    "reconciler/graph/secrets.py": (
        "tests/graph/test_token_redaction.py",
        "tests/graph/test_redaction_wire.py",
    ),
    # the journal on its own, then on both backends (intents as a context manager), then its events table
    "reconciler/state/journal.py": (
        "tests/apply/test_journal.py",
        "tests/state/test_backends.py",
        "tests/watch/test_event_store.py",
    ),
    "reconciler/fingerprints.py": ("tests/state/test_fingerprints_keyed.py", "tests/state/test_keys.py"),
    # without the test that tries all million PINs (twice): seconds per mutant instead of a minute
    "reconciler/state/keys.py": (
        "tests/state/test_keys.py",
        "tests/state/test_key_rules.py",
        "tests/state/test_fingerprints_keyed.py",
        "-k",
        "not test_no_pin_is_recoverable_from_what_wabaplan_stores",
    ),
    "reconciler/graph/retry.py": ("tests/graph/test_retry_rule.py",),
    "reconciler/apply/scope.py": ("tests/apply/test_lock_scope.py",),
    # the schedule and compare-and-set against the simulator's app in this process (tests/stepkit.py)
    "reconciler/apply/executor.py": (
        "tests/apply/test_executor_at_the_wire.py",
        "-p",
        "no:hypothesispytest",
    ),
    # each step against the simulator's app in this process (tests/stepkit.py), and a code request refused
    "reconciler/apply/steps.py": (
        "tests/apply/test_steps_at_the_wire.py",
        "tests/apply/test_request_code_failures.py",
        "-p",
        "no:hypothesispytest",  # a second off each of 500 runs: these tests use no hypothesis
    ),
    "reconciler/graph/budget.py": (
        "tests/graph/test_rate_budget.py",
        "tests/graph/test_usage_header_rules.py",
        "tests/graph/test_budget_tracker_rules.py",
    ),
    # the planner's pure tests, without test_plan_properties.py (hypothesis: ~45 s a run); none uses
    # hypothesis or anyio, so their plugins are not loaded (their import is half of a run's 4 s)
    "reconciler/plan/build.py": (
        "tests/plan/test_plan_build_rules.py",
        "tests/plan/test_plan_build.py",
        "tests/plan/test_plan_destroy_and_reregister.py",
        "tests/plan/test_plan_verdicts.py",
        "tests/plan/test_target_addressing.py",
        "tests/plan/test_aftercare_planned.py",
        "-p",
        "no:hypothesispytest",
        "-p",
        "no:anyio",
    ),
    # each rule word for word first (a mutant fails fast there), then the corpus; not test_fast_checks.py
    # (importing hypothesis doubles every run's start) nor test_config_directory.py (the same, for the cli)
    "reconciler/config/model.py": (
        "tests/config/test_model_rules.py",
        "tests/config/test_load_diagnostics.py",
        "tests/config/test_schema.py",
        "tests/config/test_diagnostic_columns.py",
        "tests/config/test_semantic_checks.py",
        "tests/config/test_valid_configs.py",
        "tests/config/test_invalid_corpus.py",
    ),
    "reconciler/config/load.py": (
        "tests/config/test_load_diagnostics.py",
        "tests/config/test_model_rules.py",
        "tests/config/test_diagnostic_columns.py",
        "tests/config/test_semantic_checks.py",
        "tests/config/test_valid_configs.py",
        "tests/config/test_invalid_corpus.py",
        "tests/config/test_secrets.py",
    ),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        print("modules:", *MODULES, sep="\n  ")
        return 2
    again = (
        "--again" in argv
    )  # keep the last run's results: its killed mutants stay killed (mutmut's own rule)
    argv = [a for a in argv if a != "--again"]
    module, tests = argv[0], tuple(argv[1:]) or MODULES.get(argv[0], ())
    tests = _selection(tests)
    if not any(not t.startswith("-") for t in tests):
        print(f"no tests for {module}: name them after the module", file=sys.stderr)
        return 2
    if _dirty(module):
        print(f"{module} has uncommitted changes: mutate a clean file", file=sys.stderr)
        return 2
    pytest = f"{shlex.quote(sys.executable)} -m pytest -x -q -n 0 -p no:cacheprovider " + shlex.join(tests)
    # mutmut 2 takes only exit status 1 for "the tests failed": a mutant that breaks the import makes pytest
    # exit 2 (collection error), which it would count as surviving. Any failure is 1 here.
    # A mutant that loops for ever: mutmut's own timeout ends the `sh`, not the pytest under it, which would
    # hold the run; `timeout` ends that pytest too (a stalled run is a kill: it exits 124, so 1 here).
    runner = shlex.join(["sh", "-c", f"timeout --kill-after=10 {RUN_LIMIT} {pytest} || exit 1"])
    # No bytecode: a mutant of the same size written within the second of the original (`<` → `>`) would
    # otherwise be run from the original's cached .pyc, and counted as surviving.
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    for cached in (ROOT / module).parent.glob(f"__pycache__/{Path(module).stem}.*.pyc"):
        cached.unlink()
    if not again:
        CACHE.unlink(missing_ok=True)
    command = [
        "nice", "-n", "10", sys.executable, "-m", "mutmut", "run",
        "--paths-to-mutate", module, "--tests-dir", "tests", "--runner", runner, "--simple-output",
    ]  # fmt: skip
    print("$", shlex.join(command), flush=True)
    try:
        subprocess.run(command, cwd=ROOT, env=env, check=False)
    finally:
        if _dirty(module):
            subprocess.run(["git", "checkout", "--", module], cwd=ROOT, check=True)
            print(f"{module} was left mutated; restored from git", file=sys.stderr)
    counts, survivors = _results()
    total = sum(counts.values())
    killed = sum(counts.get(s, 0) for s in ("ok_killed", "ok_suspicious", "bad_timeout"))  # slow, but killed
    for pk in survivors:
        diff = subprocess.run(
            [sys.executable, "-m", "mutmut", "show", str(pk)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
        print(f"--- survivor {pk}\n{diff.strip()}")
    print(f"{module}: {killed}/{total} killed ({100 * killed / max(total, 1):.1f}%) {dict(counts)}")
    return 0


def _selection(args: tuple[str, ...]) -> tuple[str, ...]:
    """The test files that exist, and pytest's `-k EXPR` / `--deselect NODE` as given (to leave out a slow
    test of a module's own file), and `-p no:PLUGIN` (a plugin whose import is most of a run)."""
    chosen: list[str] = []
    pending = iter(args)
    for arg in pending:
        if arg in ("-k", "--deselect", "-p"):
            chosen += [arg, next(pending, "")]
        elif (ROOT / arg).exists():
            chosen.append(arg)
    return tuple(chosen)


def _dirty(module: str) -> bool:
    return subprocess.run(["git", "diff", "--quiet", "--", module], cwd=ROOT).returncode != 0


def _results() -> tuple[dict[str, int], list[int]]:
    with sqlite3.connect(CACHE) as db:
        counts = dict(db.execute("select status, count(*) from Mutant group by status").fetchall())
        survivors = [pk for (pk,) in db.execute("select id from Mutant where status = 'bad_survived'")]
    return counts, survivors


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
