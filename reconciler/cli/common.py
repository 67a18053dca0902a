"""What several commands share: the config they need valid, --out, --sim, the state directory, rendering."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from reconciler import runtime
from reconciler.config import Config, load
from reconciler.errors import ConfigError, WabaplanError
from reconciler.render import render_json, render_markdown, render_text
from reconciler.render.terminal import wants_colour
from reconciler.statedir import StateDir, locate


def load_valid(path: Path) -> Config:
    loaded = load(path)
    if loaded.config is None:
        for diagnostic in loaded.diagnostics:
            sys.stderr.write(f"{diagnostic}\n")
        raise ConfigError(f"{path} is not valid: fix the problems above (wabaplan validate -c {path})")
    return loaded.config


def output_file(name: str | None) -> Path | None:
    """--out, checked before any work is done: a file in a directory that exists."""
    if not name:
        return None
    out = Path(name)
    if out.is_dir():
        raise WabaplanError(f"--out {name} is a directory: name a file in it, e.g. {out / 'plan.json'}")
    if not out.parent.is_dir():
        raise WabaplanError(f"--out {name}: directory {out.parent} does not exist; create it first")
    return out


def simulated(sim: str | None, state: StateDir) -> AbstractContextManager[Any]:
    """--sim: the simulated Meta (None: the real one)."""
    return runtime.simulated_meta(sim or None, state) if sim is not None else nullcontext(None)


def state_beside(config: str) -> Path:
    """The state directory of the config named by -c, which must exist (else -c has a typo)."""
    path = Path(config)
    if not path.is_file() and not os.environ.get("WABAPLAN_STATE_DIR"):
        raise ConfigError(
            f"{path}: no such file; the state directory lives beside the config, so name it with -c"
        )
    return locate(path, os.environ)


def colour() -> bool:
    """Colour on standard output: on a person's terminal, unless NO_COLOR, never in CI."""
    return wants_colour(terminal=sys.stdout.isatty(), environ=os.environ)


def render(document: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        text = render_json(document)
    elif fmt == "markdown":
        text = render_markdown(document)
    else:
        text = render_text(document, colour=colour())
    sys.stdout.write(text)


def project_of(config: str) -> str:
    """The config's path as the project's name: relative to the working directory, with forward slashes."""
    path = Path(os.path.normpath(config))
    if path.is_absolute() and path.is_relative_to(Path.cwd()):
        path = path.relative_to(Path.cwd())
    return path.as_posix()
