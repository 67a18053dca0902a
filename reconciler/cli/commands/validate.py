"""`wabaplan validate`: a config file checked offline, every problem at once."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reconciler.cli.args import ValidateArgs
from reconciler.cli.exit import ExitCode
from reconciler.config import load


def run(args: ValidateArgs) -> int:
    loaded = load(Path(args.config), check_secrets=args.check_secrets)
    out = sys.stdout
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
    return ExitCode.OK if loaded.ok else ExitCode.ERROR


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
