"""apply at a terminal: it asks before acting, draws live progress, and asks for the one-time code
without echoing it. Driven through a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

from sim_estate import ROOT, SECRETS, copy_estate

from reconciler.apply.executor import Outcome
from reconciler.plan.model import Action, Kind, Op
from reconciler.render.progress import LineProgress, LiveProgress
from reconciler.simulator import run_simulator

# A person at a terminal, even when these tests run inside a CI job (which would make output plain).
OUTSIDE_CI = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI")}


class Terminal:
    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env)
        os.close(slave)
        self.seen = b""

    def expect(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            assert time.monotonic() < deadline, (
                f"never saw {text!r} in:\n{self.seen.decode(errors='replace')}"
            )
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    assert text.encode() in self.seen, self.seen.decode(errors="replace")
                    return

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()  # not left running into the next test
            self.process.wait()
            raise

    def finish(self) -> int:
        code = self.wait()
        try:
            while select.select([self.master], [], [], 0.1)[0]:
                chunk = os.read(self.master, 65536)
                if not chunk:
                    break
                self.seen += chunk
        except OSError:
            pass
        os.close(self.master)
        return code


def _terminal_env(graph_url: str) -> dict[str, str]:
    env = {
        **OUTSIDE_CI, **SECRETS, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "TERM": "xterm",
        "WABAPLAN_GRAPH_URL": graph_url, "WABAPLAN_ACCESS_TOKEN": "sim-token-harbour",
    }  # fmt: skip
    env.pop("WABAPLAN_STATE_DIR", None)
    return env


def test_apply_asks_shows_progress_and_takes_the_code_unechoed(tmp_path: Path) -> None:
    config = copy_estate(tmp_path / "estate")
    with run_simulator(latency_ms=50) as sim:
        sim.control.disable_two_step("3000000000901")  # the source's owner has done their part
        env = _terminal_env(sim.base_url)
        terminal = Terminal(
            [sys.executable, "-m", "reconciler.cli", "apply", "-c", str(config)], config.parent, env
        )
        terminal.expect("Only 'yes' will be accepted:")
        terminal.send("yes")
        terminal.expect("One-time code sent to +85261234567 (Enter to skip):")
        code_sent = next(
            sim.control.last_code(n.id)
            for n in sim.simulator.state.numbers.values()
            if n.e164 == "+85261234567" and n.waba_id == "2000000000001"
        )
        terminal.send(code_sent)  # as read from the phone
        code = terminal.finish()
    screen = terminal.seen.decode(errors="replace")
    assert code == 3, screen  # the new templates wait for Meta's review
    assert "\x1b[K" in screen and " done" in screen  # the live status line was drawn
    assert 'numbers["+85261234567"].verify_code: done' in screen
    assert 'numbers["+85261234567"].register: done' in screen
    assert code_sent not in screen  # typed, not echoed


def test_ctrl_c_at_the_code_prompt_ends_apply_and_restores_the_terminal(tmp_path: Path) -> None:
    config = copy_estate(tmp_path / "estate")
    with run_simulator(latency_ms=50) as sim:
        sim.control.disable_two_step("3000000000901")
        env = _terminal_env(sim.base_url)
        terminal = Terminal(
            [sys.executable, "-m", "reconciler.cli", "apply", "--auto-approve", "-c", str(config)],
            config.parent,
            env,
        )
        terminal.expect("One-time code sent to +85261234567 (Enter to skip):")
        assert not termios.tcgetattr(terminal.master)[3] & termios.ECHO  # the code would not show
        terminal.process.send_signal(signal.SIGINT)  # nobody presses Enter: the prompt must give up
        terminal.wait()
        echo_back = termios.tcgetattr(terminal.master)[3] & termios.ECHO
        code = terminal.finish()
    screen = terminal.seen.decode(errors="replace")
    assert code == 130 and screen.rstrip().endswith("interrupted"), screen
    assert "Traceback" not in screen
    assert echo_back  # the terminal echoes again


def test_ctrl_c_at_the_confirmation_ends_apply_at_once(tmp_path: Path) -> None:
    """The question is asked off the event loop; Ctrl-C there still ends apply without waiting for Enter."""
    config = copy_estate(tmp_path / "estate")
    with run_simulator(latency_ms=50) as sim:
        env = _terminal_env(sim.base_url)
        terminal = Terminal(
            [sys.executable, "-m", "reconciler.cli", "apply", "-c", str(config)], config.parent, env
        )
        terminal.expect("Only 'yes' will be accepted:")
        terminal.process.send_signal(signal.SIGINT)  # nobody answers: apply must not wait for Enter
        code = terminal.finish()
        writes = sim.control.write_log()
    screen = terminal.seen.decode(errors="replace")
    assert code == 130 and screen.rstrip().endswith("interrupted"), screen
    assert "Traceback" not in screen and "Fatal Python error" not in screen, screen
    assert writes == []  # stopped before anything was written


def _outcome(name: str, status: str = "done") -> Outcome:
    action = Action(id=name, address=name, kind=Kind.UPDATE, op=Op.UPDATE_PROFILE, summary="")
    return Outcome(action, status, "profile updated", 0.25)


def test_line_progress_prints_one_final_line_per_action() -> None:
    from io import StringIO

    out = StringIO()
    progress = LineProgress(out)
    progress.started(_outcome("a").action)
    progress.finished(_outcome("a"), 1, 2)
    progress.finished(_outcome("b", "needs_input"), 2, 2)
    assert (
        out.getvalue()
        == "[1/2] a: done (0.2 s): profile updated\n[2/2] b: needs input (0.2 s): profile updated\n"
    )


def test_live_progress_names_what_is_running_and_clears_itself() -> None:
    from io import StringIO

    out = StringIO()
    progress = LiveProgress(out, width=60)
    progress.started(_outcome("numbers.slow").action)
    assert "running: numbers.slow 0.0 s" in out.getvalue()
    progress.pause()
    before = out.getvalue()
    progress.started(_outcome("numbers.other").action)
    assert out.getvalue() == before  # nothing drawn over a prompt
    progress.resume()
    progress.finished(_outcome("numbers.slow"), 1, 2)
    progress.close()
    text = out.getvalue()
    assert "\r\x1b[K[1/2] numbers.slow: done" in text and text.endswith("\r\x1b[K")
    assert len(progress.status_line(time.monotonic()).splitlines()[0]) <= 60
