"""`wabaplan sim serve`: prints its URL, serves, stops cleanly on Ctrl-C; loopback only by default."""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys

import httpx
import pytest
from simsupport import REPO

from reconciler.simulator.cli import add_sim_commands

LAUNCH = (
    "import argparse, sys\n"
    "from reconciler.simulator.cli import add_sim_commands\n"
    "parser = argparse.ArgumentParser(prog='wabaplan')\n"
    "add_sim_commands(parser.add_subparsers(dest='command'))\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(args.handler(args))\n"
)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="wabaplan")
    add_sim_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_arguments() -> None:
    args = parse(
        [
            "sim",
            "serve",
            "--world",
            "w.yaml",
            "--port",
            "0",
            "--latency-ms",
            "50",
            "--fault-rate",
            "0.1",
            "--seed",
            "4",
        ]
    )
    assert (args.world, args.port, args.latency_ms, args.fault_rate, args.seed, args.host) == (
        "w.yaml",
        0,
        50.0,
        0.1,
        4,
        "127.0.0.1",
    )
    assert callable(args.handler)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "70000"], "--port: must be a port from 0 to 65535, not 70000"),
        (["--port", "abc"], "--port: must be a port from 0 to 65535, not 'abc'"),
        (["--latency-ms", "-5"], "--latency-ms: must be a delay from 0 to 600000 ms, not -5"),
        (["--fault-rate", "x"], "--fault-rate: must be a share between 0 and 1, not 'x'"),
        (["--lost-response-rate", "1.5"], "--lost-response-rate: must be a share between 0 and 1"),
    ],
)
def test_bad_numbers_are_refused_with_the_range(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(["sim", "serve", *argv])
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_refuses_a_non_loopback_host(capsys: object) -> None:
    args = parse(["sim", "serve", "--host", "0.0.0.0", "--port", "0"])
    assert args.handler(args) == 1


def test_serve_prints_its_url_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            LAUNCH,
            "sim",
            "serve",
            "--port",
            "0",
            "--world",
            str(REPO / "examples" / "world.yaml"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.match(
            r"wabaplan simulator listening on (http://127\.0\.0\.1:\d+) \(world: .*world\.yaml\)", first
        )
        assert match, first
        response = httpx.get(
            f"{match.group(1)}/v23.0/2000000000001", params={"access_token": "sim-token-harbour"}
        )
        assert response.json()["name"] == "Harbour Lane HK"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped" in out
