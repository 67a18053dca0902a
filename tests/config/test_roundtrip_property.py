"""Property: any configuration the model accepts survives a YAML dump and reload unchanged."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from pydantic import ValidationError
from strategies import configs

from reconciler.config.model import Config
from reconciler.config.yamlsource import parse_yaml_text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_accepted_config_round_trips_through_yaml(data: dict[str, Any]) -> None:
    try:
        config = Config.model_validate(data)
    except ValidationError:
        assume(False)
        raise
    dumped = yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
    reloaded = Config.model_validate(parse_yaml_text(dumped).data)
    assert reloaded == config
