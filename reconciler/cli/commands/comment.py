"""`wabaplan comment`: a saved plan as the one comment of its project on the pull request, kept up to date."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from reconciler.cli.args import CommentArgs
from reconciler.cli.common import project_of
from reconciler.cli.exit import ExitCode
from reconciler.cli.refusals import refuse_blank_project, refuse_details_url
from reconciler.gitops.ci import locate
from reconciler.gitops.comment import LIMITS, comment_body, marker
from reconciler.gitops.connect import connect
from reconciler.gitops.forge import upsert
from reconciler.plan.saved import load_saved_plan


def run(args: CommentArgs) -> int:
    refuse_blank_project(args.project)
    refuse_details_url(args.details_url)
    document = load_saved_plan(Path(args.plan_file)).document
    where = locate(os.environ, forge=args.forge, repo=args.repo, number=args.pr)
    project = args.project.strip() if args.project else project_of(args.config)
    body = comment_body(
        document, project=project, forge=where.forge, plan_file=args.plan_file, details_url=args.details_url
    )
    with connect(where) as forge:
        posted = upsert(forge, marker(project), body)
    address = f": {posted.comment.url}" if posted.comment.url else f" (comment {posted.comment.id})"
    said = {"created": "created", "updated": "updated", "unchanged": "left unchanged"}[posted.did]
    sys.stdout.write(
        f"{said} the plan comment of {project} on {forge.where}{address}; "
        f"{len(body):,} of the {LIMITS[where.forge]:,} characters {forge.name} allows\n"
    )
    return ExitCode.OK
