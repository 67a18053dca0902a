"""`wabaplan status` over the simulator: one batched read, the journal's facts, and a schema'd JSON form."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from sim_estate import ROOT, Cli

from reconciler.state.sqlite import FILE_NAME
from reconciler.statedir import locate

SCHEMA = json.loads((ROOT / "schemas" / "status.schema.json").read_text("utf-8"))
HK_MAIN, MOVING = "+85251234567", "+85261234567"


def status_json(cli: Cli, config: Path) -> dict[str, object]:
    code, out = cli("status", "-c", str(config), "--sim", "--format", "json")
    assert code == 0, out
    document: dict[str, object] = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    return document


def numbers(document: dict[str, object]) -> dict[str, dict[str, object]]:
    return {n["e164"]: n for n in document["numbers"]}  # type: ignore[attr-defined,index]


def test_before_any_apply_nothing_is_managed_and_no_journal_is_made(estate: Path, cli: Cli) -> None:
    document = status_json(cli, estate)
    main = numbers(document)[HK_MAIN]
    assert main["status"] == "CONNECTED" and main["messaging_limit_tier"] == "TIER_1K"
    assert main["throughput"] == "STANDARD" and main["quality_rating"] == "GREEN"
    assert main["register_calls_72h"] == 0 and main["pin_managed"] is False
    assert numbers(document)[MOVING]["id"] is None  # still at the old provider
    assert document["simulated"] is True
    assert document["read"] == {"http_requests": 1, "operations": 8}  # one batch: 4 reads a WABA, no profiles
    assert not (locate(estate, {}) / FILE_NAME).exists()  # status writes no journal


def test_after_an_apply_the_pins_are_managed_and_the_register_call_counted(estate: Path, cli: Cli) -> None:
    cli("apply", "-c", str(estate), "--sim", "--auto-approve")  # the move waits on its owner (two-step)
    cli("sim", "disable-two-step", MOVING, "-c", str(estate))
    code, out = cli("apply", "-c", str(estate), "--sim", "--auto-approve")
    assert code == 3 and "awaiting the code" in out, out
    code, out = cli("sim", "inbox", MOVING, "-c", str(estate))
    otp = out.split(f"--otp {MOVING}=")[1][:6]
    code, out = cli("apply", "-c", str(estate), "--sim", "--auto-approve", "--otp", f"{MOVING}={otp}")
    assert "register: done" in out, out

    after = numbers(status_json(cli, estate))
    assert after[MOVING]["register_calls_72h"] == 1 and after[MOVING]["pin_managed"] is True
    assert after[MOVING]["status"] == "CONNECTED"
    assert after[HK_MAIN]["pin_managed"] is True and after[HK_MAIN]["register_calls_72h"] == 0

    code, text = cli("status", "-c", str(estate), "--sim")
    assert code == 0
    row = next(line for line in text.splitlines() if line.startswith(MOVING))
    assert row.split()[-2:] == ["1/10", "managed"]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_every_format_exits_0(estate: Path, cli: Cli, fmt: str) -> None:
    code, out = cli("status", "-c", str(estate), "--sim", "--format", fmt)
    assert code == 0, out
    assert "TIER_250" in out and "SIMULATED" in out


def test_schema_status_prints_the_committed_schema(cli: Cli) -> None:
    code, out = cli("schema", "status")
    assert code == 0
    assert json.loads(out) == SCHEMA
    packaged = ROOT / "reconciler" / "data" / "status.schema.json"
    assert packaged.read_text("utf-8") == (ROOT / "schemas" / "status.schema.json").read_text("utf-8")
