"""`wabaplan schema`: the JSON Schema of the config, of saved plans, of `apply --format json`, of
`status --format json` or of simulator worlds."""

from __future__ import annotations

import sys
from importlib import resources

from reconciler.cli.args import SchemaArgs
from reconciler.cli.exit import ExitCode
from reconciler.config.schema import config_schema, render
from reconciler.plan.saved import plan_schema_text


def run(args: SchemaArgs) -> int:
    if args.which == "plan":
        text = plan_schema_text()
    elif args.which in ("status", "apply"):  # schemas/<which>.schema.json is a copy
        text = (resources.files("reconciler") / "data" / f"{args.which}.schema.json").read_text("utf-8")
    elif args.which == "world":
        from reconciler.simulator.schema import render_world_schema  # only here: the simulator is heavy

        text = render_world_schema()
    else:
        text = render(config_schema())
    sys.stdout.write(text)
    return ExitCode.OK
