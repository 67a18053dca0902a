"""Load a configuration file (or a directory of them) into the desired-state model, collecting every
problem with its place.

read_yaml_file ─▶ YamlSource (data + marks) ─▶ Config.model_validate ─▶ Config
  (a directory: each file read, then estate.merge) └─ every problem ─▶ Diagnostic(file, line, column, …)
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler.config.diagnostics import Diagnostic
from reconciler.config.estate import base_dir, merge, read_estate
from reconciler.config.locate import EstateLocator, FileLocator, Loc, Locator, display
from reconciler.config.model import Config
from reconciler.config.secrets import is_pin, resolve
from reconciler.config.yamlsource import FileUnreadable, Mark, read_yaml_file
from reconciler.errors import ConfigError, SecretError
from reconciler.gcpause import collector_paused

_SENSITIVE = {"pin", "access_token", "verify_token"}
_JPEG, _PNG = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"


@dataclass
class Loaded:
    """What loading produced: the model when valid, and every problem found."""

    path: Path
    config: Config | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # what was read: the file, or a directory's files

    @property
    def ok(self) -> bool:
        return self.config is not None and not self.diagnostics


def load(path: Path, *, check_secrets: bool = False, environ: dict[str, str] | None = None) -> Loaded:
    """Read and validate `path`. Never raises for a bad file: problems come back as diagnostics."""
    with collector_paused():
        return _load(path, check_secrets, environ)


def _load(path: Path, check_secrets: bool, environ: dict[str, str] | None) -> Loaded:
    if path.is_dir():
        return _load_directory(path, check_secrets, environ)
    try:
        source = read_yaml_file(path)
    except FileUnreadable as exc:
        mark = exc.mark or Mark(1, 1)
        return Loaded(path, None, [Diagnostic(str(path), mark.line, mark.column, "", exc.what, exc.fix)])
    locator = FileLocator(source, str(path))
    return _check(path, source.data, locator, [locator], [], check_secrets, environ)


def _load_directory(path: Path, check_secrets: bool, environ: dict[str, str] | None) -> Loaded:
    try:
        files, unreadable = read_estate(path)
    except FileUnreadable as exc:
        return Loaded(path, None, [Diagnostic(str(path), 1, 1, "", exc.what, exc.fix)])
    if unreadable:  # what the other files say would be noise while one of them is missing
        return Loaded(path, None, unreadable, [Path(f.name) for f in files])
    data, owners, twice = merge(files)
    locator = EstateLocator(files, owners)
    return _check(path, data, locator, files, twice, check_secrets, environ)


def _check(
    path: Path,
    data: Any,
    locator: Locator,
    files: list[FileLocator],
    diagnostics: list[Diagnostic],
    check_secrets: bool,
    environ: dict[str, str] | None,
) -> Loaded:
    """The model validated over `data` (one file's, or a directory's merged), every problem placed."""
    for file in files:
        diagnostics += [
            Diagnostic(file.name, p.mark.line, p.mark.column, display(p.path), p.message, p.fix)
            for p in file.source.problems
        ]
    unread = {display(p.path) for file in files for p in file.source.problems if p.unread}
    context: dict[str, Any] = {"diagnostics": []}
    if len(files) > 1:
        context["place_of"] = lambda loc: str(locator.place(loc, prefer_key=True))
    config: Config | None = None
    try:
        config = Config.model_validate(data, context=context)
    except ValidationError as exc:
        found = [_from_pydantic(error, locator) for error in exc.errors(include_url=False)]
        diagnostics += [d for d in found if d.path not in unread]  # a value not read is reported once
    for loc, what, fix in context["diagnostics"]:
        diagnostics.append(Diagnostic(*locator.place(loc, prefer_key=True), display(loc), what, fix))
    locator.kept = context.get("kept_numbers", {})
    base = base_dir(path)
    for file in files:  # even when the rest is wrong
        diagnostics += _check_files(file.source.data, base, file)
    if config is not None and check_secrets:
        diagnostics += _check_secrets(config, base, locator, environ)
    diagnostics.sort(key=lambda d: (d.file, d.line, d.column, d.path))
    read = [Path(file.name) for file in files]
    return Loaded(path, config if not diagnostics else None, _dedupe(diagnostics), read)


def load_or_raise(path: Path) -> Config:
    """The valid model, or a ConfigError whose message lists every problem."""
    loaded = load(path)
    if loaded.config is None:
        raise ConfigError("\n".join(str(d) for d in loaded.diagnostics))
    return loaded.config


def secret_references(config: Config) -> Iterator[tuple[Loc, str, str]]:
    """Every secret reference in `config`: (location, reference, kind)."""
    yield ("connection", "access_token"), config.connection.access_token, "token"
    for name, waba in config.wabas.items():
        if waba.webhooks and waba.webhooks.verify_token:
            yield ("wabas", name, "webhooks", "verify_token"), waba.webhooks.verify_token, "token"
    for number, spec in config.numbers.items():
        if spec.pin:
            yield ("numbers", number, "pin"), spec.pin, "pin"
        if spec.migrate_from and spec.migrate_from.access_token:
            yield ("numbers", number, "migrate_from", "access_token"), spec.migrate_from.access_token, "token"


# ---------------------------------------------------------------- pydantic errors in the user's words


def _from_pydantic(error: Any, locator: Locator) -> Diagnostic:
    loc: Loc = tuple(error["loc"])
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    on_key = bool(loc) and loc[-1] == "[key]"
    if on_key:
        loc = loc[:-1]
    field_name = str(loc[-1]) if loc else ""
    sensitive = field_name in _SENSITIVE
    where = locator.place(loc, prefer_key=on_key or kind in ("extra_forbidden", "missing"))

    if kind == "wabaplan":
        what, fix = ctx["what"], ctx.get("fix", "")
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = get_close_matches(field_name, allowed, n=1, cutoff=0.6)
        what = f"unknown key {field_name!r}"
        fix = f"did you mean {close[0]!r}?" if close else f"allowed here: {', '.join(allowed)}"
    elif kind == "missing":
        what = f"required key {field_name!r} is missing"
        fix = f"add `{field_name}:`" + _describe(loc)
        where = locator.place(loc[:-1], prefer_key=True)
    elif kind in ("literal_error", "enum"):
        choices = _choices(ctx.get("expected", ""))
        what = f"{value!r} is not allowed here"
        close = get_close_matches(str(value), choices, n=1, cutoff=0.5) if isinstance(value, str) else []
        fix = f"did you mean {close[0]!r}?" if close else _one_of(choices)
    elif kind in ("string_too_long", "too_long"):
        unit = "characters" if kind == "string_too_long" else "items"
        size = len(value) if isinstance(value, (str, list, dict)) else "too many"
        what = f"has {size} {unit}; Meta allows at most {ctx.get('max_length')}"
        fix = "shorten it" if unit == "characters" else "remove some"
    elif kind in ("string_too_short", "too_short"):
        unit = "characters" if kind == "string_too_short" else "items"
        what = f"needs at least {ctx.get('min_length')} {unit}"
        fix = "fill it in, or remove the key"
    elif kind == "string_pattern_mismatch":
        what = (
            "does not have the expected form" if sensitive else f"{value!r} does not have the expected form"
        )
        fix = _PATTERN_FIXES.get(field_name, f"it must match {ctx.get('pattern')}")
    elif kind in ("less_than_equal", "less_than", "greater_than_equal", "greater_than"):
        bound = ctx.get("le", ctx.get("lt", ctx.get("ge", ctx.get("gt"))))
        side = "more" if kind.startswith("less") else "less"
        what = f"{value!r} is {side} than allowed here"
        fix = _RANGE_FIXES.get(field_name) or f"use {bound} or {'less' if side == 'more' else 'more'}"
    elif kind in _TYPE_WORDS:
        what = f"expected {_TYPE_WORDS[kind]}, found {_yaml_kind(value)}"
        fraction = kind == "int_type" and isinstance(value, float)  # a strict integer given 1.5, NaN, …
        fix = "write a whole number" if fraction else _TYPE_FIXES.get(kind, "change the value's type")
    else:
        what, fix = error["msg"], ""
    return Diagnostic(*where, display(loc), what, fix)


_RANGE_FIXES = {"code_expiration_minutes": "use a number of minutes from 1 to 90, as Meta allows"}
_TYPE_WORDS = {
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "dict_type": "a mapping of keys",
    "list_type": "a list",
    "tuple_type": "a list",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "finite_number": "a finite number",
}
_TYPE_FIXES = {
    "model_type": "write `key: value` lines indented under it",
    "dict_type": "write `key: value` lines indented under it",
    "list_type": "write items as `- item` lines, or [a, b]",
    "tuple_type": "write items as `- item` lines, or [a, b]",
    "string_type": "quote the value",
    "bool_type": "write true or false",
    "bool_parsing": "write true or false",
    "int_from_float": "write a whole number",
    "finite_number": "write a whole number",
}
_PATTERN_FIXES = {
    "api_version": "write it like v23.0",
    "language": "write a locale like en_US or zh_HK",
}


def _yaml_kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "infinity"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _choices(expected: str) -> list[str]:
    return [part.strip().strip("'") for part in expected.replace(" or ", ", ").split(",") if part.strip()]


def _one_of(choices: list[str]) -> str:
    if len(choices) > 12:
        return (
            f"one of {len(choices)} values, e.g. {', '.join(choices[:6])}… (see schemas/numbers.schema.json)"
        )
    return "one of: " + ", ".join(choices)


def _describe(loc: Loc) -> str:
    model = _model_at(loc[:-1])
    info = model.model_fields.get(str(loc[-1])) if model else None
    if info is None or not info.description:
        return ""
    return " — " + info.description.rstrip(".")


def _allowed_keys(loc: Loc) -> list[str]:
    model = _model_at(loc)
    return list(model.model_fields) if model else []


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc`, walking field annotations from Config."""
    current: Any = Config
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return None
            current = info.annotation
        elif origin is dict:
            current = typing.get_args(current)[1]
        elif origin in (list, tuple):
            current = typing.get_args(current)[0]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            arms = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [a for a in arms if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else arms[0]
        else:
            return annotation


# ---------------------------------------------------------------- checks that need the file system


def _check_files(data: Any, base: Path, locator: FileLocator) -> list[Diagnostic]:
    """Each declared profile picture, as written (so the model need not be valid, and each of a number's
    declarations is checked where it stands)."""
    found = []
    numbers = data.get("numbers") if isinstance(data, dict) else None
    for raw, spec in (numbers if isinstance(numbers, dict) else {}).items():
        profile = spec.get("profile") if isinstance(spec, dict) else None
        picture = profile.get("picture") if isinstance(profile, dict) else None
        if not isinstance(picture, str) or not picture:
            continue
        loc: Loc = ("numbers", raw, "profile", "picture")
        problem = _picture_problem(base / picture)
        if problem:
            found.append(Diagnostic(*locator.place(loc), display(loc), *problem))
    return found


def _picture_problem(path: Path) -> tuple[str, str] | None:
    from reconciler.config.meta import PROFILE_PICTURE_MAX_BYTES

    if not path.is_file():
        return f"picture file {path} does not exist", "fix the path; it is relative to the config file"
    with path.open("rb") as handle:
        head = handle.read(8)
    if not (head.startswith(_JPEG) or head.startswith(_PNG)):
        return f"picture file {path} is not a JPEG or PNG image", "Meta accepts JPEG and PNG profile pictures"
    size = path.stat().st_size
    if size > PROFILE_PICTURE_MAX_BYTES:
        return f"picture file {path} is {size} bytes; Meta allows at most 5 MB", "use a smaller image"
    return None


def _check_secrets(
    config: Config, base: Path, locator: Locator, environ: dict[str, str] | None
) -> list[Diagnostic]:
    found = []
    for loc, reference, kind in secret_references(config):
        if loc[0] == "numbers":  # the declaration the model kept, if the number was written twice
            loc = ("numbers", locator.kept.get(str(loc[1]), loc[1]), *loc[2:])
        try:
            value = resolve(reference, base_dir=base, environ=environ)
        except SecretError as exc:
            what, _, fix = str(exc).rpartition(" (")
            found.append(Diagnostic(*locator.place(loc), display(loc), what, fix.rstrip(")")))
            continue
        if kind == "pin" and not is_pin(value):  # placed only when wrong: a valid file's marks go unread
            found.append(
                Diagnostic(
                    *locator.place(loc),
                    display(loc),
                    f"the PIN behind {reference} is not 6 digits",
                    "a two-step verification PIN is exactly six digits",
                )
            )
    return found


def _dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[Diagnostic] = set()
    return [d for d in diagnostics if not (d in seen or seen.add(d))]  # type: ignore[func-returns-value]
