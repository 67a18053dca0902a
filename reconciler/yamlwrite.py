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
    """`document` as YAML: keys in the order given, Unicode as is, 110 columns, block style."""
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
