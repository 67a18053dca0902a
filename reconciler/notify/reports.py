"""A plan (`plan --refresh-only`) or a status report (`status`) → the `Summary` a notification carries.

Pure. `from_plan` is the one place that knows the plan's shape: when the plan's items change (structured
drift, Meta's verdicts), this adaptor changes and nothing else here does.

What needs action in a status report is what a person must do something about at Meta: a WABA that could
not be read or whose review was rejected; a number flagged, restricted or banned, of RED quality, whose
display name was declined or expired, or that has used every register call of Meta's 72 h window; a
template rejected, paused, disabled or of RED quality. Pending reviews, YELLOW quality and numbers not
moved in yet are shown by `status` but are not sent.
"""

from __future__ import annotations

from reconciler.notify.summary import Count, Summary
from reconciler.plan.model import Plan
from reconciler.status import REGISTER_LIMIT, StatusReport

REVIEW_NEEDS_ACTION = frozenset({"REJECTED", "RESTRICTED"})
NUMBER_NEEDS_ACTION = frozenset({"FLAGGED", "RESTRICTED", "BANNED"})
NAME_NEEDS_ACTION = frozenset({"DECLINED", "EXPIRED"})
TEMPLATE_NEEDS_ACTION = frozenset({"REJECTED", "PAUSED", "DISABLED", "LIMIT_EXCEEDED"})
QUALITY_NEEDS_ACTION = frozenset({"RED"})


def from_plan(plan: Plan, *, project: str, job_url: str | None = None) -> Summary:
    """A --refresh-only plan: each difference at Meta, and each declared WABA that could not be read."""
    unreadable = tuple(f"unreadable: {line}" for line in plan.incomplete)
    return Summary(
        source="plan --refresh-only",
        project=project,
        counts=(Count("drift", len(plan.drift)), Count("unreadable WABAs", len(plan.incomplete))),
        items=(*unreadable, *plan.drift),
        graph_url=plan.graph_url,
        simulated=plan.simulated,
        job_url=job_url,
    )


def from_status(report: StatusReport, *, project: str, job_url: str | None = None) -> Summary:
    wabas, templates = _waba_items(report)
    numbers = _number_items(report)
    unreadable = sum(1 for waba in report.wabas if not waba.readable)
    reviews = sum(1 for waba in report.wabas if waba.readable and waba.review_status in REVIEW_NEEDS_ACTION)
    return Summary(
        source="status",
        project=project,
        counts=(
            Count("unreadable WABAs", unreadable),
            Count("WABA reviews", reviews),
            Count("numbers", len(numbers)),
            Count("templates", templates),
        ),
        items=(*wabas, *numbers),
        graph_url=report.graph_url,
        simulated=report.simulated,
        job_url=job_url,
    )


def _waba_items(report: StatusReport) -> tuple[list[str], int]:
    """One line per WABA needing action, and how many templates need it (counted, listed by status)."""
    items, templates = [], 0
    for waba in report.wabas:
        address = f"wabas.{waba.name}"
        if not waba.readable:
            items.append(f"{address}: could not be read ({waba.reason})")
            continue
        if waba.review_status in REVIEW_NEEDS_ACTION:
            items.append(f"{address}: account review {waba.review_status}")
        bad = {s: n for s, n in waba.templates_by_status.items() if s in TEMPLATE_NEEDS_ACTION}
        bad |= {f"quality {q}": n for q, n in waba.templates_by_quality.items() if q in QUALITY_NEEDS_ACTION}
        if bad:
            listed = ", ".join(f"{n} {what}" for what, n in sorted(bad.items()))
            items.append(f"{address}: templates {listed}")
            templates += sum(bad.values())
    return items, templates


def _number_items(report: StatusReport) -> list[str]:
    items = []
    for number in report.numbers:
        wrong = []
        if number.status in NUMBER_NEEDS_ACTION:
            wrong.append(f"status {number.status}")
        if number.quality_rating in QUALITY_NEEDS_ACTION:
            wrong.append(f"quality {number.quality_rating}")
        if number.name_status in NAME_NEEDS_ACTION:
            wrong.append(f"display name {number.verified_name!r} {number.name_status}")
        if number.register_calls_72h >= REGISTER_LIMIT:
            wrong.append(f"all {REGISTER_LIMIT} register calls of Meta's 72 h window used")
        if wrong:
            items.append(f'numbers["{number.e164}"] ({number.waba}): {", ".join(wrong)}')
    return items
