"""Reading live state against the simulator over loopback: cost, paging, faults, and no token leaks."""

from __future__ import annotations

import asyncio
import logging
import math
from pathlib import Path

import pytest
from estate import TOKEN, estate

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.graph.client import GraphClient
from reconciler.graph.retry import RetryPolicy
from reconciler.importer import render_config
from reconciler.plan.build import build_plan
from reconciler.reader import read_snapshot, read_wabas
from reconciler.simulator import run_simulator
from reconciler.snapshot import Snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "numbers.yaml"


def read(config: Config, base_url: str, token: str = TOKEN, **client: object) -> tuple[Snapshot, GraphClient]:
    async def run() -> tuple[Snapshot, GraphClient]:
        async with GraphClient(base_url, token, **client) as graph:  # type: ignore[arg-type]
            return await read_snapshot(config, graph), graph

    return asyncio.run(run())


@pytest.fixture(scope="module")
def big() -> tuple[dict, Config]:
    world, data = estate(wabas=3, numbers=330)  # 110 numbers a WABA: more than one page of 100
    return world, Config.model_validate(data)


def test_full_read_pages_through_everything_within_the_request_budget(big: tuple[dict, Config]) -> None:
    world, config = big
    with run_simulator(world) as sim:
        snapshot, graph = read(config, sim.base_url)
        counts = sim.control.request_counts()
    assert sum(len(w.numbers) for w in snapshot.wabas.values()) == 330
    assert all(len(w.numbers) == 110 for w in snapshot.wabas.values())
    numbers, wabas = 330, 3
    assert graph.stats.http_requests <= 3 * wabas + math.ceil(numbers / 50) + 3
    assert graph.stats.operations == 4 * wabas + 3 + numbers  # 4 a WABA, 1 more page each, 1 a profile
    assert counts  # the simulator saw them too
    some = next(iter(snapshot.wabas.values())).numbers
    assert all(n.profile is not None and n.profile.vertical == "RETAIL" for n in some.values())


def test_a_converged_estate_plans_nothing(big: tuple[dict, Config]) -> None:
    world, config = big
    with run_simulator(world) as sim:
        snapshot, _ = read(config, sim.base_url)
    assert build_plan(config, snapshot).actions == ()


def test_faults_do_not_change_what_is_read(big: tuple[dict, Config]) -> None:
    world, config = big
    with run_simulator(world) as sim:
        clean, _ = read(config, sim.base_url)
    with run_simulator(world, fault_rate=0.2, seed=7) as sim:
        fast = RetryPolicy(base_delay=0.01, max_delay=0.05, max_attempts=12, throttle_floor=0.01)
        faulty, graph = read(config, sim.base_url, retry=fast)
    assert faulty.wabas == clean.wabas and faulty.unreadable == clean.unreadable
    assert graph.stats.retries > 0


def test_only_what_the_config_references_is_read() -> None:
    config = load(EXAMPLE).config
    assert config is not None
    with run_simulator() as sim:
        snapshot, _ = read(config, sim.base_url, token="sim-token-harbour")
        counts = sim.control.request_counts()
    assert set(snapshot.wabas) == {"2000000000001", "2000000000002"}
    assert not any("2000000000901" in endpoint for endpoint in counts)


def test_unreadable_waba_is_reported_not_raised() -> None:
    world, data = estate(wabas=1, numbers=1)
    data["wabas"]["stranger"] = {"id": "2999999999999"}
    config = Config.model_validate(data)
    with run_simulator(world) as sim:
        snapshot, _ = read(config, sim.base_url)
    assert "2999999999999" in snapshot.unreadable
    plan = build_plan(config, snapshot)
    assert any("2999999999999 cannot be planned" in note for note in plan.notes)


def test_token_never_reaches_logs_errors_or_reprs(
    big: tuple[dict, Config], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    world, config = big
    caplog.set_level(logging.DEBUG)
    with run_simulator(world, fault_rate=0.3, seed=3) as sim:
        fast = RetryPolicy(base_delay=0.01, max_delay=0.05, max_attempts=12, throttle_floor=0.01)
        _, graph = read(config, sim.base_url, retry=fast)
        text = repr(graph) + caplog.text
        with pytest.raises(Exception) as failure:
            read(config, sim.base_url, token="sim-token-wrong-" + TOKEN)
    out, err = capsys.readouterr()
    text += str(failure.value) + repr(failure.value) + out + err
    assert "will retry" in caplog.text  # the faults were logged…
    assert TOKEN not in text  # …without the token


def test_import_round_trips_through_validate_and_plans_nothing(tmp_path: Path) -> None:
    world, _ = estate(wabas=2, numbers=12)
    with run_simulator(world) as sim:

        async def run() -> Snapshot:
            async with GraphClient(sim.base_url, TOKEN) as graph:
                ids = [w["id"] for w in world["wabas"]]
                wabas, unreadable = await read_wabas(graph, ids, profiles_for=None)
                return Snapshot(wabas, {}, unreadable, "https://graph.facebook.com", "v23.0")

        snapshot = asyncio.run(run())
        path = tmp_path / "numbers.yaml"
        path.write_text(render_config(snapshot, [w["id"] for w in world["wabas"]]), encoding="utf-8")
        loaded = load(path)
        assert loaded.ok, "\n".join(map(str, loaded.diagnostics))
        assert loaded.config is not None and len(loaded.config.numbers) == 12
        again, _ = read(loaded.config, sim.base_url)
    assert build_plan(loaded.config, again).actions == ()
    assert "${env:" in path.read_text(encoding="utf-8")
