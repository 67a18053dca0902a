"""apply killed mid-run, after each of the example's actions in turn, resumes without repeating a
non-idempotent call and never lets a secret out.

The simulator runs in this process (a real server on loopback); the killed apply is a real `wabaplan -v`
process talking to it (so its request log is scanned too), killed with SIGKILL at a chosen moment; the
applies that converge after it run in this process.
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest
from resiliencekit import converge, until_a_request_is_in_flight, wabaplan
from sim_estate import SOURCE_NUMBER_ID, assert_no_repeats, copy_estate

from reconciler.simulator import run_simulator


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
        until_a_request_is_in_flight(sim, process)
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
