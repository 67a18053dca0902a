"""`wabaplan apply` against the simulator over loopback: the seed's migration from start to converged."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from leaks import assert_no_secret
from sim_estate import SECRETS, TW_PIN, Cli

from reconciler.simulator.state import sealed_matches

MIGRATING = "+85261234567"


def test_the_seed_migration_end_to_end(estate: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    config = str(estate)
    transcript = ""

    # 1. Two-step verification is still on at the old provider: the move stops, waiting for its owner.
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    transcript += out
    assert code == 3, out
    assert "two-step verification is still on at the source" in out
    assert f"wabaplan sim disable-two-step +85261234567 -c {config}" in out
    # login_code is approved at the old provider: copied across at once, no new review
    assert re.search(r'templates\["login_code/en_US"\]: done.*: template login_code \(copied\) approved', out)

    # 2. The owner turns it off; the move starts and parks at the one-time code.
    code, out = cli("sim", "disable-two-step", MIGRATING, "-c", config)
    assert code == 0
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    transcript += out
    assert code == 3, out
    assert "awaiting the code sent to +85261234567" in out
    assert 'numbers["+85261234567"].request_code: done' in out

    # 3. Read the simulated SMS and resume at verify.
    code, out = cli("sim", "inbox", MIGRATING, "-c", config)
    assert code == 0
    otp = re.search(r"--otp \+85261234567=(\d{6})", out).group(1)  # type: ignore[union-attr]
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve", "--otp", f"{MIGRATING}={otp}")
    transcript += out
    assert "request_code: done: a code was supplied for this number" in out  # not requested again
    assert "verify the one-time code sent to +85261234567 (the code is given)" in out
    assert "NEEDS INPUT" not in out  # the plan it showed knew the code was given
    assert re.search(r"register: done", out) and re.search(r"\.profile: done", out)
    assert code == 3  # new templates wait for Meta's review

    # 4. Meta approves; the estate converges and the next plan is empty.
    cli("sim", "approve-pending", "-c", config)
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    transcript += out
    assert code == 0, out
    code, out = cli("plan", "-c", config, "--sim", "--detailed-exitcode")
    assert code == 0, out
    assert "No changes." in out

    # Imported under Meta's names, the estate still plans nothing: the webhook verify token wabaplan set
    # is known by the WABA's ID, so the same value behind another variable is not set again.
    imported = estate.parent / "imported.yaml"
    code, out = cli(
        "import", "--waba", "2000000000001", "--waba", "2000000000002", "--sim", "--out", str(imported)
    )
    assert code == 0, out
    written = imported.read_text(encoding="utf-8")
    assert "override_callback_uri: https://hooks.harbourlane.example/whatsapp/hk" in written
    for variable in re.findall(r"\$\{env:(\w+_VERIFY_TOKEN)\}", written):
        monkeypatch.setenv(variable, SECRETS["HK_WEBHOOK_VERIFY_TOKEN"])
    code, out = cli("plan", "-c", str(imported), "--sim", "--detailed-exitcode")
    assert code == 0 and "No changes." in out, out

    # At (simulated) Meta: the number is live here with the declared PIN, profile and templates.
    meta = json.loads((estate.parent / ".wabaplan" / "sim" / "state.json").read_text(encoding="utf-8"))
    world = meta["state"]["state"]
    [moved] = [
        n for n in world["numbers"].values() if n["e164"] == MIGRATING and n["waba_id"] == "2000000000001"
    ]
    assert moved["status"] == "CONNECTED" and moved["two_step_enabled"]
    assert sealed_matches(moved["pin"], SECRETS["HK_STOREFRONT_PIN"])
    assert moved["profile"]["about"] == "Harbour Lane Causeway Bay — tea tastings daily."
    [source] = [n for n in world["numbers"].values() if n["e164"] == MIGRATING and n["id"] != moved["id"]]
    assert source["status"] == "MIGRATED"
    hk_templates = {(t["name"], t["language"], t["status"]) for t in world["templates"].values()
                    if t["waba_id"] == "2000000000001"}  # fmt: skip
    assert {("login_code", "en_US", "APPROVED"), ("spring_sale", "zh_HK", "APPROVED")} <= hk_templates

    # Every step is in the journal; no secret or code anywhere.
    code, history = cli("history", "-c", config)
    assert code == 0 and "register" in history
    journal = estate.parent / ".wabaplan" / "journal.db"
    dumped = "\n".join(sqlite3.connect(journal).iterdump())
    assert_no_secret(transcript + history + dumped, *SECRETS.values(), otp, TW_PIN)


def test_apply_refuses_a_stale_saved_plan(estate: Path, cli: Cli, tmp_path: Path) -> None:
    config = str(estate)
    saved = tmp_path / "plan.json"
    cli("plan", "-c", config, "--sim", "--out", str(saved))
    text = estate.read_text(encoding="utf-8")
    estate.write_text(text.replace("Tea, teaware and gifts", "Teas"), encoding="utf-8")
    code, out = cli("apply", "-c", config, str(saved), "--sim")
    assert code == 1 and "config file changed since the plan" in out


def test_apply_without_a_terminal_needs_auto_approve(estate: Path, cli: Cli) -> None:
    code, out = cli("apply", "-c", str(estate), "--sim")
    assert code == 1 and "--auto-approve" in out


def test_saved_plan_is_applied_as_is(estate: Path, cli: Cli, tmp_path: Path) -> None:
    config = str(estate)
    saved = tmp_path / "plan.json"
    cli("plan", "-c", config, "--sim", "--out", str(saved), "--target", "wabas.tw_retail")
    planned = [a["id"] for a in json.loads(saved.read_text(encoding="utf-8"))["actions"]]
    code, out = cli("apply", "-c", config, str(saved), "--sim")
    assert code in (0, 3), out
    assert all(action_id in out for action_id in planned)


def test_a_reset_simulator_does_not_inherit_what_was_done_to_the_old_one(estate: Path, cli: Cli) -> None:
    config = str(estate)
    _, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    assert 'numbers["+85251234567"].pin: done' in out
    _, out = cli("plan", "-c", config, "--sim")
    assert 'numbers["+85251234567"].pin' not in out  # set, and its fingerprint kept
    assert cli("sim", "reset", "-c", config)[0] == 0
    # A fresh simulated Meta never had the PIN set, nor a code sent: the journal's facts were the old one's.
    _, out = cli("plan", "-c", config, "--sim")
    assert 'numbers["+85251234567"].pin' in out
    _, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    assert 'numbers["+85251234567"].pin: done' in out
