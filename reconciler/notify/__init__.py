"""Notifications: a short summary of what needs action, sent through Apprise (Slack, Teams, e-mail, JSON
webhooks and the rest of what Apprise speaks) — only when something needs action.

    summary    pure: `Summary` (counts, the items that need action, the CI job's link) → title and body
    reports    pure: a `Plan` (`plan --refresh-only`) or a `StatusReport` (`status`) → a `Summary`
    verdicts   pure: what `watch` found after Meta's events → a `Summary`
    targets    `--notify` values and WABAPLAN_NOTIFY → targets; references resolved; URLs redacted
    send       `Notifier`: one Apprise object per target; a failure comes back as a value, never raised

Apprise is optional (`pip install 'wabaplan[notify]'`) and imported only when a target is given. A target's
URL carries its service's token, so only its redacted label is ever shown. This package imports nothing
from here on purpose: `watch` uses `summary`, `verdicts` and `send` without the planner behind `reports`.
"""
