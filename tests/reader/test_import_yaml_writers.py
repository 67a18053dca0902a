"""`import` writes its YAML with libyaml's emitter where PyYAML has it, and the pure-Python one where
not: the text must be the same byte for byte, whichever writes it."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.importer import render_config
from reconciler.snapshot import LiveNumber, LiveProfile, LiveTemplate, LiveWaba, Snapshot
from reconciler.yamlwrite import FAST_DUMPER, dump_yaml, emitters_differ

PLAIN = [  # strings both emitters write alike
    "Hi {{1}}, order {{2}} shipped.",
    "Öffnungszeiten: Mo–Fr 9–18 Uhr «Willkommen»",
    "línea uno\nline two: with a colon\nthird",
    "'quoted' and \"double\" # not a comment",
    "yes",
    "0123",
    "- starts like a list",
    "x" * 300,
    " leading and trailing spaces ",
    "ends with a newline\n",
    "香港 店舗 営業中 " * 12,
    "a long line of words" * 12 + "\nand a second line," * 9 + "end",
]
TRICKY = [  # strings they do not: the document falls back to the pure-Python emitter
    "🕘 opening hours",
    "next line\x85here",
    "line sep\u2028here",
    "\ufeffbom",
    "tab\there",
    "a long line of words " * 12 + "\nand a second line",
    "a long line of words " * 12 + "\n second line starts with a space",
    "trailing space \nthen more",
]


def snapshot(texts: list[str]) -> Snapshot:
    numbers = {}
    for n, text in enumerate(texts):
        e164 = f"+8525123{4560 + n}"
        profile = LiveProfile(about=text[:139], description=text, email=f"care{n}@shop.example", address=text,
                              vertical="RETAIL", websites=(f"https://shop{n}.example/",))  # fmt: skip
        numbers[e164] = LiveNumber(id=str(3000000000000 + n), e164=e164, display_phone_number=e164,
                                   waba_id="2000000000001", status="CONNECTED", verified_name=f"Shop {n}",
                                   name_status="APPROVED", profile=profile)  # fmt: skip
    templates = tuple(
        LiveTemplate(
            id=str(5000000000000 + n),
            name=f"t{n}",
            language="en_US",
            status="APPROVED",
            category="UTILITY",
            components=({"type": "BODY", "text": text},),
            parameter_format="POSITIONAL",
        )
        for n, text in enumerate(texts)
    )
    waba = LiveWaba(id="2000000000001", name="Ünïcode & Co: 'shops'", numbers=numbers, templates=templates)
    return Snapshot(wabas={waba.id: waba}, graph_url="http://127.0.0.1:1", api_version="v23.0")


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml")
def test_libyaml_is_used_where_available() -> None:
    assert FAST_DUMPER is yaml.CSafeDumper


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml")
@pytest.mark.parametrize("text", TRICKY + PLAIN, ids=range(len(TRICKY + PLAIN)))
def test_both_writers_give_the_same_text(text: str) -> None:
    document = yaml.safe_load(render_config(snapshot([text]), ["2000000000001"]))
    document["strings"] = [text, {text: text}]
    assert dump_yaml(document) == dump_yaml(document, dumper=yaml.SafeDumper)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml")
def test_libyaml_writes_documents_it_writes_alike() -> None:
    document = yaml.safe_load(render_config(snapshot(PLAIN), ["2000000000001"]))
    assert not emitters_differ(document)  # libyaml writes it
    assert dump_yaml(document, dumper=yaml.CSafeDumper) == dump_yaml(document, dumper=yaml.SafeDumper)


def test_the_written_config_reads_back_as_the_document() -> None:
    text = render_config(snapshot(PLAIN + TRICKY), ["2000000000001"])
    assert len(yaml.safe_load(text)["numbers"]) == len(PLAIN + TRICKY)
    assert yaml.safe_load(dump_yaml({"s": PLAIN})) == {"s": PLAIN}


def reference(document: object) -> str:
    """What PyYAML's own `yaml.dump` writes with its pure-Python representer and emitter."""
    return yaml.dump(document, Dumper=yaml.SafeDumper, allow_unicode=True, sort_keys=False, width=110)


# Text like a config's, dense in what decides a string's style: indicators, quotes, spaces and breaks beside
# other characters, words to fold past the 110th column, values that read as numbers, booleans or null.
_config_text = st.text(
    alphabet="ab é香:#-?'\"{},.!&*|>%@`\n0123456789+~=<\t", max_size=260
) | st.sampled_from(
    ["", "yes", "No", "null", "~", "0123", "1.5", "2026-03-02", "<<", "=", "---x", "...", "- a", "a:", "a #b"]
)
_keys = st.text(max_size=60) | _config_text.filter(lambda key: len(key) <= 130)
_strings = st.text(max_size=60) | st.sampled_from(PLAIN + TRICKY) | _config_text
_scalars = st.none() | st.booleans() | st.integers() | _strings
_documents = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=16,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _documents, max_size=4))  # a config is a mapping
def test_the_writer_writes_what_yaml_dump_writes(document: dict[str, object]) -> None:
    assert dump_yaml(document) == reference(document)
    if not emitters_differ(document):  # libyaml's emitter, where it is used, writes it alike
        assert dump_yaml(document, dumper=FAST_DUMPER) == reference(document)


@settings(max_examples=100, deadline=None)
@given(_config_text, st.integers(min_value=0, max_value=70), st.booleans())
def test_strings_are_written_as_yaml_dump_writes_them_at_any_depth(
    text: str, depth: int, listed: bool
) -> None:
    document: object = [text, {text: text}] if listed else {"k": text, text: ["x", text]}
    for level in range(depth):  # deep enough that lines start past the width
        document = {f"level{level}": document} if level % 3 else [document, {"s": text}]
    document = {"root": document}
    assert dump_yaml(document) == reference(document)


def test_a_value_that_is_not_plain_data_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot write a float"):
        dump_yaml({"ratio": 0.5})
