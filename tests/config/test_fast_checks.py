"""The cheap checks in front of the expensive validators decide exactly as the validators alone do."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

import email_validator
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from reconciler.config import meta
from reconciler.config.model import _check_email, _check_printable, _check_website

ADDRESSES = [
    "care1@shop1.example", "a@b.co", "A.B+c_d-e@Sub.Example.COM", "x@localhost", "x@a.test", "x@a.local",
    "x@a.invalid", "x@a.onion", "x@a.arpa", "x@example", "x@a.b1", "x@a.123", "x@-a.com", "x@a-.com",
    "x@a..com", "x@.a.com", "x@a.com.", "x@ab--cd.com", "x@xn--ls8h.la", "x@xn--zz.com",
    "x@" + "a" * 64 + ".com", "x.@a.com", ".x@a.com", "x..y@a.com", "x@a_b.com", "info@a.com", "x@A.COM",
    "x@a.c", "x@1.2.3.4",
    "x@[1.2.3.4]", "\"x y\"@a.com", "x@b@c.com", "@a.com", "x@", "x", "café@a.com", "x@café.fr", "x@a.com ",
    " x@a.com", "Name <x@a.com>", "x@a.com\n", "x@a.c-m", "x@a.co-", "x+tag@a.org", "x@a.xn--p1ai",
]  # fmt: skip


def _whole(value: str) -> str:
    """What `_check_email` said before it had a cheap check: email_validator on every address."""
    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        return str(exc)
    return "ok"


def _fast(value: str) -> str:
    try:
        _check_email(value)
    except PydanticCustomError as exc:
        return str(exc)
    return "ok"


def _agree(value: str) -> None:
    whole, fast = _whole(value), _fast(value)
    assert (whole == "ok") == (fast == "ok"), (value, whole, fast)
    if whole != "ok":
        reason = whole.rstrip(".")
        assert fast == f"{value!r} is not a valid e-mail address: {reason[:1].lower()}{reason[1:]}"


@pytest.mark.parametrize("address", ADDRESSES)
def test_email_check_agrees_with_email_validator(address: str) -> None:
    _agree(address)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A[A-Za-z0-9_.+-]{1,12}@[A-Za-z0-9.-]{1,20}\Z"))
def test_email_check_agrees_on_simple_looking_addresses(address: str) -> None:
    _agree(address)


def _printable_by_category(value: str, lines: bool) -> str | None:
    allowed = {"\n", "\t"} if lines else set()
    for char in value:
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp"):
            return char
    return None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.booleans())
def test_printable_check_agrees_with_unicode_categories(value: str, lines: bool) -> None:
    refused = _printable_by_category(value, lines)
    try:
        _check_printable(lines=lines)(value)
    except PydanticCustomError:
        assert refused is not None
    else:
        assert refused is None


WEBSITES = [
    "https://shop1.example/", "http://a.b", "https://a.b:8080/x?y#z", "https://a.b/[x]", "https://[::1]/",
    "https://[::1/", "HTTPS://a.b/", "ftp://a.b/", "https:///x", "https://", "https://a.b/ x", " https://a.b/",
    "https://a.b/\t", "https://ä.b/", "https://a.b/" + "x" * 300, "https://user:pw@a.b/", "https://a.b:x/",
]  # fmt: skip


def _website_by_urlsplit(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        return f"ValueError: {exc}"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "not http(s)"
    return "too long" if len(value) > meta.PROFILE_WEBSITE_MAX else "ok"


def _website_check(value: str) -> str:
    try:
        _check_website(value)
    except PydanticCustomError as exc:
        return "too long" if "characters" in str(exc) else "not http(s)"
    except ValueError as exc:
        return f"ValueError: {exc}"
    return "ok"


@pytest.mark.parametrize("website", WEBSITES)
def test_website_check_agrees_with_urlsplit(website: str) -> None:
    assert _website_check(website) == _website_by_urlsplit(website)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A(https?|ftp|HTTP)://[A-Za-z0-9.:@\[\]-]{0,12}[/?#]?[ -~]{0,12}\Z"))
def test_website_check_agrees_on_url_looking_text(website: str) -> None:
    assert _website_check(website) == _website_by_urlsplit(website)
