"""The world file's JSON Schema, generated from the pydantic models (`schemas/world.schema.json`).

Regenerate after changing world.py:  python -m reconciler.simulator.schema [PATH]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .world import World

SCHEMA_ID = "https://wabaplan.dev/schemas/world.schema.json"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "schemas" / "world.schema.json"


def world_json_schema() -> dict[str, Any]:
    schema = World.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "wabaplan simulator world",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def render_world_schema() -> str:
    return json.dumps(world_json_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_world_schema(path: Path = DEFAULT_PATH) -> Path:
    path.write_text(render_world_schema(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = write_world_schema(Path(args[0]) if args else DEFAULT_PATH)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
