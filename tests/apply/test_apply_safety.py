"""apply's guards and Meta's slow paths, against the simulator: destroy needs consent, big changes need
--force, and an approved rename is followed by the re-register that brings it into use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sim_estate import EXAMPLE, Cli

from reconciler.apply.run import ApplyOptions, UnsafePlan, _check_safety
from reconciler.config import load
from reconciler.plan.model import Action, Kind, Op, Plan

MAIN, TW = "+852 5123 4567", "+886 912 345 678"


def rewrite(config: Path, change: Any) -> None:
    """Edit the estate's YAML as a user would (comments are not needed here)."""
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document["numbers"].pop("+852 6123 4567")  # the migration has its own tests; keep these short
    change(document)
    config.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def converge(cli: Cli, config: str, *extra: str) -> str:
    """Apply, let the simulated Meta approve what waits for review, apply again."""
    transcript = ""
    for _ in range(3):
        code, out = cli("apply", "-c", config, "--sim", "--auto-approve", *extra)
        transcript += out
        assert code in (0, 3), out
        if code == 0:
            return transcript
        cli("sim", "approve-pending", "-c", config)
    raise AssertionError(f"did not converge:\n{transcript}")


def test_approved_rename_is_brought_into_use_by_a_re_register(estate: Path, cli: Cli) -> None:
    def rename(document: dict[str, Any]) -> None:
        document["numbers"][MAIN]["display_name"] = "Harbour Lane Tea House"

    rewrite(estate, rename)
    config = str(estate)
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    assert code == 3, out
    assert 'numbers["+85251234567"].display_name: waiting' in out and "then re-register" in out

    cli("sim", "approve-pending", "-c", config)
    code, out = cli("plan", "-c", config, "--sim")
    assert "re-register +85251234567 to bring its approved name 'Harbour Lane Tea House' into use" in out
    assert "1 of the 10 register calls" in out

    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    assert code == 0, out
    assert 'numbers["+85251234567"].register: done' in out
    code, out = cli("plan", "-c", config, "--sim", "--detailed-exitcode")
    assert code == 0 and "No changes." in out, out


def test_deregistering_needs_prevent_destroy_off_and_allow_destroy(estate: Path, cli: Cli) -> None:
    config = str(estate)

    def deregister(guarded: bool) -> Any:
        def change(document: dict[str, Any]) -> None:
            document["numbers"][TW]["registered"] = False
            document["numbers"][TW]["lifecycle"] = {"prevent_destroy": guarded}

        return change

    rewrite(estate, deregister(guarded=True))
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    assert code == 1, out  # a guard refuses: not "waiting, rerun to resume" (3)
    assert 'numbers["+886912345678"].deregister: refused' in out and "prevent_destroy is true" in out

    rewrite_again = yaml.safe_load(estate.read_text(encoding="utf-8"))
    rewrite_again["numbers"][TW]["lifecycle"] = {"prevent_destroy": False}
    estate.write_text(yaml.safe_dump(rewrite_again, allow_unicode=True), encoding="utf-8")
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    assert code == 1, out
    assert "deregister: refused" in out and "rerun with --allow-destroy" in out
    assert "deregister: done" not in out

    code, out = cli("apply", "-c", config, "--sim", "--auto-approve", "--allow-destroy")
    assert 'numbers["+886912345678"].deregister: done' in out, out
    code, out = cli("plan", "-c", config, "--sim")
    assert "deregister" not in out  # it is off now: nothing more to do for it


def test_deleting_an_undeclared_template_locks_its_name(estate: Path, cli: Cli) -> None:
    config = str(estate)

    def drop_template(document: dict[str, Any]) -> None:
        hk = document["wabas"]["hk_retail"]
        hk["templates"] = [
            t for t in hk["templates"] if (t["name"], t["language"]) != ("order_update", "en_US")
        ]
        hk["delete_undeclared_templates"] = True
        hk["lifecycle"] = {"prevent_destroy": False}

    original = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["wabas"]["hk_retail"]["templates"][0]
    rewrite(estate, drop_template)
    code, out = cli("plan", "-c", config, "--sim")
    assert '- wabas.hk_retail.templates["order_update/en_US"]' in out
    assert "locked for 30 days" in out

    converge(cli, config, "--allow-destroy")
    code, out = cli("plan", "-c", config, "--sim", "--detailed-exitcode")
    assert code == 0, out

    # Declaring it again: Meta refuses the name for 30 days, and apply says so.
    document = yaml.safe_load(estate.read_text(encoding="utf-8"))
    document["wabas"]["hk_retail"]["templates"].append(original)
    estate.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")
    assert code == 1, out
    assert 'templates["order_update/en_US"]: failed' in out


def _estate_of(n: int) -> Any:
    config = load(EXAMPLE).config
    assert config is not None
    spec = config.numbers["+85251234567"]
    numbers = {f"+8525123450{i}" if i < 10 else f"+852512345{i}": spec for i in range(n)}
    return config.model_copy(update={"numbers": numbers})


def _updates(count: int) -> Plan:
    return Plan(
        actions=tuple(
            Action(
                id=f'numbers["+8525123450{i}"].profile',
                address=f'numbers["+8525123450{i}"]',
                kind=Kind.UPDATE,
                op=Op.UPDATE_PROFILE,
                summary="update profile",
            )
            for i in range(count)
        )
    )


def test_changing_more_than_30_percent_of_the_numbers_needs_force() -> None:
    estate = _estate_of(10)
    _check_safety(_updates(3), estate, ApplyOptions())  # 30 %: fine
    with pytest.raises(UnsafePlan, match=r"changes 4 of 10 numbers .*--force"):
        _check_safety(_updates(4), estate, ApplyOptions())
    _check_safety(_updates(4), estate, ApplyOptions(force=True))
    _check_safety(_updates(4), _estate_of(5), ApplyOptions())  # small estates are not held to it


def test_a_saved_plan_is_refused_once_meta_has_moved(estate: Path, cli: Cli, tmp_path: Path) -> None:
    config = str(estate)
    saved = tmp_path / "plan.json"
    cli("plan", "-c", config, "--sim", "--out", str(saved))
    code, out = cli("apply", "-c", config, "--sim", "--auto-approve")  # someone else applies first
    code, out = cli("apply", "-c", config, str(saved), "--sim")
    assert code == 1, out
    assert "stale plan: " in out and "changed at Meta since the plan was made; plan again" in out
    assert "wabas.tw_retail.webhooks" in out  # the resource that moved is named
