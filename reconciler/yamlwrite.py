"""Write a document as YAML, fast, and exactly as PyYAML's `yaml.dump` with its pure-Python emitter would.

`import` writes configs of thousands of numbers. `yaml.dump` spends most of its time in PyYAML's
representer, pure Python even behind libyaml's emitter: a type lookup, an alias check and a node object for
every value. The documents written here hold only plain data (mappings in their order, lists, strings,
integers, booleans, None), so `nodes` builds the node tree directly, and libyaml's emitter serialises it
where PyYAML was built with it, with the cyclic collector paused meanwhile. The two emitters differ on a
few strings (characters beyond the BMP, NEL and other breaks, a space beside a line break — which also
folds double-quoted lines differently —, keys long enough to be written as complex keys, which libyaml
measures in bytes, and the empty key): a document holding any of those is written by the pure-Python
emitter, so the text is the same byte for byte either way (tests/reader/test_import_yaml_writers.py holds
them to it, and to `yaml.dump`'s own text for any document).

Even so, building a node per value and handing it to the emitter is most of the time a large config takes,
so a mapping is written as text directly (`_Writer`) wherever its form is known for certain: block
mappings and sequences, integers, booleans, None, and strings the emitter would write plain or single-quoted
(lines folded where it folds them). An entry holding anything else — a key that is not a short string, a
string needing double quotes, a value that is not plain data — is written by the emitter, at its place:
the same text, the rest of the document written directly all the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.gcpause import collector_paused

FAST_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SHORT_KEY = 40  # characters: well under the 128 (bytes or characters) past which a key is complex
_EMITTERS_DIFFER = re.compile(r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]| \n|\n ")

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


def dump_yaml(document: Any, *, dumper: type[yaml.SafeDumper] | None = None) -> str:
    """`document` as YAML: keys in the order given, Unicode as is, 110 columns, block style. With `dumper`,
    that dumper's emitter writes all of it."""
    if dumper is None and type(document) is dict and document:
        writer = _Writer()
        writer.mapping(document, 0, "")
        return "".join(writer.out)
    return _emitted(document, dumper)


def _emitted(document: Any, dumper: type[yaml.SafeDumper] | None = None) -> str:
    differ = [False]
    with collector_paused():
        root = nodes(document, differ)
        if dumper is None:
            dumper = yaml.SafeDumper if differ[0] else FAST_DUMPER
        text: str = yaml.serialize(root, Dumper=dumper, allow_unicode=True, width=110)
    return text


def nodes(value: Any, differ: list[bool]) -> Node:
    """The node tree SafeRepresenter would build for `value` (no aliases: plain data shares nothing);
    sets `differ[0]` when some string could be written otherwise by the two emitters."""
    kind = type(value)
    if kind is str:
        if not differ[0] and _EMITTERS_DIFFER.search(value):
            differ[0] = True
        return ScalarNode(_STR, value)
    if kind is dict or isinstance(value, Mapping):
        pairs = []
        for key, item in value.items():
            if type(key) is str and not 0 < len(key) <= _SHORT_KEY:  # pure Python writes `? ''` for ''
                differ[0] = True
            pairs.append((nodes(key, differ), nodes(item, differ)))
        return MappingNode(_MAP, pairs, flow_style=False)
    if kind is list or kind is tuple:
        return SequenceNode(_SEQ, [nodes(item, differ) for item in value], flow_style=False)
    if value is None:
        return ScalarNode(_NULL, "null")
    if kind is bool:
        return ScalarNode(_BOOL, "true" if value else "false")
    if kind is int:
        return ScalarNode(_INT, str(value))
    if isinstance(value, str):
        return nodes(str(value), differ)
    raise TypeError(f"cannot write a {kind.__name__} as configuration YAML")


def emitters_differ(value: Any) -> bool:
    """Whether libyaml could write `value` otherwise than the pure-Python emitter."""
    differ = [False]
    nodes(value, differ)
    return differ[0]


# ---------------------------------------------------------------- text written directly

_WIDTH = 110  # the emitter's best width: a line is folded at a single space past this column
_KEY_LIMIT = 100  # characters: a longer key may be complex (`? key`), past 128 with its tag (`!!str`)
_UNICODE = "\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"  # printable, and alike in both emitters
# What the emitter writes plain in block context (its `analyze_scalar`): printable, no line break, no
# leading or trailing space, no indicator first (`- `, `? `, `: `, `---`, `...`, `#`, `'`, …), no `: ` or
# ` #` within; and it must read back as a string (`_Writer.form`).
_PLAIN = re.compile(
    r"(?!---|\.\.\.|[-?:](?: |\Z)|[ #,\[\]{}&*!|>'" + '"' + r"%@`])[\x20-\x7e" + _UNICODE + "]"
    r"(?:[ -\"$-9;-~" + _UNICODE + r"]++|:(?! |\Z)|(?<! )#)*+(?<! )"
).fullmatch
_QUOTABLE = re.compile("[\n\x20-\x7e" + _UNICODE + "]*+").fullmatch  # single-quoted, unless beside a break


class _Writer:
    """A document's mappings, sequences and scalars as text, exactly as `yaml.dump` writes them; an entry
    whose form is not known here is written by the emitter, at its place."""

    def __init__(self) -> None:
        self.out: list[str] = []
        implicit = yaml.SafeDumper.yaml_implicit_resolvers
        wildcard = [regexp for _, regexp in implicit.get(None, [])]
        self._resolvers = {  # integers first: a string of digits (an ID) is one, and needs no other tried
            first: [regexp for _, regexp in sorted(found, key=lambda pair: pair[0] != _INT)] + wildcard
            for first, found in implicit.items()
            if first
        }
        self._wildcard = wildcard
        self._keys: dict[Any, str] = {}  # a key as written, "" where the emitter writes it
        self._forms: dict[str, str] = {}  # a string as written unfolded, "" where the emitter writes it

    def mapping(self, mapping: dict[Any, Any], indent: int, lead: str) -> None:
        """A non-empty block mapping, its keys at column `indent`; its first line begins with `lead` (as wide:
        the indentation, or the `- ` of the sequence item it is)."""
        out, keys, forms = self.out, self._keys, self._forms
        pad = " " * indent
        for key, value in mapping.items():
            written = keys.get(key) or self.key(key)
            kind = type(value)
            if written is None:
                self.emitted_entry(key, value, indent, lead)
            elif kind is str:
                text = forms.get(value)  # most often known already, and on one line
                column = indent + len(written) + 2
                if not text or column + len(text) > _WIDTH or "\n" in text:
                    text = self.scalar(value, column, indent + 2)
                if text is None:
                    self.emitted_entry(key, value, indent, lead)
                else:
                    out.append(f"{lead}{written}: {text}\n")
            elif kind is dict:
                if value:
                    out.append(f"{lead}{written}:\n")
                    self.mapping(value, indent + 2, pad + "  ")
                else:
                    out.append(f"{lead}{written}: {{}}\n")
            elif kind is list or kind is tuple:
                if value:
                    out.append(f"{lead}{written}:\n")
                    self.sequence(value, indent, pad)  # a sequence in a mapping is not indented
                else:
                    out.append(f"{lead}{written}: []\n")
            else:
                text = _plain_scalar(value)
                if text is None:
                    self.emitted_entry(key, value, indent, lead)
                else:
                    out.append(f"{lead}{written}: {text}\n")
            lead = pad

    def sequence(self, items: list[Any] | tuple[Any, ...], indent: int, lead: str) -> None:
        """A non-empty block sequence, its `- ` at column `indent`; its first line begins with `lead`."""
        out = self.out
        pad = " " * indent
        for item in items:
            kind = type(item)
            text: str | None
            if kind is str:
                text = self.scalar(item, indent + 2, indent + 2)
            elif kind is dict:
                text = None if item else "{}"
                if item:
                    self.mapping(item, indent + 2, lead + "- ")
                    lead = pad
                    continue
            elif kind is list or kind is tuple:
                text = None if item else "[]"
                if item:
                    self.sequence(item, indent + 2, lead + "- ")
                    lead = pad
                    continue
            else:
                text = _plain_scalar(item)
            if text is None:
                self.emitted_item(item, indent, lead)
            else:
                out.append(f"{lead}- {text}\n")
            lead = pad

    def key(self, key: Any) -> str | None:
        """A simple key as written, or None (not a string, empty, long, multi-line: the emitter's)."""
        written = self._keys.get(key)
        if written is None:
            simple = type(key) is str and 0 < len(key) <= _KEY_LIMIT and "\n" not in key
            written = self._keys[key] = (simple and self.form(key)) or ""
        return written or None

    def scalar(self, value: str, column: int, indent: int) -> str | None:
        """`value` as the emitter writes it plain or single-quoted, starting at `column` and folded onto
        lines at `indent`; None where it would write it otherwise."""
        written = self._forms.get(value)
        if written is None:
            written = self._forms[value] = self.form(value) or ""
        if column + len(written) <= _WIDTH and "\n" not in value:
            return written or None
        if not written:
            return None
        if written[0] != "'":  # plain: never begins with a quote
            return _folded_plain(value, column, indent)
        return _folded_single_quoted(value, column, indent)

    def form(self, value: str) -> str | None:
        """`value` as the emitter writes it unfolded: plain where it reads back as a string (not a number,
        boolean, null, date, …), or single-quoted; None where it needs double quotes."""
        if _PLAIN(value) is not None:
            for regexp in self._resolvers.get(value[0], self._wildcard):
                if regexp.match(value):
                    break
            else:
                return value
        if _QUOTABLE(value) is not None and " \n" not in value and "\n " not in value:
            return "'" + value.replace("'", "''") + "'"
        return None

    def emitted_entry(self, key: Any, value: Any, indent: int, lead: str) -> None:
        """The entry `key: value` at column `indent`, written by the emitter in a document placing it so."""
        document: Any = {key: value}
        for _ in range(indent // 2):
            document = {"x": document}
        self.out.append(lead + _after_lines(_emitted(document), indent // 2)[indent:])

    def emitted_item(self, item: Any, indent: int, lead: str) -> None:
        """The sequence item `item` with its `- ` at column `indent`, written by the emitter likewise."""
        document: Any = [item]
        for _ in range(indent // 2 + 1):
            document = {"x": document}
        self.out.append(lead + _after_lines(_emitted(document), indent // 2 + 1)[indent:])


def _plain_scalar(value: Any) -> str | None:
    """None, a boolean or an integer as written (always plain); None for anything else."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    return None


def _after_lines(text: str, lines: int) -> str:
    start = 0
    for _ in range(lines):
        start = text.index("\n", start) + 1
    return text[start:]


def _folded_plain(text: str, column: int, indent: int) -> str:
    """The emitter's `write_plain` for a line without breaks: a single space past the width ends the line."""
    out = []
    for n, piece in enumerate(re.split("( +)", text)):
        if n % 2 and piece == " " and column > _WIDTH:
            out.append("\n" + " " * indent)
            column = indent
        else:
            out.append(piece)
            column += len(piece)
    return "".join(out)


def _folded_single_quoted(text: str, column: int, indent: int) -> str:
    """The emitter's `write_single_quoted` (line breaks `\n` only): quotes doubled, a single space past the
    width (not first or last) ends the line, a run of breaks written one more and the next line indented."""
    out = ["'"]
    column += 1
    spaces = breaks = False
    start = end = 0
    size = len(text)
    while end <= size:
        ch = text[end] if end < size else None
        if spaces:
            if ch != " ":
                if start + 1 == end and column > _WIDTH and start != 0 and end != size:
                    out.append("\n" + " " * indent)
                    column = indent
                else:
                    out.append(text[start:end])
                    column += end - start
                start = end
        elif breaks:
            if ch != "\n":
                out.append("\n" * (end - start + 1) + " " * indent)
                column = indent
                start = end
        elif (ch is None or ch in " \n'") and start < end:
            out.append(text[start:end])
            column += end - start
            start = end
        if ch == "'":
            out.append("''")
            column += 2
            start = end + 1
        if ch is not None:
            spaces = ch == " "
            breaks = ch == "\n"
        end += 1
    out.append("'")
    return "".join(out)
