"""Read a YAML document into plain data plus the line and column of every key and value.

PyYAML's composer gives us nodes with marks; we construct the data ourselves so that duplicate keys are
caught (PyYAML silently keeps the last one) and every path maps back to where it was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is several times faster on large estates
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = str | int
Path_ = tuple[PathKey, ...]


@dataclass(frozen=True)
class Mark:
    """1-based line and column in the source file."""

    line: int
    column: int

    @classmethod
    def of(cls, mark: yaml.Mark | None) -> Mark:
        if mark is None:
            return cls(1, 1)
        return cls(mark.line + 1, mark.column + 1)


@dataclass
class SourceProblem:
    """A problem found while reading the file, before the model sees it."""

    mark: Mark
    path: Path_
    message: str
    fix: str


@dataclass
class YamlSource:
    """The parsed document and where each part of it was written."""

    data: Any
    value_marks: dict[Path_, Mark] = field(default_factory=dict)
    key_marks: dict[Path_, Mark] = field(default_factory=dict)
    collections: set[Path_] = field(default_factory=set)
    problems: list[SourceProblem] = field(default_factory=list)

    def mark_for(self, path: Path_, *, prefer_key: bool = False) -> Mark:
        """The best mark for `path`: the path itself, else its nearest written ancestor.

        A mapping or list is marked at its key (its first item is often on the next line).
        """
        probe = tuple(path)
        while True:
            if prefer_key or probe in self.collections:
                first, second = self.key_marks, self.value_marks
            else:
                first, second = self.value_marks, self.key_marks
            if probe in first:
                return first[probe]
            if probe in second:
                return second[probe]
            if not probe:
                return Mark(1, 1)
            probe = probe[:-1]


class FileUnreadable(Exception):
    """The file cannot be read as a YAML mapping at all; `str(self)` is the one-line reason."""

    def __init__(self, message: str, mark: Mark | None = None) -> None:
        super().__init__(message)
        self.mark = mark


def read_yaml_file(path: Path) -> YamlSource:
    """Read `path`; raise FileUnreadable with a single clear line when it cannot be used at all."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileUnreadable("file not found (check the path, or pass another file with -c)") from None
    except IsADirectoryError:
        raise FileUnreadable("is a directory, not a file (pass the YAML file with -c)") from None
    except OSError as exc:
        raise FileUnreadable(f"cannot be read: {exc.strerror} (check its permissions)") from None
    if b"\x00" in raw:
        raise FileUnreadable("is a binary file, not YAML text (pass the numbers.yaml file with -c)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileUnreadable(
            f"is not UTF-8 text (byte {exc.start} cannot be decoded; save the file as UTF-8)"
        ) from None
    return parse_yaml_text(text)


def parse_yaml_text(text: str) -> YamlSource:
    """Parse YAML text; syntax errors and a non-mapping document raise FileUnreadable."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = Mark.of(exc.problem_mark or exc.context_mark)
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}: {what}" if exc.problem else exc.context
        raise FileUnreadable(f"YAML syntax error: {what} (fix the YAML syntax at this line)", mark) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise FileUnreadable(f"YAML error: {exc}") from None
    if node is None:
        raise FileUnreadable(
            "file is empty (start from examples/numbers.yaml, or write one with `wabaplan import`)"
        )
    if not isinstance(node, yaml.MappingNode):
        kind = {yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}.get(
            type(node), "not a mapping"
        )
        raise FileUnreadable(
            f"the top level is {kind}, but must be a mapping with `wabas:` and `numbers:` "
            "(see examples/numbers.yaml)",
            Mark.of(node.start_mark),
        )
    source = YamlSource(data=None)
    source.data = _Builder(source).build(node, ())
    return source


class _Builder:
    """Turns composed nodes into plain data, recording marks and duplicate keys on the way."""

    def __init__(self, source: YamlSource) -> None:
        self.source = source
        self.constructor = yaml.SafeLoader("")  # only its scalar constructors are used

    def build(self, node: yaml.Node, path: Path_) -> Any:
        source, constructor = self.source, self.constructor
        source.value_marks.setdefault(path, Mark.of(node.start_mark))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            source.collections.add(path)
        if isinstance(node, yaml.MappingNode):
            constructor.flatten_mapping(node)  # resolve `<<: *anchor` merges
            result: dict[Any, Any] = {}
            first_seen: dict[Any, Mark] = {}
            for key_node, value_node in node.value:
                key = self.key(key_node)
                key_mark = Mark.of(key_node.start_mark)
                if key in first_seen:
                    source.problems.append(
                        SourceProblem(
                            key_mark,
                            (*path, key),
                            f"duplicate key {key!r}; it is also set at line {first_seen[key].line}",
                            "keep one of them",
                        )
                    )
                    continue
                first_seen[key] = key_mark
                source.key_marks[(*path, key)] = key_mark
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return constructor.construct_object(node, deep=True)

    def key(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            key = self.constructor.construct_object(node)
            # YAML 1.1 reads `852: …` as an int and `on:` as a bool; keys are names: keep what was written.
            return key if isinstance(key, str) else node.value
        return yaml.serialize(node).strip()
