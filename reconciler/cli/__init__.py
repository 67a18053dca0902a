"""The `wabaplan` command: argv, environment and exit codes live here and nowhere else.

`main` parses argv (`args`, `parser`), then imports only the module of the command named: `validate`
never loads the simulator, starlette or uvicorn. Exit codes: `exit.ExitCode`.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import threading
from collections.abc import Sequence

from reconciler.cli.args import parse
from reconciler.cli.exit import ExitCode
from reconciler.cli.log import configure_logging
from reconciler.errors import WabaplanError

# command → "module:function", called with the command's frozen args (reconciler.cli.args.ARGS)
COMMANDS = {
    "validate": "reconciler.cli.commands.validate:run",
    "schema": "reconciler.cli.commands.schema:run",
    "plan": "reconciler.cli.commands.plan:run",
    "status": "reconciler.cli.commands.status:run",
    "show": "reconciler.cli.commands.show:run",
    "apply": "reconciler.cli.commands.apply:run",
    "history": "reconciler.cli.commands.history:run",
    "import": "reconciler.cli.commands.import_:run",
    "comment": "reconciler.cli.commands.comment:run",
    "sim serve": "reconciler.cli.sim:serve",
    "sim reset": "reconciler.cli.sim:reset",
    "sim inbox": "reconciler.cli.sim:inbox",
    "sim disable-two-step": "reconciler.cli.sim:disable_two_step",
    "sim approve-pending": "reconciler.cli.sim:approve_pending",
    "sim business-verification": "reconciler.cli.sim:business_verification",
    "state show": "reconciler.cli.commands.state:show",
    "state migrate": "reconciler.cli.commands.state:migrate",
    "state unlock": "reconciler.cli.commands.state:unlock",
    "watch": "reconciler.cli.commands.watch:run",
}


def main(argv: Sequence[str] | None = None) -> int:
    _tolerate_narrow_terminals()
    invocation = parse(argv)
    configure_logging(verbose=invocation.verbose or bool(os.environ.get("WABAPLAN_VERBOSE")))
    module, function = COMMANDS[invocation.command].split(":")
    try:
        run = getattr(importlib.import_module(module), function)
        return int(run(invocation.args))
    except WabaplanError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return ExitCode.ERROR
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        _leave_an_abandoned_prompt()
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.ERROR
    except Exception as exc:  # a bug: say so briefly; the traceback only on request
        if os.environ.get("WABAPLAN_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "this is a bug in wabaplan; rerun with WABAPLAN_DEBUG=1 for the traceback and report it\n"
        )
        return ExitCode.ERROR
    finally:
        gc.unfreeze()  # what a command froze (cli.common.load_valid) is the collector's again


def _tolerate_narrow_terminals() -> None:
    """A terminal (or pipe) whose encoding cannot show ✓ or — gets an escape instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            reconfigure(errors="backslashreplace")


def _leave_an_abandoned_prompt() -> None:
    """Ctrl-C while a question waits for a line: the prompt's thread still holds standard input, and the
    interpreter's shutdown could wait on it for ever. Everything was released on the way out (locks, the
    journal, connections), so end here, without that shutdown."""
    if any(t.name == "wabaplan-prompt" and t.is_alive() for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(ExitCode.INTERRUPTED)
