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
        self._number_keys: dict[str, str] | None = None  # E.164 → the key as written, when first needed

    @property
    def number_keys(self) -> dict[str, str]:
        if self._number_keys is None:
            self._number_keys = {}
            for raw in self._numbers():
                e164 = e164_or_none(raw)
                if e164 is not None:
                    self._number_keys.setdefault(e164, raw)
        return self._number_keys

    def _numbers(self) -> dict[str, object]:
        numbers = self.source.data.get("numbers") if isinstance(self.source.data, dict) else None
        return numbers if isinstance(numbers, dict) else {}

    def _raw(self, loc: Loc) -> Loc:
        numbered = len(loc) >= 2 and loc[0] == "numbers" and isinstance(loc[1], str)
        if numbered and loc[1] not in self._numbers():
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
