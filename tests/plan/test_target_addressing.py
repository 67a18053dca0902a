"""`--target` names an address exactly: a WABA, a resource or a step, and what lies under it; never a
sibling whose name merely begins the same way (`wabas.hk` is not `wabas.hk_retail`)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from converged import converged_snapshot, settled_write_only

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.plan.build import PlanOptions, build_plan, resolve_targets
from reconciler.snapshot import Snapshot

CONFIG = """\
wabas:
  hk:
    id: "2000000000001"
    webhooks:
      app_id: "4000000000001"
  hk_retail:
    id: "2000000000002"
    webhooks:
      app_id: "4000000000001"
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    path = tmp_path_factory.mktemp("targets") / "numbers.yaml"
    path.write_text(CONFIG)
    loaded = load(path)
    assert loaded.config is not None, loaded.diagnostics
    return loaded.config


@pytest.fixture(scope="module")
def unsubscribed(config: Config) -> Snapshot:
    """Both WABAs need their webhooks subscribed: a plan for all has an action for each."""
    live = converged_snapshot(config)
    return replace(live, wabas={k: replace(w, subscriptions=()) for k, w in live.wabas.items()})


def addresses(config: Config, live: Snapshot, *targets: str) -> list[str]:
    plan = build_plan(config, live, settled_write_only(config), PlanOptions(targets=targets))
    return [a.address for a in plan.actions]


def test_without_a_target_both_wabas_are_planned(config: Config, unsubscribed: Snapshot) -> None:
    assert sorted(addresses(config, unsubscribed)) == ["wabas.hk.webhooks", "wabas.hk_retail.webhooks"]


def test_a_waba_target_does_not_select_a_waba_whose_name_it_begins(
    config: Config, unsubscribed: Snapshot
) -> None:
    assert resolve_targets(config, ["wabas.hk"]) == ("wabas.hk",)
    assert addresses(config, unsubscribed, "wabas.hk") == ["wabas.hk.webhooks"]
    assert addresses(config, unsubscribed, "wabas.hk.webhooks") == ["wabas.hk.webhooks"]
    assert addresses(config, unsubscribed, "wabas.hk_retail") == ["wabas.hk_retail.webhooks"]
