"""The saved plan's schema, its references inlined for speed, judges every document as the schema does."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from forge_plans import big_plan
from jsonschema import Draft202012Validator

from reconciler.plan.schema import _validator, plan_schema_text

DOCUMENT = json.loads(json.dumps(big_plan(numbers=20, blocked_every=7, waiting_every=5).to_json()))


def _break(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    node = document
    for step in path[:-1]:
        node = node[step]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return document


@pytest.mark.parametrize(
    "document",
    [
        DOCUMENT,
        _break(("actions", 0, "status"), "done"),  # not a status
        _break(("actions", 1, "changes"), [{"path": "profile.about"}]),  # a change without its values
        _break(("actions", 2, "changes", 0, "extra"), 1),  # a key the change does not have
        _break(("actions", 3, "params"), []),
        _break(("actions", 0, "id"), KeyError),
        _break(("live_fingerprints", "x"), 3),
        _break(("verdicts",), [{"address": 1}]),
        _break(("drift",), [{"address": "a"}]),
        _break(("preconditions",), [{"check": 1}]),
    ],
)
def test_the_inlined_schema_finds_what_the_schema_finds(document: dict[str, Any]) -> None:
    original = Draft202012Validator(json.loads(plan_schema_text()))

    def found(validator: Draft202012Validator) -> list[tuple[str, str]]:
        return sorted(
            ("/".join(map(str, e.absolute_path)), e.message) for e in validator.iter_errors(document)
        )

    assert found(_validator()) == found(original)
    assert found(original) or document is DOCUMENT  # each broken document is refused
