"""Several configuration files, one estate: `-c DIRECTORY`.

Every `*.yaml` and `*.yml` file directly in the directory (not in its subdirectories, not a hidden
`.name.yaml`) is read, in the order of their names, and merged into one document before the model sees it:

- `wabas:` and `numbers:` entries are gathered from every file; each WABA and each number (by its E.164
  form, however it is written) is declared in one file. A second declaration is a diagnostic at the second
  place that names the first (`hk.yaml:3:3`).
- `connection:` (and any other top-level key) is written in one file only; `version:` may be written in
  every file, the same in each. `x-` keys hold a file's own YAML anchors and stay in their file.
- Limits: each file within the single file's limits (reconciler.config.yamlsource), and the files
  together within MAX_ESTATE_BYTES and MAX_ESTATE_VALUES; at most MAX_FILES files.

Paths in the files (`${file:…}` secrets, profile pictures) are relative to the directory, as they are to a
single file's own directory; the state directory (`.wabaplan/`) lives inside it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from reconciler.boundedio import describe_size
from reconciler.config.diagnostics import Diagnostic
from reconciler.config.locate import FileLocator, Loc, Place, display
from reconciler.config.phone import e164_or_none
from reconciler.config.yamlsource import MAX_FILE_BYTES, MAX_VALUES, FileUnreadable, read_yaml_file

SUFFIXES = (".yaml", ".yml")
MAX_FILES = 1_000
MAX_ESTATE_BYTES = 4 * MAX_FILE_BYTES  # 64 MiB: four files at the single file's limit
MAX_ESTATE_VALUES = 4 * MAX_VALUES
_SECTIONS = ("wabas", "numbers")
_SPLIT_FIX = "start from examples/numbers.yaml, or pass a single file with -c"


def base_dir(path: Path) -> Path:
    """The directory relative paths in the config start from: the directory itself, or the file's."""
    return path if path.is_dir() else path.parent


def config_files(directory: Path) -> list[Path]:
    """The directory's configuration files in the order they are read; FileUnreadable when there are none
    (or more than MAX_FILES, or the directory cannot be listed)."""
    names: list[str] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.endswith(SUFFIXES) and not entry.name.startswith(".") and not entry.is_dir():
                    names.append(entry.name)
                    if len(names) > MAX_FILES:
                        raise FileUnreadable(
                            f"the directory holds more than {MAX_FILES:,} YAML files, the most wabaplan "
                            "reads as one estate",
                            "check the path, or merge some of the files",
                        )
    except OSError as exc:
        raise FileUnreadable(
            f"cannot be listed: {exc.strerror}", "check the path and its permissions"
        ) from None
    if not names:
        raise FileUnreadable("the directory holds no *.yaml or *.yml file", _SPLIT_FIX)
    return [directory / name for name in sorted(names)]


def digest(directory: Path) -> str:
    """A checksum of the estate: each file's name and bytes, in reading order."""
    total = hashlib.sha256()
    for path in config_files(directory):
        total.update(f"{path.name}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return "sha256:" + total.hexdigest()


def read_estate(directory: Path) -> tuple[list[FileLocator], list[Diagnostic]]:
    """Each file read, within its own limits and what the files before it left of the estate's."""
    read: list[FileLocator] = []
    problems: list[Diagnostic] = []
    size = values = 0
    for path in config_files(directory):
        limit = min(MAX_FILE_BYTES, MAX_ESTATE_BYTES - size)
        over = _too_large() if limit < MAX_FILE_BYTES else None
        try:
            source = read_yaml_file(path, limit=limit, too_large=over)
        except FileUnreadable as exc:
            problems.append(Diagnostic(str(path), *(exc.mark or (1, 1)), "", exc.what, exc.fix))
            if exc is over:
                break
            continue
        size, values = size + source.size, values + source.values
        if values > MAX_ESTATE_VALUES:
            problems.append(Diagnostic(str(path), 1, 1, "", *_too_many()))
            break
        read.append(FileLocator(source, str(path)))
    return read, problems


def _too_large() -> FileUnreadable:
    return FileUnreadable(
        f"the directory's files hold more than {describe_size(MAX_ESTATE_BYTES)} together, the most "
        "wabaplan reads of one estate",
        "check that the directory holds only configuration files",
    )


def _too_many() -> tuple[str, str]:
    return (
        f"the directory's files hold more than {MAX_ESTATE_VALUES:,} keys and values together, the most "
        "wabaplan reads of one estate",
        "check that the directory holds only configuration files",
    )


# ---------------------------------------------------------------- one document from several


def merge(files: list[FileLocator]) -> tuple[dict[str, Any], dict[Loc, int], list[Diagnostic]]:
    """The files' documents as one, who wrote what (`(section, key)` or `(key,)` → file index), and every
    declaration made twice."""
    data: dict[str, Any] = {}
    owners: dict[Loc, int] = {}
    problems: list[Diagnostic] = []
    for index, file in enumerate(files):
        for key, value in file.source.data.items():
            if key.startswith("x-"):
                continue  # the file's own anchors
            if key in _SECTIONS:
                problems += _merge_section(files, index, key, value, data, owners)
            else:
                problems += _merge_setting(files, index, key, value, data, owners)
    return data, owners, problems


def _merge_section(
    files: list[FileLocator], index: int, key: str, value: Any, data: dict[str, Any], owners: dict[Loc, int]
) -> list[Diagnostic]:
    if not isinstance(value, dict):
        return [_at(files[index].place((key,)), (key,), *_not_a_mapping(value))]
    owners.setdefault((key,), index)
    section = data.setdefault(key, {})
    problems = []
    for entry, body in value.items():
        ident = (e164_or_none(entry) if key == "numbers" else None) or entry
        first = owners.get((key, ident))
        if first is not None and first != index:  # twice in one file: the model says so
            there = files[first].place((key, ident), prefer_key=True)
            noun = "number" if key == "numbers" else "WABA"
            what = f"{noun} {ident!r} is already declared at {there}"
            fix = f"declare each {noun} in one file of the directory: remove this entry or that one"
            problems.append(_at(files[index].place((key, entry), prefer_key=True), (key, entry), what, fix))
            continue
        section[entry] = body
        owners[(key, entry)] = owners[(key, ident)] = index
    return problems


def _merge_setting(
    files: list[FileLocator], index: int, key: str, value: Any, data: dict[str, Any], owners: dict[Loc, int]
) -> list[Diagnostic]:
    first = owners.get((key,))
    if first is None:
        data[key], owners[(key,)] = value, index
        return []
    if key == "version" and value == data[key]:
        return []
    there = files[first].place((key,), prefer_key=True)
    if key == "version":
        what = f"version {value!r} differs from version {data[key]!r} at {there}"
        fix = "write the same `version:` in every file of the directory"
    else:
        what = f"`{key}:` is already written at {there}; the directory's files make one estate"
        fix = f"keep `{key}:` in one file of the directory and remove it here"
    return [_at(files[index].place((key,), prefer_key=True), (key,), what, fix)]


def _not_a_mapping(value: Any) -> tuple[str, str]:
    kind = "nothing (null)" if value is None else "a list" if isinstance(value, list) else "a single value"
    return f"expected a mapping of keys, found {kind}", "write `key: value` lines indented under it"


def _at(place: Place, loc: Loc, what: str, fix: str) -> Diagnostic:
    return Diagnostic(*place, display(loc), what, fix)
