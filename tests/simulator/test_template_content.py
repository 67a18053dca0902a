"""Meta's template content rules, both ways: `validate` (config/template_rules.py) and the simulator's
`POST /{WABA}/message_templates` (simulator/template_content.py) refuse the same templates, and accept the
same ones, so the two implementations cannot drift apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from simsupport import TW_WABA, error_of

from reconciler.config import load, template_rules
from reconciler.config.yamlsource import read_yaml_file

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "fixtures" / "invalid"


def _declared(path: Path) -> list[dict[str, Any]]:
    data = read_yaml_file(path).data
    return [t for waba in data["wabas"].values() for t in waba.get("templates") or []]


# Every template fixture that breaks a rule of the table (the others break the model's shape); together
# they cover every rule, each fixture declaring one template.
BAD = [p for p in sorted(INVALID.glob("template-*.yaml")) if template_rules.problems(_declared(p)[0])]
GOOD = [ROOT / "examples" / "numbers.yaml", *sorted((ROOT / "tests" / "fixtures" / "valid").glob("*.yaml"))]


def _submit(graph: httpx.Client, template: dict[str, Any], name: str) -> httpx.Response:
    body = {
        "name": name,
        "language": template["language"],
        "category": template["category"],
        "components": json.dumps(template["components"], ensure_ascii=False),
    }
    if "parameter_format" in template:
        body["parameter_format"] = template["parameter_format"]
    return graph.post(f"/{TW_WABA}/message_templates", data=body)


def test_every_rule_has_a_fixture() -> None:
    covered = {p.rule for path in BAD for p in template_rules.problems(_declared(path)[0])}
    assert covered == {rule.name for rule in template_rules.RULES}


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_validate_and_the_simulator_both_refuse(path: Path, graph: httpx.Client) -> None:
    loaded = load(path)
    assert not loaded.ok and loaded.diagnostics
    refused = _submit(graph, _declared(path)[0], "bad_template")
    assert refused.status_code == 400, refused.text
    assert error_of(refused)["code"] == 100


def test_what_validate_accepts_the_simulator_accepts(graph: httpx.Client) -> None:
    submitted = 0
    for path in GOOD:
        assert load(path).ok, path
        for index, template in enumerate(_declared(path)):
            assert template_rules.problems(template) == []
            created = _submit(graph, template, f"good_{path.stem.replace('-', '_')}_{index}")
            assert created.status_code == 200, (path, template["name"], created.text)
            submitted += 1
    assert submitted >= 3
