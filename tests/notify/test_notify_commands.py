"""`plan --refresh-only --notify` and `status --notify` against the simulator, delivering to loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from notifykit import HOOK_TOKEN, NEVER_SENT, Receiver
from sim_estate import ROOT, Cli

from reconciler.statedir import locate

WORLD = ROOT / "reconciler" / "simulator" / "data" / "demo_world.yaml"
TW = 'numbers["+886912345678"]'  # converged after one apply


def hook_env(monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    """The hook's URL in an environment variable, as CI keeps it: returns the --notify value."""
    monkeypatch.setenv("DRIFT_HOOK", url)
    return "env:DRIFT_HOOK"


def sent(hook: Receiver) -> list[dict[str, str]]:
    messages = [request.json() for request in hook.requests]
    for message in messages:
        for secret in NEVER_SENT:
            assert secret not in message["title"] + message["message"], secret
    return messages


def test_drift_is_sent_with_the_ci_job_and_no_secret(
    estate: Path, cli: Cli, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    for name, value in (("GITHUB_REPOSITORY", "o/r"), ("GITHUB_RUN_ID", "77"), ("GITHUB_RUN_ATTEMPT", "1")):
        monkeypatch.setenv(name, value)
    target = hook_env(monkeypatch, hook.url(path=f"/{HOOK_TOKEN}"))
    code, out = cli("plan", "-c", str(estate), "--sim", "--refresh-only", "--detailed-exitcode",
                    "--notify", target)  # fmt: skip
    assert code == 2, out
    [message] = sent(hook)
    assert message["title"].startswith("SIMULATED: wabaplan plan --refresh-only: ")
    assert (
        'numbers["+886912345678"]: profile.websites is ["https://harbourlane.example/tw"] at Meta'
        in (message["message"])
    )
    assert 'wabas.hk_retail.templates["spring_sale/zh_HK"]: declared, but not at Meta' in message["message"]
    assert message["message"].endswith("CI job: https://github.com/o/r/actions/runs/77")
    assert f"notify: sent to env:DRIFT_HOOK (json://127.0.0.1:{hook.port}/…)" in out
    assert HOOK_TOKEN not in out


def test_nothing_needs_action_nothing_is_sent(estate: Path, cli: Cli, hook: Receiver) -> None:
    assert cli("apply", "-c", str(estate), "--sim", "--auto-approve")[0] == 3  # the move waits on its owner
    code, out = cli("plan", "-c", str(estate), "--sim", "--refresh-only", "--detailed-exitcode",
                    "--target", TW, "--notify", hook.url())  # fmt: skip
    assert code == 0 and "nothing needs action, nothing sent" in out, out
    code, out = cli("status", "-c", str(estate), "--sim", "--notify", hook.url())
    assert code == 0 and "nothing needs action, nothing sent" in out, out
    assert hook.requests == []


def test_status_sends_what_meta_rejected_flagged_or_rated_red(
    estate: Path, cli: Cli, hook: Receiver, tmp_path: Path
) -> None:
    world = yaml.safe_load(WORLD.read_text(encoding="utf-8"))
    hk = next(w for w in world["wabas"] if w["id"] == "2000000000001")
    hk["templates"][0].update(status="REJECTED", rejected_reason="INVALID_FORMAT")
    main = next(n for n in world["phone_numbers"] if n["id"] == "3000000000001")
    main.update(status="FLAGGED", quality_rating="RED")
    (tmp_path / "world.yaml").write_text(yaml.safe_dump(world, allow_unicode=True), encoding="utf-8")

    code, out = cli(
        "status", "-c", str(estate), "--sim", str(tmp_path / "world.yaml"), "--notify", hook.url()
    )
    assert code == 0, out
    [message] = sent(hook)
    assert message["message"].splitlines()[2:] == [
        "- wabas.hk_retail: templates 1 REJECTED",
        '- numbers["+85251234567"] (hk_retail): status FLAGGED, quality RED',
    ]
    assert message["title"].startswith("SIMULATED: wabaplan status: 2 items need action")


def test_a_dead_receiver_warns_and_the_exit_code_stands(estate: Path, cli: Cli, dead_port: int) -> None:
    url = f"json://127.0.0.1:{dead_port}/{HOOK_TOKEN}"
    code, out = cli(
        "plan", "-c", str(estate), "--sim", "--refresh-only", "--detailed-exitcode", "--notify", url
    )
    assert code == 2, out
    assert f"warning: notify: sending to json://127.0.0.1:{dead_port}/… failed" in out
    assert "exit code stand" in out and HOOK_TOKEN not in out


def test_notify_is_for_drift_checks_only(estate: Path, cli: Cli, hook: Receiver) -> None:
    code, out = cli("plan", "-c", str(estate), "--sim", "--notify", hook.url())
    assert code == 1 and "--notify is for drift checks: add --refresh-only" in out
    assert hook.requests == []


def test_an_unknown_url_is_refused_before_meta_is_read(estate: Path, cli: Cli) -> None:
    code, out = cli("status", "-c", str(estate), "--sim", "--notify", f"nosuch://{HOOK_TOKEN}")
    assert code == 1 and "Apprise does not recognise" in out and HOOK_TOKEN not in out
    assert not locate(estate, {}).exists()  # nothing was read: not even the simulator started


NO_APPRISE = """
import sys
sys.modules["apprise"] = None  # as if `pip install wabaplan` without the notify extra
from reconciler.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_without_apprise_notify_names_the_extra(estate: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", NO_APPRISE, "status", "-c", str(estate), "--sim", "--notify", "json://h/x"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "pip install 'wabaplan[notify]'" in result.stderr
    assert not locate(estate, {}).exists()
    without = subprocess.run(
        [sys.executable, "-c", NO_APPRISE, "status", "-c", str(estate), "--sim"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )  # fmt: skip
    assert without.returncode == 0, without.stderr  # no --notify: Apprise is not needed
