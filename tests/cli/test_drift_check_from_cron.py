"""The cron drift check (`plan --refresh-only --detailed-exitcode --format json`) on a fresh runner, against
the simulated Meta the `--sim` runs share: 0 when nothing changed; 2 with a structured item for each of a
rejected template, a declined display name, a quality downgrade and a profile edited in WhatsApp Manager.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from leaks import assert_no_secret
from sim_estate import ROOT, SECRETS, Cli, estate_without_the_move

from reconciler import runtime
from reconciler.state.sqlite import FILE_NAME
from reconciler.statedir import StateDir, locate

SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text("utf-8"))
HK_MAIN, TW_MAIN = "+85251234567", "+886912345678"
TEMPLATE = 'wabas.tw_retail.templates["order_update/zh_TW"]'
CRON = ("--sim", "--refresh-only", "--detailed-exitcode", "--format", "json")


def cron(cli: Cli, config: Path) -> tuple[int, dict[str, Any]]:
    """The scheduled job, on a runner that has never applied: no journal, so no fingerprints."""
    (locate(config, {}) / FILE_NAME).unlink(missing_ok=True)
    code, out = cli("plan", "-c", str(config), *CRON)
    document: dict[str, Any] = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    assert_no_secret(out, *SECRETS.values())
    return code, document


def converged(cli: Cli, config: Path) -> None:
    """Apply, let Meta approve what it reviews, and apply what that calls for."""
    code, out = cli("apply", "-c", str(config), "--sim", "--auto-approve")
    assert code in (0, 3), out
    cli("sim", "approve-pending", "-c", str(config))


def meta_rules(config: Path) -> None:
    """Meta's reviewer rejects the edited template and declines the rename; its quality system marks the
    Hong Kong line down; a person edits that line's profile e-mail in WhatsApp Manager."""
    with runtime.simulated_meta(None, StateDir(locate(config, {}))) as meta:
        state = meta.simulator.state
        for template in list(state.templates.values()):
            if template.status == "PENDING":
                meta.control.review_template(template.id, False, "INVALID_FORMAT")
        numbers = {n.e164: n for n in state.numbers.values()}
        meta.control.review_display_name(numbers[TW_MAIN].id, False)
        meta.control.set_quality(numbers[HK_MAIN].id, "YELLOW")
        meta.control.edit_profile(numbers[HK_MAIN].id, email="owner@gmail.example")


def edit(config: Path) -> None:
    """Ask Meta for a new display name for the Taiwan line and a new body for its template."""
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document["numbers"]["+886 912 345 678"]["display_name"] = "Harbour Lane Tea Taiwan"
    body = document["wabas"]["tw_retail"]["templates"][0]["components"][0]
    body["text"] = "您好 {{1}}，您的訂單 {{2}} 已經出貨。"
    config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def test_the_cron_check_is_0_when_nothing_changed_and_2_with_an_item_for_each_verdict_and_drift(
    estate: Path, cli: Cli, tmp_path: Path
) -> None:
    config, _ = estate_without_the_move(tmp_path / "cron")
    converged(cli, config)
    code, document = cron(cli, config)
    assert code == 0, document
    assert document["drift"] == [] and document["verdicts"] == [] and document["actions"] == []
    # what Meta never shows is unknown on a fresh runner, not drift
    assert {(u["address"], u["path"]) for u in document["unknown"]} >= {
        (f'numbers["{HK_MAIN}"]', "pin"),
        (f'numbers["{HK_MAIN}"]', "profile.picture"),
        ("wabas.hk_retail.webhooks", "verify_token"),
    }

    edit(config)
    code, out = cli("apply", "-c", str(config), "--sim", "--auto-approve")
    assert code == 3, out  # the rename and the edited template wait for Meta's review
    meta_rules(config)
    code, document = cron(cli, config)
    assert code == 2
    verdicts = {(v["address"], v["subject"]): v for v in document["verdicts"]}
    rejected = verdicts[(TEMPLATE, "template_status")]
    assert (rejected["status"], rejected["reason"]) == ("REJECTED", "INVALID_FORMAT")
    assert "does not resubmit it unchanged" in rejected["fix"]
    declined = verdicts[(f'numbers["{TW_MAIN}"]', "display_name")]
    assert declined["status"] == "DECLINED" and "'Harbour Lane Tea Taiwan'" in declined["fix"]
    quality = verdicts[(f'numbers["{HK_MAIN}"]', "quality_rating")]
    assert quality["status"] == "YELLOW"
    assert document["drift"] == [
        {
            "address": f'numbers["{HK_MAIN}"]',
            "path": "profile.email",
            "declared": "hello@harbourlane.example",
            "live": "owner@gmail.example",
            "detail": f'numbers["{HK_MAIN}"]: profile.email is "owner@gmail.example" at Meta '
            '(config: "hello@harbourlane.example")',
        }
    ]
    assert not any(d["path"] in ("pin", "profile.picture", "verify_token") for d in document["drift"])


def test_what_meta_turned_down_is_not_proposed_again(estate: Path, cli: Cli, tmp_path: Path) -> None:
    config, _ = estate_without_the_move(tmp_path / "again")
    converged(cli, config)
    edit(config)
    cli("apply", "-c", str(config), "--sim", "--auto-approve")
    meta_rules(config)
    code, out = cli("plan", "-c", str(config), "--sim", "--format", "json", "--detailed-exitcode")
    document = json.loads(out)
    assert code == 2
    ids = [a["id"] for a in document["actions"]]
    assert f'numbers["{TW_MAIN}"].display_name' not in ids and TEMPLATE not in ids, ids
    assert {v["subject"] for v in document["verdicts"]} >= {"template_status", "display_name"}
    code, text = cli("plan", "-c", str(config), "--sim")
    assert "Meta's verdicts (a person must act; not drift, not pending):" in text
    assert f"✗ {TEMPLATE}: template status REJECTED (INVALID_FORMAT): change the template's" in text
    code, markdown = cli("plan", "-c", str(config), "--sim", "--format", "markdown")
    assert "**Meta's verdicts**" in markdown and "display name DECLINED" in markdown
    code, applied = cli("apply", "-c", str(config), "--sim", "--auto-approve")
    assert f"Meta's verdict: {TEMPLATE}: template status REJECTED (INVALID_FORMAT)" in applied
    assert "Meta matches the configuration" not in applied
