"""Desired config + live snapshot → a Plan. Pure: no I/O, no clock, no secrets (only their fingerprints).

For each WABA: the webhook subscription, then templates. For each number, one of three paths:
  * at another provider (`migrate_from`): subscribe → add with the migrate flag → request code →
    verify code → register with the PIN → profile, picture, display name; templates wait for the move,
    except those the source WABA holds approved, which are copied across at once;
  * new to Meta: add → request code → verify code → register → profile, picture;
  * already here: field-level updates of display name, profile, picture and PIN.
A number part-way along a path (added but not verified, verified but not registered) resumes where it is.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.config.model import Config, PhoneNumber, Template, Waba, Webhooks
from reconciler.config.phone import InvalidNumber, parse_number, to_e164
from reconciler.diff import FieldChange, diff_fields
from reconciler.events.verdicts import MetaVerdict, declined_name
from reconciler.fingerprints import verify_token_key
from reconciler.plan.address import AddressError, NumberAddress, TemplateAddress, WabaAddress, WebhooksAddress
from reconciler.plan.address import parse as parse_address
from reconciler.plan.aftercare import MoveFacts, after_the_move, before_the_move
from reconciler.plan.drift import Drifted, Seen, split_drift
from reconciler.plan.live import (
    live_template_fields,
    number_fingerprint,
    template_fingerprint,
    template_matches,
    webhooks_fingerprint,
)
from reconciler.plan.model import (
    Action,
    Check,
    Cost,
    Kind,
    Op,
    Pending,
    Plan,
    PlanError,
    Precondition,
    Status,
)
from reconciler.plan.order import order_actions, with_dependencies
from reconciler.plan.params import (
    AddNumberParams,
    ChangeDisplayNameParams,
    CreateTemplateParams,
    DeleteTemplateParams,
    DeregisterParams,
    MigrateTemplatesParams,
    NewNumber,
    RegisterParams,
    RequestCodeParams,
    SetPinParams,
    UpdateProfileParams,
    UpdateTemplateParams,
    UploadPictureParams,
    VerifyCodeParams,
    WebhooksParams,
)
from reconciler.plan.preconditions import blocking, migration_preconditions
from reconciler.plan.verdicts import verdicts_of
from reconciler.snapshot import LiveNumber, LiveSubscription, LiveTemplate, LiveWaba, Snapshot, as_dict

EDITABLE_TEMPLATE_STATUSES = {"APPROVED", "REJECTED", "PAUSED"}
COPYABLE_QUALITY = {"GREEN", "UNKNOWN"}  # what migrate_message_templates copies (META-API.md §5.5)
GONE_TEMPLATE_STATUSES = {"DELETED", "PENDING_DELETION", "DISABLED"}  # nothing left to delete
COST_REGISTER = Cost(
    "register_attempt", "uses 1 of the 10 register calls Meta allows per number per rolling 72 h"
)
COST_DEREGISTER = Cost(
    "register_attempt", "uses 1 of the 10 deregister calls Meta allows per number per rolling 72 h"
)
COST_MESSAGING_CAP = Cost(
    "messaging_cap",
    "until the business is verified, at most 50 business-initiated messages per 24 h",
)


@dataclass(frozen=True)
class WriteOnly:
    """Fingerprints of values Meta never returns (PINs, uploaded pictures, verify tokens).

    Keys are field addresses like `numbers["+85251234567"].pin`. `desired` holds the fingerprint of what the
    config says now; `known` what the state directory recorded when wabaplan last set it; `unresolved` maps
    a key to why its value could not be read (an unset variable).
    """

    desired: Mapping[str, str] = field(default_factory=dict)
    known: Mapping[str, str] = field(default_factory=dict)
    unresolved: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanOptions:
    targets: tuple[str, ...] = ()
    refresh_only: bool = False
    simulated: bool = False
    config_hash: str = ""
    notes: tuple[str, ...] = ()  # from reading live state (e.g. a source WABA that could not be read)
    codes: frozenset[str] = frozenset()  # E.164 numbers whose one-time code is already to hand (--otp)
    moves: MoveFacts = field(default_factory=MoveFacts)  # the clock, and moves the journal saw complete


def build_plan(
    config: Config,
    snapshot: Snapshot,
    write_only: WriteOnly | None = None,
    options: PlanOptions | None = None,
) -> Plan:
    options = options or PlanOptions()
    write_only = write_only or WriteOnly()
    targets = resolve_targets(config, options.targets)
    builder = _Builder(config, snapshot, write_only, simulated=options.simulated, codes=options.codes)
    builder.run()
    actions = list(builder.actions)
    preconditions = builder.preconditions + list(after_the_move(config, snapshot, options.moves))
    pending = builder.pending
    verdicts = verdicts_of(config, snapshot)
    if targets:
        selected = {a.id for a in actions if any(_targets(a.address, t) or a.id == t for t in targets)}
        keep = with_dependencies(actions, selected)
        actions = [a for a in actions if a.id in keep]
        kept = {a.address for a in actions}
        preconditions = [p for p in preconditions if p.address in kept]
        pending = [p for p in pending if any(_targets(p.address, t) for t in targets)]
        verdicts = [v for v in verdicts if any(_targets(v.address, t) for t in targets)]
    ordered = order_actions(_propagate_blocks(actions))
    drifted = Drifted((), (), ())
    if options.refresh_only:
        seen = Seen(write_only.known, write_only.unresolved, builder.moving)
        drifted, ordered = split_drift(ordered, seen), ()
    return Plan(
        actions=ordered,
        preconditions=tuple(preconditions),
        pending=tuple(pending) + drifted.moving,
        drift=drifted.drift,
        unknown=drifted.unknown,
        verdicts=tuple(_acted_on(verdicts, ordered)),
        incomplete=tuple(builder.unreadable),
        notes=(
            *options.notes,
            *builder.unreadable,
            *builder.notes,
            *before_the_move(config, snapshot),
        ),
        config_hash=options.config_hash,
        graph_url=snapshot.graph_url,
        api_version=snapshot.api_version,
        live_fingerprints=builder.fingerprints,
        simulated=options.simulated,
        refresh_only=options.refresh_only,
        targets=targets,
    )


def _acted_on(verdicts: Iterable[MetaVerdict], actions: Iterable[Action]) -> list[MetaVerdict]:
    """Each verdict, its fix replaced by the plan's own action where the config already changed what
    Meta turned down (a rejected template's content edited: the plan resubmits it)."""
    by_address: dict[str, Action] = {}
    for action in actions:
        by_address.setdefault(action.address, action)
    return [
        replace(v, fix=f"the plan does: {by_address[v.address].summary}") if v.address in by_address else v
        for v in verdicts
    ]


# What a number's actions are called after its address (`numbers["+…"].register`): targets too.
NUMBER_STEPS = (
    "add",
    "request_code",
    "verify_code",
    "register",
    "deregister",
    "pin",
    "profile",
    "picture",
    "display_name",
)


def resolve_targets(config: Config, targets: Iterable[str]) -> tuple[str, ...]:
    """Each --target as the canonical address of something the config declares (a number written any
    way Meta would accept it), or a PlanError that names the addresses there are."""
    if not targets:
        return ()
    declared = []
    for e164 in config.numbers:
        declared += [str(NumberAddress(e164, step)) for step in (None, *NUMBER_STEPS)]
    for name, waba in config.wabas.items():
        address = WabaAddress(name)
        declared += [str(address), str(WebhooksAddress(name)), f"{address}.templates"]
        declared += [str(TemplateAddress(name, t.name, t.language)) for t in waba.templates]
    resolved = []
    for target in targets:
        canonical = target.strip()
        with suppress(AddressError):
            if isinstance(number := parse_address(canonical), NumberAddress):
                try:
                    canonical = str(replace(number, e164=to_e164(number.e164)))
                except InvalidNumber as exc:
                    raise PlanError(f"--target {target}: {exc} ({exc.fix})") from None
        if canonical not in declared:
            close = difflib.get_close_matches(canonical, declared, n=1)
            # resources, not steps: a number (`numbers["+…"]`, its steps add a dot), a WABA, a template
            kinds = [
                a for a in declared if a.endswith('"]') or (a.startswith("wabas.") and a.count(".") == 1)
            ]
            hint = f"did you mean {close[0]}?" if close else "e.g. " + ", ".join(kinds[:3])
            raise PlanError(f"--target {target!r} names nothing in the configuration ({hint})")
        resolved.append(canonical)
    return tuple(resolved)


def _targets(address: str, target: str) -> bool:
    return address == target or address.startswith(target + ".") or address.startswith(target + "[")


def _propagate_blocks(actions: list[Action]) -> list[Action]:
    """An action whose dependency is blocked is blocked too, saying by what."""
    by_id = {a.id: a for a in actions}
    changed = True
    while changed:
        changed = False
        for action in list(by_id.values()):
            if action.status is Status.BLOCKED:
                continue
            blockers = [d for d in action.depends_on if d in by_id and by_id[d].status is Status.BLOCKED]
            if blockers:
                by_id[action.id] = replace(action, status=Status.BLOCKED, reason=f"waits for {blockers[0]}")
                changed = True
    return [by_id[a.id] for a in actions]


class _Builder:
    def __init__(
        self,
        config: Config,
        snapshot: Snapshot,
        write_only: WriteOnly,
        *,
        simulated: bool = False,
        codes: frozenset[str] = frozenset(),
    ) -> None:
        self.simulated = simulated  # the simulator's "SMS" is read with `wabaplan sim inbox`, not typed
        self.codes = codes
        self.config = config
        self.snapshot = snapshot
        self.write_only = write_only
        self.actions: list[Action] = []
        self.preconditions: list[Precondition] = []
        self.pending: list[Pending] = []
        self.notes: list[str] = []
        self.unreadable: list[str] = []  # declared WABAs Meta would not show: the plan cannot be whole
        self.fingerprints: dict[str, str] = {}
        self.subscribe_action: dict[str, str] = {}  # WABA local name → its subscribe action id
        self.registers_by_waba: dict[str, list[str]] = {}  # WABA name → register ids of numbers moving in
        self.sources_by_waba: dict[str, list[str]] = {}  # WABA name → source WABA ids of numbers moving in
        self.moving: dict[str, str] = {}  # address of a number not moved in yet → its source WABA's ID

    def run(self) -> None:
        for name, waba in self.config.wabas.items():
            live = self.snapshot.wabas.get(waba.id)
            if live is None:
                why = self.snapshot.unreadable.get(waba.id)
                reason = why.reason if why else "it was not read"
                self.unreadable.append(
                    f"{WabaAddress(name)}: WABA {waba.id} cannot be planned: {reason} "
                    "(check the ID, and that the access token's system user has the WABA assigned)"
                )
                continue
            self.fingerprints[str(WebhooksAddress(name))] = webhooks_fingerprint(
                live.account_review_status, live.subscriptions
            )
            self._webhooks(name, waba, live)
        for e164, spec in self.config.numbers.items():
            live_waba = self.snapshot.wabas.get(self.config.wabas[spec.waba].id)
            if live_waba is not None:
                self._number(e164, spec, live_waba)
        for name, waba in self.config.wabas.items():
            live = self.snapshot.wabas.get(waba.id)
            if live is not None:
                self._templates(name, waba, live)
                if waba.delete_undeclared_templates and "templates" not in waba.lifecycle.ignore_changes:
                    self._undeclared_templates(name, waba, live)

    # ------------------------------------------------------------ WABA-level

    def _gate(self, name: str) -> str:
        """Why work in this WABA must wait ('' when its expectations hold)."""
        waba = self.config.wabas[name]
        live = self.snapshot.wabas[waba.id]
        problems = []
        expect = waba.expect
        if expect.account_review_status and live.account_review_status != expect.account_review_status:
            problems.append(
                f"WABA review status is {live.account_review_status or 'not reported'}, "
                f"expected {expect.account_review_status} (Meta must finish reviewing WABA {waba.id})"
            )
        wanted = expect.business_verification_status
        if wanted and live.business_verification_status != wanted:
            problems.append(
                f"business verification is {live.business_verification_status or 'not reported'}, expected "
                f"{wanted} (finish it in Meta Business Suite → Security Centre)"
            )
        return "; ".join(problems)

    def _webhooks(self, name: str, waba: Waba, live: LiveWaba) -> None:
        hooks = waba.webhooks
        if hooks is None or "webhooks" in waba.lifecycle.ignore_changes:
            return
        address = str(WebhooksAddress(name))
        current = next((s for s in live.subscriptions if s.app_id == hooks.app_id), None)
        token_key = verify_token_key(waba.id)
        # a verify token that cannot be read (an unset variable) blocks the call that would send it
        unresolved = self.write_only.unresolved.get(token_key, "") if hooks.verify_token else ""
        if current is None:
            kind, op, summary = (
                Kind.CREATE,
                Op.SUBSCRIBE_APP,
                f"subscribe app {hooks.app_id} to WABA {waba.id}'s webhooks",
            )
            changes = _subscribe_changes(hooks, live)
        else:
            kind, op, summary = (
                Kind.UPDATE,
                Op.UPDATE_WEBHOOKS,
                f"update the webhook callback override of WABA {waba.id}",
            )
            changes = self._webhook_changes(waba, hooks, current, unresolved=unresolved)
            if not changes:
                return
        action = Action(
            id=address,
            address=address,
            kind=kind,
            op=op,
            summary=summary,
            changes=changes,
            params=WebhooksParams(
                waba_id=waba.id, app_id=hooks.app_id, override_callback_uri=hooks.override_callback_uri
            ),
            status=Status.BLOCKED if unresolved else Status.READY,
            reason=unresolved,
        )
        self.actions.append(action)
        if current is None:
            self.subscribe_action[name] = action.id

    def _webhook_changes(
        self, waba: Waba, hooks: Webhooks, current: LiveSubscription, *, unresolved: str
    ) -> tuple[FieldChange, ...]:
        """What differs in an app's existing subscription: its callback override, its verify token."""
        ignore = waba.lifecycle.ignore_changes
        changes = []
        if (
            "webhooks.override_callback_uri" not in ignore
            and current.override_callback_uri != hooks.override_callback_uri
        ):
            changes.append(
                FieldChange(
                    ("override_callback_uri",), current.override_callback_uri, hooks.override_callback_uri
                )
            )
        if hooks.verify_token and "webhooks.verify_token" not in ignore:
            token_key = verify_token_key(waba.id)
            desired, known = self.write_only.desired.get(token_key), self.write_only.known.get(token_key)
            if unresolved or desired != known:
                changes.append(FieldChange(("verify_token",), None, None, sensitive=True))
        return tuple(changes)

    def _templates(self, name: str, waba: Waba, live: LiveWaba) -> None:
        if "templates" in waba.lifecycle.ignore_changes:
            return
        gate = self._gate(name)
        after_moves = tuple(self.registers_by_waba.get(name, ()))
        for index, template in enumerate(waba.templates):
            address = str(TemplateAddress(name, template.name, template.language))
            desired = _template_fields(template)
            existing = live.template(template.name, template.language)
            if existing is None:
                new = CreateTemplateParams(waba_id=waba.id, template=desired, index=index)
                self._new_template(address, name, live, template, new, gate, after_moves)
            else:
                self._existing_template(address, waba, template, existing, desired, index)

    def _existing_template(
        self,
        address: str,
        waba: Waba,
        template: Template,
        existing: LiveTemplate,
        desired: dict[str, Any],
        index: int,
    ) -> None:
        """A declared template Meta holds: an update when it differs, else a note of its review."""
        self.fingerprints[address] = template_fingerprint(existing)
        current = live_template_fields(existing, desired)
        changes = diff_fields(desired, current, ignore=template.lifecycle.ignore_changes)
        if not changes:
            if existing.status == "PENDING":
                self.pending.append(Pending(address, "template is under Meta review and matches the config"))
            return  # a REJECTED one is not resubmitted unchanged: its verdict says so
        status, reason, costs = _template_edit(existing.status, changes)
        self.actions.append(
            Action(
                id=address,
                address=address,
                kind=Kind.UPDATE,
                op=Op.UPDATE_TEMPLATE,
                summary=f"update template {template.name} ({template.language})",
                status=status,
                reason=reason,
                changes=changes,
                costs=costs,
                params=UpdateTemplateParams(
                    waba_id=waba.id, template=desired, index=index, template_id=existing.id
                ),
            )
        )

    def _awaiting_code(self, e164: str) -> str | None:
        """What verifying the number waits for, and how to give it; None when the code is already given."""
        if e164 in self.codes:
            return None
        if self.simulated:
            return (
                f"the code sent to {e164}: the simulated SMS is in `wabaplan sim inbox`; pass "
                f"--otp {e164}=CODE or set WABAPLAN_OTP_{e164[1:]}"
            )
        return (
            f"the code sent to {e164}: pass --otp {e164}=CODE, set WABAPLAN_OTP_{e164[1:]}, "
            "or type it when asked"
        )

    def _new_template(
        self,
        address: str,
        name: str,
        live: LiveWaba,
        template: Template,
        new: CreateTemplateParams,
        gate: str,
        after_moves: tuple[str, ...],
    ) -> None:
        """Copied from the source WABA of a move when it holds it approved; else submitted for review
        once the numbers moving into this WABA have moved."""
        what = f"template {template.name} ({template.language}, {template.category})"
        desired = new.template
        copyable = self._copyable(name, live, template, desired)
        params: CreateTemplateParams | MigrateTemplatesParams = new
        if copyable is not None:
            source_id, source_template = copyable
            summary = f"copy {what} from WABA {source_id}, where Meta approved it"
            op, depends_on = Op.MIGRATE_TEMPLATES, ()
            cost = Cost(
                "template_copy",
                "the copy keeps its approval, no new review; Meta re-checks its category "
                "and its quality starts UNKNOWN",
            )
            params = MigrateTemplatesParams(
                waba_id=new.waba_id,
                template=desired,
                index=new.index,
                source_waba_id=source_id,
                source_template_id=source_template.id,
            )
        else:
            op, summary, depends_on = Op.CREATE_TEMPLATE, f"create {what}", after_moves
            cost = Cost("review", "Meta reviews new templates (up to 24 h) before they can be sent")
        self.actions.append(
            Action(
                id=address,
                address=address,
                kind=Kind.CREATE,
                op=op,
                summary=summary,
                status=Status.BLOCKED if gate else Status.READY,
                reason=gate,
                depends_on=depends_on,
                changes=tuple(FieldChange((k,), None, v) for k, v in desired.items()),
                costs=(cost,),
                params=params,
            )
        )

    def _copyable(
        self, name: str, live: LiveWaba, template: Template, desired: Mapping[str, Any]
    ) -> tuple[str, LiveTemplate] | None:
        """The source WABA (of a number moving into WABA `name`) holding this very template, approved and
        of a quality Meta copies — so it can be copied across rather than submitted for review again
        (META-API.md §5.5; copying before the number registers closes the gap §1.5 describes)."""
        for source_id in self.sources_by_waba.get(name, ()):
            source = self.snapshot.sources.get(source_id)
            if source is None or not live.owner_business_id:
                continue
            if source.owner_business_id != live.owner_business_id:
                continue  # Meta copies only within one business portfolio
            found = source.template(template.name, template.language)
            if (
                found is not None
                and found.status == "APPROVED"
                and found.quality_score in COPYABLE_QUALITY
                and template_matches(desired, found, template.lifecycle.ignore_changes)
            ):
                return source_id, found
        return None

    def _undeclared_templates(self, name: str, waba: Waba, live: LiveWaba) -> None:
        """With delete_undeclared_templates, what Meta has that the file does not declare goes."""
        declared = {(t.name, t.language) for t in waba.templates}
        block = ""
        if waba.lifecycle.prevent_destroy:
            block = (
                f"{WabaAddress(name)}.lifecycle.prevent_destroy is true: set it to false to let apply "
                "delete templates in this WABA"
            )
        for existing in live.templates:
            if (existing.name, existing.language) in declared or existing.status in GONE_TEMPLATE_STATUSES:
                continue
            address = str(TemplateAddress(name, existing.name, existing.language))
            self.fingerprints[address] = template_fingerprint(existing)
            costs = [Cost("template_name_lock", "an approved template's name is locked for 30 days")]
            if existing.status != "APPROVED":
                costs = []
            self.actions.append(
                Action(
                    id=address,
                    address=address,
                    kind=Kind.DELETE,
                    op=Op.DELETE_TEMPLATE,
                    summary=f"delete template {existing.name} ({existing.language}, {existing.status}): "
                    "not declared in the config",
                    status=Status.BLOCKED if block else Status.READY,
                    reason=block,
                    guard=bool(block),
                    changes=(FieldChange(("status",), existing.status, None),),
                    costs=tuple(costs),
                    params=DeleteTemplateParams(waba_id=waba.id, template_id=existing.id, name=existing.name),
                )
            )

    # ------------------------------------------------------------ numbers

    def _number(self, e164: str, spec: PhoneNumber, live_waba: LiveWaba) -> None:
        address = str(NumberAddress(e164))
        live = live_waba.numbers.get(e164)
        if live is not None:
            self.fingerprints[address] = number_fingerprint(live)
        if not spec.registered:
            if live is not None and live.registered:
                self._deregister(address, e164, spec, live)
            return
        if live is not None and live.registered:
            if spec.migrate_from is not None:
                self.notes.append(
                    f"{address}: the move is complete; migrate_from can be removed from the config"
                )
            self._live_number(address, e164, spec, live)
            return
        self._onboarding(address, e164, spec, live_waba, live)

    def _deregister(self, address: str, e164: str, spec: PhoneNumber, live: LiveNumber) -> None:
        block = ""
        if spec.lifecycle.prevent_destroy:
            block = (
                f"{address}.lifecycle.prevent_destroy is true: set it to false to let apply deregister "
                "the number (with --allow-destroy)"
            )
        self.actions.append(
            Action(
                id=f"{address}.deregister",
                address=address,
                kind=Kind.DELETE,
                op=Op.DEREGISTER,
                summary=f"deregister {e164} from Cloud API",
                status=Status.BLOCKED if block else Status.READY,
                reason=block,
                guard=bool(block),
                changes=(FieldChange(("registered",), True, False),),
                costs=(
                    Cost("downtime", "the number stops sending and receiving until it registers again"),
                    COST_DEREGISTER,
                ),
                params=DeregisterParams(phone_number_id=live.id),
            )
        )

    def _onboarding(
        self, address: str, e164: str, spec: PhoneNumber, live_waba: LiveWaba, live: LiveNumber | None
    ) -> None:
        """Add (or add for migration), prove ownership with a code, register — resuming part-way if needed."""
        waba = self.config.wabas[spec.waba]
        parsed = parse_number(e164)
        number = NewNumber(waba_id=waba.id, cc=parsed.country_code, phone_number=parsed.national_number)
        known_id = live.id if live is not None else None
        subscribe = self.subscribe_action.get(spec.waba)
        start = (subscribe,) if subscribe else ()
        blocked_by = self._onboarding_block(address, e164, spec, live_waba, planned_subscribe=subscribe)
        previous: tuple[str, ...] = ()
        if live is None:
            previous, blocked_by = (self._add_number(address, e164, spec, number, blocked_by, start),), ""
        if live is None or live.code_verification_status != "VERIFIED":
            depends_on = previous or start
            verify = self._verify_ownership(address, e164, spec, number, known_id, blocked_by, depends_on)
            previous, blocked_by = (verify,), ""
        register = self._register_new(
            address, e164, spec, live_waba, number, known_id, blocked_by, previous or start
        )
        self._after_register(address, e164, spec, live, after=register)

    def _onboarding_block(
        self,
        address: str,
        e164: str,
        spec: PhoneNumber,
        live_waba: LiveWaba,
        *,
        planned_subscribe: str | None,
    ) -> str:
        """Why the first onboarding step must wait: the WABA's gate and, for a move, the failed
        preconditions (which are recorded in the plan)."""
        gate = self._gate(spec.waba)
        if spec.migrate_from is None:
            return gate
        source_id = spec.migrate_from.waba_id
        self.sources_by_waba.setdefault(spec.waba, []).append(source_id)
        self.moving[address] = source_id
        checks = migration_preconditions(
            address,
            e164,
            source_id,
            self.snapshot.sources.get(source_id),
            live_waba,
            subscribed_or_planned=bool(live_waba.subscriptions) or planned_subscribe is not None,
            subscription_planned=planned_subscribe is not None and not live_waba.subscriptions,
        )
        self.preconditions.extend(checks)
        return _reasons(gate, blocking(checks))

    def _add_number(
        self,
        address: str,
        e164: str,
        spec: PhoneNumber,
        number: NewNumber,
        blocked_by: str,
        depends_on: tuple[str, ...],
    ) -> str:
        """The action adding the number to its WABA (flagged as a move when it comes from another
        provider); returns its id."""
        waba_id = number["waba_id"]
        source_id = spec.migrate_from.waba_id if spec.migrate_from is not None else None
        costs: tuple[Cost, ...] = ()
        if source_id is not None:
            op = Op.ADD_NUMBER_FOR_MIGRATION
            summary = f"add {e164} to WABA {waba_id} for migration from WABA {source_id}"
            costs = (
                Cost(
                    "template_copy",
                    "only APPROVED templates with GREEN quality are copied; the rest must be re-created",
                ),
            )
        else:
            op, summary = Op.ADD_NUMBER, f"add {e164} to WABA {waba_id}"
            if not spec.display_name:
                blocked_by = _reasons(
                    blocked_by, "Meta needs a display name to add a number: set display_name"
                )
        add = Action(
            id=f"{address}.add",
            address=address,
            kind=Kind.CREATE,
            op=op,
            summary=summary,
            status=Status.BLOCKED if blocked_by else Status.READY,
            reason=blocked_by,
            depends_on=depends_on,
            changes=(FieldChange(("waba",), source_id, waba_id),),
            costs=costs,
            params=AddNumberParams(**number, verified_name=spec.display_name, migrate=source_id is not None),
        )
        self.actions.append(add)
        return add.id

    def _verify_ownership(
        self,
        address: str,
        e164: str,
        spec: PhoneNumber,
        number: NewNumber,
        known_id: str | None,
        blocked_by: str,
        depends_on: tuple[str, ...],
    ) -> str:
        """Request a one-time code, then verify it; returns the id of the verify action."""
        request = Action(
            id=f"{address}.request_code",
            address=address,
            kind=Kind.OPERATION,
            op=Op.REQUEST_CODE,
            summary=(
                f"send a one-time code to {e164} by {spec.verification.method} ({spec.verification.language})"
            ),
            status=Status.BLOCKED if blocked_by else Status.READY,
            reason=blocked_by,
            depends_on=depends_on,
            params=RequestCodeParams(
                **number,
                phone_number_id=known_id,
                code_method=spec.verification.method,
                language=spec.verification.language,
            ),
        )
        awaiting = self._awaiting_code(e164)
        verify = Action(
            id=f"{address}.verify_code",
            address=address,
            kind=Kind.OPERATION,
            op=Op.VERIFY_CODE,
            summary=f"verify the one-time code sent to {e164}"
            + (" (the code is given)" if awaiting is None else ""),
            status=Status.NEEDS_INPUT if awaiting else Status.READY,
            reason=awaiting or "",
            depends_on=(request.id,),
            params=VerifyCodeParams(**number, phone_number_id=known_id),
        )
        self.actions += [request, verify]
        return verify.id

    def _register_new(
        self,
        address: str,
        e164: str,
        spec: PhoneNumber,
        live_waba: LiveWaba,
        number: NewNumber,
        known_id: str | None,
        blocked_by: str,
        depends_on: tuple[str, ...],
    ) -> str:
        """Register the number on Cloud API with its PIN (for a move: the moment it moves); returns the id."""
        pin_key = f"{address}.pin"
        if spec.pin is None:
            blocked_by = _reasons(blocked_by, "registration sets the two-step PIN: declare pin: ${env:NAME}")
        elif pin_key in self.write_only.unresolved:
            blocked_by = _reasons(blocked_by, self.write_only.unresolved[pin_key])
        migrating = spec.migrate_from is not None
        costs = [COST_REGISTER]
        if migrating:
            costs.insert(
                0,
                Cost(
                    "downtime",
                    "the number moves when it registers here: the old provider stops serving it then",
                ),
            )
        if live_waba.business_verification_status != "verified":
            costs.append(COST_MESSAGING_CAP)
        register = Action(
            id=f"{address}.register",
            address=address,
            kind=Kind.OPERATION,
            op=Op.REGISTER,
            summary=f"register {e164} on Cloud API with its two-step PIN",
            status=Status.BLOCKED if blocked_by else Status.READY,
            reason=blocked_by,
            depends_on=depends_on,
            changes=(FieldChange(("pin",), None, None, sensitive=True),),
            costs=tuple(costs),
            params=RegisterParams(
                **number, phone_number_id=known_id, data_localization_region=spec.data_localization_region
            ),
        )
        self.actions.append(register)
        if migrating:  # the seed's order: templates are re-created once the number has moved in
            self.registers_by_waba.setdefault(spec.waba, []).append(register.id)
        return register.id

    def _after_register(
        self, address: str, e164: str, spec: PhoneNumber, live: LiveNumber | None, *, after: str
    ) -> None:
        """After registering: what the config declares that the number may not carry yet."""
        source_number = None
        if spec.migrate_from is not None:
            source = self.snapshot.sources.get(spec.migrate_from.waba_id)
            source_number = source.numbers.get(e164) if source else None
        carried = source_number or live
        self._profile(address, spec, carried, after=after)
        self._picture(address, spec, after=after)
        if (
            spec.display_name
            and carried is not None
            and carried.verified_name
            and carried.verified_name != spec.display_name
        ):
            self._rename(address, spec.display_name, carried, after=after)

    def _live_number(self, address: str, e164: str, spec: PhoneNumber, live: LiveNumber) -> None:
        ignore = set(spec.lifecycle.ignore_changes)
        if spec.display_name and "display_name" not in ignore and live.verified_name != spec.display_name:
            if live.new_display_name == spec.display_name and live.new_name_status in (
                "PENDING_REVIEW",
                None,
            ):
                self.pending.append(
                    Pending(address, f"display name {spec.display_name!r} is under Meta review")
                )
            elif declined_name(live) != spec.display_name:  # the declined name is not asked for again
                self._rename(address, spec.display_name, live, after=None)
        self._profile(address, spec, live, after=None)
        self._picture(address, spec, after=None)
        pin_key = f"{address}.pin"
        set_pin = None
        if spec.pin is not None and "pin" not in ignore:
            desired, known = self.write_only.desired.get(pin_key), self.write_only.known.get(pin_key)
            unresolved = self.write_only.unresolved.get(pin_key)
            if unresolved or desired != known:
                set_pin = f"{address}.pin"
                self.actions.append(
                    Action(
                        id=set_pin,
                        address=address,
                        kind=Kind.UPDATE,
                        op=Op.SET_PIN,
                        summary=f"set the two-step verification PIN of {e164}"
                        + ("" if known else " (wabaplan has not set it before)"),
                        status=Status.BLOCKED if unresolved else Status.READY,
                        reason=unresolved or "",
                        changes=(FieldChange(("pin",), None, None, sensitive=True),),
                        params=SetPinParams(phone_number_id=live.id),
                    )
                )
        if live.registered and live.needs_reregister:
            self._reregister(address, e164, spec, live, after=set_pin)

    def _reregister(
        self, address: str, e164: str, spec: PhoneNumber, live: LiveNumber, *, after: str | None
    ) -> None:
        """Meta approved a rename; the new name takes effect only when the number registers again."""
        pin_key = f"{address}.pin"
        block = ""
        if spec.pin is None:
            block = "re-registering needs the number's two-step PIN: declare pin: ${env:NAME} for it"
        elif pin_key in self.write_only.unresolved:
            block = self.write_only.unresolved[pin_key]
        self.actions.append(
            Action(
                id=f"{address}.register",
                address=address,
                kind=Kind.OPERATION,
                op=Op.REGISTER,
                summary=f"re-register {e164} to bring its approved name {live.verified_name!r} into use",
                status=Status.BLOCKED if block else Status.READY,
                reason=block,
                depends_on=(after,) if after else (),
                changes=(FieldChange(("pin",), None, None, sensitive=True),),
                costs=(COST_REGISTER,),
                params=RegisterParams(phone_number_id=live.id, data_localization_region=None),
            )
        )

    def _rename(self, address: str, name: str, live: LiveNumber, *, after: str | None) -> None:
        self.actions.append(
            Action(
                id=f"{address}.display_name",
                address=address,
                kind=Kind.UPDATE,
                op=Op.CHANGE_DISPLAY_NAME,
                summary=f"request display name {name!r}",
                depends_on=(after,) if after else (),
                changes=(FieldChange(("display_name",), live.verified_name, name),),
                costs=(
                    Cost(
                        "display_name_review",
                        "Meta reviews the new name (up to 3 business days), then the number must re-register "
                        "(1 of 10 register calls per 72 h)",
                    ),
                ),
                params=ChangeDisplayNameParams(
                    phone_number_id=live.id if after is None else None,
                    display_name=name,
                ),
            )
        )

    def _profile(
        self, address: str, spec: PhoneNumber, live: LiveNumber | None, *, after: str | None
    ) -> None:
        if spec.profile is None or "profile" in spec.lifecycle.ignore_changes:
            return
        desired = spec.profile.model_dump(exclude={"picture"})
        desired["websites"] = list(desired["websites"]) if desired["websites"] is not None else None
        current: dict[str, Any] = {"websites": []}
        if live is not None and live.profile is not None:
            current = {**as_dict(live.profile), "websites": list(live.profile.websites)}
        ignore = [
            p.removeprefix("profile.") for p in spec.lifecycle.ignore_changes if p.startswith("profile.")
        ]
        changes = diff_fields(desired, current, ignore=ignore, prefix=("profile",))
        if not changes:
            return
        self.actions.append(
            Action(
                id=f"{address}.profile",
                address=address,
                kind=Kind.UPDATE,
                op=Op.UPDATE_PROFILE,
                summary="update the business profile",
                depends_on=(after,) if after else (),
                changes=changes,
                params=UpdateProfileParams(
                    phone_number_id=live.id if live and after is None else None,
                    profile={str(c.path[1]): c.after for c in changes if len(c.path) >= 2},
                ),
            )
        )

    def _picture(self, address: str, spec: PhoneNumber, *, after: str | None) -> None:
        if (
            spec.profile is None
            or spec.profile.picture is None
            or "profile.picture" in spec.lifecycle.ignore_changes
        ):
            return
        key = f"{address}.profile.picture"
        desired, known = self.write_only.desired.get(key), self.write_only.known.get(key)
        unresolved = self.write_only.unresolved.get(key)
        if desired == known and not unresolved:
            return
        self.actions.append(
            Action(
                id=f"{address}.picture",
                address=address,
                kind=Kind.UPDATE,
                op=Op.UPLOAD_PICTURE,
                summary=f"upload profile picture {spec.profile.picture}",
                status=Status.BLOCKED if unresolved else Status.READY,
                reason=unresolved or "",
                depends_on=(after,) if after else (),
                changes=(
                    FieldChange(("profile", "picture"), known and "(uploaded before)", spec.profile.picture),
                ),
                params=UploadPictureParams(picture=spec.profile.picture),
            )
        )


def _subscribe_changes(hooks: Webhooks, live: LiveWaba) -> tuple[FieldChange, ...]:
    """What subscribing the app changes: it joins the apps already subscribed (they stay)."""
    subscribed = [s.app_id for s in live.subscriptions]
    changes = [FieldChange(("subscribed_apps",), subscribed, [*subscribed, hooks.app_id])]
    if hooks.override_callback_uri:
        changes.append(FieldChange(("override_callback_uri",), None, hooks.override_callback_uri))
        changes.append(FieldChange(("verify_token",), None, None, sensitive=True))
    return tuple(changes)


def _template_edit(
    status: str | None, changes: Iterable[FieldChange]
) -> tuple[Status, str, tuple[Cost, ...]]:
    """Whether a template Meta holds with `status` may take `changes` (and why not), and what it costs."""
    costs = [Cost("review", "the edited template goes back to Meta review")]
    if status not in EDITABLE_TEMPLATE_STATUSES:
        return (
            Status.BLOCKED,
            f"a {status} template cannot be edited; wait until Meta has reviewed it",
            tuple(costs),
        )
    reason = ""
    if status == "APPROVED":
        if any(c.path == ("category",) for c in changes):
            reason = (
                "the category of an approved template cannot be changed: "
                "give the template a new name "
                "(deleting it locks the name for 30 days)"
            )
        costs.append(
            Cost("template_edit", "approved templates may be edited once per 24 h, 10 times per 30 days")
        )
    return (Status.BLOCKED if reason else Status.READY), reason, tuple(costs)


def _reasons(*reasons: str) -> str:
    """Reasons to block, joined; '' when none is given."""
    return "; ".join(r for r in reasons if r)


def _template_fields(template: Template) -> dict[str, Any]:
    dumped = template.model_dump(mode="json", exclude={"lifecycle", "name", "language"}, exclude_none=True)
    dumped["components"] = [
        {k: v for k, v in component.items() if v is not None} for component in dumped["components"]
    ]
    return dumped


def summarise_checks(checks: Iterable[Precondition]) -> dict[str, int]:
    counts = {outcome.value: 0 for outcome in Check}
    for check in checks:
        counts[check.outcome.value] += 1
    return counts
