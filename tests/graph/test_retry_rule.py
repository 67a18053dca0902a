"""The retry rule and the backoff schedule (seeded RNG, no waiting)."""

from __future__ import annotations

import random

import httpx
import pytest

from reconciler.graph.errors import (
    AmbiguousWriteError,
    GraphError,
    error_from_response,
    error_from_transport,
)
from reconciler.graph.retry import RetryPolicy, final_error, may_retry


def meta(code: int, status: int = 400) -> GraphError:
    body = f'{{"error":{{"message":"x","type":"OAuthException","code":{code}}}}}'
    return error_from_response(method="POST", path="/v23.0/1", status=status, body=body)


def transport(exc: Exception) -> GraphError:
    return error_from_transport(method="POST", path="/v23.0/1", exc=exc)


def test_full_jitter_stays_under_the_exponential_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (12, 8.0)]:
        samples = [policy.backoff(attempt, rng) for _ in range(200)]
        assert all(0.0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8  # it really spreads out


def test_schedule_is_reproducible_with_a_seed() -> None:
    policy = RetryPolicy()
    a = [policy.backoff(n, random.Random(1)) for n in range(1, 6)]
    b = [policy.backoff(n, random.Random(1)) for n in range(1, 6)]
    assert a == b


def test_delay_honours_meta_and_the_throttle_floor() -> None:
    policy = RetryPolicy(base_delay=0.5, throttle_floor=2.0)
    rng = random.Random(0)
    assert policy.delay(meta(80007), 1, rng) >= 2.0
    told = meta(80007)
    told.retry_after = 240.0
    assert policy.delay(told, 1, rng) == 240.0
    assert policy.delay(meta(131000, 500), 1, rng) <= 0.5


@pytest.mark.parametrize(
    ("error", "read", "write"),
    [
        (meta(80007), True, True),  # throttled: refused at the door
        (meta(2, 503), True, True),  # service unavailable
        (meta(131000, 500), True, False),  # something went wrong: maybe it did
        (meta(1, 400), True, False),
        (meta(100), False, False),
        (meta(133016), False, False),  # 72 h lock
        (meta(190, 401), False, False),
        (transport(httpx.ConnectError("refused")), True, True),
        (transport(httpx.ProxyError("502 Bad Gateway")), True, True),  # the proxy refused the tunnel
        (transport(httpx.ReadTimeout("t")), True, False),
        (transport(httpx.RemoteProtocolError("dropped")), True, False),
    ],
)
def test_the_rule(error: GraphError, read: bool, write: bool) -> None:
    assert may_retry(error, repeatable=True) is read
    assert may_retry(error, repeatable=False) is write


def test_final_error_marks_unknown_write_outcomes() -> None:
    timeout = transport(httpx.ReadTimeout("t"))
    assert isinstance(final_error(timeout, repeatable=False), AmbiguousWriteError)
    assert final_error(timeout, repeatable=True) is timeout
    throttled = meta(80007)
    assert final_error(throttled, repeatable=False) is throttled  # nothing happened: not ambiguous
    invalid = meta(100)
    assert final_error(invalid, repeatable=False) is invalid


def test_policy_is_checked() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-1)


def test_the_default_policy_is_the_documented_one() -> None:
    """docs and the module docstring promise these: six sends, 0.5 s doubling to 30 s, 300 s of waiting in
    all, and 2 s at least after a throttle that gave no estimate."""
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.base_delay, policy.max_delay) == (6, 0.5, 30.0)
    assert (policy.max_total_wait, policy.throttle_floor) == (300.0, 2.0)


def test_the_smallest_policies_are_allowed_and_refusals_say_why() -> None:
    """One send (never retry) and zero waits are legitimate policies; less is refused, saying what."""
    assert RetryPolicy(max_attempts=1, base_delay=0, max_delay=0, max_total_wait=0, throttle_floor=0)
    with pytest.raises(ValueError, match=r"^max_attempts must be at least 1$"):
        RetryPolicy(max_attempts=0)
    for field in ("base_delay", "max_delay", "max_total_wait", "throttle_floor"):
        with pytest.raises(ValueError, match=r"^delays must not be negative$"):
            RetryPolicy(**{field: -0.1})


def test_a_policy_cannot_be_changed_under_the_clients_that_share_it() -> None:
    """One policy serves every client of a command: it is a value, not a setting one of them may change."""
    policy = RetryPolicy()
    with pytest.raises(AttributeError):
        policy.max_attempts = 100  # type: ignore[misc]
    assert policy == RetryPolicy() and hash(policy) == hash(RetryPolicy())
