"""A valid file needs no marks, so the first read logs none: it keeps the text, and the marks are logged by a
second read when one is first asked for. Both reads must see the same file: the same data, problems and
counts, for every file of the corpora."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reconciler.config import load
from reconciler.config.yamlsource import FileUnreadable, Mark, YamlSource, _Builder, decode, parse_yaml_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = sorted(p for kind in ("valid", "invalid", "hostile") for p in (FIXTURES / kind).glob("*.yaml"))
NUMBERS = """\
wabas:
  hk: {id: "2000000000001"}
numbers:
  "+85251234567":
    waba: hk
    profile: {about: Open daily, websites: [https://example.com/]}
"""


def _read(text: str, *, marking: bool) -> tuple[object, ...]:
    source = YamlSource(data=None)
    builder = _Builder(text, source, marking=marking)
    try:
        data = builder.document()
    except FileUnreadable as exc:
        return "unreadable", exc.what, exc.fix, exc.mark
    except yaml.YAMLError as exc:
        return "syntax", str(exc)
    finally:
        builder.close()
    problems = [(p.mark, p.path, p.message, p.fix, p.unread) for p in source.problems]
    return repr(data), problems, builder.count, builder.deepest


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_the_read_that_logs_marks_reads_what_the_first_read_read(path: Path) -> None:
    try:
        text = decode(path.read_bytes())
    except FileUnreadable:
        return  # not UTF-8 text: neither read sees it
    assert _read(text, marking=True) == _read(text, marking=False)


def test_a_valid_file_logs_no_mark_until_one_is_asked_for() -> None:
    source = parse_yaml_text(NUMBERS)
    assert source.text == NUMBERS and not source.entries
    assert source.mark_for(("numbers", "+85251234567", "profile", "websites", 0)) == Mark(6, 45)
    assert source.text is None  # read once more, and let go
    assert source.mark_for(("numbers", "+85251234567", "waba"), prefer_key=True) == Mark(5, 5)


def test_a_problem_found_after_a_valid_read_is_placed_where_it_was_written(tmp_path: Path) -> None:
    path = tmp_path / "numbers.yaml"
    path.write_text(NUMBERS.replace("waba: hk", "waba: hq"), encoding="utf-8")
    [diagnostic] = load(path).diagnostics
    assert (diagnostic.line, diagnostic.column, diagnostic.message) == (5, 11, "no WABA named 'hq'")
