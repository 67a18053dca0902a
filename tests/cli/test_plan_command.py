"""`wabaplan plan` end to end against the in-process simulator (real loopback sockets)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "numbers.yaml"
GOLDEN = ROOT / "tests" / "golden"
PLAN_SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
UPDATE = bool(os.environ.get("WABAPLAN_UPDATE_GOLDEN"))


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "state"
    monkeypatch.setenv("WABAPLAN_STATE_DIR", str(state))
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("WABAPLAN_ACCESS_TOKEN", "WABAPLAN_GRAPH_URL", "WABAPLAN_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    return state


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("fmt", "golden"), [("text", "plan.txt"), ("json", "plan.json"), ("markdown", "plan.md")]
)
def test_example_plan_matches_golden(capsys: pytest.CaptureFixture[str], fmt: str, golden: str) -> None:
    code, out, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--format", fmt)
    assert code == 0
    path = GOLDEN / golden
    if UPDATE:
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8"), f"{golden} differs: rerun with WABAPLAN_UPDATE_GOLDEN=1"


def test_json_plan_validates_against_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--format", "json")
    document = json.loads(out)
    jsonschema.Draft202012Validator(PLAN_SCHEMA).validate(document)
    assert document["simulated"] is True
    ops = [a["operation"] for a in document["actions"] if a["address"] == 'numbers["+85261234567"]']
    assert ops[:4] == ["add_number_for_migration", "request_code", "verify_code", "register"]


def test_committed_plan_schema_is_the_packaged_one(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "schema", "plan")
    assert json.loads(out) == PLAN_SCHEMA


def test_detailed_exitcode(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--detailed-exitcode")
    assert code == 2
    converged = tmp_path / "numbers.yaml"
    code, _, _ = run(capsys, "import", "--waba", "2000000000001", "--sim", "--out", str(converged))
    assert code == 0
    code, out, _ = run(capsys, "plan", "-c", str(converged), "--sim", "--detailed-exitcode")
    assert code == 0, out
    assert "No changes." in out
    broken = tmp_path / "broken.yaml"
    broken.write_text("wabas: {}\nnumbers: {'+852 5123 4567': {waba: nope}}\n", encoding="utf-8")
    code, _, err = run(capsys, "plan", "-c", str(broken), "--sim", "--detailed-exitcode")
    assert code == 1 and "no WABA named 'nope'" in err


def test_saved_plan_renders_the_same_and_holds_no_secret(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HK_MAIN_PIN", "482915")
    monkeypatch.setenv("HK_STOREFRONT_PIN", "731946")
    monkeypatch.setenv("HK_WEBHOOK_VERIFY_TOKEN", "verify-me-7Hq2")
    saved = tmp_path / "plan.json"
    _, printed, err = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--out", str(saved))
    assert "plan saved to" in err
    _, shown, _ = run(capsys, "show", str(saved))
    assert shown == printed
    everything = saved.read_text(encoding="utf-8") + printed
    everything += "".join(p.read_text(errors="replace") for p in (tmp_path / "state").rglob("*.json"))
    for secret in ("482915", "731946", "verify-me-7Hq2"):
        assert secret not in everything


def test_target_narrows_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, "plan", "-c", str(EXAMPLE), "--sim", "--format", "json", "--target", "wabas.tw_retail"
    )
    addresses = {a["address"] for a in json.loads(out)["actions"]}
    assert addresses and all(a.startswith("wabas.tw_retail") for a in addresses)


def test_refresh_only_reports_drift_without_actions(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--format", "json", "--refresh-only")
    document = json.loads(out)
    assert document["actions"] == [] and document["refresh_only"] is True
    assert any("profile.websites" in note for note in document["notes"])


def test_show_refuses_what_is_not_a_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}', encoding="utf-8")
    code, _, err = run(capsys, "show", str(bogus))
    assert code == 1 and "is not a wabaplan plan" in err


def test_sim_state_persists_and_resets(capsys: pytest.CaptureFixture[str], state_dir: Path) -> None:
    run(capsys, "plan", "-c", str(EXAMPLE), "--sim")
    assert (state_dir / "sim" / "state.json").is_file()
    code, out, _ = run(capsys, "sim", "reset", "-c", str(EXAMPLE))
    assert code == 0 and "removed" in out
    assert not (state_dir / "sim" / "state.json").exists()


def test_without_a_token_plan_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plan", "-c", str(EXAMPLE))
    assert code == 1
    assert "WABAPLAN_ACCESS_TOKEN" in err and "Traceback" not in err
