"""`import` declares the templates the config model accepts and leaves out, with a note, each it refuses:
in every WABA holding it, though a template held alike by many WABAs is checked once."""

from __future__ import annotations

from typing import Any

import yaml

from reconciler.importer import render_config
from reconciler.snapshot import LiveTemplate, LiveWaba, Snapshot


def template(name: str, text: str, **extra: Any) -> LiveTemplate:
    return LiveTemplate(
        id=str(abs(hash((name, text)))),
        name=name,
        language="en_US",
        status="APPROVED",
        category="UTILITY",
        components=({"type": "BODY", "text": text, **extra},),
        parameter_format="POSITIONAL",
    )


def test_a_refused_template_is_left_out_of_every_waba_holding_it_with_a_note_each() -> None:
    no_example = template("order_update", "Hi {{1}}, welcome")  # Meta refuses variables without examples
    with_example = template("order_update", "Hi {{1}}, welcome", example={"body_text": [["Mei"]]})
    plain = template("hello", "Hi")
    held = {"21": (no_example, plain), "22": (plain, no_example), "23": (with_example, plain)}
    wabas = {w: LiveWaba(id=w, name=f"Shop {w}", numbers={}, templates=held[w]) for w in held}
    text = render_config(Snapshot(wabas=wabas, graph_url="http://x", api_version="v23.0"), list(held))

    notes = [line for line in text.splitlines() if line.startswith("# note:")]
    refusal = "the body has 1 variable(s) but example.body_text gives 0 value(s) at components.0.text"
    assert notes == [
        f"# note: shop_21: template order_update (en_US) left out: {refusal}",
        f"# note: shop_22: template order_update (en_US) left out: {refusal}",
    ]
    declared = yaml.safe_load(text)["wabas"]
    assert [t["name"] for t in declared["shop_21"]["templates"]] == ["hello"]
    assert [t["name"] for t in declared["shop_22"]["templates"]] == ["hello"]
    assert [t["name"] for t in declared["shop_23"]["templates"]] == ["order_update", "hello"]
