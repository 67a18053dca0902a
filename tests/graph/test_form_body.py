"""A batch's form body is written byte for byte as `urllib.parse.urlencode` writes it (what httpx sent
before), only faster: every character, ASCII or not, coded the same way."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from reconciler.graph.batch import form_body

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=60)


@given(st.dictionaries(ASCII | TEXT, ASCII | TEXT, max_size=4))
def test_form_body_is_what_urlencode_writes(params: dict[str, str]) -> None:
    assert form_body(params) == urlencode(params).encode()


def test_a_batch_value_keeps_its_percent_signs_plus_signs_and_spaces_apart() -> None:
    batch = '[{"relative_url":"1/p?fields=a%2Cb","body":"about=a+b c&x=1"}]'
    body = form_body({"batch": batch, "include_headers": "false"})
    assert body == urlencode({"batch": batch, "include_headers": "false"}).encode()
    assert b"%252C" in body and b"%2B" in body and b"+c" in body
