"""The simulator's per-WABA template grouping is kept between calls: it must never answer stale."""

from __future__ import annotations

from dataclasses import replace

from reconciler.simulator.state import State, TemplateRec
from reconciler.simulator.world import Limits


def _template(template_id: str, waba_id: str, name: str = "t") -> TemplateRec:
    return TemplateRec(
        id=template_id,
        waba_id=waba_id,
        name=name,
        language="en_US",
        category="UTILITY",
        status="APPROVED",
        quality_score="GREEN",
        parameter_format="POSITIONAL",
        components=[],
        created_at=0.0,
    )


def _ids(state: State, waba_id: str) -> list[str]:
    return [t.id for t in state.templates_of(waba_id)]


def test_templates_of_follows_every_change_to_the_table() -> None:
    state = State(limits=Limits())
    assert _ids(state, "A") == []
    for template_id, waba in (("1", "A"), ("2", "B"), ("3", "A")):
        state.templates[template_id] = _template(template_id, waba)
    assert (_ids(state, "A"), _ids(state, "B")) == (["1", "3"], ["2"])
    state.templates["4"] = _template("4", "B")  # added
    assert _ids(state, "B") == ["2", "4"]
    del state.templates["1"]  # deleted, then one added: the same size as before
    state.templates["5"] = _template("5", "A")
    assert _ids(state, "A") == ["3", "5"]
    state.templates["3"] = replace(state.templates["3"], name="renamed")  # replaced in place
    assert [t.name for t in state.templates_of("A")] == ["renamed", "t"]
    del state.templates["5"]  # deleted: smaller
    assert _ids(state, "A") == ["3"]
    state.templates.clear()
    assert (_ids(state, "A"), _ids(state, "B")) == ([], [])


def test_templates_of_hands_out_a_list_of_its_own() -> None:
    state = State(limits=Limits())
    state.templates["1"] = _template("1", "A")
    state.templates_of("A").clear()
    assert _ids(state, "A") == ["1"]
