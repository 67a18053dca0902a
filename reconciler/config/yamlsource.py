"""Read a YAML document into plain data plus the line and column of every key and value.

The file comes from a pull request, so it is read as hostile. We build the data ourselves from the
parser's events (libyaml's when PyYAML has it) rather than with PyYAML's composer and constructor, so that

- duplicate keys are caught (PyYAML silently keeps the last one) and every path maps back to where it
  was written; a key that overrides one merged in with `<<: *anchor` is an override, not a duplicate;
- the bytes read, the nesting depth and the number of keys and values after aliases expand are bounded
  (the limits below), so a "billion laughs" alias bomb, a `[[[[…` pit or `-c /dev/zero` stops at the
  line that crosses the limit, before memory or the stack runs out;
- a tag wabaplan does not read (`!secret`, `!!python/object:…`) and a value its type cannot hold are
  problems at their line, never an object built or an exception raised;
- a syntax error points where a person would look: the quote or bracket left open, the key without its
  colon, the line and column of a byte that is not UTF-8.
"""

from __future__ import annotations

import codecs
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.constructor import SafeConstructor

from reconciler.boundedio import describe_size, read_bounded
from reconciler.errors import InputTooLarge

try:  # the C parser is several times faster on large estates
    from yaml import CSafeLoader as _Loader

    _PURE_PYTHON = False
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

    _PURE_PYTHON = True

# Limits on what one configuration file may make wabaplan do. bench/estate.py's 10,000 numbers over 1,000
# WABAs is a 2 MB file of about 200,000 keys and values, at most 7 levels deep: each limit leaves room for
# several times that, and stops a hostile file long before memory or the stack runs short.
MAX_FILE_BYTES = 16 * 1024 * 1024  # bytes read; one more and the file is refused unread
MAX_VALUES = 1_000_000  # keys and values, counting each alias as many as it stands for
MAX_DEPTH = 64  # mappings and lists nested in one another (a configuration nests about 7)
MAX_NUMBER_LENGTH = 100  # characters of an unquoted whole number (an ID is under 20)

PathKey = str | int
Path_ = tuple[PathKey, ...]

_STANDARD = "tag:yaml.org,2002:"
_STR, _INT, _MAP, _SEQ, _MERGE = (_STANDARD + t for t in ("str", "int", "map", "seq", "merge"))
_SCALAR_KINDS = {
    _STANDARD + "null": "null",
    _STANDARD + "bool": "true or false",
    _INT: "a whole number",
    _STANDARD + "float": "a number",
    _STANDARD + "timestamp": "a date",
    _STR: "text",
}
_EMPTY_FIX = "start from examples/numbers.yaml, or write one with `wabaplan import`"
_UNKNOWN_TAG_FIX = (
    "remove the tag: wabaplan reads plain YAML values and builds nothing else; "
    "a secret is written as ${env:NAME} or ${file:PATH}"
)


class Mark(NamedTuple):
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
    unread: bool = False  # the value at `path` could not be read as written: the model's view of it is moot


_KEY, _VALUE, _COLLECTION, _ALIAS = 0, 1, 2, 3
_COLUMN_BITS = 25  # a 16 MiB file has fewer characters in a line than 2**25


class _Log:
    """The marks logged while reading, in order: a path, where it was written (the 0-based line and column
    packed in one integer) and what was written there (key, value, collection), or for an alias the path of
    its anchor. Three flat arrays rather than a tuple and a parser mark object per node: a 10,000-number
    file logs 315,000 of them, 58 MB as tuples, 11 MB like this."""

    __slots__ = ("anchors", "kinds", "paths", "spots")

    def __init__(self) -> None:
        self.paths: list[Path_] = []
        self.spots = array("q")
        self.kinds = bytearray()
        self.anchors: dict[int, Path_] = {}  # an alias's entry → its anchor's path

    def __bool__(self) -> bool:
        return bool(self.paths)

    def add(self, path: Path_, mark: Any, kind: int) -> None:
        """`mark`: the parser's own (0-based), or a Mark (1-based)."""
        if type(mark) is Mark:
            self.spots.append((mark.line - 1) << _COLUMN_BITS | (mark.column - 1))
        else:
            self.spots.append(mark.line << _COLUMN_BITS | mark.column)
        self.paths.append(path)
        self.kinds.append(kind)

    def alias(self, path: Path_, anchor: Path_) -> None:
        self.anchors[len(self.paths)] = anchor
        self.paths.append(path)
        self.spots.append(0)
        self.kinds.append(_ALIAS)

    def extend(self, other: _Log) -> None:
        offset = len(self.paths)
        self.anchors.update({offset + n: anchor for n, anchor in other.anchors.items()})
        self.paths += other.paths
        self.spots.extend(other.spots)
        self.kinds += other.kinds

    def __iter__(self) -> Iterator[tuple[Path_, Any, int]]:
        """(path, Mark, kind), or (path, anchor path, _ALIAS)."""
        low = (1 << _COLUMN_BITS) - 1
        for n, (path, spot, kind) in enumerate(zip(self.paths, self.spots, self.kinds, strict=True)):
            if kind == _ALIAS:
                yield path, self.anchors[n], kind
            else:
                yield path, Mark((spot >> _COLUMN_BITS) + 1, (spot & low) + 1), kind


@dataclass
class YamlSource:
    """The parsed document and where each part of it was written."""

    data: Any
    value_marks: dict[Path_, Mark] = field(default_factory=dict)
    key_marks: dict[Path_, Mark] = field(default_factory=dict)
    collections: set[Path_] = field(default_factory=set)
    problems: list[SourceProblem] = field(default_factory=list)
    aliases: dict[Path_, list[Path_]] = field(default_factory=dict)  # where an alias is → its anchor's path
    values: int = 0  # keys and values read, each alias counted as many as it stands for
    depth: int = 0  # the deepest nesting of mappings and lists, aliases expanded
    size: int = 0  # bytes read from the file
    entries: _Log = field(default_factory=_Log, repr=False)  # marks as logged, not yet indexed
    text: str | None = field(default=None, repr=False)  # the text, while its marks are not yet logged

    def index(self) -> None:
        """Turn the logged marks into the dictionaries above, the first entry for a path winning.

        Done when a mark is first asked for: a valid file needs none, and skips the work. The marks are
        not even logged until then: the text is read a second time, logging them (logging costs a fifth of
        a read's time, and two fifths of the memory it keeps: 18 of 43 MB for bench's 10,000 numbers).
        """
        if self.text is not None:
            self.entries.extend(_marks_of(self.text))
            self.text = None
        entries, self.entries = self.entries, _Log()
        key_marks, value_marks, aliases = self.key_marks, self.value_marks, self.aliases
        for path, mark, kind in entries:
            if kind == _KEY:
                key_marks.setdefault(path, mark)
            elif kind == _ALIAS:
                targets = aliases.setdefault(path, [])
                if mark not in targets:
                    targets.append(mark)
            else:
                value_marks.setdefault(path, mark)
                if kind == _COLLECTION:
                    self.collections.add(path)

    def mark_for(self, path: Path_, *, prefer_key: bool = False) -> Mark:
        """The best mark for `path`: the path itself, else its nearest written ancestor.

        A mapping or list is marked at its key (its first item is often on the next line). What lies
        under an alias (or came in through a `<<` merge) is marked where its anchor wrote it.
        """
        if self.entries or self.text is not None:
            self.index()
        probe = tuple(path)
        while True:
            found = self._written(probe, prefer_key, set())
            if found is not None:
                return found
            if not probe:
                return Mark(1, 1)
            probe = probe[:-1]

    def _written(self, path: Path_, prefer_key: bool, seen: set[Path_]) -> Mark | None:
        if path in seen:  # each path is looked up once, however the aliases cross
            return None
        seen.add(path)
        if prefer_key or path in self.collections:
            first, second = self.key_marks, self.value_marks
        else:
            first, second = self.value_marks, self.key_marks
        if path in first:
            return first[path]
        if path in second:
            return second[path]
        for cut in range(len(path) - 1, -1, -1):  # the nearest alias above `path`, if any
            targets = self.aliases.get(path[:cut])
            if targets:
                for target in targets:
                    found = self._written((*target, *path[cut:]), prefer_key, seen)
                    if found is not None:
                        return found
                return None
        return None


class FileUnreadable(Exception):
    """The file cannot be read as a YAML mapping at all: what is wrong, how to fix it, and where."""

    def __init__(self, what: str, fix: str, mark: Mark | None = None) -> None:
        super().__init__(f"{what} ({fix})")
        self.what = what
        self.fix = fix
        self.mark = mark


def read_yaml_file(
    path: Path, *, limit: int = MAX_FILE_BYTES, too_large: FileUnreadable | None = None
) -> YamlSource:
    """Read `path`; raise FileUnreadable with a single clear line when it cannot be used at all.

    `limit` and `too_large`: a smaller budget and its own words (what a directory's files have left).
    """
    try:
        raw = read_bounded(path, limit)
    except InputTooLarge:
        raise too_large or FileUnreadable(
            f"file is larger than {describe_size(MAX_FILE_BYTES)}, the most wabaplan reads of a config",
            "check the path (a device or a pipe that never ends is not a configuration); "
            "an estate this large can be split into several files",
        ) from None
    except FileNotFoundError:
        raise FileUnreadable("file not found", "check the path, or pass another file with -c") from None
    except IsADirectoryError:
        raise FileUnreadable("is a directory, not a file", "pass the YAML file with -c") from None
    except OSError as exc:
        raise FileUnreadable(
            f"cannot be read: {exc.strerror}", "check the path and its permissions"
        ) from None
    source = parse_yaml_text(decode(raw))
    source.size = len(raw)
    return source


# ---------------------------------------------------------------- bytes to text


_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 (big-endian)"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 (big-endian)"),
)
# Without a mark, YAML tells the encodings apart by the zero bytes around the first character.
_ZEROS = (
    (lambda h: len(h) == 4 and h[:3] == b"\0\0\0" and h[3], "utf-32-be", "UTF-32 (big-endian)"),
    (lambda h: len(h) == 4 and h[0] and h[1:] == b"\0\0\0", "utf-32-le", "UTF-32 (little-endian)"),
    (lambda h: len(h) >= 2 and h[0] == 0 and h[1], "utf-16-be", "UTF-16 (big-endian)"),
    (lambda h: len(h) >= 2 and h[0] and h[1] == 0, "utf-16-le", "UTF-16 (little-endian)"),
)


def decode(raw: bytes) -> str:
    """The text of a UTF-8 file (a byte order mark is allowed), or FileUnreadable at the first bad byte.

    A file in another Unicode encoding is named (when it reads whole in that encoding), so the fix is clear.
    """
    for bom, codec, encoding in _BOMS:
        if raw.startswith(bom) and _reads_as(raw[len(bom) :], codec):
            raise FileUnreadable(
                f"is {encoding} text with a byte order mark, not UTF-8", "save the file as UTF-8"
            )
    for zeros, codec, encoding in _ZEROS:
        if zeros(raw[:4]) and _reads_as(raw, codec):
            raise FileUnreadable(
                f"looks like {encoding} text without a byte order mark, not UTF-8", "save the file as UTF-8"
            )
    body = raw.removeprefix(codecs.BOM_UTF8)
    nul = body.find(b"\0")
    if nul >= 0:
        raise FileUnreadable(
            "contains a NUL byte: this is a binary file, not YAML text",
            "pass the YAML configuration with -c, or remove the byte",
            _byte_mark(body, nul),
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = body[exc.start]
        guess = ""
        try:
            raw.decode("cp1252")
            guess = "; it looks like Windows-1252 or Latin-1 text"
        except UnicodeDecodeError:
            pass
        raise FileUnreadable(
            f"is not UTF-8 text: byte 0x{byte:02X} cannot be decoded{guess}",
            "save the file as UTF-8",
            _byte_mark(body, exc.start),
        ) from None


def _reads_as(raw: bytes, codec: str) -> bool:
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _byte_mark(body: bytes, offset: int) -> Mark:
    """Line and column (in characters) of byte `offset`; the bytes before it are valid UTF-8."""
    start = body.rfind(b"\n", 0, offset) + 1
    before = body[start:offset].decode("utf-8", errors="replace")
    return Mark(body.count(b"\n", 0, offset) + 1, len(before) + 1)


# ---------------------------------------------------------------- text to data


def parse_yaml_text(text: str) -> YamlSource:
    """Parse YAML text; syntax errors, a limit crossed and a non-mapping document raise FileUnreadable."""
    source = YamlSource(data=None)
    builder = _Builder(text, source, marking=False)
    try:
        data = builder.document()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text) from None
    finally:
        builder.close()
    source.text = text  # its marks are logged when one is first asked for
    if data is None and not source.problems:  # nothing but comments, `---` or `~`
        raise FileUnreadable("file is empty", _EMPTY_FIX)
    if not isinstance(data, dict):
        source.index()
        kind = "a list" if isinstance(data, list) else "a single value"
        raise FileUnreadable(
            f"the top level is {kind}, but must be a mapping with `wabas:` and `numbers:`",
            "see examples/numbers.yaml",
            source.value_marks.get((), Mark(1, 1)),
        )
    source.data = data
    source.values, source.depth = builder.count, builder.deepest
    return source


def _marks_of(text: str) -> _Log:
    """The marks of text that `parse_yaml_text` has read once already (so it reads the same again)."""
    builder = _Builder(text, YamlSource(data=None), marking=True)
    try:
        builder.document()
    finally:
        builder.close()
    return builder.entries


@dataclass
class _Anchor:
    """An anchored node as read: its data, where it was read, and what repeating it costs."""

    data: Any
    path: Path_
    size: int  # keys and values in it, aliases expanded
    height: int  # levels of nesting in it


class _Builder:
    """Builds plain data from parser events, counting values and refusing what it must; `marking`, it also
    logs where each key and value was written.

    Marks are logged as (path, mark, kind) entries, which YamlSource turns into its dictionaries when a
    mark is first asked for, the first entry for a path winning, so the entries of a `<<` merge are logged
    after the mapping's own keys, which therefore win. An alias costs the values it stands for, but its
    marks are not copied: it is logged as a pointer to its anchor's path, which `YamlSource.mark_for`
    follows.

    The loops over a mapping's keys and a list's items read the usual value (text without an anchor or a
    tag, which needs no resolving) themselves, one parser event at a time; anything else goes through
    `node_at`.
    """

    def __init__(self, text: str, source: YamlSource, *, marking: bool = True) -> None:
        self.events = _Loader(text)
        self.source = source
        self.marking = marking
        self.entries = _Log()
        self.anchors: dict[str, _Anchor | None] = {}  # None while the anchored node is being read
        self.count = 0
        self.depth = 0
        self.deepest = 0
        self.constructor = SafeConstructor()

    def close(self) -> None:
        self.events.dispose()

    def document(self) -> Any:
        events = self.events
        events.get_event()  # stream start
        if events.check_event(yaml.StreamEndEvent):
            raise FileUnreadable("file is empty", _EMPTY_FIX)
        events.get_event()  # document start
        data = self.node(())
        events.get_event()  # document end
        if not events.check_event(yaml.StreamEndEvent):
            raise FileUnreadable(
                "a second YAML document starts here; a configuration is one document",
                "remove this `---` and what follows it, or merge the two",
                Mark.of(events.peek_event().start_mark),
            )
        return data

    def problem(self, mark: Mark, path: Path_, message: str, fix: str, *, unread: bool = True) -> None:
        self.source.problems.append(SourceProblem(mark, path, message, fix, unread))

    # ------------------------------------------------------------ nodes

    def node(self, path: Path_) -> Any:
        return self.node_at(self.events.get_event(), path)

    def node_at(self, event: Any, path: Path_) -> Any:
        """The node that `event` (just read) starts."""
        if type(event) is _AliasEvent:
            return self.alias(event.anchor, path, Mark.of(event.start_mark))
        self.count += 1
        if self.count > MAX_VALUES:
            raise _too_many(Mark.of(event.start_mark))
        anchor = event.anchor
        if anchor is None:
            return self.value(event, path)
        if anchor in self.anchors:
            self.problem(
                Mark.of(event.start_mark),
                path,
                f"anchor &{anchor} is defined a second time",
                "give each anchor its own name",
                unread=False,
            )
        self.anchors[anchor] = None
        count = self.count - 1
        outer, self.deepest = self.deepest, self.depth
        data = self.value(event, path)
        height = self.deepest - self.depth
        self.deepest = max(outer, self.deepest)
        self.anchors[anchor] = _Anchor(data, path, self.count - count, height)
        return data

    def alias(self, name: str, path: Path_, mark: Mark) -> Any:
        if name not in self.anchors:
            self.problem(
                mark,
                path,
                f"alias *{name} names no anchor",
                f"define &{name} before this line, or fix the name",
            )
            return None
        anchor = self.anchors[name]
        if anchor is None:
            self.problem(
                mark,
                path,
                f"alias *{name} is used inside the node it names",
                "an alias can only repeat a node that is already complete",
            )
            return None
        self.count += anchor.size
        if self.count > MAX_VALUES:
            raise FileUnreadable(
                f"aliases expand the file past {MAX_VALUES:,} keys and values, the most wabaplan reads "
                f"(*{name} repeats {anchor.size:,})",
                "write the shared part out, or alias it fewer times: aliases of aliases multiply",
                mark,
            )
        if self.depth + anchor.height > MAX_DEPTH:
            raise FileUnreadable(
                f"alias *{name} nests the file deeper than {MAX_DEPTH} levels, the most wabaplan reads",
                "a configuration nests about 7 levels; alias a flatter part",
                mark,
            )
        self.deepest = max(self.deepest, self.depth + anchor.height)
        if self.marking:
            collection = isinstance(anchor.data, (dict, list))
            self.entries.add(path, mark, _COLLECTION if collection else _VALUE)
            self.entries.alias(path, anchor.path)
        return anchor.data

    def value(self, event: Any, path: Path_) -> Any:
        if type(event) is _ScalarEvent:
            if self.marking and (event.value or event.style):  # an empty plain value is marked at the
                self.entries.add(path, event.start_mark, _VALUE)  # next token: its key's mark is used
            return self.scalar(event, path)
        return self.collection(event, path)

    def collection(self, event: Any, path: Path_) -> Any:
        """The mapping or list that `event` starts, counted already."""
        if self.marking:
            self.entries.add(path, event.start_mark, _COLLECTION)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FileUnreadable(
                f"nesting deeper than {MAX_DEPTH} levels, the most wabaplan reads",
                "a configuration nests about 7 levels; look for brackets that are opened but not closed",
                Mark.of(event.start_mark),
            )
        if self.depth > self.deepest:
            self.deepest = self.depth
        tag = event.tag
        if type(event) is _SequenceStartEvent:
            if tag is not None:
                self.check_collection_tag(tag, _SEQ, "a list", path, event.start_mark)
            result: Any = self.sequence(path)
        else:
            if tag is not None:
                self.check_collection_tag(tag, _MAP, "a mapping", path, event.start_mark)
            result = self.mapping(path)
        self.depth -= 1
        return result

    def sequence(self, path: Path_) -> list[Any]:
        get = self.events.get_event
        items: list[Any] = []
        log = self.entries  # this list's log (a nested read may swap another in, and puts it back)
        paths, spots, kinds, marking = log.paths, log.spots, log.kinds, self.marking
        while True:
            event = get()
            kind = type(event)
            if kind is _ScalarEvent:
                if _PLAIN and event.anchor is None and event.tag is None:
                    text: str = event.value
                    if not event.implicit[0] or (
                        text and (text[0] not in _RESOLVED_FIRST or _resolve(text) == _STR)
                    ):
                        self.count += 1  # text as read
                        if self.count > MAX_VALUES:
                            raise _too_many(Mark.of(event.start_mark))
                        if marking:
                            mark = event.start_mark
                            paths.append((*path, len(items)))
                            spots.append(mark.line << _COLUMN_BITS | mark.column)
                            kinds.append(_VALUE)
                        items.append(text)
                        continue
            elif kind is _SequenceEndEvent:
                return items
            elif kind is not _AliasEvent and event.anchor is None:  # a mapping or list
                self.count += 1
                if self.count > MAX_VALUES:
                    raise _too_many(Mark.of(event.start_mark))
                items.append(self.collection(event, (*path, len(items))))
                continue
            items.append(self.node_at(event, (*path, len(items))))

    def mapping(self, path: Path_) -> dict[Any, Any]:
        get = self.events.get_event
        log = self.entries  # this mapping's log (a nested read may swap another in, and puts it back)
        paths, spots, kinds, marking = log.paths, log.spots, log.kinds, self.marking
        result: dict[Any, Any] = {}
        first_seen: dict[Any, Any] = {}  # key → the parser's mark (0-based), made a Mark only if asked for
        merged: list[tuple[Any, _Log]] = []
        while True:
            event = get()
            kind = type(event)
            key_mark = event.start_mark
            if kind is _ScalarEvent and event.anchor is None:
                tag = event.tag
                if tag is None:  # the usual key
                    key: Any = event.value
                    self.count += 1
                    if key == "<<" and event.implicit[0]:
                        merged += self.merge_sources(path)
                        continue
                elif tag == _MERGE:
                    self.count += 1
                    merged += self.merge_sources(path)
                    continue
                else:
                    key = self.tagged_key(event, path)
            elif kind is _MappingEndEvent:
                break
            else:
                key = self.key_at(event, path)
                if key is None:
                    self.skip((*path, "?"))
                    continue
            if key in first_seen:
                self.problem(
                    Mark.of(key_mark),
                    (*path, key),
                    f"duplicate key {key!r}; it is also set at line {first_seen[key].line + 1}",
                    "keep one of them",
                    unread=False,
                )
                self.skip((*path, key))
                continue
            first_seen[key] = key_mark
            event = get()
            kind = type(event)
            if kind is _ScalarEvent:
                if _PLAIN and event.anchor is None and event.tag is None:
                    text: str = event.value
                    if not event.implicit[0] or (
                        text and (text[0] not in _RESOLVED_FIRST or _resolve(text) == _STR)
                    ):
                        self.count += 1  # text as read
                        if self.count > MAX_VALUES:
                            raise _too_many(Mark.of(event.start_mark))
                        if marking:
                            here = (*path, key)
                            mark = event.start_mark
                            paths += (here, here)
                            spots.append(key_mark.line << _COLUMN_BITS | key_mark.column)
                            spots.append(mark.line << _COLUMN_BITS | mark.column)
                            kinds += _KEY_VALUE
                        result[key] = text
                        continue
                is_collection = False
            else:
                is_collection = kind is not _AliasEvent and event.anchor is None  # a mapping or list
                if is_collection:
                    self.count += 1
                    if self.count > MAX_VALUES:
                        raise _too_many(Mark.of(event.start_mark))
            here = (*path, key)
            if marking:
                paths.append(here)
                spots.append(key_mark.line << _COLUMN_BITS | key_mark.column)
                kinds.append(_KEY)
            result[key] = self.collection(event, here) if is_collection else self.node_at(event, here)
        if not merged:
            return result
        combined: dict[Any, Any] = {}
        for data, entries in merged:  # the first source of a key wins, and the mapping's own keys win
            for name, item in data.items():
                combined.setdefault(name, item)
            self.entries.extend(entries)
        combined.update(result)
        return combined

    def merge_sources(self, path: Path_) -> list[tuple[Any, _Log]]:
        """The mapping(s) a `<<` key merges, each read at the merging mapping's own path."""
        event = self.events.peek_event()
        if type(event) is _SequenceStartEvent and event.anchor is None:
            self.events.get_event()
            self.count += 1
            items = []
            while type(self.events.peek_event()) is not _SequenceEndEvent:
                items.append(self.merge_source(path))
            self.events.get_event()
            return [item for item in items if item is not None]
        found = self.merge_source(path)
        return [found] if found is not None else []

    def merge_source(self, path: Path_) -> tuple[Any, _Log] | None:
        mark = Mark.of(self.events.peek_event().start_mark)
        outer, self.entries = self.entries, _Log()
        try:
            data = self.node(path)
            entries = self.entries
        finally:
            self.entries = outer
        if isinstance(data, list) and all(isinstance(item, dict) for item in data):
            return {k: v for item in reversed(data) for k, v in item.items()}, _Log()
        if not isinstance(data, dict):
            self.problem(
                mark,
                path,
                "`<<` merges a mapping into this one, but this is not a mapping",
                "point it at a mapping's anchor, like `<<: *defaults`",
            )
            return None
        return data, entries

    def tagged_key(self, event: Any, path: Path_) -> str:
        """A key written with a tag, as written (YAML 1.1 reads `852:` as a number and `on:` as true; keys
        are names)."""
        mark = Mark.of(event.start_mark)
        self.count += 1
        if event.tag not in (None, "!") and event.tag not in _SCALAR_KINDS:
            self.problem(mark, path, _unknown_tag(event.tag) + " on a key", _UNKNOWN_TAG_FIX)
        return str(event.value)

    def key_at(self, event: Any, path: Path_) -> str | None:
        """A key that `event` starts with an anchor, an alias or a mapping or list (None: not a name)."""
        mark = Mark.of(event.start_mark)
        outer, self.entries = self.entries, _Log()
        try:
            key = self.node_at(event, (*path, "?"))
        finally:
            self.entries = outer
        if isinstance(key, (dict, list)):
            kind = "a mapping" if isinstance(key, dict) else "a list"
            self.problem(mark, path, f"a key must be a name, not {kind}", "write the key as plain text")
            return None
        return key if isinstance(key, str) else str(key)

    def skip(self, path: Path_) -> None:
        """Read a value whose marks are not wanted (a duplicate key's), still counting it."""
        outer, self.entries = self.entries, _Log()
        try:
            self.node(path)
        finally:
            self.entries = outer

    # ------------------------------------------------------------ tags and scalars

    def check_collection_tag(self, tag: str, expected: str, kind: str, path: Path_, start: Any) -> None:
        if tag in ("!", expected):
            return
        if tag in _SCALAR_KINDS or tag in (_MAP, _SEQ):
            self.problem(Mark.of(start), path, f"the tag {_short(tag)} does not fit {kind}", "remove the tag")
        else:
            self.problem(Mark.of(start), path, _unknown_tag(tag), _UNKNOWN_TAG_FIX)

    def scalar(self, event: Any, path: Path_) -> Any:
        text: str = event.value
        tag = event.tag
        if tag is None:
            if not event.implicit[0]:
                return text  # quoted
            tag = _resolve(text) if _PLAIN else self.events.resolve(yaml.ScalarNode, text, event.implicit)
        elif tag == "!":
            tag = _STR
        if tag == _STR:
            if _PURE_PYTHON and any("\ud800" <= c <= "\udfff" for c in text):  # pragma: no cover
                self.problem(
                    Mark.of(event.start_mark),
                    path,
                    "contains a lone surrogate escape",
                    "escape whole characters only",
                )
            return text
        mark = Mark.of(event.start_mark)
        kind = _SCALAR_KINDS.get(tag)
        if kind is None:
            if tag in (_MAP, _SEQ):
                self.problem(
                    mark, path, f"the tag {_short(tag)} does not fit a single value", "remove the tag"
                )
            else:
                self.problem(mark, path, _unknown_tag(tag), _UNKNOWN_TAG_FIX)
            return text
        if tag == _INT and len(text) > MAX_NUMBER_LENGTH:
            self.problem(
                mark,
                path,
                f"a number {len(text):,} characters long; wabaplan reads numbers of at most "
                f"{MAX_NUMBER_LENGTH} characters",
                "quote it if it is text",
            )
            return text
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
        try:
            return SafeConstructor.yaml_constructors[tag](self.constructor, node)
        except (yaml.YAMLError, ValueError, TypeError, LookupError, ArithmeticError):
            explicit = event.tag is not None
            self.problem(
                mark,
                path,
                f"{_clip(text)!r} is not {kind}"
                if explicit
                else f"{_clip(text)!r} looks like {kind} but is not one",
                f"correct it, or remove the tag {_short(tag)}"
                if explicit
                else "quote it to write it as text",
            )
            return text


_ScalarEvent, _AliasEvent = yaml.ScalarEvent, yaml.AliasEvent
_SequenceStartEvent, _SequenceEndEvent = yaml.SequenceStartEvent, yaml.SequenceEndEvent
_MappingEndEvent = yaml.MappingEndEvent
_KEY_VALUE = bytes((_KEY, _VALUE))
_IMPLICIT: dict[str, list[tuple[str, Any]]] = _Loader.yaml_implicit_resolvers


def _resolve(text: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar, when it has no path resolvers or resolvers for any
    first character (`_PLAIN`): the first of the resolvers for the first character that matches."""
    for tag, pattern in _IMPLICIT.get(text[:1], ()):
        if pattern.match(text):
            return tag
    return _STR


# Plain text starting with none of these characters is a string whatever it says (PyYAML's resolver looks
# only at the first character), so it needs no resolving: `plain_scalar` hands it back as read.
_RESOLVED_FIRST = frozenset(k for k in _Loader.yaml_implicit_resolvers if k)
_PLAIN = not _PURE_PYTHON and None not in _Loader.yaml_implicit_resolvers and not _Loader.yaml_path_resolvers


def _too_many(mark: Mark) -> FileUnreadable:
    return FileUnreadable(
        f"the file holds more than {MAX_VALUES:,} keys and values, the most wabaplan reads",
        "split the estate into several files",
        mark,
    )


def _unknown_tag(tag: str) -> str:
    if tag.startswith(_STANDARD) and not tag.startswith(_STANDARD + "python/"):
        return f"YAML tag {_short(tag)} is not used in a wabaplan file"  # !!binary, !!set, !!omap …
    return f"unknown YAML tag {_short(tag)}"


def _short(tag: str) -> str:
    tag = "!!" + tag[len(_STANDARD) :] if tag.startswith(_STANDARD) else tag
    return _clip(tag, 60)


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- syntax errors where a person looks


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> FileUnreadable:
    found = _syntax_problem(exc, text)
    return FileUnreadable(f"YAML syntax error: {found.what}", found.fix, found.mark)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> FileUnreadable:
    """A YAML syntax error said where a person would look, with the fix; PyYAML's own words otherwise."""
    lines = text.splitlines() or [""]
    problem, context = exc.problem or "", exc.context or ""
    at = Mark.of(exc.problem_mark or exc.context_mark)
    if exc.context_mark is not None and exc.problem_mark is not None:
        found = _opened_here(exc, lines, at)
        if found is not None:
            return found
    if problem.startswith("mapping values are not allowed") and exc.problem_mark is not None:
        return _value_with_a_colon(lines, exc.problem_mark, at)
    if "maximum nesting depth" in problem:  # a libyaml build with a limit of its own, met before ours
        return FileUnreadable(
            f"nesting deeper than the YAML parser allows (wabaplan reads at most {MAX_DEPTH} levels)",
            "look for brackets that are opened but not closed",
            at,
        )
    if "invalid Unicode character escape" in problem:
        line = lines[at.line - 1] if at.line <= len(lines) else ""
        start = line.rfind("\\", 0, at.column)  # libyaml marks the digits; the escape starts at its \\
        return FileUnreadable(
            "this escape is not a Unicode character (a lone surrogate, or past U+10FFFF)",
            'escape the whole character, like "\\U0001F600", or write the character itself',
            Mark(at.line, start + 1) if start >= 0 else at,
        )
    if "cannot start any token" in problem and _char_at(lines, at) == "\t":
        return FileUnreadable("a tab where YAML needs spaces", "indent with spaces, not tabs", at)
    what = f"{context}: {problem}" if context and problem else (problem or context or "invalid YAML")
    return FileUnreadable(what, "fix the YAML syntax at this line", _within(lines, at))


def _opened_here(exc: yaml.MarkedYAMLError, lines: list[str], at: Mark) -> FileUnreadable | None:
    """An error PyYAML places where it gave up, said at what was opened and never finished."""
    problem, context = exc.problem or "", exc.context or ""
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    assert problem_mark is not None and context_mark is not None
    opened = Mark.of(context_mark)
    if context.startswith("while scanning a quoted scalar") and "end of stream" in problem:
        quote = _char_at(lines, opened) or '"'
        return FileUnreadable(
            f"this {quote} opens a quoted value that is never closed", f"add the closing {quote}", opened
        )
    if context.startswith("while parsing a flow") and problem_mark.line > context_mark.line:
        opener, closer = ("[", "]") if "sequence" in context else ("{", "}")
        return FileUnreadable(
            f"this {opener} is never closed", f"add the closing {closer} at the end of its items", opened
        )
    if context.startswith("while scanning a simple key") and "':'" in problem:
        if problem_mark.line == context_mark.line:  # the colon is there, too far along the line
            return FileUnreadable(
                "this key is longer than 1024 characters, the most YAML allows", "shorten the key", opened
            )
        return FileUnreadable("this key has no ':' after it", "add ':' after the key", opened)
    if context.startswith("while parsing a block mapping") and "expected key" in problem:
        return FileUnreadable(
            "this line is not indented like the keys of the mapping that starts at "
            f"line {opened.line}, column {opened.column}",
            "line its key up with that mapping's keys, or fix the line above",
            _within(lines, at),
        )
    return None


def _value_with_a_colon(lines: list[str], problem_mark: yaml.Mark, at: Mark) -> FileUnreadable:
    """`mapping values are not allowed here`: a key too long, a key without its colon, or ': ' in a value."""
    key = lines[problem_mark.line][: problem_mark.column] if problem_mark.line < len(lines) else ""
    if len(key.strip()) > 1024 and ":" not in key:
        indent = len(key) - len(key.lstrip())
        return FileUnreadable(
            "this key is longer than 1024 characters, the most YAML allows",
            "shorten the key",
            Mark(problem_mark.line + 1, indent + 1),
        )
    missing = _missing_colon(lines, problem_mark)
    if missing is not None:
        word, mark = missing
        return FileUnreadable(
            f"{word!r} has no ':' after it, so the indented line below reads as part of it",
            f"write `{word}:`",
            mark,
        )
    return FileUnreadable(
        "a ': ' inside a value that is not quoted", 'quote the value ("…") if it holds ": "', at
    )


def _reader_error(exc: yaml.reader.ReaderError, text: str) -> FileUnreadable:
    """A character YAML does not allow (a control character); libyaml counts bytes, PyYAML characters."""
    if _PURE_PYTHON:  # pragma: no cover
        before = text[: exc.position]
    else:
        before = text.encode("utf-8")[: exc.position].decode("utf-8", errors="ignore")
    line_start = before.rfind("\n") + 1
    mark = Mark(before.count("\n") + 1, len(before) - line_start + 1)
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return FileUnreadable(
        f"control character U+{code:04X} is not allowed in YAML text",
        'remove it, or write it as an escape inside a double-quoted value, like "\\a"',
        mark,
    )


def _missing_colon(lines: list[str], mark: yaml.Mark) -> tuple[str, Mark] | None:
    """`hk` followed by an indented `id: 1`: PyYAML reads `hk id` as one key and stops at the colon on the
    second line; the colon missing is after `hk`, on the line above."""
    if mark.line >= len(lines):
        return None
    before = lines[mark.line][: mark.column].strip()
    if not before or ":" in before or before[0] in "-[{'\"?&*!|>#":
        return None
    for index in range(mark.line - 1, -1, -1):
        above = lines[index]
        stripped = above.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if ":" in stripped:
            return None
        indent = len(above) - len(above.lstrip())
        if stripped.startswith("- "):
            rest = stripped[2:].lstrip()
            indent += len(stripped) - len(rest)
            stripped = rest
        word = stripped.split()[0] if stripped.split() else ""
        if not word:
            return None
        return word, Mark(index + 1, indent + len(word) + 1)
    return None


def _char_at(lines: list[str], mark: Mark) -> str:
    if 1 <= mark.line <= len(lines) and 1 <= mark.column <= len(lines[mark.line - 1]):
        return lines[mark.line - 1][mark.column - 1]
    return ""


def _within(lines: list[str], mark: Mark) -> Mark:
    """A mark past the end of the file (libyaml's end of stream) is moved to the end of the last line."""
    if mark.line <= len(lines):
        return mark
    last = len(lines)
    while last > 1 and not lines[last - 1].strip():
        last -= 1
    return Mark(last, len(lines[last - 1].rstrip()) + 1)
