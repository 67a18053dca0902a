"""The values: an Event (one change Meta reported), what to read again (Refresh), what was found (Verdict)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What an event is about, so what would be read again."""

    TEMPLATE = "template"  # a message template: its ID is in the event
    NUMBER = "number"  # a phone number: its display number is in the event
    WABA = "waba"  # the account itself (review, capability, alerts, bans)
    UNKNOWN = "unknown"  # a field wabaplan does not act on: counted and ignored


@dataclass(frozen=True)
class Event:
    """One `changes[]` item of one delivery. Meta gives no event ID, so `key` is derived from the content
    (WABA, time, field, value): a redelivery of the same change has the same key."""

    key: str
    field: str
    kind: Kind
    waba_id: str
    time: int
    change: str  # the change as canonical JSON (`{"field", "value"}`), kept to map it again after a restart
    status: str | None = None  # Meta's new status, decision or event name
    reason: str | None = None
    template_id: str | None = None
    template_name: str | None = None
    template_language: str | None = None
    display_phone_number: str | None = None  # as Meta writes it: digits, no "+"
    phone_number_id: str | None = None  # when Meta names the number by its ID (account_alerts)
    extra: tuple[tuple[str, str], ...] = ()  # other facts worth a log line (quality, limits)

    def describe(self) -> str:
        """One line for the log: the field, the resource, what Meta says (never a secret: there is none)."""
        subject = self.waba_id
        if self.kind is Kind.TEMPLATE:
            subject = (
                f"template {self.template_name or '?'}/{self.template_language or '?'} ({self.template_id})"
            )
        elif self.kind is Kind.NUMBER:
            subject = f"number {self.display_phone_number or f'ID {self.phone_number_id}'}"
        said = " ".join(filter(None, [self.status, f"({self.reason})" if self.reason else None]))
        facts = " ".join(f"{k}={v}" for k, v in self.extra)
        return " ".join(filter(None, [self.field, f"WABA {self.waba_id}:", subject, said, facts]))


@dataclass(frozen=True, order=True)
class Refresh:
    """One resource to read again: events naming the same one within a short window share one read."""

    kind: Kind
    waba_id: str
    ident: (
        str  # the template's ID, the number's E.164 (or its ID, digits only: account_alerts), the WABA's ID
    )
    address: str  # its config address: wabas.NAME.templates["name/lang"], numbers["+…"], wabas.NAME


@dataclass(frozen=True)
class Verdict:
    """What a refresh found for one address: Meta's state in one line, and whether it differs from the
    config (drift that the next `plan` would act on)."""

    address: str
    summary: str
    drift: bool
    declared: bool = True  # False: the read found a resource the config does not declare

    def line(self) -> str:
        return f"{self.address}: {self.summary}{' (drift)' if self.drift else ''}"
