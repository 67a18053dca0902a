"""Valid configurations load, and numbers are normalised to E.164."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load
from reconciler.config.model import Config
from reconciler.config.yamlsource import parse_yaml_text

ROOT = Path(__file__).resolve().parents[2]
VALID = [*sorted((ROOT / "tests" / "fixtures" / "valid").glob("*.yaml")), ROOT / "examples" / "numbers.yaml"]


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_config_loads_without_diagnostics(path: Path) -> None:
    loaded = load(path)
    assert loaded.diagnostics == []
    assert loaded.config is not None


def test_example_covers_the_seed_migration() -> None:
    config = load(ROOT / "examples" / "numbers.yaml").config
    assert config is not None
    migrating = [n for n, spec in config.numbers.items() if spec.migrate_from]
    assert migrating == ["+85261234567"]
    assert config.numbers["+85261234567"].migrate_from.waba_id == "2000000000901"  # type: ignore[union-attr]
    assert {n[:4] for n in config.numbers} == {"+852", "+886"}


def test_spellings_of_one_number_normalise_to_the_same_key() -> None:
    def keys(number: str) -> list[str]:
        data = parse_yaml_text(f'wabas: {{hk: {{id: "1"}}}}\nnumbers:\n  "{number}": {{waba: hk}}\n').data
        return list(Config.model_validate(data).numbers)

    assert keys("+852 5123 4567") == keys("+85251234567") == keys("+852-5123-4567") == ["+85251234567"]


def test_unquoted_ids_become_strings() -> None:
    config = load(ROOT / "tests" / "fixtures" / "valid" / "unquoted-ids-and-anchors.yaml").config
    assert config is not None
    assert config.wabas["hk"].id == "2000000000001"
    assert config.numbers["+85291234567"].profile.vertical == "RETAIL"  # type: ignore[union-attr]


def test_numbers_default_to_prevent_destroy_and_templates_do_not() -> None:
    config = load(ROOT / "examples" / "numbers.yaml").config
    assert config is not None
    assert all(spec.lifecycle.prevent_destroy for spec in config.numbers.values())
    assert config.wabas["tw_retail"].templates[0].lifecycle.prevent_destroy is False


def test_model_validation_without_a_collector_raises_cross_reference_errors() -> None:
    from pydantic import ValidationError

    data = {"wabas": {"hk": {"id": "1"}}, "numbers": {"+85251234567": {"waba": "tw"}}}
    with pytest.raises(ValidationError, match="no WABA named 'tw'"):
        Config.model_validate(data)
