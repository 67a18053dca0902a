"""`wabaplan plan` end to end against the in-process simulator (real loopback sockets)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
from leaks import assert_no_secret

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
    assert_no_secret(everything, "482915", "731946", "verify-me-7Hq2")


def test_target_narrows_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, "plan", "-c", str(EXAMPLE), "--sim", "--format", "json", "--target", "wabas.tw_retail"
    )
    addresses = {a["address"] for a in json.loads(out)["actions"]}
    assert addresses and all(a.startswith("wabas.tw_retail") for a in addresses)


def test_refresh_only_reports_drift_without_actions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, out, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--format", "json", "--refresh-only")
    document = json.loads(out)
    assert document["actions"] == [] and document["refresh_only"] is True
    jsonschema.validate(document, json.loads((ROOT / "schemas" / "plan.schema.json").read_text("utf-8")))
    drift = document["drift"]
    websites = next(d for d in drift if d["path"] == "profile.websites")
    assert websites["address"] == 'numbers["+886912345678"]'
    assert websites["live"] == ["https://harbourlane.example/tw"] and len(websites["declared"]) == 2
    _, text, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--refresh-only")
    assert f"Refresh only: {len(drift)} difference(s) at Meta" in text
    assert websites["detail"] in text
    # a plan saved when drift was one line each reads back and shows the same
    lines = {**document, "drift": [d["detail"] for d in drift], "unknown": []}
    older = tmp_path / "older.json"
    older.write_text(json.dumps(lines), encoding="utf-8")
    _, shown, _ = run(capsys, "show", str(older))
    assert f"Refresh only: {len(drift)} difference(s) at Meta" in shown and websites["detail"] in shown
    # one saved before the drift list was written down counts its drift from the notes
    notes = [d["detail"] for d in drift]
    oldest = {k: v for k, v in document.items() if k not in ("drift", "unknown", "verdicts")}
    older.write_text(json.dumps({**oldest, "notes": notes}), encoding="utf-8")
    _, shown, _ = run(capsys, "show", str(older))
    assert f"Refresh only: {len(drift)} difference(s) at Meta" in shown


def test_show_refuses_what_is_not_a_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}', encoding="utf-8")
    code, _, err = run(capsys, "show", str(bogus))
    assert code == 1 and "is not a saved wabaplan plan" in err


def saved_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> dict:
    out = tmp_path / "plan.json"
    assert run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--out", str(out))[0] == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda d: {**d, "format_version": "banana"},
            'is a plan of format "banana"; this wabaplan reads format "1"',
        ),
        (lambda d: {**d, "actions": "x"}, "actions: 'x' is not of type 'array'"),
        (lambda d: {**d, "actions": [{**d["actions"][0], "action": "explode"}]}, "actions/0/action"),
    ],
)
@pytest.mark.parametrize("command", ["show", "apply"])
def test_a_damaged_saved_plan_is_refused_by_show_and_apply_alike(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    damage,
    message: str,
    command: str,  # type: ignore[no-untyped-def]
) -> None:
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(damage(saved_plan(capsys, tmp_path))), encoding="utf-8")
    argv = (
        ["show", str(damaged)] if command == "show" else ["apply", str(damaged), "-c", str(EXAMPLE), "--sim"]
    )
    code, out, err = run(capsys, *argv)
    assert code == 1 and message in err and "Traceback" not in err
    assert "Apply:" not in out  # nothing was carried out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.json", None, "missing.json: no such file"),
        ("numbers.yaml", "wabas: {}\n", "numbers.yaml:1:1: not JSON"),
        ("binary.json", b"\xff\xfe\x00", "is not a text file"),
        ("deep.json", '{"a":' * 100_000, "nests deeper than any saved plan"),
    ],
)
def test_show_says_what_a_file_is_not(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    content,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "show", str(path))
    assert code == 1 and message in err
    assert "remove it" not in err  # never advice to delete what may be the user's config


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("foo", "names nothing in the configuration"),
        ("wabas.hk_retal", "did you mean wabas.hk_retail?"),
        ('numbers["+85251234567', 'did you mean numbers["+85251234567"]?'),
        ('numbers["+8525"]', "is not a phone number"),
        ('wabas.hk_retail.templates["nope/en_US"]', "names nothing"),  # a template typo
        ("wabas.hk_retail.webhooksX", "did you mean wabas.hk_retail.webhooks?"),
        ('numbers["+85261234567"].bogus', "names nothing"),
    ],
)
def test_a_target_that_names_nothing_is_an_error(
    capsys: pytest.CaptureFixture[str], target: str, message: str
) -> None:
    code, out, err = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--target", target)
    assert code == 1 and message in err and out == ""


def test_a_target_number_may_be_written_as_meta_would_accept_it(capsys: pytest.CaptureFixture[str]) -> None:
    _, spaced, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--target", 'numbers["+852 6123 4567"]')
    _, plain, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--target", 'numbers["+85261234567"]')
    assert spaced == plain and 'numbers["+85261234567"].register' in plain
    # only the targeted number's preconditions are shown
    _, other, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--target", 'numbers["+85251234567"]')
    assert "Preconditions for" not in other


def test_an_unreadable_waba_makes_the_plan_incomplete_not_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "numbers.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace('"2000000000002"', '"2999999999999"')
    config.write_text(text, encoding="utf-8")
    (tmp_path / "assets").symlink_to(EXAMPLE.parent / "assets")
    code, out, err = run(capsys, "plan", "-c", str(config), "--sim", "--detailed-exitcode")
    assert code == 1
    assert "No changes" not in out and "Plan incomplete: 1 WABA(s) could not be read" in out
    assert "WABA 2999999999999 cannot be planned" in err
    code, out, err = run(capsys, "apply", "-c", str(config), "--sim", "--auto-approve")
    assert code == 1 and "the plan is incomplete" in err and "Apply:" not in out


def test_a_target_may_name_one_step_of_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "plan", "-c", str(EXAMPLE), "--sim", "--format", "json",
        "--target", 'numbers["+852 6123 4567"].request_code',
    )  # fmt: skip
    ids = [a["id"] for a in json.loads(out)["actions"]]
    assert code == 0 and ids[-1] == 'numbers["+85261234567"].request_code'
    assert 'numbers["+85261234567"].register' not in ids  # what it depends on, not what depends on it


def test_refresh_only_with_detailed_exitcode_exits_2_on_drift(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--refresh-only", "--detailed-exitcode")
    assert code == 2
    assert 'profile.websites is ["https://harbourlane.example/tw"] at Meta' in out  # JSON, not a repr
    # a PIN cannot be read back, and a fresh runner has no fingerprint of it: unknown, not drift
    assert "Unknown (write-only, not drift):" in out and "pin may differ" not in out
    assert 'numbers["+85251234567"]: pin: write-only' in out
    # a number whose move has not happened is pending migration, not drift
    assert 'numbers["+85261234567"]: pending migration from WABA 2000000000901' in out
    # a declared template Meta does not have is drift too, not only fields that differ
    assert 'templates["spring_sale/zh_HK"]: declared, but not at Meta' in out


@pytest.mark.parametrize("which", ["config", "plan", "world"])
def test_schema_prints_each_committed_schema(capsys: pytest.CaptureFixture[str], which: str) -> None:
    code, out, _ = run(capsys, "schema", which)
    name = "numbers" if which == "config" else which
    assert code == 0
    assert json.loads(out) == json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text("utf-8"))


@pytest.mark.parametrize(
    ("out_arg", "message"),
    [(".", "is a directory"), ("no/such/dir/plan.json", "does not exist; create it first")],
)
def test_plan_out_is_checked_before_any_work(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    out_arg: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--out", out_arg)
    assert code == 1 and message in err and out == ""
    assert not any(tmp_path.rglob("*.tmp")) and not (tmp_path / "no").exists()


def test_a_bad_world_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    world = tmp_path / "world.yaml"
    world.write_text("tokens: 5\n", encoding="utf-8")
    for argv in (
        ["plan", "-c", str(EXAMPLE), "--sim", str(world)],
        ["plan", "-c", str(EXAMPLE), "--sim", "nope.yaml"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "invalid simulator world" in err and "internal error" not in err


def test_a_real_token_in_the_environment_gives_way_to_the_simulators(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WABAPLAN_ACCESS_TOKEN", "EAAG-a-real-looking-token")
    code, out, err = run(capsys, "plan", "-c", str(EXAMPLE), "--sim", "--detailed-exitcode")
    assert code == 2 and "register" in out and "EAAG" not in out + err


def test_history_and_sim_commands_refuse_a_config_that_is_not_there(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WABAPLAN_STATE_DIR")
    for argv in (["history", "-c", "nope.yaml"], ["sim", "reset", "-c", "nope.yaml"]):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "nope.yaml: no such file" in err


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


def test_an_estate_with_no_wabas_yet_plans_nothing_against_the_simulator(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WABAPLAN_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "numbers.yaml"
    config.write_text("wabas: {}\n", encoding="utf-8")
    code, out, err = run(capsys, "plan", "-c", str(config), "--sim", "--detailed-exitcode")
    assert code == 0 and "No changes." in out, err
