"""What the resilience tests share: `wabaplan -v` as a real process or in this process, with the same
environment and the same checks on what it prints; converging an estate; waiting on the simulator."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import leaks
from sim_estate import MIGRATING, ROOT, SECRETS, TW_PIN, approve_all, onboarding_id

from reconciler.cli import main

ENV = {
    "WABAPLAN_ACCESS_TOKEN": "sim-token-harbour",
    "ACME_SOURCE_TOKEN": "sim-token-acme-source",
    **SECRETS,
    "NO_COLOR": "1",
}


def wabaplan(config: Path, base_url: str, *args: str) -> subprocess.Popen[str]:
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, **ENV, "WABAPLAN_GRAPH_URL": base_url, "PYTHONPATH": pythonpath}
    env.pop("WABAPLAN_STATE_DIR", None)
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "-v", *args, "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=config.parent,
    )


@contextmanager
def _environment(base_url: str) -> Iterator[None]:
    """This process's environment as `wabaplan()` gives a child's, for the length of one command."""
    saved = dict(os.environ)
    os.environ.update({**ENV, "WABAPLAN_GRAPH_URL": base_url})
    os.environ.pop("WABAPLAN_STATE_DIR", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def in_process(config: Path, base_url: str, *args: str) -> tuple[int, str]:
    """`wabaplan -v ARGS -c CONFIG` in this process: for the runs that are not killed, which need no
    process of their own (a child's start-up is most of a short apply's cost). Same output, same checks."""
    out = io.StringIO()
    with _environment(base_url), redirect_stdout(out), redirect_stderr(out):
        code = main(["-v", *args, "-c", str(config)])
    assert_no_secret(out.getvalue())
    return code, out.getvalue()


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = process.communicate(timeout=120)
    assert_no_secret(out)
    return process.returncode, out


SECRET_VALUES = [*ENV.values(), TW_PIN]
SECRET_VALUES.remove("1")  # NO_COLOR


def assert_no_secret(text: str, *codes: str) -> None:
    leaks.assert_no_secret(text, *SECRET_VALUES, *codes)


def assert_state_dir_clean(config: Path, codes: list[str]) -> None:
    """The journal, lock and key files beside the config hold no token, PIN or one-time code."""
    state = config.parent / ".wabaplan"
    journal = "\n".join(sqlite3.connect(state / "journal.db").iterdump())
    assert_no_secret(journal, *codes)
    for path in state.rglob("*"):
        if path.is_file() and "sim" not in path.relative_to(state).parts and path.suffix != ".db":
            assert_no_secret(path.read_text(encoding="utf-8", errors="replace"), *codes)


def converge(config: Path, sim, base_url: str, *, tolerate_failures: bool = False) -> str:  # type: ignore[no-untyped-def]
    """Apply until the estate matches: code, OTP, Meta's reviews. Returns everything printed.

    With `tolerate_failures`, a run that fails (a step Meta kept failing) is simply run again, as a user
    or cron would: apply is level-triggered.
    """
    transcript = ""
    codes: list[str] = []
    for _ in range(10):
        otp = sim.control.last_code(onboarding_id(sim))
        codes += [otp] if otp else []
        args = ["apply", "--auto-approve", "--parallelism", "2"]
        if otp:
            args += ["--otp", f"{MIGRATING}={otp}"]
        elif f"--resend-code {MIGRATING}" in transcript:  # asked, but no SMS came: as a user would
            args += ["--resend-code", MIGRATING]
        code, out = in_process(config, base_url, *args)
        transcript += out
        assert code in ((0, 1, 3) if tolerate_failures else (0, 3)), out
        if code == 0:
            break
        approve_all(sim)
    saved = config.parent / "plan.json"
    code, out = in_process(config, base_url, "plan", "--detailed-exitcode", "--out", str(saved))
    assert code == 0, out
    assert_no_secret(transcript + saved.read_text(encoding="utf-8"), *codes)
    assert_state_dir_clean(config, codes)
    return transcript


def until_a_request_is_in_flight(sim, process: subprocess.Popen[str]) -> None:  # type: ignore[no-untyped-def]
    """Wait on the simulator's own gauge: a request of the apply is being served (held in its latency),
    or the apply has ended. No guess at how long that takes."""
    deadline = time.monotonic() + 60
    while sim.simulator.in_latency == 0 and process.poll() is None:
        assert time.monotonic() < deadline, "the apply sent no request for a minute"
        time.sleep(0.005)
