"""Which WABAs an apply locks (reconciler.apply.scope): every WABA it may write to, and no other.

Too few and two applies write the same WABA at once; too many and a team's disjoint applies queue behind
each other. Pure: from the config and the plan's targets.
"""

from __future__ import annotations

import pytest

from reconciler.apply.scope import lock_scope
from reconciler.config import load
from reconciler.config.model import Config

HK, HK_RETAIL, TW, SOURCE = "2000000000001", "2000000000002", "2000000000003", "2000000000901"
CONFIG = f"""\
wabas:
  hk:
    id: "{HK}"
  hk_retail:
    id: "{HK_RETAIL}"
  tw:
    id: "{TW}"
numbers:
  "+852 5123 4567":
    waba: hk
  "+852 6123 4567":
    waba: hk_retail
    migrate_from:
      waba_id: "{SOURCE}"
"""
MAIN, MOVING = 'numbers["+85251234567"]', 'numbers["+85261234567"]'


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    path = tmp_path_factory.mktemp("scope") / "numbers.yaml"
    path.write_text(CONFIG)
    loaded = load(path)
    assert loaded.config is not None, loaded.diagnostics
    return loaded.config


def test_a_whole_apply_locks_every_declared_waba_and_every_source_of_a_move(config: Config) -> None:
    assert lock_scope(config) == {HK, HK_RETAIL, TW, SOURCE}


@pytest.mark.parametrize(
    ("targets", "scope"),
    [
        ((MAIN,), {HK}),  # a number locks its WABA...
        ((f"{MAIN}.register",), {HK}),  # ...so does one of its steps...
        ((f"{MAIN}.profile",), {HK}),
        ((MOVING,), {HK_RETAIL, SOURCE}),  # ...and a move locks the WABA it leaves too
        ((f"{MOVING}.add",), {HK_RETAIL, SOURCE}),
        (("wabas.tw",), {TW}),  # a WABA's own resources lock that WABA alone
        (("wabas.tw.webhooks",), {TW}),
        (('wabas.tw.templates["hello/en_US"]',), {TW}),
        (("wabas.tw.templates",), {TW}),
        (("wabas.tw", MAIN), {TW, HK}),  # several targets: the union
    ],
)
def test_targets_lock_the_wabas_of_what_they_name(
    config: Config, targets: tuple[str, ...], scope: set[str]
) -> None:
    assert lock_scope(config, targets) == scope


def test_a_target_never_locks_a_waba_whose_name_it_merely_begins(config: Config) -> None:
    """`wabas.hk` is not `wabas.hk_retail`: an address is matched whole, or up to a `.` or `[`."""
    assert lock_scope(config, ["wabas.hk"]) == {HK}
    assert lock_scope(config, ["wabas.hk_retail"]) == {HK_RETAIL}
    assert lock_scope(config, ['numbers["+8525123456"]']) == frozenset()  # a number one digit short


def test_targets_may_be_any_iterable_read_once(config: Config) -> None:
    assert lock_scope(config, iter(["wabas.tw", MAIN])) == {TW, HK}
    assert lock_scope(config, iter(())) == {HK, HK_RETAIL, TW, SOURCE}  # no targets: everything
