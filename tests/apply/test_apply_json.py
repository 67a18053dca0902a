"""`apply --format json`: one document on stdout, valid against schemas/apply.schema.json, for an apply
that succeeds, fails, waits or is refused; the plan and progress lines go to stderr."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from leaks import assert_no_secret
from sim_estate import SECRETS, TW_PIN

from reconciler.cli import main
from reconciler.state.filelock import state_lock

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "apply.schema.json").read_text("utf-8"))
MIGRATING = "+85261234567"
CI = {
    "GITHUB_ACTOR": "mei",
    "GITHUB_SHA": "4f" * 20,
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/waba",
    "GITHUB_RUN_ID": "123",
    "GITHUB_ACTIONS": "true",  # as on every Actions runner: only then is the run's address a job link
}
JOB = "https://github.com/acme/waba/actions/runs/123"


def apply_json(
    capsys: pytest.CaptureFixture[str], config: Path, *more: str
) -> tuple[int, dict[str, Any], str]:
    """Run apply with --format json: (exit code, the document on stdout, stderr), the document validated."""
    code = main(["apply", "-c", str(config), "--sim", "--auto-approve", "--format", "json", *more])
    out, err = capsys.readouterr()
    document = json.loads(out)  # stdout holds the document and nothing else
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    assert document["exit_code"] == code
    return code, document, err


def outcomes(document: dict[str, Any]) -> dict[str, str]:
    return {a["id"]: a["outcome"] for a in document["actions"]}


@pytest.fixture
def in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CI.items():
        monkeypatch.setenv(name, value)


def test_the_schemas_copy_in_the_package_is_the_one_in_schemas(capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    packaged = ROOT / "reconciler" / "data" / "apply.schema.json"
    assert packaged.read_text("utf-8") == (ROOT / "schemas" / "apply.schema.json").read_text("utf-8")
    assert main(["schema", "apply"]) == 0
    assert json.loads(capsys.readouterr().out) == SCHEMA


def test_a_waiting_apply_says_what_waits_on_whom(
    estate: Path, capsys: pytest.CaptureFixture[str], in_ci: None
) -> None:
    code, document, err = apply_json(capsys, estate)
    assert code == 3 and document["status"] == "waiting" and document["simulated"] is True
    done = outcomes(document)
    assert done['numbers["+85261234567"].add'] == "blocked"  # two-step still on at the source
    assert done['wabas.tw_retail.templates["order_update/zh_TW"]'] == "waiting"  # Meta reviews it
    assert done['numbers["+85251234567"].pin'] == "done"
    assert document["counts"] == {s: list(done.values()).count(s) for s in set(done.values())}
    assert document["who"] == {"actor": "mei", "host": document["who"]["host"], "commit": CI["GITHUB_SHA"],
                               "ci_url": JOB}  # fmt: skip
    assert document["error"] is None and document["plan"]["summary"]["create"] > 0
    # the plan and the progress lines went to stderr, with the hint of what to do next
    assert "[1/" in err and "Stopped on a person or on Meta" in err
    # the run is the journal's: history shows it, with who ran it
    assert main(["history", "-c", str(estate), "--format", "json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert [run["id"]] == document["run_ids"] and run["status"] == "waiting"
    assert (run["actor"], run["commit"], run["ci_url"]) == ("mei", CI["GITHUB_SHA"], JOB)
    assert run["checksum"] == document["plan"]["checksum"]
    assert_no_secret(json.dumps(document) + err, *SECRETS.values(), TW_PIN)


def test_a_successful_apply_and_then_nothing_to_do(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, document, _ = apply_json(capsys, estate, "--target", "wabas.hk_retail.webhooks")
    assert code == 0 and document["status"] == "succeeded"
    assert outcomes(document) == {"wabas.hk_retail.webhooks": "done"}
    (action,) = document["actions"]
    assert action["operation"] == "update_webhooks" and action["error"] is None and action["detail"]
    code, document, _ = apply_json(capsys, estate, "--target", "wabas.hk_retail.webhooks")
    assert (code, document["status"], document["actions"], document["run_ids"]) == (0, "succeeded", [], [])


def test_a_failed_action_carries_its_error_and_never_the_code(
    estate: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["sim", "disable-two-step", MIGRATING, "-c", str(estate)]) == 0
    assert main(["apply", "-c", str(estate), "--sim", "--auto-approve"]) == 3  # the code is sent
    assert main(["sim", "inbox", MIGRATING, "-c", str(estate)]) == 0
    sent = re.search(r"--otp \+85261234567=(\d{6})", capsys.readouterr().out).group(1)  # type: ignore[union-attr]
    wrong = sent[:5]  # one digit short
    monkeypatch.setenv("WABAPLAN_OTP_85261234567", wrong)
    code, document, err = apply_json(capsys, estate)
    assert code == 1 and document["status"] == "failed"
    (failed,) = [a for a in document["actions"] if a["outcome"] == "failed"]
    assert failed["id"] == 'numbers["+85261234567"].verify_code'
    assert "is not the six digits Meta sent" in failed["error"] == failed["detail"]
    assert_no_secret(json.dumps(document) + err, wrong, sent, *SECRETS.values(), TW_PIN)


def test_an_apply_refused_by_a_held_lock_is_a_document_and_a_refused_run(
    estate: Path, capsys: pytest.CaptureFixture[str], in_ci: None
) -> None:
    with state_lock(estate.parent / ".wabaplan", command="apply"):
        code, document, err = apply_json(capsys, estate)
    assert code == 1 and document["status"] == "refused"
    assert "is locked by `wabaplan apply`" in document["error"] and "error: " in err
    assert (document["plan"], document["actions"], document["run_ids"]) == (None, [], [])
    assert main(["history", "-c", str(estate)]) == 0
    history = capsys.readouterr().out
    assert re.search(r"^#1  .*  refused \(simulated\)  no actions$", history, re.M), history
    assert "by mei on " in history and f"at commit {CI['GITHUB_SHA'][:12]}, {JOB}" in history
    assert "is locked by `wabaplan apply`" in history


def test_a_reviewed_plan_that_no_longer_holds_is_refused_and_recorded_with_its_checksum(
    estate: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["apply", "-c", str(estate), "--sim", "--auto-approve"]) == 3  # a state to record into
    saved = tmp_path / "reviewed.json"
    main(["plan", "-c", str(estate), "--sim", "--out", str(saved)])
    reviewed = json.loads(saved.read_text("utf-8"))["checksum"]
    document = yaml.safe_load(estate.read_text("utf-8"))
    document["numbers"]["+886 912 345 678"]["profile"]["about"] = "Changed after the review"
    estate.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    capsys.readouterr()
    code, result, _ = apply_json(capsys, estate, "--reviewed", str(saved))
    assert code == 1 and result["status"] == "refused" and "not the reviewed plan" in result["error"]
    assert main(["history", "-c", str(estate), "--format", "json"]) == 0
    refused, planned, applied = json.loads(capsys.readouterr().out)["runs"]
    assert (refused["status"], refused["checksum"]) == ("refused", reviewed)
    assert "not the reviewed plan" in refused["detail"] and refused["target"].startswith("simulator")
    assert (planned["command"], planned["status"], planned["checksum"]) == ("plan", "planned", reviewed)
    assert applied["status"] == "waiting"


def test_an_apply_stopped_by_an_invalid_config_is_a_document_too(
    estate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.write_text("wabas: [\n", "utf-8")
    code, document, err = apply_json(capsys, estate)
    assert code == 1 and document["status"] == "error" and document["error"] in err
    assert (document["plan"], document["actions"], document["run_ids"]) == (None, [], [])
    assert not (estate.parent / ".wabaplan" / "journal.db").exists()  # not an apply that began: not a run
