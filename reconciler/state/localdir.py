"""The local state directory (`WABAPLAN_STATE_DIR`, default `.wabaplan/` beside the config).

    .gitignore      `*`: the directory keeps itself out of git (`git add .` never picks it up)
    estate          this estate's ID (random, not a secret): names its fingerprint key in the user's
                    config directory, and tells estates apart when `state migrate` copies the journal
    journal.db      the local journal (state.sqlite)
    apply.lock      the local lock (state.filelock)
    sim/state.json  the simulated Meta's state between `--sim` runs

The fingerprint key is not here: see state.keys.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from reconciler.state.errors import StateError

GITIGNORE = ".gitignore"
ESTATE_FILE = "estate"


def ensure_dir(path: Path) -> Path:
    """Create the state directory if need be, with a `.gitignore` that keeps all of it out of git."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        ignore = path / GITIGNORE
        if not ignore.exists():
            ignore.write_text("# wabaplan's state: never commit it\n*\n", encoding="utf-8")
    except OSError as exc:
        raise StateError(
            f"the state directory {path} cannot be created or written ({exc.strerror or exc}): "
            "set WABAPLAN_STATE_DIR to a writable directory"
        ) from None
    return path


def estate_id(path: Path, *, create: bool = True) -> str | None:
    """This state directory's estate ID, made on first use (None when absent and not `create`)."""
    file = path / ESTATE_FILE
    try:
        text = file.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"{file} cannot be read ({exc}): restore it from a backup") from None
    if text:
        return text
    if not create:
        return None
    ensure_dir(path)
    new = secrets.token_hex(16)
    try:
        with open(file, "x", encoding="ascii") as out:
            out.write(new + "\n")
            out.flush()
            os.fsync(out.fileno())
    except FileExistsError:  # made meanwhile by another run: theirs stands
        return estate_id(path, create=False)
    except OSError as exc:
        raise StateError(f"{file} cannot be written ({exc.strerror or exc})") from None
    return new
