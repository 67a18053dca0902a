"""The committed JSON Schema is the one the model generates, and it accepts the example."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from reconciler.config.schema import config_schema, render
from reconciler.config.yamlsource import read_yaml_file

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "schemas" / "numbers.schema.json"


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(config_schema()), (
        "schemas/numbers.schema.json is stale: run `wabaplan schema config > schemas/numbers.schema.json`"
    )


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(COMMITTED.read_text(encoding="utf-8")))


def test_example_validates_against_the_schema() -> None:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    data = read_yaml_file(ROOT / "examples" / "numbers.yaml").data
    jsonschema.Draft202012Validator(schema).validate(data)


def test_schema_flags_a_literal_pin_for_editors() -> None:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    data = {"wabas": {"hk": {"id": "1"}}, "numbers": {"+85251234567": {"waba": "hk", "pin": "123456"}}}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert any("pin" in list(e.absolute_path) for e in errors)


def test_example_starts_with_the_editor_modeline() -> None:
    first = (ROOT / "examples" / "numbers.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/numbers.schema.json"
    assert (ROOT / "examples" / "../schemas/numbers.schema.json").is_file()
