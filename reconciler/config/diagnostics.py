"""One problem in a configuration file: where it is, what is wrong, how to fix it."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def format_path(path: tuple[str | int, ...]) -> str:
    """`("numbers", "+85251234567", "profile", "email")` → `numbers["+85251234567"].profile.email`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}" if text else part
        else:
            text += '["' + part.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return text


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    path: str  # formatted with format_path; "" for the file as a whole
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: "
        what = f"{self.path}: {self.message}" if self.path else self.message
        return f"{where}{what} ({self.fix})" if self.fix else f"{where}{what}"

    def to_json(self) -> dict[str, Any]:
        return {"severity": "error", **asdict(self)}
