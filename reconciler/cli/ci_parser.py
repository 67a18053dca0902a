"""The parsers of the commands a CI job or a service runs: `comment` (the pull request's plan) and `watch`
(Meta's webhooks)."""

from __future__ import annotations

from reconciler.cli.options import Commands, config_option, notify_option, positive_int

FORGES = ("github", "gitlab")


def add_comment(commands: Commands) -> None:
    comment = commands.add_parser(
        "comment",
        help="post a saved plan as the pull request's comment",
        description="Post a plan saved with `plan --out` as one comment on the pull request (GitHub) or "
        "merge request (GitLab) this CI run is for, and update that same comment on every later run. "
        "Each project keeps its own comment, found by a hidden marker that names it. Summary and what "
        "needs attention come first, details are collapsed, and a plan too long for the forge is "
        "shortened with a pointer to the full plan. Token: GITHUB_TOKEN, or GITLAB_TOKEN (a project "
        "access token with the api scope: CI_JOB_TOKEN cannot post notes). Exit 0 posted, 1 on error.",
    )
    comment.add_argument("plan_file", metavar="PLAN", help="the plan saved with `wabaplan plan --out PLAN`")
    config_option(comment, says="the config the plan is for; names the project")
    comment.add_argument(
        "--project", metavar="NAME", help="name the project (and so its comment) instead of the config path"
    )
    comment.add_argument(
        "--forge", choices=FORGES, help="github or gitlab (default: told by the CI environment)"
    )
    comment.add_argument(
        "--repo",
        metavar="REPO",
        help="OWNER/NAME on GitHub, a project ID or GROUP/PROJECT on GitLab (default: from the CI run)",
    )
    comment.add_argument(
        "--pr",
        type=positive_int,
        metavar="N",
        help="the pull request's number or merge request's IID (default: from the CI run)",
    )
    comment.add_argument(
        "--details-url",
        metavar="URL",
        help="where the full plan is (e.g. the run's artifacts page), linked when the comment is shortened",
    )


def add_watch(commands: Commands) -> None:
    watch = commands.add_parser(
        "watch",
        help="receive Meta's webhooks; read again what they name",
        description="Serve Meta's webhook callback: verify the subscription, check each delivery's "
        "signature (WABAPLAN_APP_SECRET), record its events in the state, answer at once, then read again "
        "only the declared resources they name and record what moved. Runs until SIGTERM or Ctrl-C.",
    )
    config_option(watch)
    watch.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    watch.add_argument("--port", type=int, default=8080, help="port to listen on (8080; 0: any free one)")
    watch.add_argument(
        "--max-body", type=positive_int, default=1 << 20, metavar="BYTES", help="largest delivery (1 MiB)"
    )
    watch.add_argument(
        "--queue", type=positive_int, default=1000, metavar="N", help="events queued before answering 503"
    )
    watch.add_argument(
        "--coalesce",
        type=float,
        default=0.5,
        metavar="S",
        help="seconds a burst is gathered for, so each resource is read once (0.5)",
    )
    watch.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate (PEM)")
    watch.add_argument("--tls-key", metavar="FILE", help="and this private key (PEM)")
    watch.add_argument(
        "--apply",
        action="store_true",
        help="also reconcile the declared resources the events name, as `apply --target … --auto-approve` "
        "would (its guards, its per-WABA locks); without it, watch only reads and records",
    )
    watch.add_argument(
        "--allow-destroy",
        action="store_true",
        help="with --apply: let it delete what the config says to delete (as `apply --allow-destroy`)",
    )
    notify_option(watch, when="when what Meta's events name no longer matches the config")
