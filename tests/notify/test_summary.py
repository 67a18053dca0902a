"""What a notification says, built from a plan, a status report or watch's verdicts (pure: no I/O)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cienv import job_url
from reconciler.errors import SecretError
from reconciler.events import Verdict
from reconciler.events.verdicts import MetaVerdict, Subject
from reconciler.notify.reports import from_plan, from_status
from reconciler.notify.summary import MAX_ITEMS, MAX_LINE, Count, Summary
from reconciler.notify.targets import NotifyError, redact, targets_from
from reconciler.notify.verdicts import from_verdicts
from reconciler.plan.model import Drift, Plan
from reconciler.status import REGISTER_LIMIT, NumberStatus, StatusReport, WabaStatus

DRIFT_LINE = 'numbers["+85251234567"]: profile.about is "Old" at Meta (config: "New")'
DRIFT = Drift('numbers["+85251234567"]', "profile.about", "New", "Old", DRIFT_LINE)
REJECTED = MetaVerdict(
    'wabas.hk_retail.templates["spring_sale/zh_HK"]',
    Subject.TEMPLATE_STATUS,
    "REJECTED",
    "INVALID_FORMAT",
    "change the template's content",
)
UNREADABLE = "wabas.tw_retail (2000000000002): the token may not read it"


def test_a_refresh_only_plan_with_a_verdict_drift_and_an_unreadable_waba_needs_action() -> None:
    plan = Plan(
        (),
        refresh_only=True,
        drift=(DRIFT,),
        verdicts=(REJECTED,),
        incomplete=(UNREADABLE,),
        graph_url="https://g",
    )
    summary = from_plan(plan, project="hk/numbers.yaml", job_url="https://ci/job/7")
    assert summary.needs_action and summary.total == 3
    assert summary.title() == "wabaplan plan --refresh-only: 3 items need action (hk/numbers.yaml)"
    assert summary.body().splitlines() == [
        "Found at https://g: verdicts 1, drift 1, unreadable WABAs 1.",
        "",
        f"- Meta's verdict: {REJECTED.line()}",
        f"- {DRIFT_LINE}",
        f"- unreadable: {UNREADABLE}",
        "",
        "CI job: https://ci/job/7",
    ]


def test_a_plan_without_drift_needs_nothing() -> None:
    summary = from_plan(Plan((), refresh_only=True), project="numbers.yaml")
    assert not summary.needs_action and summary.items == ()


def test_a_long_list_is_cut_and_counted_and_a_long_line_shortened() -> None:
    items = (*(f"item {i}" for i in range(MAX_ITEMS + 7)), "x" * 1000)
    body = Summary("status", "p", (Count("numbers", len(items)),), items).body()
    assert f"- item {MAX_ITEMS - 1}" in body and f"- item {MAX_ITEMS}" not in body
    assert body.endswith("… and 8 more")
    one = Summary("status", "p", (Count("numbers", 1),), ("y" * 1000,)).body()
    assert max(len(line) for line in one.splitlines()) == MAX_LINE + 2  # "- " and the cut line


def _report(wabas: tuple[WabaStatus, ...], numbers: tuple[NumberStatus, ...]) -> StatusReport:
    return StatusReport(0.0, True, "simulator", "v23.0", wabas, numbers)


def test_a_healthy_status_needs_nothing() -> None:
    report = _report(
        (WabaStatus("hk", "1", review_status="APPROVED", templates_by_status={"APPROVED": 2, "PENDING": 1}),),
        (NumberStatus("+85251234567", "hk", True, status="CONNECTED", quality_rating="YELLOW"),),
    )
    summary = from_status(report, project="numbers.yaml")
    assert not summary.needs_action, summary


def test_status_lists_what_a_person_must_act_on() -> None:
    report = _report(
        (
            WabaStatus("hk", "1", review_status="REJECTED",
                       templates_by_status={"APPROVED": 1, "REJECTED": 2},
                       templates_by_quality={"RED": 1, "GREEN": 2}),
            WabaStatus("tw", "2", readable=False, reason="permission denied"),
        ),
        (
            NumberStatus("+85251234567", "hk", True, status="FLAGGED", quality_rating="RED"),
            NumberStatus("+85261234567", "hk", True, status="CONNECTED", verified_name="Harbour",
                         name_status="DECLINED", register_calls_72h=REGISTER_LIMIT),
            NumberStatus("+886912345678", "tw", True, status="CONNECTED", quality_rating="GREEN"),
        ),
    )  # fmt: skip
    summary = from_status(report, project="numbers.yaml")
    assert summary.items == (
        "wabas.hk: account review REJECTED",
        "wabas.hk: templates 2 REJECTED, 1 quality RED",
        "wabas.tw: could not be read (permission denied)",
        'numbers["+85251234567"] (hk): status FLAGGED, quality RED',
        "numbers[\"+85261234567\"] (hk): display name 'Harbour' DECLINED, all 10 register calls of Meta's "
        "72 h window used",
    )
    assert {c.label: c.n for c in summary.counts} == {
        "unreadable WABAs": 1, "WABA reviews": 1, "numbers": 2, "templates": 3,
    }  # fmt: skip
    assert summary.title().startswith("SIMULATED: wabaplan status: 7 items need action")


def test_watch_sends_only_drift_once_per_address() -> None:
    drift = Verdict('wabas.hk_retail.templates["order_update/en_US"]', "status REJECTED", True)
    fine = Verdict('numbers["+85251234567"]', "status CONNECTED", False)
    summary = from_verdicts([drift, fine, drift], project="numbers.yaml")
    assert summary.items == (drift.line(),) and summary.total == 1
    assert not from_verdicts([fine], project="numbers.yaml").needs_action


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
             "GITHUB_RUN_ID": "123", "GITHUB_RUN_ATTEMPT": "1"},
            "https://github.com/o/r/actions/runs/123",
        ),
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "9",
             "GITHUB_RUN_ATTEMPT": "2"},
            "https://github.com/o/r/actions/runs/9/attempts/2",
        ),
        ({"GITLAB_CI": "true", "CI_JOB_URL": "https://gitlab.example/g/p/-/jobs/42"},
         "https://gitlab.example/g/p/-/jobs/42"),
        ({"GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "9"}, None),  # not in Actions
        ({"CI_JOB_URL": "javascript:alert(1)"}, None),
        ({"BUILD_URL": "https://jenkins.example/job/waba/12/"}, "https://jenkins.example/job/waba/12/"),
        ({"BUILD_URL": "file:///etc/passwd"}, None),
        ({}, None),
    ],
)  # fmt: skip
def test_the_ci_job_link(environ: dict[str, str], url: str | None) -> None:
    assert job_url(environ) == url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("slack://T1ABCDEF/B2ABCDEF/Xsecrettoken", "slack://…"),
        ("msteams://team/tokenA/tokenB/tokenC", "msteams://…"),
        ("mailto://user:app-password@gmail.com?to=ops@example.com", "mailto://…"),
        ("json://user:pw@hooks.example:8443/T0KEN/path?x=1", "json://hooks.example:8443/…"),
        ("not a url at all", "(not a URL)"),
    ],
)
def test_a_url_is_shown_without_its_token(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_targets_from_references_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "hook").write_text("json://127.0.0.1:9/a json://127.0.0.1:9/b\n", encoding="utf-8")
    environ = {"HOOK": "slack://T1/B2/C3"}
    found = targets_from(["env:HOOK", "${file:hook}", "json://h:1/t"], environ, base_dir=tmp_path)
    assert [t.label for t in found] == [
        "env:HOOK (slack://…)",
        "file:hook (json://127.0.0.1:9/…, json://127.0.0.1:9/…)",
        "json://h:1/…",
    ]
    assert found[0].url == "slack://T1/B2/C3" and "C3" not in repr(found[0])
    assert targets_from([], {"WABAPLAN_NOTIFY": "json://h/x"}, base_dir=tmp_path)[0].label == (
        "env:WABAPLAN_NOTIFY (json://h/…)"
    )
    assert targets_from([], {}, base_dir=tmp_path) == ()


def test_a_reference_not_set_or_a_value_that_is_no_url_is_refused_without_showing_it(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match=r"\$\{env:MISSING\} is not set"):
        targets_from(["env:MISSING"], {}, base_dir=tmp_path)
    with pytest.raises(NotifyError, match="neither an Apprise URL") as refused:
        targets_from(["hooks.slack.com/services/T1/B2/s3cr3t"], {}, base_dir=tmp_path)
    assert "s3cr3t" not in str(refused.value)
