"""The `wabaplan` command: argv, environment and exit codes live here and nowhere else.

Exit codes: 0 success; 1 error or invalid input; 2 changes present (with --detailed-exitcode);
3 stopped waiting for a person or for Meta (resumable).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from reconciler import __version__
from reconciler.errors import WabaplanError

EXIT_OK, EXIT_ERROR = 0, 1
DEFAULT_CONFIG = "numbers.yaml"

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 1: exit 2 means "changes present" for `plan`."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="wabaplan",
        description="Declarative config-as-code for the WhatsApp Business Platform: "
        "validate, plan and apply WABAs, phone numbers, profiles, templates and migrations.",
    )
    parser.add_argument("--version", action="version", version=f"wabaplan {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    validate = commands.add_parser(
        "validate",
        help="check a config file offline (no token needed)",
        description="Check a config file offline: every problem at once, each with file:line:column, "
        "the path, what is wrong and how to fix it. Exit 0 when valid, 1 when not.",
    )
    _config_option(validate)
    validate.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    validate.add_argument(
        "--check-secrets",
        action="store_true",
        help="also resolve every ${env:…}/${file:…} reference and check PINs are 6 digits "
        "(values are never printed)",
    )
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser(
        "schema", help="print a JSON Schema", description="Print a JSON Schema to standard output."
    )
    schema.add_argument("which", nargs="?", choices=_schema_names(), default="config", help="which schema")
    schema.set_defaults(handler=_schema)

    _add_simulator_commands(commands)
    return parser


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        default=DEFAULT_CONFIG,
        metavar="FILE",
        help=f"config file (default: {DEFAULT_CONFIG})",
    )


# ---------------------------------------------------------------- validate


def _validate(args: argparse.Namespace) -> int:
    from reconciler.config import load

    loaded = load(Path(args.config), check_secrets=args.check_secrets)
    out: TextIO = sys.stdout
    if args.format == "json":
        document = {
            "file": args.config,
            "valid": loaded.ok,
            "diagnostics": [d.to_json() for d in loaded.diagnostics],
        }
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        for diagnostic in loaded.diagnostics:
            out.write(f"{diagnostic}\n")
        if loaded.config is not None:
            config = loaded.config
            templates = sum(len(w.templates) for w in config.wabas.values())
            counts = _count(len(config.wabas), "WABA"), _count(len(config.numbers), "number")
            out.write(f"{args.config}: valid — {', '.join(counts)}, {_count(templates, 'template')}\n")
        else:
            out.write(f"{args.config}: {_count(len(loaded.diagnostics), 'problem')}\n")
    return EXIT_OK if loaded.ok else EXIT_ERROR


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- schema


def _schema_names() -> tuple[str, ...]:
    return ("config", "world")


def _schema(args: argparse.Namespace) -> int:
    if args.which == "world":
        from reconciler.simulator.world import world_schema

        text = json.dumps(world_schema(), indent=2, ensure_ascii=False) + "\n"
    else:
        from reconciler.config.schema import config_schema, render

        text = render(config_schema())
    sys.stdout.write(text)
    return EXIT_OK


# ---------------------------------------------------------------- simulator


def _add_simulator_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    try:  # TODO(lead): drop the guard once the simulator lands
        from reconciler.simulator.cli import add_sim_commands
    except ImportError:
        return
    add_sim_commands(commands)


# ---------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except WabaplanError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # a bug: say so briefly; the traceback only on request
        if os.environ.get("WABAPLAN_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "this is a bug in wabaplan; rerun with WABAPLAN_DEBUG=1 for the traceback and report it\n"
        )
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
