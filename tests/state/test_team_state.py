"""A team on shared state: runners with their own checkouts and state directories, one PostgreSQL, one
(simulated) Meta on loopback. A run that is killed, or runs beside another, is a real `wabaplan` process;
a run on its own is `wabaplan` in this process, with the runner's environment and directory (a child's
start-up is most of a short run's cost): the same output, the same checks."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import psycopg
import yaml
from leaks import assert_no_secret
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
from statekit import KEY

from reconciler.cli import main
from reconciler.simulator import run_simulator
from reconciler.state import open_backend
from reconciler.state.postgres import Location

HK = "2000000000001"


class Runner:
    """A CI runner: a fresh checkout of the estate, its own state directory, the team's state URL."""

    def __init__(self, root: Path, base_url: str, state_url: str | None, config: Path | None = None) -> None:
        self.config = config or copy_estate(root / "checkout")
        self.env = {
            **os.environ,
            **SECRETS,
            "WABAPLAN_ACCESS_TOKEN": "sim-token-harbour",
            "ACME_SOURCE_TOKEN": "sim-token-acme-source",
            "WABAPLAN_GRAPH_URL": base_url,
            "WABAPLAN_STATE_DIR": str(root / "state"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "NO_COLOR": "1",
        }
        self.env.pop("WABAPLAN_STATE_URL", None)
        if state_url:
            self.env |= {"WABAPLAN_STATE_URL": state_url, "WABAPLAN_STATE_KEY": KEY}
        self.transcript = ""

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "reconciler.cli", *args, "-c", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            cwd=self.config.parent,
        )

    def finish(self, process: subprocess.Popen[str]) -> tuple[int, str]:
        out, _ = process.communicate(timeout=120)
        self.transcript += out
        return process.returncode, out

    def __call__(self, *args: str) -> tuple[int, str]:
        """`wabaplan ARGS -c CONFIG` run to its end in this process, as the runner would run it."""
        out = io.StringIO()
        with (
            _environment(self.env),
            contextlib.chdir(self.config.parent),
            redirect_stdout(out),
            redirect_stderr(out),
        ):
            code = main([*args, "-c", str(self.config)])
        self.transcript += out.getvalue()
        return code, out.getvalue()


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """This process's environment is `env` for the length of one command."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def converge(runner: Runner, sim) -> None:  # type: ignore[no-untyped-def]
    """Apply until nothing is left, as cron would: the code from the simulated SMS, Meta's reviews."""
    for _ in range(5):
        otp = sim.control.last_code(onboarding_id(sim))
        code, out = runner("apply", "--auto-approve", *(["--otp", f"{MIGRATING}={otp}"] if otp else []))
        assert code in (0, 3) and "is locked by" not in out, out
        if code == 0:
            return
        approve_all(sim)
    raise AssertionError(f"no convergence in 5 applies:\n{runner.transcript}")


def writing(runner: Runner) -> subprocess.Popen[str]:
    """The runner's apply, one action at a time, once it holds its locks and has begun to write."""
    process = runner.start("apply", "--auto-approve", "--parallelism", "1")
    assert process.stdout is not None
    while not process.stdout.readline().startswith("["):
        pass
    return process


def only(config: Path, waba: str) -> Path:
    """The config cut down to one WABA and its numbers (another team's part of the estate)."""
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document["wabas"] = {waba: document["wabas"][waba]}
    document["numbers"] = {n: spec for n, spec in document["numbers"].items() if spec["waba"] == waba}
    path = config.with_name(f"{waba}.yaml")
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def requests_of(sim, endpoint: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for w in sim.control.write_log() if w["endpoint"] == endpoint)


def test_a_move_begun_on_one_runner_is_finished_on_another_and_a_third_plans_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    with run_simulator() as sim:
        sim.control.disable_two_step(SOURCE_NUMBER_ID)
        a = Runner(tmp_path / "a", sim.base_url, pg_url)
        b = Runner(tmp_path / "b", sim.base_url, pg_url)
        c = Runner(tmp_path / "c", sim.base_url, pg_url)

        code, out = a("apply", "--auto-approve")  # the PR merged: runner A starts the move
        assert code == 3 and f"awaiting the code sent to {MIGRATING}" in out, out
        assert requests_of(sim, "POST /{Phone-Number-ID}/request_code") == 1

        # A cron run on runner B knows the code was requested (shared journal): it does not ask again.
        code, out = b("apply", "--auto-approve")
        assert code == 3, out
        assert re.search(r"request_code: done.*a code was sent \d+ min ago and may still be valid", out), out
        assert requests_of(sim, "POST /{Phone-Number-ID}/request_code") == 1

        otp = sim.control.last_code(onboarding_id(sim))
        code, out = b("apply", "--auto-approve", "--otp", f"{MIGRATING}={otp}")
        assert code in (0, 3) and "register: done" in out, out
        approve_all(sim)
        code, out = b("apply", "--auto-approve")
        assert code == 0, out

        # Runner C, a fresh checkout: the PINs, picture and verify token B set are known, nothing to do.
        code, out = c("plan", "--detailed-exitcode")
        assert code == 0 and "No changes." in out, out
        # the same fresh checkout on local state sees none of it: every write-only value looks new
        lone = Runner(tmp_path / "lone", sim.base_url, None)
        code, out = lone("plan", "--detailed-exitcode")
        assert code == 2 and "pin" in out, out

        code, history = c("history")
        # every runner's runs in one history: A's, then B's two (the last apply had nothing to do)
        assert code == 0 and re.findall(r"^#(\d+) ", history, re.M) == ["3", "2", "1"], history
        assert_no_repeats(sim)
        assert_no_secret(a.transcript + b.transcript + c.transcript, *SECRETS.values(), TW_PIN, otp or "")


def test_overlapping_applies_take_turns_and_never_repeat_a_call(tmp_path: Path, pg_url: str) -> None:
    with run_simulator(latency_ms=20) as sim:
        sim.control.disable_two_step(SOURCE_NUMBER_ID)
        runners = [Runner(tmp_path / name, sim.base_url, pg_url) for name in "ab"]
        started = [r.start("apply", "--auto-approve", "--lock-timeout", "120") for r in runners]
        results = [r.finish(p) for r, p in zip(runners, started, strict=True)]
        assert all(code == 3 for code, _ in results), results  # both waited for a code, in turn
        assert requests_of(sim, "POST /{Phone-Number-ID}/request_code") == 1
        assert_no_repeats(sim)


def test_disjoint_wabas_proceed_while_overlapping_ones_are_refused(tmp_path: Path, pg_url: str) -> None:
    holder = open_backend(tmp_path / "holder", {"WABAPLAN_STATE_URL": pg_url, "WABAPLAN_STATE_KEY": KEY,
                                                "CI_JOB_URL": "https://ci.example/jobs/7"})  # fmt: skip
    with run_simulator() as sim, holder.lock(frozenset({HK}), command="apply", timeout=None):
        tw_team = Runner(tmp_path / "tw", sim.base_url, pg_url)
        tw_team.config = only(tw_team.config, "tw_retail")
        code, out = tw_team("apply", "--auto-approve")  # no --lock-timeout: it does not wait
        assert code in (0, 3) and "tw_retail" in out, out

        targeted = Runner(tmp_path / "targeted", sim.base_url, pg_url)  # the whole config, one WABA asked for
        code, out = targeted("apply", "--auto-approve", "--target", "wabas.tw_retail")
        assert code in (0, 3) and "is locked by" not in out, out
        code, out = targeted("apply", "--auto-approve", "--target", "wabas.nowhere")
        assert code == 1 and "names nothing in the configuration" in out, out

        everyone = Runner(tmp_path / "all", sim.base_url, pg_url)
        code, out = everyone("apply", "--auto-approve")
        assert code == 1, out
        assert f"WABA {HK} is locked by `wabaplan apply`" in out and "https://ci.example/jobs/7" in out
        assert not any(w["object_id"] == HK for w in sim.control.write_log())  # nothing written there
    holder.close()


def test_a_killed_runner_frees_its_wabas_at_once(tmp_path: Path, pg_url: str) -> None:
    location = Location.parse(pg_url)
    with run_simulator(latency_ms=200) as sim:
        sim.control.disable_two_step(SOURCE_NUMBER_ID)
        a = Runner(tmp_path / "a", sim.base_url, pg_url)
        process = writing(a)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        process.stdout.close()

        sim.control.set_latency(0)
        converge(Runner(tmp_path / "b", sim.base_url, pg_url), sim)  # no --lock-timeout: none is held
        assert_no_repeats(sim)
    with psycopg.connect(location.conninfo, autocommit=True) as db:
        statuses = db.execute(f'SELECT status FROM "{location.schema}".runs ORDER BY id').fetchall()
    assert statuses[0] == ("interrupted",) and ("running",) not in statuses


def test_an_unreachable_state_database_stops_apply_before_any_write(tmp_path: Path) -> None:
    with run_simulator() as sim:
        runner = Runner(tmp_path / "a", sim.base_url, "postgresql://wabaplan:pa55word@127.0.0.1:1/waba")
        code, out = runner("apply", "--auto-approve")
        assert code == 1, out
        assert out.startswith(
            "error: cannot reach the state database postgresql://wabaplan:***@127.0.0.1:1/waba"
        )
        assert "nothing was changed at Meta" in out and "pa55word" not in out and "Traceback" not in out
        assert sim.control.write_log() == []
        code, out = runner("plan")
        assert code == 1 and "cannot reach the state database" in out and "pa55word" not in out


def test_a_lost_state_connection_stops_apply_and_the_next_run_settles_it(tmp_path: Path, pg_url: str) -> None:
    location = Location.parse(pg_url)
    with run_simulator(latency_ms=200) as sim:
        sim.control.disable_two_step(SOURCE_NUMBER_ID)
        a = Runner(tmp_path / "a", sim.base_url, pg_url)
        process = writing(a)
        with psycopg.connect(location.conninfo, autocommit=True) as admin:  # the database drops it
            admin.execute(f'SELECT pg_terminate_backend(backend_pid) FROM "{location.schema}".lock_holders')
        writes_then = len(sim.control.write_log())
        code, out = a.finish(process)
        assert code == 1, out
        assert (
            "error: lost the connection to the state database" in out
            and "no further change is started" in out
        )
        assert "Traceback" not in out and "internal error" not in out
        assert len(sim.control.write_log()) <= writes_then + 1  # at most the call already in flight

        sim.control.set_latency(0)
        converge(Runner(tmp_path / "b", sim.base_url, pg_url), sim)  # no --lock-timeout: none is held
        assert_no_repeats(sim)
