"""apply survives being interrupted mid-run, a faulty Meta and a second apply at the same time, never
repeats a non-idempotent call, and never lets a secret out (being killed: test_apply_killed.py).

The simulator runs in this process (a real server on loopback); an apply that is interrupted or watched
while it runs is a real `wabaplan -v` process talking to it (so its request log is scanned too); an apply
that runs to its end on its own runs in this process.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from resiliencekit import converge, finish, in_process, until_a_request_is_in_flight, wabaplan
from sim_estate import SOURCE_NUMBER_ID, assert_no_repeats, copy_estate

from reconciler.simulator import run_simulator


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
        until_a_request_is_in_flight(sim, first)  # apply takes its lock before its first call
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
