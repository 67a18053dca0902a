"""Meta's codes by name: the names the steps compare with are the numbers the error table classifies."""

from __future__ import annotations

import pytest

from reconciler.graph.errors import (
    APP_WIDE_THROTTLES,
    InvalidRequestError,
    MetaCode,
    MetaSubcode,
    PreconditionFailedError,
    ThrottledError,
    classify,
)


@pytest.mark.parametrize(
    ("code", "subcode", "error", "transient"),
    [
        (MetaCode.APP_RATE_LIMIT, None, ThrottledError, True),
        (MetaCode.USER_RATE_LIMIT, None, ThrottledError, True),
        (MetaCode.REGISTER_LIMIT, None, ThrottledError, False),
        (MetaCode.PIN_MISMATCH, None, PreconditionFailedError, False),
        (MetaCode.CODE_REFUSED, None, PreconditionFailedError, False),
        (100, MetaSubcode.TWO_STEP_ON, PreconditionFailedError, False),
        (100, MetaSubcode.ALREADY_PRESENT, PreconditionFailedError, False),
        (100, MetaSubcode.TEMPLATE_EXISTS, PreconditionFailedError, False),
        (100, MetaSubcode.MIGRATION_PRECONDITION, PreconditionFailedError, False),
        (100, MetaSubcode.TEMPLATE_NOT_FOUND, InvalidRequestError, False),  # a plain 100 to the table
    ],
)
def test_the_codes_named_are_the_table_s(
    code: int, subcode: int | None, error: type[Exception], transient: bool
) -> None:
    rule = classify(code=code, subcode=subcode, http_status=400)
    assert (rule.error, rule.transient) == (error, transient)


def test_the_names_are_the_numbers_meta_sends() -> None:
    assert MetaCode.CODE_REFUSED == 136025 and MetaSubcode.TWO_STEP_ON == 2388001
    assert {MetaCode.APP_RATE_LIMIT, MetaCode.USER_RATE_LIMIT} == APP_WIDE_THROTTLES == {4, 17}
