"""Secret references: `${env:NAME}` and `${file:PATH}`, never literal values.

A reference is checked for shape when the config is validated and resolved only when a command needs
the value. Nothing here ever puts a secret's value into a message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reconciler.errors import SecretError

REFERENCE_PATTERN = r"^\$\{(env|file):([^}\s][^}]*)\}$"
_REFERENCE = re.compile(REFERENCE_PATTERN)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class SecretRef:
    """A parsed reference; `str()` gives back the reference text, never a value."""

    kind: Literal["env", "file"]
    target: str

    def __str__(self) -> str:
        return f"${{{self.kind}:{self.target}}}"


PIN_SHAPE = re.compile(r"[0-9]{6}")  # ASCII digits only: "１２３４５６" is not a PIN Meta takes


def is_pin(value: str) -> bool:
    """Whether a resolved two-step verification PIN has the shape Meta requires."""
    return PIN_SHAPE.fullmatch(value) is not None


def literal_secret_fix(what: str, example_env: str) -> str:
    """How to fix a literal secret, shown next to the error (without the literal itself)."""
    article = "an" if what[:1] in "aeiou" else "a"
    return (
        f"{article} {what} must not be written in the file: use ${{env:{example_env}}} and set {example_env} "
        f"in the environment, or ${{file:secrets/{example_env.lower()}}}"
    )


def parse_reference(text: object) -> SecretRef:
    """Parse `text` as a reference; raise ValueError (without echoing it) if it is not one."""
    if not isinstance(text, str):
        raise ValueError("a literal value is not allowed here")
    match = _REFERENCE.match(text.strip())
    if match is None:
        if text.strip().startswith("${"):
            raise ValueError("malformed secret reference; the forms are ${env:NAME} and ${file:PATH}")
        raise ValueError("a literal value is not allowed here")
    kind, target = match.group(1), match.group(2).strip()
    if kind == "env" and not _ENV_NAME.match(target):
        raise ValueError(
            "environment variable names are letters, digits and underscores, not starting with a digit"
        )
    return SecretRef(kind, target)  # type: ignore[arg-type]


def resolve(reference: str, *, base_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The value behind `reference`. Raises SecretError naming the reference, never the value."""
    ref = parse_reference(reference)
    env = os.environ if environ is None else environ
    if ref.kind == "env":
        value = env.get(ref.target)
        if value is None:
            raise SecretError(f"{ref} is not set (export {ref.target} before running)")
        if not value.strip():
            raise SecretError(f"{ref} is empty (set {ref.target} to the secret's value)")
        return value.strip()
    path = Path(ref.target).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise SecretError(f"{ref}: file {path} does not exist (create it, or fix the path)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"{ref}: file {path} cannot be read ({type(exc).__name__})") from None
    if not value:
        raise SecretError(f"{ref}: file {path} is empty (write the secret into it)")
    return value
