"""The fingerprints of what a plan saw are those of the live values as `dataclasses.asdict` gives them:
`snapshot.as_dict` only skips the deep copies."""

from __future__ import annotations

import dataclasses

from reconciler.plan.live import fingerprint, number_fingerprint, template_fingerprint
from reconciler.snapshot import LiveNumber, LiveProfile, LiveSubscription, LiveTemplate, as_dict

PROFILE = LiveProfile(about="Open 9-5", email="a@example.com", websites=("https://a.example",))
NUMBER = LiveNumber(
    id="3000000000001",
    e164="+85251234567",
    display_phone_number="+852 5123 4567",
    waba_id="2000000000001",
    status="CONNECTED",
    quality_rating="GREEN",
    profile=PROFILE,
)
TEMPLATE = LiveTemplate(
    id="5000000000001",
    name="order_update",
    language="en_US",
    status="APPROVED",
    category="UTILITY",
    components=({"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Mei"]]}},),
)


def test_as_dict_is_asdict() -> None:
    for value in (NUMBER, PROFILE, TEMPLATE, LiveSubscription("4000000000001", "app")):
        assert as_dict(value) == dataclasses.asdict(value)


def test_fingerprints_are_of_asdict() -> None:
    template = {k: v for k, v in dataclasses.asdict(TEMPLATE).items() if k != "rejected_reason"}
    assert template_fingerprint(TEMPLATE) == fingerprint(template)
    assert template_fingerprint(TEMPLATE) == template_fingerprint(
        dataclasses.replace(TEMPLATE, rejected_reason="INVALID_FORMAT")
    )  # Meta's comment on a template is not a change to it
    seen = {k: v for k, v in dataclasses.asdict(NUMBER).items() if k != "quality_rating"}
    for own in ("throughput_level", "messaging_limit_tier", "is_official_business_account", "onboarded_at"):
        del seen[own]
    assert number_fingerprint(NUMBER) == fingerprint(seen)
    assert number_fingerprint(NUMBER) != number_fingerprint(dataclasses.replace(NUMBER, status="PENDING"))
    assert number_fingerprint(NUMBER) == number_fingerprint(dataclasses.replace(NUMBER, quality_rating="RED"))
