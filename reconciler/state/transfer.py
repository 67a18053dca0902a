"""`wabaplan state migrate --to postgresql://…`: a local journal copied into shared state.

Idempotent: rows are copied with their IDs, so a second run copies nothing new. The database adopts the
local estate's ID when it holds no history yet; one that holds another estate's history is refused, never
merged into. Fingerprints are copied only when WABAPLAN_STATE_KEY is the key they were made with (the
local key, moved out of the state directory by `state.keys`): under another key they would not match, so
they are left behind, and the next apply sets those values once more — counted and said.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reconciler.state import keys, postgres
from reconciler.state.errors import StateError
from reconciler.state.filelock import state_lock
from reconciler.state.journal import COLUMNS
from reconciler.state.localdir import estate_id
from reconciler.state.sqlite import FILE_NAME, SqliteJournal

SERIAL_TABLES = ("runs", "intents", "code_requests")  # rows keep their IDs; the sequences move past them
RUN_COLUMN = {"runs": 0, "actions": 0, "intents": 1}  # where each table names its run


@dataclass(frozen=True)
class Transferred:
    copied: dict[str, int]  # table → rows copied now
    already: int  # runs that an earlier migrate had copied
    fingerprints_left: int  # made under another key: not copied
    estate: str
    events: int = 0  # webhook events (`wabaplan watch`) copied, pending ones included: not history


def migrate_local(state_dir: Path, location: postgres.Location, key: bytes) -> Transferred:
    """Copy the journal in `state_dir` into the database at `location` (its tables made if need be)."""
    if not (state_dir / FILE_NAME).exists():
        raise StateError(f"no local journal in {state_dir}: nothing to migrate (set WABAPLAN_STATE_DIR?)")
    estate = str(estate_id(state_dir))
    same_key = keys.local_key(state_dir) == key
    with state_lock(state_dir, command="state migrate"), SqliteJournal.open(state_dir) as local:
        rows = local.dump()
        connection = postgres.connect(location)
        try:
            postgres.migrate(connection)
            postgres.check_key(connection, key)
            with connection.raw.transaction():
                _adopt(connection, estate)
                return _copy(connection, rows, estate, same_key)
        finally:
            connection.close()


def _adopt(connection: postgres.PgConnection, estate: str) -> None:
    """Take the local estate's ID, unless the database already holds another estate's history."""
    theirs = postgres.meta(connection).get("estate")
    if theirs == estate:
        return
    runs = int(connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    if runs:
        raise StateError(
            f"{connection.location.describe()} holds another estate's history ({runs} runs of estate "
            f"{theirs}, this one is {estate}): nothing was copied; use another schema (?schema=NAME) "
            "or database"
        )
    connection.execute("UPDATE meta SET value = ? WHERE key = 'estate'", (estate,))


def _copy(
    connection: postgres.PgConnection, rows: dict[str, list[list[object]]], estate: str, same_key: bool
) -> Transferred:
    present = {int(r[0]) for r in connection.execute("SELECT id FROM runs").fetchall()}
    new_runs = {int(row[0]) for row in rows["runs"]} - present
    copied: dict[str, int] = {}
    for table, columns in COLUMNS.items():
        wanted = rows[table]
        if table in RUN_COLUMN:  # a run's rows come with it, once
            wanted = [row for row in wanted if int(str(row[RUN_COLUMN[table]])) in new_runs]
        if table == "fingerprints" and not same_key:
            wanted = []
        marks = ", ".join("?" for _ in columns)
        conflict = "" if table == "actions" else " ON CONFLICT DO NOTHING"
        count = 0
        for row in wanted:
            cursor = connection.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}){conflict}", tuple(row)
            )
            count += max(cursor.rowcount, 0)
        copied[table] = count
    events = copied.pop("events", 0)
    copied.pop("confirmed", 0)  # live state as last read: a cache, copied but not history
    for table in SERIAL_TABLES:
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
        )
    left = 0 if same_key else len(rows["fingerprints"])
    return Transferred(copied, len(rows["runs"]) - len(new_runs), left, estate, events)
