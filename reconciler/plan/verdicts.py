"""Meta's verdicts on what the config declares, as plan items (pure): the words are events.verdicts'.

    verdicts_of(config, snapshot) → every declared WABA, template and number Meta ruled on, in config order

A verdict is neither drift nor pending: Meta decided, and a person must change something (the verdict's
`fix`). The planner never proposes again what Meta turned down unchanged (a declined display name, a
rejected template's content), so a verdict can stand in a plan with no action beside it.
"""

from __future__ import annotations

from reconciler.config.model import Config
from reconciler.events.verdicts import MetaVerdict, account_rulings, number_rulings, template_rulings
from reconciler.plan.address import NumberAddress, TemplateAddress, WabaAddress
from reconciler.snapshot import Snapshot


def verdicts_of(config: Config, snapshot: Snapshot) -> list[MetaVerdict]:
    found: list[MetaVerdict] = []
    for name, waba in config.wabas.items():
        live = snapshot.wabas.get(waba.id)
        if live is None:
            continue  # an unreadable WABA is said once, as incomplete
        found += account_rulings(str(WabaAddress(name)), live.account_review_status)
        for template in waba.templates:
            existing = live.template(template.name, template.language)
            if existing is not None:
                address = str(TemplateAddress(name, template.name, template.language))
                found += template_rulings(address, existing)
    for e164, spec in config.numbers.items():
        waba = config.wabas.get(spec.waba)
        live_waba = snapshot.wabas.get(waba.id) if waba is not None else None
        number = live_waba.numbers.get(e164) if live_waba is not None else None
        if number is not None:
            found += number_rulings(str(NumberAddress(e164)), number)
    return found
