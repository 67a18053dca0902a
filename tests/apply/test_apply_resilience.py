"""apply survives being killed mid-run, a faulty Meta and a second apply at the same time, never repeats
a non-idempotent call, and never lets a secret out.

The simulator runs in this process (a real server on loopback); an apply that is killed, interrupted or
watched while it runs is a real `wabaplan -v` process talking to it (so its request log is scanned too),
killed with SIGKILL at a chosen moment; an apply that runs to its end on its own runs in this process.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import leaks
import pytest
from sim_estate import (
    MIGRATING,
    ROOT,
    SECRETS,
    SOURCE_NUMBER_ID,
    TW_PIN,
    approve_all,
    assert_no_repeats,
    copy_estate,
    onboarding_id,
)

from reconciler.cli import main
from reconciler.simulator import run_simulator

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


@pytest.mark.parametrize("kill_after", range(14))  # the example's 14 actions: killed after each in turn
def test_killed_apply_resumes_without_repeating_a_step(tmp_path: Path, kill_after: int) -> None:
    config = copy_estate(tmp_path / "estate")
    with run_simulator(latency_ms=20) as sim:
        sim.control.disable_two_step(SOURCE_NUMBER_ID)
        process = wabaplan(config, sim.base_url, "apply", "--auto-approve", "--parallelism", "1")
        seen = 0
        assert process.stdout is not None
        while seen < kill_after:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("["):
                seen += 1
        sim.control.hold_requests(True)  # Meta stalls: the apply's next call is held mid-flight ...
        _until_a_request_is_in_flight(sim, process)
        process.send_signal(signal.SIGKILL)  # ... and the kill lands there, every time
        process.wait(timeout=30)
        process.stdout.close()
        sim.control.set_latency(0)
        sim.control.hold_requests(False)  # Meta carries out what it was sent: the answer is lost
        converge(config, sim, sim.base_url)
        assert_no_repeats(sim)
    with sqlite3.connect(config.parent / ".wabaplan" / "journal.db") as db:
        statuses = [row[0] for row in db.execute("SELECT status FROM runs ORDER BY id")]
    assert "running" not in statuses  # a run killed mid-way is marked interrupted by the next one
    if kill_after in (1, 2, 3):  # early enough that the kill lands while the first run is writing
        assert statuses[0] == "interrupted"


def _until_a_request_is_in_flight(sim, process: subprocess.Popen[str]) -> None:  # type: ignore[no-untyped-def]
    """Wait on the simulator's own gauge: a request of the apply is being served (held in its latency),
    or the apply has ended. No guess at how long that takes."""
    deadline = time.monotonic() + 60
    while sim.simulator.in_latency == 0 and process.poll() is None:
        assert time.monotonic() < deadline, "the apply sent no request for a minute"
        time.sleep(0.005)


def _until_polling(sim, process: subprocess.Popen[str]) -> None:  # type: ignore[no-untyped-def]
    """Wait on the simulator's own counts: the apply has read Meta again after its last write (its
    --wait poll), while still running. Fails if the apply ends first; no guess at how long start-up takes."""

    def reads() -> int:
        return sum(n for k, n in sim.control.request_counts().items() if k.startswith("GET "))

    deadline = time.monotonic() + 60
    writes, seen = len(sim.control.write_log()), reads()
    while True:
        assert process.poll() is None, "the apply ended before polling"
        assert time.monotonic() < deadline, "the apply did not read Meta again within a minute"
        now_writes, now_reads = len(sim.control.write_log()), reads()
        if now_writes != writes:  # still writing: a read now is not yet the poll
            writes, seen = now_writes, now_reads
        elif now_reads > seen:
            return
        time.sleep(0.01)


def test_ctrl_c_stops_apply_cleanly_and_the_next_apply_resumes(tmp_path: Path) -> None:
    config = copy_estate(tmp_path / "estate")
    with run_simulator(latency_ms=300) as sim:
        sim.control.disable_two_step(SOURCE_NUMBER_ID)
        process = wabaplan(config, sim.base_url, "apply", "--auto-approve", "--parallelism", "4")
        assert process.stdout is not None
        while not process.stdout.readline().startswith("["):  # steps are in flight now
            pass
        process.send_signal(signal.SIGINT)
        code, out = finish(process)
        assert code == 130, out
        assert out.rstrip().endswith("interrupted")
        for noise in ("Traceback", "Task exception was never retrieved", "will retry", "internal error"):
            assert noise not in out, out  # steps are stopped before the connection closes
        converge(config, sim, sim.base_url)
        assert_no_repeats(sim)
    with sqlite3.connect(config.parent / ".wabaplan" / "journal.db") as db:
        assert db.execute("SELECT status FROM runs ORDER BY id").fetchone() == ("interrupted",)


def test_faults_and_lost_answers_converge_to_the_fault_free_end(tmp_path: Path) -> None:
    clean_config = copy_estate(tmp_path / "clean" / "estate")
    with run_simulator() as sim:
        sim.control.disable_two_step(SOURCE_NUMBER_ID)
        converge(clean_config, sim, sim.base_url)
        clean = _end_state(sim)
    faulty_config = copy_estate(tmp_path / "faulty" / "estate")
    with run_simulator(fault_rate=0.2, lost_response_rate=0.2, seed=11) as sim:
        sim.control.disable_two_step(SOURCE_NUMBER_ID)
        converge(faulty_config, sim, sim.base_url, tolerate_failures=True)
        assert_no_repeats(sim)
        assert _end_state(sim) == clean


def _end_state(sim) -> dict:  # type: ignore[no-untyped-def]
    state = sim.simulator.state
    numbers = {
        (n.e164, n.waba_id): (n.status, n.verified_name, n.profile.about, n.profile.email, n.two_step_enabled)
        for n in state.numbers.values()
    }
    templates = {(t.waba_id, t.name, t.language): (t.status, t.category) for t in state.templates.values()}
    subscriptions = {w.id: sorted(s.app_id for s in w.subscriptions) for w in state.wabas.values()}
    return {"numbers": numbers, "templates": templates, "subscriptions": subscriptions}


def test_a_second_apply_is_refused_by_the_lock_or_waits_its_turn(tmp_path: Path) -> None:
    config = copy_estate(tmp_path / "estate")
    with run_simulator(latency_ms=150) as sim:
        sim.control.hold_requests(True)  # Meta stalls: the first apply stays mid-call, holding its lock
        first = wabaplan(config, sim.base_url, "apply", "--auto-approve", "--parallelism", "1")
        _until_a_request_is_in_flight(sim, first)  # apply takes its lock before its first call
        assert first.poll() is None, finish(first)[1]
        code, out = in_process(config, sim.base_url, "apply", "--auto-approve")
        assert code == 1, out
        assert f"locked by `wabaplan apply` (pid {first.pid} on " in out and "--lock-timeout" in out
        assert "\n[" not in out  # it did nothing

        waiting = wabaplan(config, sim.base_url, "apply", "--auto-approve", "--lock-timeout", "60")
        sim.control.hold_requests(False)
        assert finish(first)[0] == 3
        code, out = finish(waiting)
        assert code == 3, out
    with sqlite3.connect(config.parent / ".wabaplan" / "journal.db") as db:
        applied = "SELECT started, finished FROM runs WHERE status <> 'refused' ORDER BY id"
        runs = db.execute(applied).fetchall()
        refused = db.execute("SELECT detail FROM runs WHERE status = 'refused'").fetchall()
    assert len(runs) == 2 and runs[1][0] >= runs[0][1]  # one after the other, never interleaved
    assert len(refused) == 1 and "is locked by `wabaplan apply`" in refused[0][0]  # who tried is recorded


def _without_the_move(config: Path) -> None:
    import yaml

    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document["numbers"].pop("+852 6123 4567")
    config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def test_wait_polls_until_meta_has_reviewed(tmp_path: Path) -> None:
    config = copy_estate(tmp_path / "estate")
    _without_the_move(config)
    with run_simulator() as sim:
        code, out = in_process(
            config, sim.base_url, "apply", "--auto-approve", "--wait", "--wait-timeout", "1"
        )
        assert code == 3, out
        assert "still under review after 1 s of --wait" in out

        # Nothing left to do but Meta's review: without --wait that is still "waiting" (exit 3) ...
        code, out = in_process(config, sim.base_url, "apply", "--auto-approve")
        assert code == 3, out
        assert 'waiting on Meta: wabas.tw_retail.templates["order_update/zh_TW"]' in out and "--wait" in out

        # ... and with --wait, apply polls until Meta has decided.
        waiting = wabaplan(config, sim.base_url, "apply", "--auto-approve", "--wait", "--wait-timeout", "60")
        deadline = time.monotonic() + 30
        while not (pending := [t for t in sim.simulator.state.templates.values() if t.status == "PENDING"]):
            assert time.monotonic() < deadline and waiting.poll() is None
            time.sleep(0.05)
        _until_polling(sim, waiting)  # the apply has re-read Meta after submitting: it is polling now
        for template in pending:
            sim.control.review_template(template.id, True)
        code, out = finish(waiting)
    assert code == 0, out
    assert "No changes. Meta matches the configuration." in out and "waiting on Meta" not in out


def test_wait_applies_what_an_approved_rename_calls_for(tmp_path: Path) -> None:
    import yaml

    config = copy_estate(tmp_path / "estate")
    _without_the_move(config)
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document["numbers"]["+852 5123 4567"]["display_name"] = "Harbour Lane Tea House"
    config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with run_simulator() as sim:
        code, out = in_process(config, sim.base_url, "apply", "--auto-approve")
        assert code == 3 and 'numbers["+85251234567"].display_name: waiting' in out, out
        for template in list(sim.simulator.state.templates.values()):
            if template.status == "PENDING":
                sim.control.review_template(template.id, True)

        waiting = wabaplan(config, sim.base_url, "apply", "--auto-approve", "--wait", "--wait-timeout", "60")
        _until_polling(sim, waiting)  # polling Meta
        number = next(n for n in sim.simulator.state.numbers.values() if n.e164 == "+85251234567")
        sim.control.review_display_name(number.id, True)
        code, out = finish(waiting)
        assert code == 0, out
        assert 'numbers["+85251234567"].register: done' in out  # the approved name brought into use
        assert not number.needs_reregister and number.verified_name == "Harbour Lane Tea House"
