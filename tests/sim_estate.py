"""What apply tests share: the example estate's secrets, and a private copy of it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import yaml

from reconciler.config import load
from reconciler.config.model import Config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "numbers.yaml"
SECRETS = {
    "HK_MAIN_PIN": "482915",
    "HK_STOREFRONT_PIN": "731946",
    "HK_WEBHOOK_VERIFY_TOKEN": "verify-me-7Hq2xx",
}
TW_PIN = "915204"  # from secrets/tw-pin.txt

Cli = Callable[..., tuple[int, str]]  # (argv…) → (exit code, stdout + stderr)


def copy_estate(work: Path) -> Path:
    """The example config, its picture and its PIN file under `work`; returns the config's path."""
    (work / "assets").mkdir(parents=True)
    (work / "secrets").mkdir()
    (work / "numbers.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (work / "assets" / "harbour-lane-logo.png").write_bytes(
        (ROOT / "examples" / "assets" / "harbour-lane-logo.png").read_bytes()
    )
    (work / "secrets" / "tw-pin.txt").write_text(f"{TW_PIN}\n", encoding="utf-8")
    return work / "numbers.yaml"


def estate_without_the_move(work: Path) -> tuple[Path, Config]:
    """A copy of the example without the number moving in (so nothing waits for a code), loaded."""
    path = copy_estate(work)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["numbers"].pop("+852 6123 4567")
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    config = load(path).config
    assert config is not None
    return path, config


def environ_for(graph_url: str) -> dict[str, str]:
    """An environment that sends apply to a simulator at `graph_url` as a real Graph URL, secrets set."""
    environ = {**os.environ, **SECRETS, "WABAPLAN_GRAPH_URL": graph_url,
               "WABAPLAN_ACCESS_TOKEN": "sim-token-harbour"}  # fmt: skip
    environ.pop("WABAPLAN_STATE_DIR", None)
    return environ
