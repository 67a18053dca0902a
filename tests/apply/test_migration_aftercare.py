"""The seed's after-care, walked on the simulator: what the move loses is listed before the cut-over, and
once the number has moved every plan and `status` show the 30-day verification window and the 50
business-initiated conversations per 24 h, until the business is verified."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from sim_estate import Cli

from reconciler.plan.aftercare import CHECK_NAME

MIGRATING = "+85261234567"
ADDRESS = f'numbers["{MIGRATING}"]'


def without_spring_sale(config: Path) -> None:
    """The team no longer declares spring_sale: the move is where it would be lost."""
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    hk = document["wabas"]["hk_retail"]
    hk["templates"] = [t for t in hk["templates"] if t["name"] != "spring_sale"]
    config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def plan_json(cli: Cli, config: str, *extra: str) -> dict:  # type: ignore[type-arg]
    code, out = cli("plan", "-c", config, "--sim", "--format", "json", *extra)
    assert code == 0, out
    return json.loads(out)  # type: ignore[no-any-return]


def aftercare_of(plan: dict) -> list[dict]:  # type: ignore[type-arg]
    return [p for p in plan["preconditions"] if p["name"] == CHECK_NAME]


def lost_notes(plan: dict) -> list[str]:  # type: ignore[type-arg]
    return [n for n in plan["notes"] if "not copied from source WABA" in n]


def test_the_seed_migration_with_its_aftercare(estate: Path, cli: Cli) -> None:
    config = str(estate)
    without_spring_sale(estate)

    # 1. Before the cut-over: what Meta will not copy, why, and what the plan does about each.
    plan = plan_json(cli, config)
    [login, spring] = sorted(lost_notes(plan))
    assert spring.startswith('wabas.hk_retail.templates["spring_sale/zh_HK"]: ')
    assert "(APPROVED, quality YELLOW)" in spring and "or it is lost" in spring
    assert login.startswith('wabas.hk_retail.templates["login_code/en_US"]: ')
    assert "(APPROVED, quality UNKNOWN)" in login and "declared here" in login
    assert not any("order_update" in note for note in lost_notes(plan))  # GREEN: Meta copies it
    checks = {p["name"]: p for p in plan["preconditions"] if p["address"] == ADDRESS}
    registered = checks["number registered at the source"]
    assert "must stay registered at the current provider until it registers here" in registered["detail"]
    assert "do not delete or deregister it there first" in registered["detail"]
    funding = checks["destination payment method or credit line"]
    assert funding["outcome"] == "pass" and "attached" in funding["detail"]
    assert not aftercare_of(plan)

    # 2. The move, as the seed walks it: 2FA off at the source, the code, the register (the cut-over).
    assert cli("sim", "disable-two-step", MIGRATING, "-c", config)[0] == 0
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    assert code == 3, out
    code, out = cli("sim", "inbox", MIGRATING, "-c", config)
    otp = re.search(rf"--otp \{MIGRATING}=(\d{{6}})", out).group(1)  # type: ignore[union-attr]
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve", "--otp", f"{MIGRATING}={otp}")
    assert re.search(
        r"register: done( \([\d.]+ s\))?: registered; two-step PIN set; moved in from WABA 2000000000901", out
    ), out

    # The business is verified: nothing is due, and nothing is left to lose.
    plan = plan_json(cli, config)
    assert not aftercare_of(plan) and not lost_notes(plan)

    # 3. Meta asks the business for more information: verification is pending again. Until it is done,
    #    every plan (and a cron's --refresh-only) and `status` count the days left.
    assert cli("sim", "business-verification", "pending_need_more_info", "-c", config)[0] == 0
    for extra in ((), ("--refresh-only",)):
        [item] = aftercare_of(plan_json(cli, config, *extra))
        assert item["address"] == ADDRESS and item["outcome"] == "unknown"
        assert (
            "business verification is pending_need_more_info: 30 days left of the 30-day window"
            in (item["detail"])
        )
        assert "at most 50 business-initiated conversations per 24 h" in item["detail"]
        assert "Meta Business Suite → Security Centre" in item["detail"]
    code, out = cli("plan", "-c", config, "--sim")
    assert f"Preconditions for {ADDRESS}:" in out
    assert f"? {CHECK_NAME}: business verification is pending_need_more_info: 30 days left" in out
    code, out = cli("status", "-c", config, "--sim", "--format", "json")
    assert code == 0, out
    [item] = json.loads(out)["aftercare"]
    assert item["outcome"] == "unknown" and "30 days left" in item["detail"]
    code, out = cli("status", "-c", config, "--sim")
    assert "After the move:" in out
    assert f"? {ADDRESS}: {CHECK_NAME}: business verification is pending_need_more_info: 30 days" in out

    # 4. Verified: the after-care is over.
    assert cli("sim", "business-verification", "verified", "-c", config)[0] == 0
    assert not aftercare_of(plan_json(cli, config))
    code, out = cli("status", "-c", config, "--sim", "--format", "json")
    assert json.loads(out)["aftercare"] == []
