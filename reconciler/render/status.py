"""`wabaplan status` drawn from its document (`StatusReport.to_json()`): text tables, JSON or Markdown.

A value Meta did not show is null in the document and "?" here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.render.json_doc import render_json
from reconciler.render.view import CHECK_MARKS

STATUS_SIMULATED = "SIMULATED — read from the wabaplan simulator, not from Meta"
WABA_HEAD = ("WABA", "ID", "REVIEW", "VERIFICATION", "TEMPLATES", "TEMPLATE QUALITY")
NUMBER_HEAD = (
    "NUMBER", "WABA", "STATUS", "PLATFORM", "NAME", "QUALITY", "TIER", "THROUGHPUT", "REGISTER 72H", "PIN",
)  # fmt: skip


def render_status(document: Mapping[str, Any], fmt: str) -> str:
    if fmt == "json":
        return render_json(dict(document))
    if fmt == "markdown":
        return render_status_markdown(document)
    return render_status_text(document)


def render_status_text(document: Mapping[str, Any]) -> str:
    out = [STATUS_SIMULATED, ""] if document["simulated"] else []
    out += [_heading(document), ""]
    out += _table(WABA_HEAD, [_waba_row(w) for w in document["wabas"]])
    out.append("")
    out += _table(NUMBER_HEAD, [_number_row(n, document) for n in document["numbers"]])
    care = _aftercare(document)
    if care:
        out += ["", "After the move:", *(f"  {line}" for line in care)]
    notes = _notes(document)
    if notes:
        out += ["", "Notes:", *(f"  - {note}" for note in notes)]
    return "\n".join(out) + "\n"


def render_status_markdown(document: Mapping[str, Any]) -> str:
    out = [f"> **{STATUS_SIMULATED}**", ""] if document["simulated"] else []
    out += ["### wabaplan status", "", _heading(document), "", "#### WABAs", ""]
    out += _markdown_table(WABA_HEAD, [_waba_row(w) for w in document["wabas"]])
    out += ["", "#### Phone numbers", ""]
    out += _markdown_table(NUMBER_HEAD, [_number_row(n, document) for n in document["numbers"]])
    care = _aftercare(document)
    if care:
        out += ["", "#### After the move", "", *(f"- {line}" for line in care)]
    notes = _notes(document)
    if notes:
        out += ["", *(f"- {note}" for note in notes)]
    return "\n".join(out) + "\n"


def _heading(document: Mapping[str, Any]) -> str:
    return (
        f"Estate at {document['graph_url']} ({document['api_version']}), read {document['generated_at']}.\n"
        f"REGISTER {document['register_window_hours']}H: the register calls wabaplan made in Meta's rolling "
        f"{document['register_window_hours']} h, of the {document['register_limit']} Meta allows per number."
    )


def _shown(value: Any) -> str:
    return "?" if value is None else str(value)


def _tally(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"


def _waba_row(waba: Mapping[str, Any]) -> list[str]:
    if not waba["readable"]:
        return [waba["name"], waba["id"], "?", "?", "?", "?"]
    return [
        waba["name"],
        waba["id"],
        _shown(waba["review_status"]),
        _shown(waba["business_verification"]),
        _tally(waba["templates_by_status"]),
        _tally(waba["templates_by_quality"]),
    ]


def _number_row(number: Mapping[str, Any], document: Mapping[str, Any]) -> list[str]:
    return [
        number["e164"],
        number["waba"],
        _shown(number["status"]) if number["id"] is not None else "absent",
        _shown(number["platform"]),
        _shown(number["name_status"]),
        _shown(number["quality_rating"]),
        _shown(number["messaging_limit_tier"]),
        _shown(number["throughput"]),
        f"{number['register_calls_72h']}/{document['register_limit']}",
        "managed" if number["pin_managed"] else "not managed",
    ]


def _aftercare(document: Mapping[str, Any]) -> list[str]:
    """Each moved number's after-care item (✗ once the window has passed), as plans show them."""
    return [
        f"{CHECK_MARKS[item['outcome']]} {item['address']}: {item['name']}: {item['detail']}"
        for item in document.get("aftercare", ())
    ]


def _notes(document: Mapping[str, Any]) -> list[str]:
    notes = [
        f"WABA {w['name']} ({w['id']}) not read: {w['reason']}" for w in document["wabas"] if w["reason"]
    ]
    return notes + [f"{n['e164']}: {n['note']}" for n in document["numbers"] if n["note"]]


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(head, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [line(head), *(line(row) for row in rows)]


def _markdown_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [line(head), "|" + "---|" * len(head), *(line(row) for row in rows)]
