"""Which declared resources an event concerns: its config addresses, and the one resource to read again.

    template event  → wabas.NAME.templates["name/lang"]  (the WABA declared, the template declared in it)
    number event    → numbers["+…"]                      (declared, and in a WABA of that ID)
                      named by its ID only (account_alerts) → wabas.NAME until the read says which
    WABA event      → wabas.NAME                         (a WABA of that ID declared)

Anything else — a WABA, number or template the config does not declare, an UNKNOWN event — concerns
nothing: the receiver counts it and ignores it.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.config.model import Config
from reconciler.config.phone import e164_or_none
from reconciler.events.model import Event, Kind, Refresh


@dataclass(frozen=True)
class Concern:
    refresh: Refresh | None  # None: nothing declared is concerned
    why_not: str = ""  # when refresh is None: why the event is ignored

    @property
    def address(self) -> str:
        return self.refresh.address if self.refresh else ""


def concern_of(event: Event, config: Config) -> Concern:
    if event.kind is Kind.UNKNOWN:
        return Concern(None, f"field {event.field or '(none)'} is not one wabaplan acts on")
    names = [name for name, waba in config.wabas.items() if waba.id == event.waba_id]
    if not names:
        return Concern(None, f"WABA {event.waba_id} is not declared")
    name = names[0]
    if event.kind is Kind.WABA:
        return Concern(Refresh(Kind.WABA, event.waba_id, event.waba_id, f"wabas.{name}"))
    if event.kind is Kind.NUMBER:
        return _number(event, config, set(names))
    return _template(event, config, name)


def _number(event: Event, config: Config, names: set[str]) -> Concern:
    if event.display_phone_number is None and event.phone_number_id:  # the read finds its E.164
        name = sorted(names)[0]
        return Concern(Refresh(Kind.NUMBER, event.waba_id, event.phone_number_id, f"wabas.{name}"))
    shown = event.display_phone_number or ""
    e164 = e164_or_none(shown if shown.startswith("+") else f"+{shown}")
    spec = config.numbers.get(e164) if e164 else None
    if e164 is None or spec is None or spec.waba not in names:
        return Concern(None, f"number {shown} is not declared in WABA {event.waba_id}")
    return Concern(Refresh(Kind.NUMBER, event.waba_id, e164, f'numbers["{e164}"]'))


def _template(event: Event, config: Config, name: str) -> Concern:
    declared = {(t.name, t.language) for t in config.wabas[name].templates}
    wanted = (event.template_name, event.template_language)
    if wanted not in declared:
        return Concern(None, f"template {wanted[0]}/{wanted[1]} is not declared in wabas.{name}")
    address = f'wabas.{name}.templates["{wanted[0]}/{wanted[1]}"]'
    return Concern(Refresh(Kind.TEMPLATE, event.waba_id, str(event.template_id), address))
