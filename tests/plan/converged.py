"""Build the live snapshot that exactly matches a config: what Meta looks like once apply has converged."""

from __future__ import annotations

from reconciler.config.model import Config
from reconciler.fingerprints import verify_token_key
from reconciler.plan.build import WriteOnly
from reconciler.snapshot import LiveNumber, LiveProfile, LiveSubscription, LiveTemplate, LiveWaba, Snapshot


def converged_snapshot(config: Config) -> Snapshot:
    wabas: dict[str, LiveWaba] = {}
    for name, waba in config.wabas.items():
        numbers = {}
        for e164, spec in config.numbers.items():
            if spec.waba != name:
                continue
            profile = None
            if spec.profile is not None:
                p = spec.profile
                profile = LiveProfile(
                    p.about, p.address, p.description, p.email, p.vertical, tuple(p.websites or ())
                )
            numbers[e164] = LiveNumber(
                id=f"9{abs(hash(e164)) % 10**12}",
                e164=e164,
                display_phone_number=e164,
                waba_id=waba.id,
                status="CONNECTED",
                verified_name=spec.display_name,
                name_status="APPROVED",
                code_verification_status="VERIFIED",
                platform_type="CLOUD_API",
                profile=profile,
            )
        templates = tuple(
            LiveTemplate(
                id=f"7{index}{abs(hash(t.name)) % 10**9}",
                name=t.name,
                language=t.language,
                status="APPROVED",
                category=t.category,
                components=tuple(c.model_dump(mode="json", exclude_none=True) for c in t.components),
                parameter_format=t.parameter_format,
            )
            for index, t in enumerate(waba.templates)
        )
        subscriptions = ()
        if waba.webhooks:
            subscriptions = (
                LiveSubscription(waba.webhooks.app_id, None, waba.webhooks.override_callback_uri),
            )
        wabas[waba.id] = LiveWaba(
            id=waba.id,
            name=name,
            account_review_status=waba.expect.account_review_status or "APPROVED",
            business_verification_status=waba.expect.business_verification_status or "verified",
            owner_business_id="1000000000001",
            primary_funding_id=f"58{waba.id}",  # a payment method is attached
            subscriptions=subscriptions,
            numbers=numbers,
            templates=templates,
        )
    return Snapshot(wabas=wabas, graph_url="https://graph.facebook.com", api_version="v23.0")


def settled_write_only(config: Config) -> WriteOnly:
    """Every write-only value already set by wabaplan, unchanged since."""
    keys = []
    for e164, spec in config.numbers.items():
        address = f'numbers["{e164}"]'
        if spec.pin:
            keys.append(f"{address}.pin")
        if spec.profile and spec.profile.picture:
            keys.append(f"{address}.profile.picture")
    for waba in config.wabas.values():
        if waba.webhooks and waba.webhooks.verify_token:
            keys.append(verify_token_key(waba.id))
    fingerprints = {key: f"fp-{key}" for key in keys}
    return WriteOnly(desired=fingerprints, known=dict(fingerprints))
