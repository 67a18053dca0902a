"""Runs that change nothing, recorded for `wabaplan history` all the same, so it answers "who tried what":
a plan saved for review (`plan --out`, status `planned`), and an apply refused before it began (a lock
held, a guard, a stale or differing reviewed plan; status `refused`).

Recording is a courtesy to the reader of the history, never a reason to fail the command: a store that
cannot be written is reported back as a reason, and the command goes on. A saved plan is recorded only in
a state that exists already: `plan` never creates a state directory or a database's tables (docs/state.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from reconciler.state import StateError, open_backend
from reconciler.state.records import Identity, RunNote

__all__ = ["NO_STATE_YET", "RunNote", "record"]

NO_STATE_YET = "no state yet: the first apply creates it"


def record(
    state_dir: Path,
    environ: Mapping[str, str],
    note: RunNote,
    *,
    target: str,
    who: Identity,
    create: bool,
) -> str | None:
    """Write `note` to the state the environment selects. None once written, else why it was not (with
    `create` False, a state not there yet is left uncreated, and nothing is written)."""
    backend = open_backend(state_dir, environ)
    try:
        if not create and backend.schema()[0] == 0:
            return NO_STATE_YET
        with backend.journal(target) as journal:
            journal.record_run(note, who)
    except StateError as exc:
        return str(exc)
    finally:
        backend.close()
    return None
