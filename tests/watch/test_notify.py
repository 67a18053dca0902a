"""Simulated Meta → signed webhook → watch → a targeted read → a notification to a loopback receiver,
only when what was read needs action."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from meta_payloads import name_update
from sim_estate import copy_estate
from test_end_to_end import NUMBER, TEMPLATE, pending_review, subscribe
from test_receiver import post
from test_watch_command import watch_process
from watchkit import APP_SECRET, TOKEN, Start

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))  # the loopback receiver

from notifykit import receiver

from reconciler.notify.send import Notifier
from reconciler.notify.targets import targets_from
from reconciler.simulator import RunningSimulator
from reconciler.watch.alerts import Alerts


def alerts_to(url: str) -> Alerts:
    return Alerts(Notifier(targets_from([url], {}, base_dir=Path.cwd())), project="numbers.yaml")


def test_drift_after_an_event_is_sent_a_confirmation_is_not(
    sim: RunningSimulator, start_watch: Start
) -> None:
    pending_review(sim)
    with receiver() as hook:
        alerts = alerts_to(hook.url())
        with start_watch(alerts) as running:
            subscribe(sim, running)
            sim.control.review_display_name(NUMBER, True)  # a name the config does not declare: drift
            assert running.worker.done.wait_for(1, timeout=10)
            sim.control.review_template(TEMPLATE, True)  # approved, as declared: nothing to say
            assert running.worker.done.wait_for(2, timeout=10)
            assert alerts.sent == 1
        [request] = hook.requests
    message = request.json()
    assert message["title"] == "wabaplan watch: 1 item needs action (numbers.yaml)"
    assert message["message"].splitlines()[2] == (
        "- numbers[\"+85251234567\"]: status CONNECTED, name 'Harbour Lane Tea' (APPROVED), "
        "quality GREEN (drift)"
    )
    for secret in (APP_SECRET, TOKEN):
        assert secret not in request.body.decode()


def test_a_dead_receiver_is_a_warning_and_the_event_is_still_acted_on(
    sim: RunningSimulator, start_watch: Start, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pending_review(sim)
    alerts = alerts_to(f"json://127.0.0.1:{port}/hooks/T0KEN-watch")
    with caplog.at_level(logging.WARNING, logger="wabaplan.watch"), start_watch(alerts) as running:
        subscribe(sim, running)
        sim.control.review_template(TEMPLATE, False, "INVALID_FORMAT")
        assert running.worker.done.wait_for(1, timeout=10)
    assert alerts.sent == 0
    assert f"notify: sending to json://127.0.0.1:{port}/… failed" in caplog.text
    assert "T0KEN-watch" not in caplog.text
    assert sim.control.webhooks_delivered()[0]["status"] == 200


def test_the_watch_command_notifies_through_a_reference(
    tmp_path: Path, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`wabaplan watch --notify env:HOOK` as a process: the target shown redacted, the drift sent."""
    config = copy_estate(tmp_path / "estate")
    pending_review(sim)
    sim.control.review_display_name(NUMBER, True)  # no callback set: Meta's event is posted below
    with receiver() as hook:
        monkeypatch.setenv("HOOK", hook.url(path="/hooks/T0KEN-cmd"))
        with watch_process(config, sim, "--coalesce", "0", "--notify", "env:HOOK") as (process, url):
            assert post(url, name_update("85251234567", "APPROVED")).status_code == 200
            said = _until(process, "notify:")
            process.send_signal(signal.SIGTERM)
            assert process.wait(10) == 0
        assert "notify: 1 needing action sent" in said[-1], said
        [request] = hook.requests
    assert 'numbers["+85251234567"]' in request.json()["message"]
    assert "T0KEN-cmd" not in "".join(said)


def _until(process: subprocess.Popen[str], marker: str) -> list[str]:
    """stderr's lines up to the first holding `marker` (the process logs as it goes: the signal)."""
    assert process.stderr is not None
    lines: list[str] = []
    while not lines or marker not in lines[-1]:
        line = process.stderr.readline()
        assert line, lines
        lines.append(line)
    return lines
