"""A summary delivered through Apprise to a receiver on loopback: real HTTP, the body as sent."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import pytest
from notifykit import HOOK_TOKEN, Receiver, receiver

from reconciler.notify.send import Notifier
from reconciler.notify.summary import Count, Summary
from reconciler.notify.targets import NotifyError, targets_from

SUMMARY = Summary(
    "plan --refresh-only",
    "numbers.yaml",
    (Count("drift", 1),),
    ('numbers["+85251234567"]: profile.about is "Old" at Meta (config: "New")',),
    graph_url="https://graph.facebook.com",
    job_url="https://github.com/o/r/actions/runs/1",
)


def notifier(*values: str, environ: dict[str, str] | None = None) -> Notifier:
    return Notifier(targets_from(values, environ or {}, base_dir=Path.cwd()))


def test_a_json_webhook_gets_the_title_and_the_body(hook: Receiver) -> None:
    sender = notifier(hook.url(path=f"/hooks/{HOOK_TOKEN}"))
    assert sender.send(SUMMARY) == ()
    [request] = hook.requests
    assert request.path == f"/hooks/{HOOK_TOKEN}" and request.headers["Content-Type"] == "application/json"
    sent = request.json()
    assert sent["title"] == SUMMARY.title() and sent["message"] == SUMMARY.body()
    assert sent["type"] == "warning"
    assert "CI job: https://github.com/o/r/actions/runs/1" in sent["message"]


def test_a_form_webhook_and_a_reference_holding_two_urls(hook: Receiver) -> None:
    both = f"{hook.url('form', '/a')}, {hook.url('json', '/b')}"
    sender = notifier("env:HOOKS", environ={"HOOKS": both})
    assert sender.targets == (f"env:HOOKS (form://127.0.0.1:{hook.port}/…, json://127.0.0.1:{hook.port}/…)",)
    assert sender.send(SUMMARY) == ()
    assert sorted(r.path for r in hook.requests) == ["/a", "/b"]
    form = next(r for r in hook.requests if r.path == "/a")
    assert form.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(form.body.decode())["message"] == [SUMMARY.body()]


def test_a_dead_receiver_or_a_refusal_is_a_failure_that_names_no_token(dead_port: int) -> None:
    sender = notifier(f"json://127.0.0.1:{dead_port}/{HOOK_TOKEN}")
    [failure] = sender.send(SUMMARY)
    assert (
        failure.target == f"json://127.0.0.1:{dead_port}/…" and "connection error" in failure.reason.lower()
    )
    with receiver(status=500) as refusing:
        [failure] = notifier(refusing.url(path=f"/{HOOK_TOKEN}")).send(SUMMARY)
        assert "500" in failure.reason and len(refusing.requests) == 1
    assert HOOK_TOKEN not in repr(failure)


def test_one_failing_target_does_not_stop_the_others(hook: Receiver, dead_port: int) -> None:
    sender = notifier(f"json://127.0.0.1:{dead_port}/x", hook.url())
    assert [f.target for f in sender.send(SUMMARY)] == [f"json://127.0.0.1:{dead_port}/…"]
    assert len(hook.requests) == 1


def test_a_url_apprise_does_not_know_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(NotifyError, match=r"--notify nosuch://…: Apprise does not recognise") as refused:
        notifier(f"nosuch://{HOOK_TOKEN}/x")
    assert HOOK_TOKEN not in str(refused.value)
