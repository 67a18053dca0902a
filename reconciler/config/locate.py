"""Where a model location was written: the file, line and column a diagnostic points at.

A location is the model's (`("numbers", "+85251234567", "profile", "email")`): a number may be named by its
E.164 form or by its key as written. `FileLocator` answers for one file; `EstateLocator` for a directory's
files merged into one estate, by asking the file that declared the entry (or wrote the top-level key).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from reconciler.config.diagnostics import format_path
from reconciler.config.phone import e164_or_none
from reconciler.config.yamlsource import YamlSource

Loc = tuple[str | int, ...]


class Place(NamedTuple):
    """A file, and the 1-based line and column in it."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Locator(Protocol):
    kept: dict[str, str]  # E.164 → the key as written of the declaration the model validated

    def place(self, loc: Loc, *, prefer_key: bool = False) -> Place: ...


def display(loc: Loc) -> str:
    """The location as a diagnostic shows it: a number by its E.164 form when it is one."""
    if len(loc) >= 2 and loc[0] == "numbers" and isinstance(loc[1], str):
        loc = ("numbers", e164_or_none(loc[1]) or loc[1], *loc[2:])
    return format_path(loc)


class FileLocator:
    """Maps model locations (raw or normalised number keys) to places in one file."""

    def __init__(self, source: YamlSource, name: str) -> None:
        self.source = source
        self.name = name
        self.kept: dict[str, str] = {}
        numbers = source.data.get("numbers") if isinstance(source.data, dict) else None
        self.number_keys: dict[str, str] = {}
        self.written: set[str] = set(numbers) if isinstance(numbers, dict) else set()
        if isinstance(numbers, dict):
            for raw in numbers:
                e164 = e164_or_none(raw)
                if e164 is not None:
                    self.number_keys.setdefault(e164, raw)

    def _raw(self, loc: Loc) -> Loc:
        if len(loc) >= 2 and loc[0] == "numbers" and isinstance(loc[1], str) and loc[1] not in self.written:
            return ("numbers", self.number_keys.get(loc[1], loc[1]), *loc[2:])
        return loc

    def place(self, loc: Loc, *, prefer_key: bool = False) -> Place:
        mark = self.source.mark_for(self._raw(loc), prefer_key=prefer_key)
        return Place(self.name, mark.line, mark.column)


class EstateLocator:
    """Places in several files: an entry (`wabas.NAME`, `numbers.KEY`) or a top-level key is asked of the
    file that wrote it; what no file wrote (a required key missing everywhere) is placed in the first."""

    def __init__(self, files: list[FileLocator], owners: dict[Loc, int]) -> None:
        self.files = files
        self.owners = owners  # (section, key) or (top-level key,) → index in `files`
        self.kept: dict[str, str] = {}

    def place(self, loc: Loc, *, prefer_key: bool = False) -> Place:
        owner = self.owners.get(loc[:2]) if len(loc) >= 2 else None
        if owner is None:
            owner = self.owners.get(loc[:1], 0)
        return self.files[owner].place(loc, prefer_key=prefer_key)
