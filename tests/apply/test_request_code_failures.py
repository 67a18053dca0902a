"""A one-time-code request that failed *before any effect* is reported as failed — never as "the answer
was lost; a code may have been sent" — and leaves no code request in the journal, so the next apply asks
again instead of waiting for a code that was never sent. Checked at the wire: what reached the simulator
(or could not reach it), and what the simulator holds.

The step runs in-process with apply's GraphClient over loopback (`stepkit.client`: a virtual clock), a
real journal. tests/apply/test_steps_at_the_wire.py has every other step, without the socket.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from stepkit import client, example

from reconciler.apply.steps import StepContext, StepFailed, request_code
from reconciler.plan.model import Action, Kind, Op
from reconciler.plan.params import RequestCodeParams
from reconciler.simulator import run_simulator
from reconciler.state.sqlite import SqliteJournal

NUMBER_ID = "3000000000001"  # +852 5123 4567: registered, not being added, so Meta sends it no code
E164 = "+85251234567"
ACTION = Action(
    id=f'numbers["{E164}"].request_code',
    address=f'numbers["{E164}"]',
    kind=Kind.OPERATION,
    op=Op.REQUEST_CODE,
    summary="request a code",
    params=RequestCodeParams(
        waba_id="2000000000001",
        cc="852",
        phone_number="51234567",
        phone_number_id=NUMBER_ID,
        code_method="SMS",
        language="en_US",
    ),
)


def _run_step(graph_url: str, state: Path) -> tuple[str, SqliteJournal]:
    """request_code against `graph_url`; the step's failure text, and the journal (left open)."""
    config = example()
    journal = SqliteJournal.open(state, target=graph_url)
    run_id = journal.start_run(config_hash="h", simulated=False, command="apply", summary={})

    async def main() -> str:
        async with client(graph_url) as graph:  # apply's client on a virtual clock (tests/stepkit.py)
            ctx = StepContext(
                graph=graph, config=config, journal=journal, run_id=run_id, key=b"k" * 32,
                secret=lambda address, reference: "", otp=lambda e164, stop: None, clock=lambda: 1000.0,
            )  # fmt: skip
            with pytest.raises(StepFailed) as failed:
                await request_code(ACTION, ctx)
            return str(failed.value)

    return asyncio.run(main()), journal


def _nothing_pending(said: str, journal: SqliteJournal) -> None:
    assert "may have been sent" not in said and "answer was lost" not in said, said
    assert journal.last_code_request(E164) is None  # the next apply asks for a code again
    [intent] = journal.intents()
    assert (intent.op, intent.outcome) == ("request_code", "failed")
    assert "may have been sent" not in (intent.detail or "")
    assert journal.open_intents() == []


def test_a_meta_error_proving_no_code_was_sent_is_a_failure(tmp_path: Path) -> None:
    with run_simulator() as sim:
        said, journal = _run_step(f"{sim.base_url}", tmp_path / "state")
        counts = sim.control.request_counts()
        assert sim.control.last_code(NUMBER_ID) is None  # no code exists at Meta
    with journal:
        _nothing_pending(said, journal)
    assert (
        counts["POST /{Phone-Number-ID}/request_code"] == counts["http_requests"] == 1
    )  # sent once: a 400 is not retried
    assert "code 100, subcode 2388091" in said, said


def test_a_refused_connection_is_a_failure_not_a_lost_answer(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on: every connection is refused
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    said, journal = _run_step(closed, tmp_path / "state")
    with journal:
        _nothing_pending(said, journal)
    assert "ConnectError" in said or "cannot connect" in said, said
