"""The JSON Schema of the configuration file, generated from the model (editors use it to complete
and check numbers.yaml; `schemas/numbers.schema.json` is this output, kept current by a test)."""

from __future__ import annotations

import json
from typing import Any

from reconciler.config.model import Config

SCHEMA_ID = "https://wabaplan.dev/schemas/numbers.schema.json"


def config_schema() -> dict[str, Any]:
    schema = Config.model_json_schema(mode="validation")
    schema["properties"]["numbers"]["propertyNames"] = {
        "pattern": r"^\+[0-9][0-9 ()./-]*$",
        "description": 'International number with + and country code, e.g. "+852 5123 4567".',
    }
    schema["patternProperties"] = {"^x-": {"description": "Ignored: a place for YAML anchors."}}
    schema["properties"]["wabas"]["propertyNames"] = {"pattern": r"^[A-Za-z][A-Za-z0-9_-]*$"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
