"""`wabaplan validate`: a config file (or directory of them) checked offline, every problem at once.

Formats: text (one line per problem, then a summary), json, github (workflow annotations, which GitHub
shows on the pull request's diff, then the summary) and gitlab (a Code Quality report on standard output,
nothing else there: the summary goes to standard error).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from reconciler.cli.args import ValidateArgs
from reconciler.cli.exit import ExitCode
from reconciler.config import Loaded, load
from reconciler.config.annotations import github_annotations, gitlab_code_quality


def run(args: ValidateArgs) -> int:
    loaded = load(Path(args.config), check_secrets=args.check_secrets)
    out = sys.stdout
    if args.format == "json":
        document = {
            "file": args.config,
            "valid": loaded.ok,
            "diagnostics": [d.to_json() for d in loaded.diagnostics],
        }
        if loaded.path.is_dir():  # a config directory: the files read, in order
            document["files"] = [str(path) for path in loaded.files]
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    elif args.format == "gitlab":
        out.write(gitlab_code_quality(loaded.diagnostics, root=os.environ.get("CI_PROJECT_DIR", "")))
        sys.stderr.write(_summary(loaded, args.config))
    else:
        if args.format == "github":
            out.write(github_annotations(loaded.diagnostics, root=os.environ.get("GITHUB_WORKSPACE", "")))
        else:
            out.writelines(f"{diagnostic}\n" for diagnostic in loaded.diagnostics)
        out.write(_summary(loaded, args.config))
    return ExitCode.OK if loaded.ok else ExitCode.ERROR


def _summary(loaded: Loaded, name: str) -> str:
    if loaded.path.is_dir():  # `estate (3 files)`: what the directory held
        name = f"{name} ({_count(len(loaded.files), 'file')})"
    if loaded.config is None:
        return f"{name}: {_count(len(loaded.diagnostics), 'problem')}\n"
    config = loaded.config
    templates = sum(len(w.templates) for w in config.wabas.values())
    counts = _count(len(config.wabas), "WABA"), _count(len(config.numbers), "number")
    return f"{name}: valid — {', '.join(counts)}, {_count(templates, 'template')}\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
