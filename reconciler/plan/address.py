"""Resource addresses as values: what plans, targets and the journal name things by. Pure.

    numbers["+85251234567"]                          NumberAddress("+85251234567")
    numbers["+85251234567"].register                 NumberAddress("+85251234567", "register")
    wabas.hk_retail                                  WabaAddress("hk_retail")
    wabas.hk_retail.webhooks                         WebhooksAddress("hk_retail")
    wabas.hk_retail.templates["login_code/en_US"]    TemplateAddress("hk_retail", "login_code", "en_US")

`str()` of each is the text plans and the journal hold; `parse(text)` reads it back, so
`parse(str(address)) == address`. A WABA name that is not an identifier is quoted as config paths are
(`wabas["香港"]`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self

from reconciler.config.diagnostics import format_path
from reconciler.errors import WabaplanError


class AddressError(WabaplanError):
    """Text that is not the address of anything wabaplan plans for."""


class _Parsed:
    @classmethod
    def parse(cls, text: str) -> Self:
        """The address `text` names, which must be of this kind."""
        address = parse(text)
        if not isinstance(address, cls):
            what = cls.__name__.removesuffix("Address").lower()
            raise AddressError(f"{text!r} is not the address of a {what}")
        return address


@dataclass(frozen=True)
class NumberAddress(_Parsed):
    """A phone number; with `step`, one of its actions or write-only fields (`register`, `pin`)."""

    e164: str
    step: str | None = None

    def __str__(self) -> str:
        text = f'numbers["{self.e164}"]'
        return f"{text}.{self.step}" if self.step else text

    @property
    def resource(self) -> NumberAddress:
        """The number itself, without the step."""
        return NumberAddress(self.e164)


@dataclass(frozen=True)
class WabaAddress(_Parsed):
    name: str  # the WABA's local name in the config

    def __str__(self) -> str:
        return format_path(("wabas", self.name))


@dataclass(frozen=True)
class WebhooksAddress(_Parsed):
    waba: str  # the WABA's local name

    def __str__(self) -> str:
        return f"{WabaAddress(self.waba)}.webhooks"


@dataclass(frozen=True)
class TemplateAddress(_Parsed):
    waba: str  # the WABA's local name
    name: str
    language: str

    def __str__(self) -> str:
        return f'{WabaAddress(self.waba)}.templates["{self.name}/{self.language}"]'


Address = NumberAddress | WabaAddress | WebhooksAddress | TemplateAddress

_NUMBER = re.compile(r'numbers\["([^"]*)"\](?:\.(.+))?')
_WABA = re.compile(r'wabas(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\["((?:[^"\\]|\\.)*)"\])(.*)')
_TEMPLATE = re.compile(r'\.templates\["([^"/]+)/([^"]+)"\]')


def parse(text: str) -> Address:
    """The address `text` names, or an AddressError saying what addresses look like."""
    if number := _NUMBER.fullmatch(text):
        return NumberAddress(number.group(1), number.group(2))
    if waba := _WABA.fullmatch(text):
        name = waba.group(1) or re.sub(r"\\(.)", r"\1", waba.group(2))
        rest = waba.group(3)
        if not rest:
            return WabaAddress(name)
        if rest == ".webhooks":
            return WebhooksAddress(name)
        if template := _TEMPLATE.fullmatch(rest):
            return TemplateAddress(name, template.group(1), template.group(2))
    raise AddressError(
        f'{text!r} is not a resource address (e.g. numbers["+85251234567"], wabas.hk_retail.webhooks, '
        'wabas.hk_retail.templates["login_code/en_US"])'
    )
