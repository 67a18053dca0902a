"""What apply tests share: the example estate's secrets, and a private copy of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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
