"""An apply's end, as `apply --format json` reports it: its status and exit code, from what apply returned
or the error that stopped it (reconciler.render.apply_doc draws the document)."""

from __future__ import annotations

import time

from reconciler.apply.run import REFUSALS, Applied
from reconciler.cli.exit import ExitCode
from reconciler.errors import WabaplanError
from reconciler.render.apply_doc import ApplyRun
from reconciler.state.records import Identity

STATUS = {ExitCode.OK: "succeeded", ExitCode.ERROR: "failed", ExitCode.WAITING: "waiting"}


def origin(identity: Identity | None) -> dict[str, str]:
    if identity is None:
        return {}
    return {
        "actor": identity.user,
        "host": identity.host,
        "commit": identity.commit,
        "ci_url": identity.ci_url,
    }


def finished(applied: Applied, *, started: float) -> ApplyRun:
    """An apply that ran to its end: done, failed, waiting on someone, or cancelled at the prompt."""
    code = ExitCode.ERROR if applied.cancelled else ExitCode(applied.exit_code)
    return ApplyRun(
        status="cancelled" if applied.cancelled else STATUS[code],
        exit_code=code,
        started=started,
        ended=time.time(),
        simulated=applied.simulated,
        who=origin(applied.who),
        run_ids=applied.run_ids,
        plan=applied.plan,
        outcomes=applied.report.outcomes if applied.report is not None else (),
        pending=applied.pending,
    )


def stopped(exc: WabaplanError, *, started: float, simulated: bool, who: Identity) -> ApplyRun:
    """An apply an error stopped: `refused` before it began (a lock held, a guard, a stale plan; recorded
    in the history), else `error` (an invalid config, options refused together, Meta unreachable, …)."""
    return ApplyRun(
        status="refused" if isinstance(exc, REFUSALS) else "error",
        exit_code=ExitCode.ERROR,
        started=started,
        ended=time.time(),
        simulated=simulated,
        who=origin(who),
        error=str(exc),
    )
