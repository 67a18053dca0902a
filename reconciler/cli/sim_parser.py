"""The `sim` commands' parsers: `sim serve` from the simulator, then the commands on the simulated Meta that
--sim runs share. Imported by the parser only when argv may name `sim`: the simulator brings starlette and
uvicorn.
"""

from __future__ import annotations

import argparse
from typing import Any

from reconciler.cli.options import Commands, Parser, config_option
from reconciler.simulator.cli import add_sim_commands


def add_sim(commands: Commands) -> None:
    """`sim serve` from the simulator, then the commands on the simulated Meta that --sim runs share."""
    parsers = _Recorded(commands)
    add_sim_commands(parsers)
    sim_commands = parsers.added["sim"].commands
    assert sim_commands is not None, "the simulator's `sim` has its own commands"
    reset = sim_commands.add_parser(
        "reset",
        help="forget the simulated Meta's state kept between --sim runs",
        description="Remove the simulator state that --sim runs share (in the state directory), so the next "
        "--sim run starts again from its world file.",
    )
    config_option(reset)
    inbox = sim_commands.add_parser(
        "inbox",
        help="read the one-time code the simulator 'sent' to a number",
        description="Print the last one-time code sent to NUMBER in the simulated Meta --sim runs share.",
    )
    inbox.add_argument("number", metavar="NUMBER")
    _sim_state_options(inbox)
    two_step = sim_commands.add_parser(
        "disable-two-step",
        help="turn off a number's two-step verification, as its owner would in WhatsApp Manager",
        description="What the source WABA's owner does in WhatsApp Manager before a number can move "
        "(there is no API for it), done in the simulated Meta that --sim runs share.",
    )
    two_step.add_argument("number", metavar="NUMBER")
    _sim_state_options(two_step)
    approve = sim_commands.add_parser(
        "approve-pending",
        help="approve every display name and template waiting for review",
        description="Play Meta's reviewer in the simulated Meta that --sim runs share: approve every pending "
        "display name and message template.",
    )
    _sim_state_options(approve)
    verification = sim_commands.add_parser(
        "business-verification",
        help="set a business's verification status, as Meta's verification team would",
        description="Play Meta's business verification in the simulated Meta that --sim runs share: the "
        "business's verification_status becomes STATUS (e.g. pending after a move, verified once done).",
    )
    verification.add_argument(
        "status", metavar="STATUS", help="Meta's lower-case status: verified, pending, …"
    )
    verification.add_argument(
        "--business", metavar="ID", default="", help="the business (default: the world's only business)"
    )
    _sim_state_options(verification)


class _Recorded:
    """Commands, remembering the parsers added (the simulator adds `sim` and keeps it to itself)."""

    def __init__(self, commands: Commands) -> None:
        self._commands = commands
        self.added: dict[str, Parser] = {}

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser = self._commands.add_parser(name, **kwargs)
        assert isinstance(parser, Parser)
        self.added[name] = parser
        return parser


def _sim_state_options(parser: argparse.ArgumentParser) -> None:
    config_option(parser)
    parser.add_argument(
        "--world", metavar="FILE", default="", help="the world the --sim runs used (default: demo)"
    )
