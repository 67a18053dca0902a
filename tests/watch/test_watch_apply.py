"""`watch --apply`: simulated Meta → signed webhook → watch → `apply` of only what the event names.

A profile edited by hand is restored; a change `apply` guards (a delete without --allow-destroy) is
reported with the event and not made; without --apply nothing is written.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import yaml
from meta_payloads import envelope
from sim_estate import environ_for, estate_without_the_move
from test_receiver import post
from watching import APP, details, watching
from watchkit import TOKEN

from reconciler.apply.run import ApplyOptions, apply
from reconciler.config import load
from reconciler.config.model import Config
from reconciler.render.progress import LineProgress
from reconciler.simulator import RunningSimulator, run_simulator

HK, TW = "2000000000001", "2000000000002"
MAIN = "+85251234567"
DECLARED_DESCRIPTION = "Loose-leaf tea, teaware and gift sets. Order online or visit our Wan Chai shop."


def estate(work: Path, **tw_retail: object) -> tuple[Path, Config]:
    """The example without the number moving in, and without HK's callback override (so the simulator's
    webhooks reach the app's callback: the receiver under test)."""
    path, _ = estate_without_the_move(work)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["wabas"]["hk_retail"]["webhooks"] = {"app_id": APP}
    document["wabas"]["tw_retail"].update(tw_retail)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    config = load(path).config
    assert config is not None
    return path, config


def converge(path: Path, config: Config, sim: RunningSimulator) -> None:
    with open(os.devnull, "w") as quiet:
        applied = apply(
            config, path, ApplyOptions(auto_approve=True), environ=environ_for(sim.base_url),
            show_plan=lambda plan: None, confirm=lambda: True, ask_code=lambda e164, stop: None,
            progress=LineProgress(quiet),
        )  # fmt: skip
    assert applied.report is not None and applied.exit_code in (0, 3)


def main_number(sim: RunningSimulator):  # type: ignore[no-untyped-def]
    return next(n for n in sim.simulator.state.numbers.values() if n.e164 == MAIN)


def test_a_profile_edited_by_hand_is_restored(tmp_path: Path) -> None:
    path, config = estate(tmp_path / "estate")
    with run_simulator() as sim:
        converge(path, config, sim)
        number = main_number(sim)
        assert number.profile.description == DECLARED_DESCRIPTION
        with watching(path, config, sim, apply=True) as running:
            # Meta sends no webhook for a profile edited by hand; the next event that names the number
            # (here its quality rated again) has watch read it, and the edit is found
            sim.control.edit_profile(number.id, description="Edited by hand in WhatsApp Manager")
            sim.control.set_quality(number.id, "GREEN")
            assert running.worker.done.wait_for(1, timeout=60)
        restored = number.profile.description
        writes = [w["path"] for w in sim.control.write_log()]
    assert restored == DECLARED_DESCRIPTION
    [(field, status, detail)] = details(path, sim)
    assert (field, status) == ("phone_number_quality_update", "done")
    assert detail.startswith(f'numbers["{MAIN}"]: status CONNECTED')
    assert f'applied: numbers["{MAIN}"].profile done' in detail
    assert writes[-1].endswith(f"{number.id}/whatsapp_business_profile")  # the one write: that profile


def test_without_apply_the_edit_is_recorded_and_left(tmp_path: Path) -> None:
    path, config = estate(tmp_path / "estate")
    with run_simulator() as sim:
        converge(path, config, sim)
        number = main_number(sim)
        writes = len(sim.control.write_log())
        with watching(path, config, sim) as running:
            sim.control.edit_profile(number.id, description="Edited by hand in WhatsApp Manager")
            sim.control.set_quality(number.id, "GREEN")
            assert running.worker.done.wait_for(1, timeout=60)
        assert number.profile.description == "Edited by hand in WhatsApp Manager"
        assert len(sim.control.write_log()) == writes
    [(_, status, detail)] = details(path, sim)
    assert status == "done" and "applied" not in detail


def test_a_guarded_change_is_reported_not_made(tmp_path: Path) -> None:
    path, config = estate(tmp_path / "estate", delete_undeclared_templates=True)  # no prevent_destroy
    with run_simulator() as sim:
        converge(path, config, sim)
        created = httpx.post(
            f"{sim.base_url}/v23.0/{TW}/message_templates",
            headers={"authorization": f"Bearer {TOKEN}"},
            json={"name": "made_by_hand", "language": "en_US", "category": "UTILITY",
                  "components": [{"type": "BODY", "text": "Made by hand."}]},
        )  # fmt: skip
        assert created.status_code == 200, created.text
        with watching(path, config, sim, apply=True) as running:
            review = envelope(TW, "account_review_update", {"decision": "APPROVED"})
            assert post(running.url, review).status_code == 200
            assert running.worker.done.wait_for(1, timeout=60)
        still_there = [t.name for t in sim.simulator.state.templates.values() if t.waba_id == TW]
    assert "made_by_hand" in still_there
    [(_, status, detail)] = details(path, sim)
    assert status == "done"
    assert 'wabas.tw_retail.templates["made_by_hand/en_US"] refused' in detail
    assert "rerun with --allow-destroy" in detail
