"""The refusals of flag combinations: pure, so each is tested without I/O. What they need from files or
the terminal is passed in, and the commands call them in their order (a config that does not load is
reported before any of them)."""

from __future__ import annotations

from reconciler.cli.args import ApplyArgs, PlanArgs, WatchArgs
from reconciler.errors import WabaplanError
from reconciler.plan.model import Plan

# ---------------------------------------------------------------- refusals, in the order apply meets them


def refuse_reviewed_with_plan(args: ApplyArgs) -> None:
    """`apply PLAN --reviewed OTHER`: one plan, either applied exactly as saved or as reviewed."""
    if args.reviewed is not None and args.plan_file is not None:
        raise WabaplanError(
            f"apply takes one plan: {args.plan_file} (applied exactly as saved, from this very config) or "
            f"--reviewed {args.reviewed} (planned again from the config, applied if the actions are those "
            "reviewed); drop one"
        )


def refuse_target_with_plan(args: ApplyArgs) -> None:
    """`apply PLAN --target ADDR`: a saved or reviewed plan already says what it covers."""
    plan = args.plan_file or args.reviewed
    if args.target and plan is not None:
        raise WabaplanError(
            f"--target with {plan}: the plan covers what it was made for (its own --target); "
            "drop --target, or plan again with it"
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


# ---------------------------------------------------------------- refusals of `plan`


def refuse_notify_without_refresh_only(args: PlanArgs) -> None:
    """--notify sends what a drift check finds; a plan of actions is for review, not for an alert."""
    if args.notify and not args.refresh_only:
        raise WabaplanError(
            "--notify is for drift checks: add --refresh-only (a plan of actions is reviewed on the pull "
            "request: `wabaplan comment`)"
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


def refuse_confirmed_flags(args: PlanArgs) -> None:
    """--max-age and --full choose where a --refresh-only plan's live state comes from; a plan that can
    lead to writes always reads everything."""
    given = [flag for flag, on in (("--max-age", args.max_age is not None), ("--full", args.full)) if on]
    if given and not args.refresh_only:
        raise WabaplanError(
            f"{given[0]} is for `plan --refresh-only` (a plan of actions always reads everything from "
            "Meta): add --refresh-only, or drop it"
        )
    if len(given) == 2:
        raise WabaplanError("--max-age and --full contradict each other: --full reads everything; pick one")


def refuse_destroy_without_apply(args: WatchArgs) -> None:
    """--allow-destroy lets --apply delete: alone it would do nothing, which is not what was meant."""
    if args.allow_destroy and not args.apply:
        raise WabaplanError(
            "--allow-destroy is for `watch --apply` (without --apply, watch writes nothing): add --apply, "
            "or drop --allow-destroy"
        )
