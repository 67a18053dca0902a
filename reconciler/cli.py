"""The `wabaplan` command: argv, environment and exit codes live here and nowhere else.

Exit codes: 0 success; 1 error or invalid input; 2 changes present (with --detailed-exitcode);
3 stopped waiting for a person or for Meta (resumable).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from reconciler import __version__
from reconciler.errors import ConfigError, WabaplanError

if TYPE_CHECKING:
    from reconciler.config.model import Config

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
DEFAULT_CONFIG = "numbers.yaml"

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 1: exit 2 means "changes present" for `plan`."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="wabaplan",
        description="Declarative config-as-code for the WhatsApp Business Platform: "
        "validate, plan and apply WABAs, phone numbers, profiles, templates and migrations.",
    )
    parser.add_argument("--version", action="version", version=f"wabaplan {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log every Graph request (method, path, status, time; never a token) to stderr",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    validate = commands.add_parser(
        "validate",
        help="check a config file offline (no token needed)",
        description="Check a config file offline: every problem at once, each with file:line:column, "
        "the path, what is wrong and how to fix it. Exit 0 when valid, 1 when not.",
    )
    _config_option(validate)
    validate.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    validate.add_argument(
        "--check-secrets",
        action="store_true",
        help="also resolve every ${env:…}/${file:…} reference and check PINs are 6 digits "
        "(values are never printed)",
    )
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser(
        "schema", help="print a JSON Schema", description="Print a JSON Schema to standard output."
    )
    schema.add_argument(
        "which",
        nargs="?",
        choices=_schema_names(),
        default="config",
        metavar="WHICH",
        help="config (numbers.yaml), plan (saved plans, --format json) or world (simulator worlds)",
    )
    schema.set_defaults(handler=_schema)

    plan = commands.add_parser(
        "plan",
        help="show what apply would do",
        description="Read live state, diff it against the config and print the ordered, costed plan. "
        "Exit 0 (with --detailed-exitcode: 0 no changes, 2 changes present), 1 on error.",
    )
    _config_option(plan)
    plan.add_argument("--out", metavar="PLAN", help="also save the plan (JSON, no secrets) for `apply PLAN`")
    _format_option(plan)
    plan.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when there are changes, 0 when there are none",
    )
    plan.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="ADDR",
        help='only this resource (e.g. numbers["+85251234567"]) and what it depends on; repeatable',
    )
    plan.add_argument(
        "--refresh-only",
        action="store_true",
        help="report what differs at Meta from the config, plan no actions",
    )
    _sim_option(plan)
    plan.set_defaults(handler=_plan)

    show = commands.add_parser(
        "show", help="render a saved plan", description="Render a plan saved with --out."
    )
    show.add_argument("plan_file", metavar="PLAN")
    _format_option(show)
    show.set_defaults(handler=_show)

    apply = commands.add_parser(
        "apply",
        help="make it so",
        description="Plan (or take a saved PLAN), confirm, and carry out the actions in dependency order. "
        "Exit 0 done, 1 failed or refused, 3 stopped waiting for a person (a one-time code, a precondition "
        "only someone else can fix) or for Meta (a review); rerunning resumes.",
    )
    _config_option(apply)
    apply.add_argument(
        "plan_file",
        nargs="?",
        metavar="PLAN",
        help="apply exactly this saved plan (not a --refresh-only one)",
    )
    apply.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    apply.add_argument(
        "--otp",
        action="append",
        default=[],
        metavar="NUMBER=CODE",
        help="the one-time code Meta sent to NUMBER; repeatable (or set WABAPLAN_OTP_<digits>)",
    )
    apply.add_argument(
        "--resend-code",
        action="append",
        default=[],
        metavar="NUMBER",
        help="send NUMBER a new one-time code even if one sent earlier may still be valid (not with a code "
        "given for NUMBER: it would be stale); repeatable",
    )
    apply.add_argument(
        "--parallelism", type=_positive_int, default=8, metavar="N", help="actions at once (8)"
    )
    apply.add_argument("--allow-destroy", action="store_true", help="allow deleting or deregistering")
    apply.add_argument(
        "--force", action="store_true", help="allow changing more than 30%% of an estate at once"
    )
    apply.add_argument("--wait", action="store_true", help="wait for Meta's reviews instead of stopping")
    apply.add_argument(
        "--wait-timeout", type=_positive_seconds, default=600.0, metavar="S", help="how long --wait waits"
    )
    apply.add_argument(
        "--lock-timeout",
        type=float,
        default=None,
        metavar="S",
        help="wait this long for another apply to finish",
    )
    _sim_option(apply)
    apply.set_defaults(handler=_apply)

    history = commands.add_parser("history", help="list past applies", description="List past applies.")
    _config_option(history)
    history.add_argument("--limit", type=_positive_int, default=20, metavar="N", help="runs to list (20)")
    history.set_defaults(handler=_history)

    imp = commands.add_parser(
        "import",
        help="write a config for what exists at Meta",
        description="Read the given WABAs and write a numbers.yaml for them (secrets as ${env:...} "
        "placeholders, never values). Planning the result shows no changes.",
    )
    imp.add_argument(
        "--waba", action="append", required=True, metavar="ID", help="WABA ID to import; repeatable"
    )
    imp.add_argument(
        "--out", metavar="FILE", help="write here instead of standard output (refuses to overwrite)"
    )
    _sim_option(imp)
    imp.set_defaults(handler=_import)

    _add_simulator_commands(commands)
    return parser


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format"
    )


def _sim_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sim",
        nargs="?",
        const="",
        default=None,
        metavar="WORLD",
        help="run against an in-process Graph API simulator (the bundled demo world, or WORLD); its state "
        "carries over between --sim runs (wabaplan sim reset starts over)",
    )


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        default=DEFAULT_CONFIG,
        metavar="FILE",
        help=f"config file (default: {DEFAULT_CONFIG})",
    )


# ---------------------------------------------------------------- validate


def _validate(args: argparse.Namespace) -> int:
    from reconciler.config import load

    loaded = load(Path(args.config), check_secrets=args.check_secrets)
    out: TextIO = sys.stdout
    if args.format == "json":
        document = {
            "file": args.config,
            "valid": loaded.ok,
            "diagnostics": [d.to_json() for d in loaded.diagnostics],
        }
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        for diagnostic in loaded.diagnostics:
            out.write(f"{diagnostic}\n")
        if loaded.config is not None:
            config = loaded.config
            templates = sum(len(w.templates) for w in config.wabas.values())
            counts = _count(len(config.wabas), "WABA"), _count(len(config.numbers), "number")
            out.write(f"{args.config}: valid — {', '.join(counts)}, {_count(templates, 'template')}\n")
        else:
            out.write(f"{args.config}: {_count(len(loaded.diagnostics), 'problem')}\n")
    return EXIT_OK if loaded.ok else EXIT_ERROR


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- schema


def _schema_names() -> tuple[str, ...]:
    return ("config", "plan", "world")


def _schema(args: argparse.Namespace) -> int:
    if args.which == "plan":
        from reconciler.plan.saved import plan_schema_text

        text = plan_schema_text()
    elif args.which == "world":
        from reconciler.simulator.schema import render_world_schema

        text = render_world_schema()
    else:
        from reconciler.config.schema import config_schema, render

        text = render(config_schema())
    sys.stdout.write(text)
    return EXIT_OK


# ---------------------------------------------------------------- simulator


def _add_simulator_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from reconciler.simulator.cli import add_sim_commands

    add_sim_commands(commands)
    sim = commands.choices["sim"]
    sim_commands = next(a for a in sim._actions if isinstance(a, argparse._SubParsersAction))
    reset = sim_commands.add_parser(
        "reset",
        help="forget the simulated Meta's state kept between --sim runs",
        description="Remove the simulator state that --sim runs share (in the state directory), so the next "
        "--sim run starts again from its world file.",
    )
    _config_option(reset)
    reset.set_defaults(handler=_sim_reset)

    inbox = sim_commands.add_parser(
        "inbox",
        help="read the one-time code the simulator 'sent' to a number",
        description="Print the last one-time code sent to NUMBER in the simulated Meta --sim runs share.",
    )
    inbox.add_argument("number", metavar="NUMBER")
    _sim_state_options(inbox)
    inbox.set_defaults(handler=_sim_inbox)

    two_step = sim_commands.add_parser(
        "disable-two-step",
        help="turn off a number's two-step verification, as its owner would in WhatsApp Manager",
        description="What the source WABA's owner does in WhatsApp Manager before a number can move "
        "(there is no API for it), done in the simulated Meta that --sim runs share.",
    )
    two_step.add_argument("number", metavar="NUMBER")
    _sim_state_options(two_step)
    two_step.set_defaults(handler=_sim_disable_two_step)

    approve = sim_commands.add_parser(
        "approve-pending",
        help="approve every display name and template waiting for review",
        description="Play Meta's reviewer in the simulated Meta that --sim runs share: approve every pending "
        "display name and message template.",
    )
    _sim_state_options(approve)
    approve.set_defaults(handler=_sim_approve_pending)


def _sim_state_options(parser: argparse.ArgumentParser) -> None:
    _config_option(parser)
    parser.add_argument(
        "--world", metavar="FILE", default="", help="the world the --sim runs used (default: demo)"
    )


def _simulated(args: argparse.Namespace) -> Any:
    from reconciler import runtime
    from reconciler.statedir import StateDir

    state = StateDir(_state_beside(args.config))
    return runtime.simulated_meta(args.world or None, state)


def _state_beside(config: str) -> Path:
    """The state directory of the config named by -c, which must exist (else -c has a typo)."""
    from reconciler.statedir import locate

    path = Path(config)
    if not path.is_file() and not os.environ.get("WABAPLAN_STATE_DIR"):
        raise ConfigError(
            f"{path}: no such file; the state directory lives beside the config, so name it with -c"
        )
    return locate(path, os.environ)


def _sim_number(meta: Any, text: str, *, onboarding: bool) -> Any:
    from reconciler.config.phone import InvalidNumber, to_e164

    try:
        e164 = to_e164(text)
    except InvalidNumber as exc:
        raise WabaplanError(f"{exc} ({exc.fix})") from None
    records = [n for n in meta.simulator.state.numbers.values() if n.e164 == e164 and n.status != "MIGRATED"]
    records.sort(key=lambda n: (bool(n.onboarding) != onboarding, n.id))
    if not records:
        raise WabaplanError(f"the simulated Meta has no number {e164}")
    return records[0]


def _sim_inbox(args: argparse.Namespace) -> int:
    with _simulated(args) as meta:
        number = _sim_number(meta, args.number, onboarding=True)
        message = meta.control.inbox(number.id)
    if message is None:
        sys.stdout.write(f"no code has been sent to {number.e164} (phone number ID {number.id})\n")
        return EXIT_ERROR
    sys.stdout.write(f"SIMULATED SMS to {number.e164}: {message['text']}\n")
    sys.stdout.write(
        f"apply it with: wabaplan apply -c {args.config} --sim --otp {number.e164}={message['code']}\n"
    )
    return EXIT_OK


def _sim_disable_two_step(args: argparse.Namespace) -> int:
    with _simulated(args) as meta:
        number = _sim_number(meta, args.number, onboarding=False)
        meta.control.disable_two_step(number.id)
    sys.stdout.write(f"SIMULATED: two-step verification is now off for {number.e164} (ID {number.id})\n")
    return EXIT_OK


def _sim_approve_pending(args: argparse.Namespace) -> int:
    approved = []
    with _simulated(args) as meta:
        state = meta.simulator.state
        for number in state.numbers.values():
            if number.new_name_status == "PENDING_REVIEW" or number.name_status == "PENDING_REVIEW":
                meta.control.review_display_name(number.id, True)
                approved.append(f"display name of {number.e164}")
        for template in state.templates.values():
            if template.status == "PENDING":
                meta.control.review_template(template.id, True)
                approved.append(f"template {template.name} ({template.language})")
    sys.stdout.write(
        "".join(f"SIMULATED: approved {what}\n" for what in approved) or "nothing is pending review\n"
    )
    return EXIT_OK


def _sim_reset(args: argparse.Namespace) -> int:
    from reconciler.statedir import StateDir

    state = StateDir(_state_beside(args.config))
    if state.sim_state.exists():
        state.sim_state.unlink()
        sys.stdout.write(f"simulator state removed ({state.sim_state}); the next --sim run starts fresh\n")
    else:
        sys.stdout.write(f"no simulator state at {state.sim_state}; nothing to do\n")
    return EXIT_OK


# ---------------------------------------------------------------- plan, show, import


def _load_valid(path: Path) -> Config:
    from reconciler.config import load

    loaded = load(path)
    if loaded.config is None:
        for diagnostic in loaded.diagnostics:
            sys.stderr.write(f"{diagnostic}\n")
        raise ConfigError(f"{path} is not valid: fix the problems above (wabaplan validate -c {path})")
    return loaded.config


def _plan(args: argparse.Namespace) -> int:
    from contextlib import closing, nullcontext

    from reconciler import runtime
    from reconciler.plan.build import PlanOptions, build_plan
    from reconciler.state import open_backend
    from reconciler.statedir import StateDir, locate, write_json_atomic

    path = Path(args.config)
    config = _load_valid(path)
    out = _output_file(args.out)
    state = StateDir(locate(path, os.environ))
    simulator = runtime.simulated_meta(args.sim or None, state) if args.sim is not None else nullcontext(None)
    with simulator as meta, closing(open_backend(state.path, os.environ)) as backend:
        target = runtime.target_for(config, base_dir=path.parent, environ=os.environ, simulated=meta)
        snapshot, cost = runtime.read_live(config, target)
        write_only = runtime.write_only(
            config, base_dir=path.parent, environ=os.environ, state=backend, target=target
        )
    options = PlanOptions(
        targets=tuple(args.target),
        refresh_only=args.refresh_only,
        simulated=meta is not None,
        config_hash=runtime.config_hash(path),
        notes=target.notes,
    )
    plan = build_plan(config, snapshot, write_only, options)
    document = {**plan.to_json(), "read": cost}
    if out is not None:
        write_json_atomic(out, document)
    _render(document, args.format)
    if args.out:
        sys.stderr.write(
            f"plan saved to {args.out} (no secrets inside); render it with `wabaplan show {args.out}`\n"
        )
    plan.require_complete()  # after rendering: what could be read is shown, then the refusal
    if args.detailed_exitcode and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


def _output_file(name: str | None) -> Path | None:
    """--out, checked before any work is done: a file in a directory that exists."""
    if not name:
        return None
    out = Path(name)
    if out.is_dir():
        raise WabaplanError(f"--out {name} is a directory: name a file in it, e.g. {out / 'plan.json'}")
    if not out.parent.is_dir():
        raise WabaplanError(f"--out {name}: directory {out.parent} does not exist; create it first")
    return out


def _show(args: argparse.Namespace) -> int:
    from reconciler.plan.saved import load_saved_plan

    document = load_saved_plan(Path(args.plan_file))
    _render(document, args.format)
    return EXIT_OK


def _render(document: dict[str, Any], fmt: str) -> None:
    from reconciler.render import render_json, render_markdown, render_text

    if fmt == "json":
        text = render_json(document)
    elif fmt == "markdown":
        text = render_markdown(document)
    else:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        text = render_text(document, colour=colour)
    sys.stdout.write(text)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def _e164_arg(option: str, text: str) -> str:
    from reconciler.config.phone import InvalidNumber, to_e164

    try:
        return to_e164(text)
    except InvalidNumber as exc:
        raise WabaplanError(f"{option}: {exc} ({exc.fix})") from None


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def _otp_pairs(pairs: list[str], config: Config, path: Path) -> dict[str, str]:
    """--otp NUMBER=CODE pairs, each for a declared number, one code per number, six digits."""
    from reconciler.apply.run import otp_digits

    codes: dict[str, str] = {}
    for pair in pairs:
        number, sep, code = pair.partition("=")
        code = code.strip()
        if not sep or not code:
            raise WabaplanError("--otp takes NUMBER=CODE, e.g. --otp +85261234567=123456 (no '=CODE' given)")
        e164 = _declared("--otp", number, config, path)
        digits = otp_digits(code)
        if digits is None:
            raise WabaplanError(
                f"--otp {e164}=…: the code must be the six digits Meta sent (123456 or 123-456)"
            )
        if codes.get(e164, digits) != digits:
            raise WabaplanError(f"--otp gives {e164} two different codes: pass the one Meta sent last")
        codes[e164] = digits
    return codes


def _declared(option: str, number: str, config: Config, path: Path) -> str:
    from reconciler.apply.run import otp_digits

    if otp_digits(number) is not None:  # a code where the number goes: never echo it back
        raise WabaplanError(
            f"{option} takes the phone number first (NUMBER=CODE for --otp), e.g. +85261234567"
        )
    e164 = _e164_arg(option, number)
    if e164 not in config.numbers:
        raise WabaplanError(f"{option} {e164}: no such number in {path} (check for a typo)")
    return e164


def _apply(args: argparse.Namespace) -> int:
    from reconciler.apply.run import ApplyOptions, apply, supplied_codes
    from reconciler.plan.saved import load_saved_plan
    from reconciler.render.progress import LineProgress, LiveProgress

    if args.plan_file is None and args.sim and args.sim.endswith(".json"):
        raise WabaplanError(
            f"--sim took {args.sim} as its WORLD file; to apply a saved plan against the simulator, "
            f"put the plan first: wabaplan apply {args.sim} --sim"
        )
    path = Path(args.config)
    config = _load_valid(path)
    saved = load_saved_plan(Path(args.plan_file)) if args.plan_file else None
    if saved is not None and saved.get("refresh_only"):
        raise WabaplanError(
            f"{args.plan_file} is a --refresh-only plan: it reports drift and holds no actions to apply. "
            "To repair the drift, plan without --refresh-only (save it with --out) and apply that"
        )
    if args.wait and args.sim is not None:
        raise WabaplanError(
            "--wait with --sim would wait for a reviewer who never comes: nothing reviews inside the "
            "in-process simulator. Run `wabaplan sim approve-pending` between applies instead"
        )
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not (args.auto_approve or saved is not None or interactive):
        raise WabaplanError(
            "not on a terminal, so nobody can confirm: pass --auto-approve, or apply a saved PLAN"
        )
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    otp = _otp_pairs(args.otp, config, path)
    resend = frozenset(_declared("--resend-code", n, config, path) for n in args.resend_code)
    if both := sorted(resend & supplied_codes(config, otp, os.environ)):
        raise WabaplanError(
            f"--resend-code {both[0]} asks Meta for a new code, which makes the code given for it "
            f"(--otp or WABAPLAN_OTP_{both[0][1:]}) stale: pass --resend-code alone, then apply again "
            "with the new code"
        )
    options = ApplyOptions(
        saved_plan=saved,
        auto_approve=args.auto_approve or saved is not None,
        otp=otp,
        resend_code=resend,
        parallelism=args.parallelism,
        allow_destroy=args.allow_destroy,
        force=args.force,
        wait=args.wait,
        wait_timeout=args.wait_timeout,
        lock_timeout=args.lock_timeout,
        sim_world=args.sim,
    )

    def show_plan(plan: Any) -> None:
        from reconciler.render import render_text

        if saved is None:
            sys.stdout.write(render_text(plan.to_json(), colour=colour))

    def confirm() -> bool:
        sys.stdout.write("\nDo you want to perform these actions? Only 'yes' will be accepted: ")
        sys.stdout.flush()
        return sys.stdin.readline().strip() == "yes"

    progress = LiveProgress(sys.stdout) if sys.stdout.isatty() else LineProgress(sys.stdout)

    def ask_code(e164: str, stop: threading.Event) -> str | None:
        if not interactive or args.sim is not None:  # --sim: the simulated SMS is read after the run
            return None
        progress.pause()
        try:
            from reconciler.prompt import ask_hidden  # not echoed: a one-time code is a secret

            return ask_hidden(f"One-time code sent to {e164} (Enter to skip): ", stop)
        finally:
            progress.resume()

    try:
        applied = apply(
            config,
            path,
            options,
            environ=os.environ,
            show_plan=show_plan,
            confirm=confirm,
            ask_code=ask_code,
            progress=progress,
        )
    finally:
        progress.close()
    label = "SIMULATED: " if applied.simulated else ""
    if applied.cancelled:
        sys.stdout.write("Apply cancelled.\n")
        return EXIT_ERROR
    report = applied.report
    if report is not None:
        sys.stdout.write(f"\n{label}{report.summary()}\n")
    for item in applied.pending:
        sys.stdout.write(f"waiting on Meta: {item.address}: {item.detail}\n")
    if report is None and not applied.pending:
        sys.stdout.write(f"{label}No changes. Meta matches the configuration.\n")
    if applied.exit_code == 3:
        sys.stdout.write(_resume_hint(applied, args) + "\n")
    return applied.exit_code


def _resume_hint(applied: Any, args: argparse.Namespace) -> str:
    """What the person should do next, after an apply that stopped on someone."""
    statuses = set(applied.report.counts()) if applied.report is not None else set()
    steps = []
    if "blocked" in statuses:
        steps.append("fix what is blocked (each says how)")
    if "needs_input" in statuses:
        steps.append("supply the one-time code")
    if applied.pending or "waiting" in statuses:
        if args.sim is not None:
            steps.append("let Meta review (`wabaplan sim approve-pending` plays the reviewer)")
        elif not args.wait:
            steps.append("let Meta review (or add --wait to wait here)")
        else:
            steps.append("let Meta finish reviewing")
    return "Stopped on a person or on Meta: " + ", ".join(steps or ["see above"]) + "; then run apply again."


def _history(args: argparse.Namespace) -> int:
    from contextlib import closing
    from datetime import UTC, datetime

    from reconciler.state import open_backend
    from reconciler.state.sqlite import FILE_NAME

    state = _state_beside(args.config)
    backend = open_backend(state, os.environ)
    if not backend.shared and not (state / FILE_NAME).exists():
        sys.stdout.write(f"no applies recorded in {state}\n")
        return EXIT_OK
    with closing(backend), backend.journal() as journal:
        for run in journal.runs(args.limit):
            when = datetime.fromtimestamp(run.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            counts = ", ".join(f"{n} {s}" for s, n in sorted(run.counts.items())) or "no actions"
            sim = " (simulated)" if run.simulated else ""
            sys.stdout.write(f"#{run.id}  {when}  {run.status}{sim}  {counts}\n")
            for action in journal.actions(run.id):
                if action.status != "skipped":
                    sys.stdout.write(f"    {action.status:<11} {action.action_id}  {action.detail}\n")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from reconciler import runtime
    from reconciler.importer import render_config
    from reconciler.statedir import StateDir, locate

    out = _output_file(args.out)
    if out is not None and out.exists():
        raise WabaplanError(f"{out} already exists: choose another --out, or remove it first")
    state = StateDir(locate(out or Path(DEFAULT_CONFIG), os.environ))
    simulator = runtime.simulated_meta(args.sim or None, state) if args.sim is not None else nullcontext(None)
    waba_ids = list(dict.fromkeys(args.waba))
    with simulator as meta:
        target = runtime.import_target(waba_ids, environ=os.environ, simulated=meta)
        snapshot = runtime.read_for_import(waba_ids, target)
    missing = [w for w in waba_ids if w not in snapshot.wabas]
    if missing:
        reasons = "; ".join(
            f"{w}: {snapshot.unreadable[w].reason}" for w in missing if w in snapshot.unreadable
        )
        raise WabaplanError(f"cannot import WABA {', '.join(missing)} ({reasons})")
    header = "SIMULATED: imported from the wabaplan simulator, not from Meta" if meta is not None else ""
    text = render_config(snapshot, waba_ids, header=header)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        numbers = sum(len(snapshot.wabas[w].numbers) for w in waba_ids)
        sys.stderr.write(
            f"wrote {out}: {len(waba_ids)} WABA(s), {numbers} number(s); "
            f"check it with `wabaplan validate -c {out}`\n"
        )
    return EXIT_OK


# ---------------------------------------------------------------- entry point


def _configure_logging(*, verbose: bool) -> None:
    """Retries and throttling as warnings on stderr; with --verbose, every request too."""
    import logging

    class ToStderr(logging.Handler):  # whatever sys.stderr is at the time (tests swap it)
        def emit(self, record: logging.LogRecord) -> None:
            sys.stderr.write(self.format(record) + "\n")

    logger = logging.getLogger("wabaplan")
    for old in [h for h in logger.handlers if type(h).__name__ == "ToStderr"]:
        logger.removeHandler(old)
    handler = ToStderr()
    handler.setFormatter(logging.Formatter("wabaplan: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    _configure_logging(verbose=args.verbose or bool(os.environ.get("WABAPLAN_VERBOSE")))
    try:
        return handler(args)
    except WabaplanError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # a bug: say so briefly; the traceback only on request
        if os.environ.get("WABAPLAN_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "this is a bug in wabaplan; rerun with WABAPLAN_DEBUG=1 for the traceback and report it\n"
        )
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
