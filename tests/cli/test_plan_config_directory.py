"""`wabaplan plan -c DIRECTORY` on the simulator (real loopback sockets): the example split over three files
plans exactly what the single file plans; a saved plan is tied to every file of the directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sim_estate import SECRETS, Cli, copy_estate, split_estate


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("WABAPLAN_ACCESS_TOKEN", "WABAPLAN_GRAPH_URL", "WABAPLAN_STATE_DIR", "ACME_SOURCE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def _plan(cli: Cli, config: Path, *more: str) -> dict[str, object]:
    code, out = cli("plan", "-c", str(config), "--sim", "--format", "json", *more)
    assert code == 0, out
    return dict(json.loads(out[: out.rindex("}") + 1]))


def test_a_split_estate_plans_what_the_single_file_plans(tmp_path: Path, cli: Cli) -> None:
    single = _plan(cli, copy_estate(tmp_path / "single"))
    directory = split_estate(tmp_path / "split")
    split = _plan(cli, directory)
    assert (directory / ".wabaplan").is_dir()  # the state (and the simulator's) inside the directory
    assert single.pop("config_hash") != split.pop("config_hash")
    assert split == single
    assert len(split["actions"]) > 10  # type: ignore[arg-type]


def test_a_saved_plan_of_a_directory_is_stale_once_any_file_changes(tmp_path: Path, cli: Cli) -> None:
    directory = split_estate(tmp_path / "split")
    saved = tmp_path / "plan.json"
    _plan(cli, directory, "--out", str(saved))
    with (directory / "tw.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# reviewed? no: a new line in one file of the estate\n")
    code, out = cli("apply", str(saved), "-c", str(directory), "--sim")
    assert code == 1
    assert "changed since the plan was made" in out
