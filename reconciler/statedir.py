"""Where the local state directory is (`WABAPLAN_STATE_DIR`, default `.wabaplan/` beside the config),
and files written whole. What the directory holds: reconciler.state.localdir.

    sim/state.json       the simulated Meta's state between `--sim` runs (`wabaplan sim reset` removes it)

Nothing here ever holds a secret's value, nor the fingerprint key (reconciler.state.keys).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import WabaplanError

DEFAULT_NAME = ".wabaplan"


def locate(config_path: Path, environ: Mapping[str, str]) -> Path:
    """`WABAPLAN_STATE_DIR`, else `.wabaplan/` beside the config file, or inside a config directory."""
    configured = environ.get("WABAPLAN_STATE_DIR")
    if configured:
        return Path(configured).expanduser()
    resolved = config_path.resolve()
    return (resolved if resolved.is_dir() else resolved.parent) / DEFAULT_NAME


def write_json_atomic(path: Path, document: Any) -> None:
    """Write `document` so a crash leaves either the old file or the new one, never half of either."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp"
        ) as tmp:
            try:
                json.dump(document, tmp, indent=2, sort_keys=True, ensure_ascii=False)
                tmp.write("\n")
                tmp.flush()
                os.fsync(tmp.fileno())
                tmp.close()
                os.replace(tmp.name, path)
            except BaseException:
                Path(tmp.name).unlink(missing_ok=True)  # never leave a half-written neighbour behind
                raise
    except OSError as exc:
        raise WabaplanError(f"{path} cannot be written ({exc.strerror or exc})") from None


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise WabaplanError(f"{path} cannot be read ({exc}); remove it to start over") from None


@dataclass(frozen=True)
class StateDir:
    path: Path

    @property
    def sim_state(self) -> Path:
        return self.path / "sim" / "state.json"
