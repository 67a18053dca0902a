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
            text += '["' + _escape(part) + '"]'
    return text


def _escape(part: str) -> str:
    """Backslash, quote and the unprintable escaped: a key in a hostile file cannot drive a terminal."""
    if part.isprintable() and '"' not in part and "\\" not in part:
        return part
    return "".join(
        "\\" + char
        if char in '"\\'
        else char
        if char.isprintable()
        else char.encode("unicode_escape").decode("ascii")
        for char in part
    )


def shorten(text: str, limit: int) -> str:
    """`text`, its middle cut to keep it under `limit` characters (a 16 MB key still makes one line)."""
    if len(text) <= limit:
        return text
    keep = (limit - 1) // 2
    return text[:keep] + "…" + text[-keep:]


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    path: str  # formatted with format_path; "" for the file as a whole
    message: str
    fix: str

    def __post_init__(self) -> None:
        for name, limit in (("path", 300), ("message", 600), ("fix", 300)):
            object.__setattr__(self, name, shorten(getattr(self, name), limit))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: "
        what = f"{self.path}: {self.message}" if self.path else self.message
        return f"{where}{what} ({self.fix})" if self.fix else f"{where}{what}"

    def to_json(self) -> dict[str, Any]:
        return {"severity": "error", **asdict(self)}
