"""What apply tests share: the example estate's secrets, and a private copy of it."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from reconciler.config import load
from reconciler.config.model import Config

if TYPE_CHECKING:
    from reconciler.apply.run import Applied
    from reconciler.outcome import Progress

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


def split_estate(work: Path) -> Path:
    """The example as a config directory under `work`: `00-connection.yaml` (version and connection),
    `hk.yaml` (the Hong Kong WABA and its two numbers), `tw.yaml` (Taiwan's, with its own `version: 1`);
    its picture and PIN file beside them. Returns the directory."""
    single = copy_estate(work)
    lines = single.read_text(encoding="utf-8").splitlines(keepends=True)
    at = {line.split("#")[0].strip(): index for index, line in enumerate(lines)}

    def block(start: str, end: str | None = None) -> str:
        return "".join(lines[at[start] : at[end] if end else len(lines)])

    hk, hk_main, tw_main, hk_store = (
        "hk_retail:",
        '"+852 5123 4567":',
        '"+886 912 345 678":',
        '"+852 6123 4567":',
    )
    files = {
        "00-connection.yaml": "".join(lines[: at["wabas:"]]),
        "hk.yaml": "wabas:\n"
        + block(hk, "tw_retail:")
        + "numbers:\n"
        + block(hk_main, tw_main)
        + block(hk_store),
        "tw.yaml": "version: 1\nwabas:\n"
        + block("tw_retail:", "numbers:")
        + "numbers:\n"
        + block(tw_main, hk_store),
    }
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
    single.unlink()
    return work


def estate_without_the_move(work: Path) -> tuple[Path, Config]:
    """A copy of the example without the number moving in (so nothing waits for a code), loaded."""
    path = copy_estate(work)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["numbers"].pop("+852 6123 4567")
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    config = load(path).config
    assert config is not None
    return path, config


def apply_in_process(
    path: Path, config: Config, graph_url: str, progress: Progress, **options: Any
) -> Applied:
    """`apply --auto-approve` of `config` in this process against a simulator at `graph_url` taken as the
    real Meta (no code given); `options` go to `apply` as they are (transport, clock, show_plan)."""
    from reconciler.apply.run import ApplyOptions, apply

    options.setdefault("show_plan", lambda plan: None)
    return apply(
        config, path, ApplyOptions(auto_approve=True), environ=environ_for(graph_url), confirm=lambda: True,
        ask_code=lambda e164, stop: None, progress=progress, **options,
    )  # fmt: skip


def environ_for(graph_url: str) -> dict[str, str]:
    """An environment that sends apply to a simulator at `graph_url` as a real Graph URL, secrets set."""
    environ = {**os.environ, **SECRETS, "WABAPLAN_GRAPH_URL": graph_url,
               "WABAPLAN_ACCESS_TOKEN": "sim-token-harbour"}  # fmt: skip
    environ.pop("WABAPLAN_STATE_DIR", None)
    return environ


# ------------------------------------------------------------- Meta's people, played in a running simulator

MIGRATING = "+85261234567"  # the example's number moving in from another provider
SOURCE_NUMBER_ID = "3000000000901"  # that number at the source WABA, in the demo world
NON_IDEMPOTENT = (
    "POST /{WABA-ID}/phone_numbers",
    "POST /{Phone-Number-ID}/request_code",
    "POST /{WABA-ID}/message_templates",
    "POST /{WABA-ID}/migrate_message_templates",  # a lost answer is settled by reading, not by copying again
)


def onboarding_id(sim) -> str:  # type: ignore[no-untyped-def]
    """The ID the moving number has in the destination WABA once added ("none" before)."""
    for number in sim.simulator.state.numbers.values():
        if number.e164 == MIGRATING and number.waba_id == "2000000000001":
            return str(number.id)
    return "none"


def approve_all(sim) -> None:  # type: ignore[no-untyped-def]
    """Meta's reviewer: approve every display name and template waiting for review."""
    state = sim.simulator.state
    for number in list(state.numbers.values()):
        if number.new_name_status == "PENDING_REVIEW":
            sim.control.review_display_name(number.id, True)
    for template in list(state.templates.values()):
        if template.status == "PENDING":
            sim.control.review_template(template.id, True)


def assert_no_repeats(sim) -> None:  # type: ignore[no-untyped-def]
    """No call Meta cannot de-duplicate reached the simulator twice for the same thing."""
    calls: Counter[tuple[str, ...]] = Counter()
    for write in sim.control.write_log():
        if write["endpoint"] in NON_IDEMPOTENT:
            params = write["params"]
            calls[
                (
                    write["endpoint"],
                    write["object_id"],
                    str(params.get("name", "")),
                    str(params.get("language", "")),
                )
            ] += 1
    repeated = {k: n for k, n in calls.items() if n > 1}
    assert not repeated, f"non-idempotent calls made twice: {repeated}"
