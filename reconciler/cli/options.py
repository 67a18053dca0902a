"""What the parser is made of: argparse that exits 1 on a usage error; options and values shared."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn, Protocol

from reconciler.cli.exit import ExitCode

DEFAULT_CONFIG = "numbers.yaml"


class Commands(Protocol):
    """Where commands are added: what `add_subparsers` returns."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 1: exit 2 means "changes present" for `plan`."""

    commands: Commands | None = None

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.ERROR, f"{self.prog}: error: {message}\n")

    def add_subparsers(self, **kwargs: Any) -> Any:
        """As argparse's, remembered, so that commands can be added to a parser built elsewhere."""
        self.commands = super().add_subparsers(**kwargs)
        return self.commands


def format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format"
    )


def sim_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sim",
        nargs="?",
        const="",
        default=None,
        metavar="WORLD",
        help="run against an in-process Graph API simulator (the bundled demo world, or WORLD); its state "
        "carries over between --sim runs (wabaplan sim reset starts over)",
    )


def notify_option(parser: argparse.ArgumentParser, *, when: str) -> None:
    parser.add_argument(
        "--notify",
        action="append",
        default=[],
        metavar="URL",
        help=f"{when}, send a short summary to this Apprise URL (slack://…, msteams://…, mailto://…, "
        "json://host/path, …), or to the URL(s) in env:NAME or file:PATH, so no token is on the command "
        "line; repeatable; default: env:WABAPLAN_NOTIFY when that is set. Needs wabaplan[notify]. A "
        "failed delivery is a warning: the exit code is the check's",
    )


CONFIG_HELP = "config file, or a directory whose *.yaml files make one estate"


def config_option(parser: argparse.ArgumentParser, *, says: str = CONFIG_HELP) -> None:
    parser.add_argument(
        "-c",
        "--config",
        default=DEFAULT_CONFIG,
        metavar="FILE",
        help=f"{says} (default: {DEFAULT_CONFIG})",
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


DURATION_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def duration(text: str) -> float:
    """`90s`, `30m`, `6h`, `2d` or plain seconds → seconds."""
    raw = text.strip().lower()
    scale = DURATION_UNITS.get(raw[-1:], 0.0) if raw else 0.0
    number = raw[:-1] if scale else raw
    try:
        value = float(number) * (scale or 1.0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a duration like 30m, 6h or 2d (or seconds), not {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text}")
    return value
