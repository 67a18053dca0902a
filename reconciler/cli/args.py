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
from reconciler.errors import WabaplanError

if TYPE_CHECKING:  # only named: parsing argv loads no planner
    from reconciler.plan.model import Plan


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


@dataclass(frozen=True)
class HistoryArgs:
    config: str
    limit: int


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


Args = (
    ValidateArgs
    | SchemaArgs
    | PlanArgs
    | ShowArgs
    | ApplyArgs
    | HistoryArgs
    | ImportArgs
    | CommentArgs
    | SimServeArgs
    | SimResetArgs
    | SimWorldArgs
    | SimNumberArgs
    | StateShowArgs
    | StateMigrateArgs
    | StateUnlockArgs
    | WatchArgs
)

ARGS: dict[str, type[Args]] = {
    "validate": ValidateArgs,
    "schema": SchemaArgs,
    "plan": PlanArgs,
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


# ---------------------------------------------------------------- refusals, in the order apply meets them


def refuse_reviewed_with_plan(args: ApplyArgs) -> None:
    """`apply PLAN --reviewed OTHER`: one plan, either applied exactly as saved or as reviewed."""
    if args.reviewed is not None and args.plan_file is not None:
        raise WabaplanError(
            f"apply takes one plan: {args.plan_file} (applied exactly as saved, from this very config) or "
            f"--reviewed {args.reviewed} (planned again from the config, applied if the actions are those "
            "reviewed); drop one"
        )


def refuse_world_that_is_a_plan(args: ApplyArgs) -> None:
    """`apply --sim plan.json`: --sim took the saved plan for its WORLD."""
    if args.plan_file is None and args.reviewed is None and args.sim and args.sim.endswith(".json"):
        raise WabaplanError(
            f"--sim took {args.sim} as its WORLD file; to apply a saved plan against the simulator, "
            f"put the plan first: wabaplan apply {args.sim} --sim"
        )


def refuse_refresh_only_plan(plan_file: str | None, saved: Plan | None) -> None:
    """A saved --refresh-only plan holds no actions to apply."""
    if saved is not None and saved.refresh_only:
        raise WabaplanError(
            f"{plan_file} is a --refresh-only plan: it reports drift and holds no actions to apply. "
            "To repair the drift, plan without --refresh-only (save it with --out) and apply that"
        )


def refuse_wait_with_sim(args: ApplyArgs) -> None:
    if args.wait and args.sim is not None:
        raise WabaplanError(
            "--wait with --sim would wait for a reviewer who never comes: nothing reviews inside the "
            "in-process simulator. Run `wabaplan sim approve-pending` between applies instead"
        )


def refuse_unconfirmed(args: ApplyArgs, *, interactive: bool) -> None:
    """Someone must confirm: --auto-approve, a saved PLAN (confirmed when saved), a reviewed one (approved in
    review) or a person at a terminal."""
    if not (args.auto_approve or args.plan_file or args.reviewed or interactive):
        raise WabaplanError(
            "not on a terminal, so nobody can confirm: pass --auto-approve, or apply a saved PLAN "
            "(or --reviewed PLAN)"
        )


def refuse_resend_with_code(resend: frozenset[str], given: frozenset[str]) -> None:
    """--resend-code for a number whose code is given (--otp or WABAPLAN_OTP_): that code would go stale."""
    if both := sorted(resend & given):
        raise WabaplanError(
            f"--resend-code {both[0]} asks Meta for a new code, which makes the code given for it "
            f"(--otp or WABAPLAN_OTP_{both[0][1:]}) stale: pass --resend-code alone, then apply again "
            "with the new code"
        )


# ---------------------------------------------------------------- refusals of `comment`


def refuse_blank_project(project: str | None) -> None:
    """--project names the comment: a blank name would be shared by every config that gives one."""
    if project is not None and not project.strip():
        raise WabaplanError("--project is blank: name the project (e.g. --project hk), or leave it out")


def refuse_details_url(url: str | None) -> None:
    """--details-url becomes a link in the comment: only a web address, nothing a browser would run."""
    if url is not None and not url.startswith(("https://", "http://")):
        raise WabaplanError(
            f"--details-url {url!r} is not a web address: give the https:// address of the plan artifact "
            "(e.g. the workflow run's page)"
        )


def refuse_half_tls(args: WatchArgs) -> None:
    """--tls-cert and --tls-key go together: one without the other serves nothing Meta can reach."""
    if (args.tls_cert is None) != (args.tls_key is None):
        given, missing = ("--tls-cert", "--tls-key") if args.tls_cert else ("--tls-key", "--tls-cert")
        raise WabaplanError(
            f"{given} without {missing}: pass both to serve HTTPS, or neither and terminate TLS in front "
            "(docs/watch.md)"
        )
