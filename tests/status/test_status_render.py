"""The status document drawn as text, Markdown and JSON: "?" where Meta gave nothing."""

from __future__ import annotations

import json

from test_status_report import NOW, estate

from reconciler.config.model import Config
from reconciler.render.status import render_status
from reconciler.status import JournalFacts, build_status


def document(config: Config) -> dict[str, object]:
    facts = JournalFacts(registers=(('numbers["+85251234567"]', NOW),), fingerprinted=frozenset())
    return build_status(config, estate(), facts, now=NOW).to_json()


def test_text_is_a_table_a_row_per_number(config: Config) -> None:
    text = render_status(document(config), "text")
    lines = text.splitlines()
    head = next(line for line in lines if line.startswith("NUMBER"))
    assert head.split() == [
        "NUMBER", "WABA", "STATUS", "PLATFORM", "NAME", "QUALITY", "TIER", "THROUGHPUT", "REGISTER", "72H",
        "PIN",
    ]  # fmt: skip
    main = next(line for line in lines if line.startswith("+85251234567"))
    assert main.split() == [
        "+85251234567", "hk_retail", "CONNECTED", "CLOUD_API", "APPROVED", "GREEN", "TIER_1K", "STANDARD",
        "1/10", "not", "managed",
    ]  # fmt: skip
    pending = next(line for line in lines if line.startswith("+85290000000"))
    assert pending.split()[2:8] == ["PENDING", "?", "?", "?", "?", "?"]
    assert "+85261234567: not moved in yet (at WABA 2000000000901)" in text
    assert "WABA tw_retail (2000000000002) not read: the access token has no permission on it" in text
    assert "APPROVED 2, REJECTED 1" in text and "?" in text
    assert "SIMULATED" not in text


def test_markdown_has_a_table_for_wabas_and_one_for_numbers(config: Config) -> None:
    markdown = render_status(document(config), "markdown")
    assert "| NUMBER | WABA | STATUS |" in markdown and "| WABA | ID | REVIEW |" in markdown
    assert (
        "| +85251234567 | hk_retail | CONNECTED | CLOUD_API | APPROVED | GREEN | TIER_1K | STANDARD | 1/10 |"
        in markdown
    )
    assert "| tw_retail | 2000000000002 | ? | ? | ? | ? |" in markdown


def test_json_is_the_document_with_nulls_for_what_meta_did_not_say(config: Config) -> None:
    parsed = json.loads(render_status(document(config), "json"))
    assert parsed == document(config)
    pending = next(n for n in parsed["numbers"] if n["e164"] == "+85290000000")
    assert pending["quality_rating"] is None and pending["messaging_limit_tier"] is None
