"""The `state` commands' parsers: show, migrate, unlock."""

from __future__ import annotations

from reconciler.cli.options import Commands, Parser, config_option


def add_state(commands: Commands) -> None:
    state = commands.add_parser(
        "state",
        help="inspect or move what wabaplan remembers (journal, locks)",
        description="What wabaplan remembers between runs: local (the state directory) or shared "
        "(PostgreSQL, WABAPLAN_STATE_URL). docs/state.md explains both.",
    )
    assert isinstance(state, Parser)
    which = state.add_subparsers(dest="state_command", metavar="COMMAND", parser_class=Parser)
    which.required = True
    show = which.add_parser(
        "show",
        help="backend, schema version, held locks, open intents, last runs",
        description="Summarise the state backend: where it is, its schema version, the locks held and by "
        "whom, intents a crash left open, and the last runs. Never shows a secret.",
    )
    config_option(show)
    show.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    migrate = which.add_parser(
        "migrate",
        help="copy the local journal into PostgreSQL",
        description="Copy the local journal (runs, actions, intents, code requests, fingerprints) into "
        "shared state on PostgreSQL. Idempotent; refuses a database holding another estate's history. "
        "WABAPLAN_STATE_KEY must be set: fingerprints made under another key are left behind, and said so.",
    )
    config_option(migrate)
    migrate.add_argument(
        "--to",
        metavar="URL",
        default=None,
        help="postgresql://USER@HOST/DB[?schema=NAME] (default: $WABAPLAN_STATE_URL; a password is "
        "better kept there than on the command line)",
    )
    unlock = which.add_parser(
        "unlock",
        help="forget the lock record of a run that died",
        description="Forget a lock holder's record, as `state show` lists it. Refused while the holder "
        "is alive: locks of a run that died are released by PostgreSQL (or the kernel) at once; this "
        "only clears what it left on record.",
    )
    unlock.add_argument("holder", metavar="ID")
    config_option(unlock)
