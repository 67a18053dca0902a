"""Anchors, aliases and `<<` merges read as YAML means them, each problem marked where it was written."""

from __future__ import annotations

from pathlib import Path

from reconciler.config import Diagnostic, load
from reconciler.config.yamlsource import Mark, parse_yaml_text


def test_a_key_that_overrides_a_merged_one_is_not_a_duplicate() -> None:
    source = parse_yaml_text("x: &b {a: 1, c: 2}\ny:\n  <<: *b\n  a: 3\n")
    assert source.problems == []
    assert source.data["y"] == {"a": 3, "c": 2}
    assert source.mark_for(("y", "a")) == Mark(4, 6)  # the override, where it is written
    assert source.mark_for(("y", "c")) == Mark(1, 17)  # the merged value, in its anchor


def test_the_first_of_several_merged_mappings_wins() -> None:
    source = parse_yaml_text("p: &p {a: 1}\nq: &q {a: 2, b: 2}\nr:\n  <<: [*p, *q]\n")
    assert source.data["r"] == {"a": 1, "b": 2}
    assert source.mark_for(("r", "a")) == Mark(1, 11)
    assert source.mark_for(("r", "b")) == Mark(2, 17)


def test_a_key_written_twice_beside_a_merge_is_still_a_duplicate() -> None:
    source = parse_yaml_text("x: &b {a: 1}\ny:\n  <<: *b\n  c: 1\n  c: 2\n")
    [problem] = source.problems
    assert (problem.mark, problem.message) == (Mark(5, 3), "duplicate key 'c'; it is also set at line 4")


WABA = 'wabas: {hk: {id: "2000000000001"}}\nnumbers:\n'


def _only_diagnostic(tmp_path: Path, text: str) -> Diagnostic:
    path = tmp_path / "numbers.yaml"
    path.write_text(text, encoding="utf-8")
    [diagnostic] = load(path).diagnostics
    return diagnostic


def test_a_problem_inside_an_alias_is_marked_in_its_anchor(tmp_path: Path) -> None:
    anchor = "x-profile: &shop\n  email: not-an-address\n"
    found = _only_diagnostic(tmp_path, anchor + WABA + '  "+852 5123 4567": {waba: hk, profile: *shop}\n')
    assert (found.line, found.column) == (2, 10)
    assert found.path == 'numbers["+85251234567"].profile.email'


def test_an_alias_of_the_wrong_kind_is_marked_where_it_is_used(tmp_path: Path) -> None:
    number = '  "+852 5123 4567":\n    waba: hk\n    profile: *sites\n'
    found = _only_diagnostic(tmp_path, "x-sites: &sites [https://a.example]\n" + WABA + number)
    assert (found.line, found.column) == (6, 5)
    assert found.message == "expected a mapping of keys, found a list"


def test_aliases_that_cross_do_not_loop_the_lookup() -> None:
    source = parse_yaml_text("a: &a {k: 1}\nb: &b {<<: *a, j: 2}\nc: {<<: [*a, *b]}\n")
    assert source.data["c"] == {"k": 1, "j": 2}
    assert source.mark_for(("c", "nowhere", "deeper")) == Mark(3, 1)
