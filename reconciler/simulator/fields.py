"""`fields=` selection: `id,name,phone_numbers.limit(5){id,verified_name},subscribed_apps`.

Parsed into `FieldSpec`s; nodes.py renders objects from them. Modifiers supported: `.limit(n)`,
`.summary(true)`; nested selections in braces, before or after modifiers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .errors import invalid_parameter


@dataclass
class FieldSpec:
    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    subfields: list[FieldSpec] | None = None


def parse_fields(text: str | None) -> list[FieldSpec] | None:
    """None when no `fields` was given (defaults apply). The result is shared between the requests that
    ask with the same text (a read of 10,000 profiles asks 10,000 times alike): never change it."""
    if text is None or text.strip() == "":
        return None
    return _parsed(text)


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> list[FieldSpec]:
    return _Parser(text).parse_list(top=True)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _skip_ws(self) -> None:
        while self._peek().isspace():
            self.pos += 1

    def _fail(self, what: str) -> None:
        raise invalid_parameter(f'Syntax error "{what}" at character {self.pos} in fields: {self.text}')

    def parse_list(self, *, top: bool) -> list[FieldSpec]:
        out: list[FieldSpec] = []
        while True:
            self._skip_ws()
            if self._peek() in (",",):
                self.pos += 1
                continue
            if self._peek() == "" or self._peek() == "}":
                if not top and self._peek() == "":
                    self._fail('Expected "}"')
                if top and self._peek() == "}":
                    self._fail('Unexpected "}"')
                return out
            out.append(self._parse_item())

    def _name(self) -> str:
        start = self.pos
        while self._peek() and (self._peek().isalnum() or self._peek() == "_"):
            self.pos += 1
        if start == self.pos:
            self._fail(f'Unexpected "{self._peek()}"')
        return self.text[start : self.pos]

    def _parse_item(self) -> FieldSpec:
        spec = FieldSpec(self._name())
        while True:
            self._skip_ws()
            ch = self._peek()
            if ch == ".":
                self.pos += 1
                mod = self._name()
                if self._peek() != "(":
                    self._fail('Expected "("')
                end = self.text.find(")", self.pos)
                if end < 0:
                    self._fail('Expected ")"')
                spec.modifiers[mod] = self.text[self.pos + 1 : end].strip()
                self.pos = end + 1
            elif ch == "{":
                self.pos += 1
                spec.subfields = self.parse_list(top=False)
                if self._peek() != "}":
                    self._fail('Expected "}"')
                self.pos += 1
            else:
                return spec
