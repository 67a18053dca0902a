"""A `wabaplan watch` receiver (in a thread) over a config file's own state, reading a running simulator
as the real Graph URL it is given — so `plan` and `apply` against that URL share its state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim_estate import environ_for
from watchkit import APP_SECRET, TOKEN

from reconciler.cli.commands.watch_apply import reconciler_for
from reconciler.config.model import Config
from reconciler.graph.client import GraphClient
from reconciler.simulator import RunningSimulator
from reconciler.state import open_backend
from reconciler.watch.receiver import Secrets
from reconciler.watch.server import RunningWatch, Watch, WatchSettings, run_watch

APP = "4000000000001"  # our app, subscribed to the HK WABA in the demo world


@contextmanager
def watching(
    path: Path, config: Config, sim: RunningSimulator, *, apply: bool = False, window: float = 0.0
) -> Iterator[RunningWatch]:
    """`watch` (`--apply`) on `path`'s config and state; `window`: its --coalesce."""
    environ = environ_for(sim.base_url)
    backend = open_backend(path.parent / ".wabaplan", {})
    reconcile = reconciler_for(config, path, environ, allow_destroy=False) if apply else None
    watch = Watch(
        config, backend, sim.base_url, lambda: GraphClient(sim.base_url, TOKEN),
        Secrets((APP_SECRET,), ()), WatchSettings(port=0, window=window, grace=20.0), reconcile=reconcile,
    )  # fmt: skip
    try:
        with run_watch(watch) as running:
            sim.control.set_app_webhook(APP, f"{running.url}/webhook", APP_SECRET)
            yield running
    finally:
        backend.close()


def details(path: Path, sim: RunningSimulator) -> list[tuple[str, str, str]]:
    backend = open_backend(path.parent / ".wabaplan", {})
    try:
        with backend.journal(sim.base_url) as journal:
            return [(e.field, e.status, e.detail) for e in journal.events()]
    finally:
        backend.close()
