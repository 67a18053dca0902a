"""argv → the command named and its arguments, frozen and typed; the refusals of flag combinations.

The refusals are pure: what they need from files or the terminal is passed in, so the commands call them
in their order (a config that does not load is reported before any of them).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from reconciler.cli.parser import build_parser

if TYPE_CHECKING:  # only named: parsing argv loads no planner
    pass


@dataclass(frozen=True)
class ValidateArgs:
    config: str
    format: str
    check_secrets: bool


@dataclass(frozen=True)
class SchemaArgs:
    which: str


@dataclass(frozen=True)
class PlanArgs:
    config: str
    out: str | None
    format: str
    detailed_exitcode: bool
    target: tuple[str, ...]
    refresh_only: bool
    sim: str | None
    max_age: float | None = None  # --refresh-only: confirmed state this recent stands in for a read
    full: bool = False  # --refresh-only: read everything
    notify: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusArgs:
    config: str
    format: str
    sim: str | None
    notify: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShowArgs:
    plan_file: str
    format: str


@dataclass(frozen=True)
class ApplyArgs:
    config: str
    plan_file: str | None
    reviewed: str | None  # --reviewed PLAN
    auto_approve: bool
    otp: tuple[str, ...]
    resend_code: tuple[str, ...]
    parallelism: int
    allow_destroy: bool
    force: bool
    wait: bool
    wait_timeout: float
    lock_timeout: float | None
    sim: str | None
    target: tuple[str, ...] = ()
    format: str = "text"  # json: the outcome document on stdout, the rest on stderr


@dataclass(frozen=True)
class HistoryArgs:
    config: str
    limit: int
    format: str = "text"


@dataclass(frozen=True)
class ImportArgs:
    waba: tuple[str, ...]
    out: str | None
    sim: str | None


@dataclass(frozen=True)
class CommentArgs:
    plan_file: str
    config: str  # names the project unless --project does
    project: str | None
    forge: str | None  # None: told by the CI environment
    repo: str | None
    pr: int | None
    details_url: str | None


@dataclass(frozen=True)
class SimServeArgs:
    world: str | None
    host: str
    port: int
    latency_ms: float
    fault_rate: float
    lost_response_rate: float
    seed: int
    allow_remote: bool


@dataclass(frozen=True)
class SimResetArgs:
    config: str


@dataclass(frozen=True)
class SimWorldArgs:
    """The simulated Meta that --sim runs share: the state beside the config, started from the world."""

    config: str
    world: str


@dataclass(frozen=True)
class SimNumberArgs:
    config: str
    world: str
    number: str


@dataclass(frozen=True)
class SimBusinessArgs:
    config: str
    world: str
    status: str
    business: str


@dataclass(frozen=True)
class StateShowArgs:
    config: str
    format: str


@dataclass(frozen=True)
class StateMigrateArgs:
    config: str
    to: str | None


@dataclass(frozen=True)
class StateUnlockArgs:
    config: str
    holder: str


@dataclass(frozen=True)
class WatchArgs:
    config: str
    host: str
    port: int
    max_body: int
    queue: int
    coalesce: float
    tls_cert: str | None
    tls_key: str | None
    apply: bool = False  # reconcile what the events name, through `apply`
    allow_destroy: bool = False  # with --apply: deletes too (as `apply --allow-destroy`)
    notify: tuple[str, ...] = ()


Args = (
    ValidateArgs
    | SchemaArgs
    | PlanArgs
    | StatusArgs
    | ShowArgs
    | ApplyArgs
    | HistoryArgs
    | ImportArgs
    | CommentArgs
    | SimServeArgs
    | SimResetArgs
    | SimWorldArgs
    | SimNumberArgs
    | SimBusinessArgs
    | StateShowArgs
    | StateMigrateArgs
    | StateUnlockArgs
    | WatchArgs
)

ARGS: dict[str, type[Args]] = {
    "validate": ValidateArgs,
    "schema": SchemaArgs,
    "plan": PlanArgs,
    "status": StatusArgs,
    "show": ShowArgs,
    "apply": ApplyArgs,
    "history": HistoryArgs,
    "import": ImportArgs,
    "comment": CommentArgs,
    "sim serve": SimServeArgs,
    "sim reset": SimResetArgs,
    "sim inbox": SimNumberArgs,
    "sim disable-two-step": SimNumberArgs,
    "sim approve-pending": SimWorldArgs,
    "sim business-verification": SimBusinessArgs,
    "state show": StateShowArgs,
    "state migrate": StateMigrateArgs,
    "state unlock": StateUnlockArgs,
    "watch": WatchArgs,
}


@dataclass(frozen=True)
class Invocation:
    command: str  # a key of ARGS: "plan", "sim inbox", …
    verbose: bool
    args: Args  # of the type ARGS names for the command


def parse(argv: Sequence[str] | None = None) -> Invocation:
    """argv (None: the program's); a usage error exits 1 after saying what is wrong."""
    given = sys.argv[1:] if argv is None else list(argv)
    namespace = build_parser(given).parse_args(given)
    command = namespace.command
    if command in ("sim", "state"):  # a command of commands: `sim inbox`, `state show`
        command = f"{command} {getattr(namespace, f'{command}_command')}"
    kind = ARGS[command]
    values = {f.name: _frozen(getattr(namespace, f.name)) for f in fields(kind)}
    return Invocation(command, verbose=namespace.verbose, args=kind(**values))


def _frozen(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value
