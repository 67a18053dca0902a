"""The argparse parser of `wabaplan`: every command, option and help text.

Building it imports no command's code. The `sim` commands are added only when argv may name them: the
simulator's own `sim serve` comes with the simulator, which imports starlette and uvicorn.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from reconciler import __version__
from reconciler.cli.ci_parser import add_comment, add_watch
from reconciler.cli.options import (
    Commands,
    Parser,
    config_option,
    duration,
    format_option,
    notify_option,
    positive_int,
    positive_seconds,
    sim_option,
)
from reconciler.cli.state_parser import add_state
from reconciler.cli.status_parser import add_status

SCHEMA_NAMES = ("config", "plan", "apply", "status", "world")
VALIDATE_FORMATS = ("text", "json", "github", "gitlab")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for argv (None: for any argv)."""
    parser = Parser(
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for add in (
        _validate,
        _schema,
        _plan,
        add_status,
        _show,
        _apply,
        _history,
        _import,
        add_comment,
        add_state,
        add_watch,
    ):
        add(commands)
    if argv is None or _may_name_sim(argv, set(commands.choices)):
        from reconciler.cli.sim_parser import add_sim  # only here: it imports the simulator

        add_sim(commands)
    return parser


def _may_name_sim(argv: Sequence[str], others: set[str]) -> bool:
    """Unless argv names another command first (after -v at most), it may be `sim` or ask for help."""
    for token in argv:
        if token not in ("-v", "--verbose"):
            return token not in others
    return True


def _validate(commands: Commands) -> None:
    validate = commands.add_parser(
        "validate",
        help="check a config file offline (no token needed)",
        description="Check a config file offline: every problem at once, each with file:line:column, "
        "the path, what is wrong and how to fix it. Exit 0 when valid, 1 when not.",
    )
    config_option(validate)
    validate.add_argument(
        "--format",
        choices=VALIDATE_FORMATS,
        default="text",
        help="output format: text, json, github (workflow annotations on the pull request's diff) or "
        "gitlab (a Code Quality report: redirect it to the file artifacts:reports:codequality names)",
    )
    validate.add_argument(
        "--check-secrets",
        action="store_true",
        help="also resolve every ${env:…}/${file:…} reference and check PINs are 6 digits "
        "(values are never printed)",
    )


def _schema(commands: Commands) -> None:
    schema = commands.add_parser(
        "schema", help="print a JSON Schema", description="Print a JSON Schema to standard output."
    )
    schema.add_argument(
        "which",
        nargs="?",
        choices=SCHEMA_NAMES,
        default="config",
        metavar="WHICH",
        help="config (numbers.yaml), plan (saved plans, --format json), apply (`apply --format json`), "
        "status (`status --format json`) or world (simulator worlds)",
    )


def _plan(commands: Commands) -> None:
    plan = commands.add_parser(
        "plan",
        help="show what apply would do",
        description="Read live state, diff it against the config and print the ordered, costed plan. "
        "Exit 0 (with --detailed-exitcode: 0 no changes, 2 changes, drift or Meta's verdicts present), "
        "1 on error.",
    )
    config_option(plan)
    plan.add_argument("--out", metavar="PLAN", help="also save the plan (JSON, no secrets) for `apply PLAN`")
    format_option(plan)
    plan.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when there are changes (or, with --refresh-only, drift) or verdicts of Meta (a "
        "rejected template, a declined name, …), 0 when there are none",
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
        help="report what differs at Meta from the config (drift; write-only values with no fingerprint "
        "here are unknown, not drift), plan no actions",
    )
    plan.add_argument(
        "--max-age",
        type=duration,
        default=None,
        metavar="DURATION",
        help="with --refresh-only: take a resource from the state `watch` keeps when it was confirmed "
        "this recently (30m, 6h, 2d) and no webhook named it since; read the rest (default 6h)",
    )
    plan.add_argument(
        "--full",
        action="store_true",
        help="with --refresh-only: read everything from Meta, whatever the state confirmed",
    )
    notify_option(plan, when="with --refresh-only: when something differs or could not be read")
    sim_option(plan)


def _show(commands: Commands) -> None:
    show = commands.add_parser(
        "show", help="render a saved plan", description="Render a plan saved with --out."
    )
    show.add_argument("plan_file", metavar="PLAN")
    format_option(show)


def _apply(commands: Commands) -> None:
    apply = commands.add_parser(
        "apply",
        help="make it so",
        description="Plan (or take a saved PLAN), confirm, and carry out the actions in dependency order. "
        "Exit 0 done, 1 failed or refused (a guard: prevent_destroy, a delete without --allow-destroy, the "
        "change threshold without --force), 3 only when stopped waiting for a person (a one-time code, a "
        "precondition only someone else can fix) or for Meta (a review); rerunning resumes.",
        epilog="A saved PLAN is applied exactly as saved: refused if the config file (byte for byte) or "
        "anything it covers at Meta changed since. --reviewed PLAN is for a plan reviewed on a pull request "
        "and applied after the merge: apply plans again from the merged config and applies only if the "
        "actions are those reviewed (the same checksum), so comments and layout in the config may differ; "
        "otherwise it refuses, listing the actions added, removed or changed.",
    )
    config_option(apply)
    apply.add_argument(
        "plan_file",
        nargs="?",
        metavar="PLAN",
        help="apply exactly this saved plan (not a --refresh-only one)",
    )
    apply.add_argument(
        "--reviewed",
        metavar="PLAN",
        help="plan again and apply only if the actions are those of this reviewed plan (saved with "
        "`plan --out`); not with a PLAN",
    )
    apply.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    apply.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: every action's outcome as one document on standard output at the end (`wabaplan "
        "schema apply`); the plan and progress lines go to standard error",
    )
    _codes(apply)
    _apply_limits(apply)
    sim_option(apply)


def _codes(apply: argparse.ArgumentParser) -> None:
    """apply's one-time-code options."""
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


def _apply_limits(apply: argparse.ArgumentParser) -> None:
    """How much apply does, how fast, and how long it waits."""
    apply.add_argument("--parallelism", type=positive_int, default=8, metavar="N", help="actions at once (8)")
    apply.add_argument("--allow-destroy", action="store_true", help="allow deleting or deregistering")
    apply.add_argument(
        "--force", action="store_true", help="allow changing more than 30%% of an estate at once"
    )
    apply.add_argument("--wait", action="store_true", help="wait for Meta's reviews instead of stopping")
    apply.add_argument(
        "--wait-timeout", type=positive_seconds, default=600.0, metavar="S", help="how long --wait waits"
    )
    apply.add_argument(
        "--lock-timeout",
        type=float,
        default=None,
        metavar="S",
        help="wait this long for another apply to finish",
    )
    apply.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="ADDR",
        help="only this resource (e.g. wabas.tw_retail) and what it depends on; locks only their WABAs; "
        "repeatable",
    )


def _history(commands: Commands) -> None:
    history = commands.add_parser("history", help="list past applies", description="List past applies.")
    config_option(history)
    history.add_argument("--limit", type=positive_int, default=20, metavar="N", help="runs to list (20)")
    history.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (json: every action too)"
    )


def _import(commands: Commands) -> None:
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
    sim_option(imp)
