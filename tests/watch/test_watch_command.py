"""`wabaplan watch` as a process: what it accepted survives kill -9 and is acted on once at the next start."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from meta_payloads import name_update, template_status
from sim_estate import SECRETS, copy_estate
from test_end_to_end import _post_all
from test_receiver import post
from watchkit import APP_SECRET, TOKEN

from reconciler.cli import main
from reconciler.simulator import RunningSimulator
from reconciler.state import open_backend

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on (http://\S+)")


@contextmanager
def watch_process(
    config: Path, sim: RunningSimulator, *extra: str
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    environ = {**os.environ, **SECRETS, "PYTHONPATH": str(ROOT), "WABAPLAN_GRAPH_URL": sim.base_url,
               "WABAPLAN_ACCESS_TOKEN": TOKEN, "WABAPLAN_APP_SECRET": APP_SECRET}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "watch", "-c", str(config), "--port", "0", *extra],
        env=environ, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    line = process.stderr.readline()  # the process says where it listens once it does
    found = LISTENING.search(line)
    assert found, line
    try:
        yield process, found.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        process.stderr.close()


def statuses(config: Path, target: str) -> dict[str, str]:
    """The events recorded beside `config` for `target` (the Graph URL the receiver reads): their status."""
    backend = open_backend(config.parent / ".wabaplan", {})
    try:
        with backend.journal(target) as journal:
            return {e.subject: e.status for e in journal.events()}
    finally:
        backend.close()


def test_accepted_events_survive_kill_9_and_are_acted_on_once(tmp_path: Path, sim: RunningSimulator) -> None:
    config = copy_estate(tmp_path / "estate")
    events = [
        template_status("5000000000001", "order_update", "en_US", "APPROVED"),
        name_update("85251234567", "APPROVED"),
    ]
    with watch_process(config, sim, "--coalesce", "3600") as (process, url):  # nothing is acted on
        assert [post(url, e).status_code for e in events] == [200, 200]
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    assert sorted(statuses(config, sim.base_url).values()) == ["accepted", "accepted"]
    before = sim.control.request_counts()["operations"]
    with watch_process(config, sim, "--coalesce", "0") as (process, url):
        assert post(url, events[0]).status_code == 200  # Meta's redelivery, meanwhile: not acted on again
        assert _acted_on(2, process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    assert sorted(statuses(config, sim.base_url).values()) == ["done", "done"]
    spent = sim.control.request_counts()["operations"] - before
    assert spent == 1 + 1 + 2  # the template; the number's ID (once per WABA), then it and its profile


def _acted_on(count: int, process: subprocess.Popen[str]) -> bool:
    """The process logs one line per event acted on (after recording it): its stderr is the signal."""
    assert process.stderr is not None
    done = 0
    while done < count:
        line = process.stderr.readline()
        if not line:
            return False
        done += " → " in line
    return True


def test_half_a_tls_pair_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = copy_estate(tmp_path / "estate")
    assert main(["watch", "-c", str(config), "--tls-cert", "cert.pem"]) == 1
    assert "--tls-cert without --tls-key" in capsys.readouterr().err


def test_no_app_secret_no_receiver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WABAPLAN_APP_SECRET", raising=False)
    config = copy_estate(tmp_path / "estate")
    assert main(["watch", "-c", str(config)]) == 1
    assert "WABAPLAN_APP_SECRET is not set" in capsys.readouterr().err


def test_every_delivery_answered_200_in_a_burst_survives_kill_9(
    tmp_path: Path, sim: RunningSimulator
) -> None:
    """Deliveries that arrive together share a commit: each is answered only after it, so a kill -9 the
    moment the last answer arrives loses none of them."""
    config = copy_estate(tmp_path / "estate")
    bodies = []
    for n in range(200):
        payload = template_status("5000000000001", "order_update", "en_US", "APPROVED")
        payload["entry"][0]["time"] += n
        bodies.append(json.dumps(payload).encode())
    with watch_process(config, sim, "--coalesce", "3600") as (process, url):
        answers = asyncio.run(_post_all(url, bodies, concurrency=32))
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    assert answers == {200: 200}
    backend = open_backend(config.parent / ".wabaplan", {})
    try:
        with backend.journal(sim.base_url) as journal:
            assert journal.event_counts() == {"accepted": 200}
    finally:
        backend.close()
