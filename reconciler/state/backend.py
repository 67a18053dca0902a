"""Where wabaplan keeps what it knows: one interface, a local backend and a shared one.

    StateBackend   key() · read_fingerprints(target) · read_done(target, ops) · lock(scope, …) ·
                   journal(target) · holders() · unlock(id) · describe() · close()
    LocalState     the state directory: SQLite journal, a `flock` over the whole directory (the default)
    PostgresState  WABAPLAN_STATE_URL=postgresql://…: the journal in PostgreSQL, one advisory lock per WABA

`open_backend` picks one from the environment. Neither stores the fingerprint key (state.keys).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from reconciler.state import filelock, keys, sqlite
from reconciler.state.errors import LockHeld, StateError
from reconciler.state.journal import Journal, done_actions_sql
from reconciler.state.localdir import estate_id
from reconciler.state.records import DoneAction, Holder
from reconciler.state.sqlite import SqliteJournal

if TYPE_CHECKING:
    from reconciler.state import postgres


def _pg() -> ModuleType:
    """The PostgreSQL backend's module, imported only when shared state is used: psycopg costs every
    command that keeps local state about 20 MB and a tenth of a second to import."""
    from reconciler.state import postgres

    return postgres


URL_ENV = "WABAPLAN_STATE_URL"


class StateBackend(Protocol):
    shared: bool  # several machines see the same state (and the lock is per WABA, not per directory)

    def describe(self) -> str: ...

    def key(self) -> bytes: ...

    def read_fingerprints(self, target: str) -> dict[str, str]: ...

    def read_done(self, target: str, ops: Sequence[str]) -> list[DoneAction]: ...

    def lock(
        self, scope: frozenset[str], *, command: str, timeout: float | None
    ) -> AbstractContextManager[None]: ...

    def journal(self, target: str = "") -> Journal: ...

    def holders(self) -> list[Holder]: ...

    def unlock(self, holder_id: str) -> list[Holder]: ...

    def schema(self) -> tuple[int, int]: ...  # (the version stored, 0 before the first apply; this one's)

    def estate(self) -> str | None: ...

    def close(self) -> None: ...


def open_backend(state_dir: Path, environ: Mapping[str, str]) -> StateBackend:
    """PostgreSQL when WABAPLAN_STATE_URL names one, else the local state directory."""
    url = (environ.get(URL_ENV) or "").strip()
    if url:
        return PostgresState(_pg().Location.parse(url), environ)
    return LocalState(state_dir, environ)


@dataclass
class LocalState:
    path: Path
    environ: Mapping[str, str] = field(default_factory=dict)
    shared: bool = False
    _key: bytes | None = field(default=None, init=False, repr=False)  # found once, then kept

    def describe(self) -> str:
        return f"local, {self.path}"

    def key(self) -> bytes:
        if self._key is None:
            self._key = keys.from_environment(self.environ) or keys.local_key(self.path)
        return self._key

    def read_fingerprints(self, target: str) -> dict[str, str]:
        return SqliteJournal.read_fingerprints(self.path, target)

    def read_done(self, target: str, ops: Sequence[str]) -> list[DoneAction]:
        return SqliteJournal.read_done(self.path, target, ops)

    def lock(
        self, scope: frozenset[str], *, command: str, timeout: float | None
    ) -> AbstractContextManager[None]:
        """One lock over the whole directory, whatever the scope: one machine, one apply at a time."""
        return filelock.state_lock(self.path, command=command, timeout=timeout)

    def journal(self, target: str = "") -> Journal:
        return SqliteJournal.open(self.path, target=target)

    def holders(self) -> list[Holder]:
        info = filelock.holder(self.path)
        if not info:
            return []
        return [
            Holder(
                id=str(info.get("pid")),
                scope="estate",
                command=str(info.get("command", "?")),
                pid=_int(info.get("pid")),
                host=str(info.get("host", "")),
                user=str(info.get("user", "")),
                ci_url=str(info.get("ci_url", "")),
                started=float(str(info.get("started") or 0)),
                alive=_flock_held(self.path / filelock.FILE_NAME),
            )
        ]

    def unlock(self, holder_id: str) -> list[Holder]:
        held = [h for h in self.holders() if h.id == holder_id]
        if not held:
            raise StateError(f"no lock holder {holder_id}: `wabaplan state show` lists them")
        if held[0].alive:
            raise LockHeld(f"lock holder {holder_id} is alive ({held[0].describe()}): stop that run instead")
        (self.path / filelock.FILE_NAME).write_text("", encoding="utf-8")
        return held

    def schema(self) -> tuple[int, int]:
        return sqlite.stored_version(self.path), sqlite.SCHEMA_VERSION

    def estate(self) -> str | None:
        return estate_id(self.path, create=False)

    def close(self) -> None:
        pass


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _flock_held(path: Path) -> bool:
    """Whether a process holds the `flock` on `path` now (probed without waiting, released at once)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's lock, if it took one
    return False


class PostgresState:
    """Shared state: one connection per run, carrying its WABA locks and its journal writes."""

    shared = True

    def __init__(self, location: postgres.Location, environ: Mapping[str, str]) -> None:
        self.location = location
        self.environ = environ
        self._connection: postgres.PgConnection | None = None
        self._key: bytes | None = None  # checked against the store once, then kept

    def describe(self) -> str:
        return f"PostgreSQL, {self.location.describe()}"

    def _connect(self, *, create: bool) -> postgres.PgConnection:
        if self._connection is None:
            self._connection = _pg().connect(self.location)
        if create:
            _pg().migrate(self._connection)
        else:
            _pg().check_version(self._connection)
        return self._connection

    def key(self) -> bytes:
        """WABAPLAN_STATE_KEY, checked against the key the stored fingerprints were made with."""
        if self._key is not None:
            return self._key
        key = self._environment_key()
        connection = self._connect(create=False)
        if _pg().installed_version(connection) and _pg().check_key(connection, key, remember=False):
            self._key = key  # the database holds this key's check: settled for the rest of the run
        return key

    def _environment_key(self) -> bytes:
        key = keys.from_environment(self.environ, required_for="shared state (WABAPLAN_STATE_URL)")
        assert key is not None
        return key

    def read_fingerprints(self, target: str) -> dict[str, str]:
        connection = self._connect(create=False)
        if not _pg().installed_version(connection):
            return {}
        rows = connection.execute("SELECT key, fingerprint FROM fingerprints WHERE target = ?", (target,))
        return dict(rows.fetchall())

    def read_done(self, target: str, ops: Sequence[str]) -> list[DoneAction]:
        connection = self._connect(create=False)
        if not _pg().installed_version(connection):
            return []
        rows = connection.execute(done_actions_sql(len(ops)), (target, *ops)).fetchall()
        return [DoneAction(str(address), str(op), float(finished)) for address, op, finished in rows]

    @contextmanager
    def lock(self, scope: frozenset[str], *, command: str, timeout: float | None) -> Iterator[None]:
        """Per-WABA locks; before any, the key (so a runner with another key writes nothing)."""
        key = self._environment_key()
        connection = self._connect(create=True)
        if _pg().check_key(connection, key):
            self._key = key
        with (
            _pg()
            .AdvisoryLocks(connection)
            .hold(scope, command=command, timeout=timeout, environ=self.environ)
        ):
            yield

    def journal(self, target: str = "") -> Journal:
        return _pg().PostgresJournal(self._connect(create=True), target)

    def holders(self) -> list[Holder]:
        connection = self._connect(create=False)
        if not _pg().installed_version(connection):
            return []
        return _pg().AdvisoryLocks(connection).holders()

    def unlock(self, holder_id: str) -> list[Holder]:
        return _pg().AdvisoryLocks(self._connect(create=True)).unlock(holder_id)

    def schema(self) -> tuple[int, int]:
        return _pg().installed_version(self._connect(create=False)), _pg().SCHEMA_VERSION

    def estate(self) -> str | None:
        connection = self._connect(create=False)
        return _pg().meta(connection).get("estate") if _pg().installed_version(connection) else None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
