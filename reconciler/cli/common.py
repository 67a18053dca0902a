"""What several commands share: the config they need valid, --out, --sim, the state directory, rendering."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Coroutine
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from reconciler import runtime
from reconciler.config import Config, load
from reconciler.errors import ConfigError, WabaplanError
from reconciler.gcpause import young_collections_only
from reconciler.render import render_json, render_markdown, render_text
from reconciler.render.terminal import wants_colour
from reconciler.statedir import StateDir, locate

T = TypeVar("T")


def load_valid(path: Path) -> Config:
    """The config at `path`, or ConfigError after every problem is written to standard error.

    A large config is hundreds of thousands of objects that live until the command ends: they are
    frozen out of the cyclic collector's sight (`gc.freeze`), so the collections that the read's
    allocations set off do not scan them again each time (a third of a 10,000-number read's CPU).
    `main` hands them back to the collector when the command ends.
    """
    loaded = load(path)
    if loaded.config is None:
        for diagnostic in loaded.diagnostics:
            sys.stderr.write(f"{diagnostic}\n")
        raise ConfigError(f"{path} is not valid: fix the problems above (wabaplan validate -c {path})")
    gc.freeze()
    return loaded.config


def read_once(reading: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(reading)`: a command's one read of Meta, with young collections only.

    The read builds the snapshot, which lives until the command ends, and each answer leaves some garbage
    in cycles: the young collections free that as it comes, and the full ones, which scanned the growing
    snapshot again and again (a sixth of a 10,000-number read's CPU), wait until the read ends. What it
    built is frozen afterwards, like the config (`load_valid`).
    """
    with young_collections_only():
        result = asyncio.run(reading)
    gc.freeze()
    return result


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
    if not path.exists() and not os.environ.get("WABAPLAN_STATE_DIR"):
        raise ConfigError(
            f"{path}: no such file or directory; the state directory lives beside the config file (or "
            "inside the config directory), so name it with -c"
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
