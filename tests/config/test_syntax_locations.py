"""A file that cannot be read is reported where a person would look, at an exact line and column.

PyYAML's own mark is sometimes past the end of the file (an unclosed quote: the end of the stream) or a
line late (a key without its colon: the colon of the next line). Each case here pins both numbers.
"""

from __future__ import annotations

import codecs

import pytest

from reconciler.config.yamlsource import FileUnreadable, Mark, decode, parse_yaml_text

BASE = 'wabas:\n  hk:\n    id: "2000000000001"\n'

CASES = {
    # name: (text, line, column, what the message says)
    "unclosed double quote (PyYAML: past the last line)": (
        BASE + 'numbers:\n  "+852 5123 4567":\n    display_name: "Harbour\n',
        6, 19, 'this " opens a quoted value that is never closed',
    ),
    "unclosed single quote in the middle": (
        "wabas:\n  hk:\n    id: '2000000000001\nnumbers: {}\n", 3, 9, "this ' opens a quoted value",
    ),
    "unclosed flow sequence (PyYAML: the next line)": (
        BASE + "    templates: [a, b\nnumbers: {}\n", 4, 16, "this [ is never closed",
    ),
    "unclosed flow sequence at the end of the file": (
        BASE + "    templates: [a, b\n", 4, 16, "this [ is never closed",
    ),
    "unclosed flow mapping": ('wabas: {hk: {id: "1"}\nnumbers: {}\n', 1, 8, "this { is never closed"),
    "missing colon after a key (PyYAML: the next line)": (
        'wabas:\n  hk\n    id: "1"\nnumbers: {}\n', 2, 5, "'hk' has no ':' after it",
    ),
    "missing colon after a list item's key": (
        "wabas:\n  hk:\n    templates:\n      - name\n        language: en_US\n", 4, 13, "'name' has no ':'",
    ),
    "missing colon between a key and its value": (
        BASE + '    expect "x"\n    webhooks: {}\n', 4, 5, "this key has no ':' after it",
    ),
    "missing colon on a top-level key": (BASE + "numbers\n  x: 1\n", 4, 1, "this key has no ':' after it"),
    "colon inside a plain value": (BASE + "    name: Open: 9 to 5\n", 4, 15, "a ': ' inside a value"),
    "tab indentation": ("wabas:\n\thk: 1\n", 2, 1, "a tab where YAML needs spaces"),
    "bad indentation": (BASE + '   name: "x"\n', 4, 4, "not indented like the keys of the mapping"),
    "key longer than YAML allows": ("k" * 2000 + ": 1\n", 1, 1, "longer than 1024 characters"),
    "lone surrogate escape": ('a: "x\\udc80y"\n', 1, 6, "this escape is not a Unicode character"),
    "control character": ("wabas:\n  hk: \x1b[31m\n", 2, 7, "control character U+001B is not allowed"),
    "second document": ("a: 1\n---\nb: 2\n", 2, 1, "a second YAML document starts here"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_syntax_error_is_located_where_a_person_looks(case: str) -> None:
    text, line, column, fragment = CASES[case]
    with pytest.raises(FileUnreadable) as info:
        parse_yaml_text(text)
    assert info.value.mark == Mark(line, column), str(info.value)
    assert fragment in info.value.what
    assert line <= len(text.splitlines())


@pytest.mark.parametrize(
    ("raw", "line", "column", "fragment"),
    [
        (b"wabas:\n  hk:\n    name: Caf\xe9\n", 3, 14, "byte 0xE9 cannot be decoded; it looks like Windows"),
        (b"a: \xe2\x82\xac\xff\n", 1, 5, "byte 0xFF cannot be decoded"),  # the column counts characters
        (codecs.BOM_UTF8 + b"a: \x81\n", 1, 4, "byte 0x81 cannot be decoded"),  # the BOM is no column
        (b"a: 1\nb: x\x00y\n", 2, 5, "contains a NUL byte"),
    ],
)
def test_bytes_that_are_not_utf8_are_located_by_line_and_column(
    raw: bytes, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(FileUnreadable) as info:
        decode(raw)
    assert info.value.mark == Mark(line, column)
    assert fragment in info.value.what
    assert info.value.fix.startswith("save the file as UTF-8") or "NUL" in info.value.what


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("a: 1\n".encode("utf-16"), "is UTF-16 (little-endian) text with a byte order mark"),
        (
            codecs.BOM_UTF16_BE + "a: 1\n".encode("utf-16-be"),
            "is UTF-16 (big-endian) text with a byte order mark",
        ),
        ("a: 1\n".encode("utf-16-le"), "looks like UTF-16 (little-endian) text without a byte order mark"),
        ("a: 1\n".encode("utf-16-be"), "looks like UTF-16 (big-endian) text without a byte order mark"),
        ("a: 1\n".encode("utf-32"), "is UTF-32 (little-endian) text with a byte order mark"),
        ("a: 1\n".encode("utf-32-be"), "looks like UTF-32 (big-endian) text without a byte order mark"),
    ],
)
def test_other_unicode_encodings_are_named(raw: bytes, says: str) -> None:
    with pytest.raises(FileUnreadable) as info:
        decode(raw)
    assert info.value.what == says + ", not UTF-8"
    assert info.value.fix == "save the file as UTF-8"


def test_bytes_that_only_begin_like_utf16_are_reported_as_not_utf8() -> None:
    with pytest.raises(FileUnreadable) as info:
        decode(b"\xff\xfe\xfa not utf-8")  # odd length: no UTF-16 text
    assert info.value.what.startswith("is not UTF-8 text: byte 0xFF cannot be decoded")
    assert info.value.mark == Mark(1, 1)


def test_a_utf8_byte_order_mark_is_allowed() -> None:
    assert decode(codecs.BOM_UTF8 + "a: é\n".encode()) == "a: é\n"
