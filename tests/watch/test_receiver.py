"""The receiver over a real socket: verification, signatures, sizes, malformed bodies, replays, unknowns."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from meta_payloads import HK, envelope, template_status
from watchkit import APP_SECRET, VERIFY_TOKEN, Start

from reconciler.state import StateBackend
from reconciler.watch.signature import sign

APPROVED = template_status("5000000000001", "order_update", "en_US", "APPROVED")


def post(
    url: str, payload: Any, *, secret: str | None = APP_SECRET, raw: bytes | None = None
) -> httpx.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["x-hub-signature-256"] = sign(secret, body)
    return httpx.post(f"{url}/webhook", content=body, headers=headers)


def rows(backend: StateBackend) -> list[tuple[str, str, str]]:
    with backend.journal("simulator") as journal:
        return sorted((e.field, e.status, e.subject) for e in journal.events())


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        (
            {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
            200,
            "1158201444",
        ),
        ({"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}, 403, "forbidden"),
        (
            {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
            403,
            "forbidden",
        ),
        ({"hub.challenge": "1"}, 403, "forbidden"),
    ],
)
def test_meta_verifies_the_subscription(
    start_watch: Start, params: dict[str, str], status: int, text: str
) -> None:
    with start_watch() as running:
        answer = httpx.get(f"{running.url}/webhook", params=params)
    assert (answer.status_code, answer.text) == (status, text)
    assert answer.headers["content-type"].startswith("text/plain")


def test_an_approval_is_read_again_and_its_verdict_recorded(
    start_watch: Start, backend: StateBackend
) -> None:
    with start_watch() as running:
        assert post(running.url, APPROVED).status_code == 200
        assert running.worker.done.wait_for(1, timeout=10)
    (row,) = rows(backend)
    assert row == (
        "message_template_status_update",
        "done",
        'wabas.hk_retail.templates["order_update/en_US"]',
    )
    with backend.journal("simulator") as journal:
        assert "status APPROVED" in journal.events()[0].detail


@pytest.mark.parametrize(
    ("secret", "status"), [(None, 401), ("not-the-app-secret", 403)], ids=["unsigned", "forged"]
)
def test_a_delivery_not_signed_by_the_app_is_refused_and_nothing_recorded(
    start_watch: Start,
    backend: StateBackend,
    secret: str | None,
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with start_watch() as running:
        assert post(running.url, APPROVED, secret=secret).status_code == status
    assert rows(backend) == []
    assert APP_SECRET not in caplog.text and "not-the-app-secret" not in caplog.text


def test_a_replay_is_answered_200_and_acted_on_once(start_watch: Start, backend: StateBackend) -> None:
    with start_watch() as running:
        assert post(running.url, APPROVED).status_code == 200
        assert running.worker.done.wait_for(1, timeout=10)
        assert post(running.url, APPROVED).status_code == 200
        assert running.inbox.counts["duplicate"] == 1
        reads = running.worker.reads
    assert reads == 1 and len(rows(backend)) == 1


def test_unknown_fields_and_undeclared_resources_are_counted_and_ignored(
    start_watch: Start, backend: StateBackend
) -> None:
    with start_watch() as running:
        assert (
            post(running.url, envelope(HK, "messages", {"messaging_product": "whatsapp"})).status_code == 200
        )
        other = template_status("5000000000777", "not_ours", "en_US", "APPROVED")
        assert post(running.url, other).status_code == 200
        counts = dict(running.inbox.counts)
        reads = running.worker.reads
    assert (counts["unknown"], counts["ignored"], reads) == (1, 1, 0)
    assert [r[1] for r in rows(backend)] == ["ignored", "ignored"]


def test_an_oversized_body_is_refused_413(start_watch: Start, backend: StateBackend) -> None:
    with start_watch(max_body=4096) as running:
        assert post(running.url, None, raw=b"x" * 10_000_000).status_code == 413
        assert httpx.get(f"{running.url}/healthz").json()["status"] == "ok"
    assert rows(backend) == []


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b'{"object": "page", "entry": []}'])
def test_malformed_bodies_are_refused_400(start_watch: Start, backend: StateBackend, raw: bytes) -> None:
    with start_watch() as running:
        assert post(running.url, None, raw=raw).status_code == 400
    assert rows(backend) == []
