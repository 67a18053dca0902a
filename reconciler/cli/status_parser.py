"""The `status` command's parser."""

from __future__ import annotations

from reconciler.cli.options import Commands, config_option, format_option, notify_option, sim_option


def add_status(commands: Commands) -> None:
    status = commands.add_parser(
        "status",
        help="an inventory of the estate as Meta sees it",
        description="Read every WABA the config names in one batched pass and list, per WABA, its review "
        "and business verification status and its templates by status and quality; per number, its "
        "status, platform, display name status, quality rating, messaging limit tier, throughput, the "
        "register calls wabaplan made in Meta's rolling 72 h (from the journal) and whether wabaplan "
        'manages its two-step PIN. A value Meta does not show is "?". Changes nothing; exit 0, 1 on error.',
    )
    config_option(status)
    format_option(status)
    notify_option(
        status,
        when="when something needs action (a WABA unreadable or its review rejected; a number flagged, "
        "restricted, banned, RED or with its name declined; templates rejected, paused or disabled)",
    )
    sim_option(status)
