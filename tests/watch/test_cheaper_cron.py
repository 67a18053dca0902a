"""`plan --refresh-only` with the state `watch` keeps: what was confirmed recently, and named by no event
since, is not read again (--max-age bounds it, --full reads everything), and the plan says which
resources were read and which came from confirmed state. Counted by the simulator's own operations."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from meta_payloads import template_status
from sim_estate import SECRETS, Cli, estate_without_the_move
from test_receiver import post
from watching import watching
from watchkit import TOKEN

from reconciler.cli.options import duration
from reconciler.config.model import Config
from reconciler.simulator import RunningSimulator, run_simulator
from reconciler.state import open_backend

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
TEMPLATE = 'wabas.hk_retail.templates["order_update/en_US"]'


@pytest.fixture
def meta(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSimulator]:
    with run_simulator() as sim:
        monkeypatch.setenv("WABAPLAN_GRAPH_URL", sim.base_url)
        monkeypatch.setenv("WABAPLAN_ACCESS_TOKEN", TOKEN)
        monkeypatch.delenv("WABAPLAN_STATE_DIR", raising=False)
        for name, value in SECRETS.items():
            monkeypatch.setenv(name, value)
        yield sim


@pytest.fixture
def estate(tmp_path: Path, meta: RunningSimulator) -> tuple[Path, Config]:
    """The example without the number moving in, and its state, made as `watch` makes it on starting."""
    path, config = estate_without_the_move(tmp_path / "estate")
    backend = open_backend(path.parent / ".wabaplan", {})
    backend.journal(meta.base_url).close()
    backend.close()
    return path, config


def refresh(cli: Cli, path: Path, sim: RunningSimulator, *flags: str) -> tuple[dict[str, Any], int]:
    """The --refresh-only plan document, and the operations the simulator counted for it."""
    before = sim.control.request_counts()["operations"]
    code, out = cli("plan", "--refresh-only", "-c", str(path), "--format", "json", *flags)
    assert code == 0, out
    return json.loads(out[out.index("{") : out.rindex("}") + 1]), sim.control.request_counts()[
        "operations"
    ] - before


def test_a_refresh_soon_after_reads_nothing_and_finds_the_same(
    cli: Cli, meta: RunningSimulator, estate: tuple[Path, Config]
) -> None:
    path, _ = estate
    first, spent_first = refresh(cli, path, meta)
    second, spent_second = refresh(cli, path, meta)
    assert spent_first == first["read"]["operations"] > 0
    assert first["refreshed"]["confirmed"] == {}
    assert spent_second == second["read"]["operations"] == 0
    assert second["refreshed"]["read"] == []
    assert sorted(second["refreshed"]["confirmed"]) == first["refreshed"]["read"]
    assert second["drift"] == first["drift"] and first["drift"]  # the same differences, found unread
    for document in (first, second):
        jsonschema.validate(document, SCHEMA)


def test_a_resource_an_event_named_since_is_read_alone(
    cli: Cli, meta: RunningSimulator, estate: tuple[Path, Config]
) -> None:
    path, _ = estate
    refresh(cli, path, meta)
    with open_backend(path.parent / ".wabaplan", {}).journal(meta.base_url) as journal:
        journal.accept_event(
            key="k1",
            field="message_template_status_update",
            waba_id="2000000000001",
            subject=TEMPLATE,
            sent=0,
            change="{}",
            at=time.time(),
        )  # fmt: skip  (accepted; watch has not read it yet)
    document, spent = refresh(cli, path, meta)
    assert document["refreshed"]["read"] == [TEMPLATE] and spent == 1
    assert TEMPLATE not in document["refreshed"]["confirmed"]


def test_what_watch_read_after_an_event_is_not_read_again(
    cli: Cli, meta: RunningSimulator, estate: tuple[Path, Config]
) -> None:
    path, config = estate
    first, _ = refresh(cli, path, meta)
    with watching(path, config, meta) as running:
        assert post(
            running.url, template_status("5000000000001", "order_update", "en_US", "PAUSED")
        ).is_success
        assert running.worker.done.wait_for(1, timeout=30)
    document, spent = refresh(cli, path, meta)
    assert spent == 0 and document["refreshed"]["read"] == []
    assert document["refreshed"]["confirmed"][TEMPLATE] > first["refreshed"]["confirmed"].get(TEMPLATE, 0)


def test_max_age_and_full_bound_what_is_taken_on_trust(
    cli: Cli, meta: RunningSimulator, estate: tuple[Path, Config]
) -> None:
    path, _ = estate
    first, spent_first = refresh(cli, path, meta)
    for flags in (("--max-age", "0"), ("--full",)):
        document, spent = refresh(cli, path, meta, *flags)
        assert spent == spent_first and document["refreshed"]["confirmed"] == {}
        assert document["refreshed"]["read"] == first["refreshed"]["read"]
    document, spent = refresh(cli, path, meta, "--max-age", "1h")
    assert spent == 0


def test_what_apply_wrote_is_read_again(
    cli: Cli, meta: RunningSimulator, estate: tuple[Path, Config]
) -> None:
    path, _ = estate
    refresh(cli, path, meta)
    code, out = cli("apply", "-c", str(path), "--auto-approve")
    assert code in (0, 3), out
    document, spent = refresh(cli, path, meta)
    read = document["refreshed"]["read"]
    assert 'numbers["+886912345678"]' in read and "wabas.tw_retail" in read  # its profile; subscribed
    assert spent > 0


def test_the_plan_says_where_its_state_came_from(
    cli: Cli, meta: RunningSimulator, estate: tuple[Path, Config]
) -> None:
    path, _ = estate
    refresh(cli, path, meta)
    code, out = cli("plan", "--refresh-only", "-c", str(path))
    assert code == 0, out
    assert "refresh: 0 resource(s) read from Meta; 5 from the state `watch` confirmed" in out


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (("--max-age", "1h"), "--max-age is for `plan --refresh-only`"),
        (("--full",), "--full is for `plan --refresh-only`"),
        (("--refresh-only", "--full", "--max-age", "5m"), "--max-age and --full contradict each other"),
    ],
)
def test_flags_that_mean_nothing_are_refused(
    cli: Cli, estate: tuple[Path, Config], flags: tuple[str, ...], says: str
) -> None:
    path, _ = estate
    code, out = cli("plan", "-c", str(path), "--sim", *flags)
    assert code == 1 and says in out


def test_a_duration_is_read_in_its_units() -> None:
    assert [duration(text) for text in ("90", "90s", "30m", "6h", "2d")] == [90, 90, 1800, 21600, 172800]
    with pytest.raises(argparse.ArgumentTypeError, match="must be a duration like 30m, 6h or 2d"):
        duration("soon")


def test_a_refresh_with_no_state_yet_creates_none(cli: Cli, meta: RunningSimulator, tmp_path: Path) -> None:
    path, _ = estate_without_the_move(tmp_path / "fresh")
    for _ in range(2):
        document, spent = refresh(cli, path, meta)
        assert spent > 0 and document["refreshed"]["confirmed"] == {}
    assert "not kept for the next refresh (no state yet: the first apply creates it)" in "".join(
        document["notes"]
    )
    assert not (path.parent / ".wabaplan" / "journal.db").exists()  # as plain `plan`: no journal made
