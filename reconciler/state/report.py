"""`wabaplan state show`: what the state store holds, as a value (the CLI renders it). No secret in it."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.state.backend import StateBackend
from reconciler.state.records import Holder, Intent, Run


@dataclass(frozen=True)
class StateReport:
    backend: str
    shared: bool
    schema_version: int  # 0: nothing stored yet
    known_version: int
    estate: str | None
    last_runs: tuple[Run, ...]
    open_intents: tuple[Intent, ...]
    holders: tuple[Holder, ...]


def report(backend: StateBackend, *, runs: int = 5) -> StateReport:
    stored, known = backend.schema()
    last: list[Run] = []
    intents: list[Intent] = []
    if stored:
        with backend.journal() as journal:
            last = journal.runs(runs)
            intents = [i for i in journal.intents() if i.outcome is None]
    return StateReport(
        backend=backend.describe(),
        shared=backend.shared,
        schema_version=stored,
        known_version=known,
        estate=backend.estate(),
        last_runs=tuple(last),
        open_intents=tuple(intents),
        holders=tuple(backend.holders()),
    )
