"""One coroutine per plan operation: the Graph calls that carry it out.

Each step gets the action and a `StepContext` (the client, the journal, resolved inputs) and returns a
`StepResult`. Steps that create something Meta cannot de-duplicate (add a number, create a template, send
a one-time code) record an intent in the journal first and the outcome after; when a write's answer is
lost (`AmbiguousWriteError`), they read Meta to learn what happened instead of calling again.
"""

from __future__ import annotations

import asyncio
import mimetypes
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from reconciler.config.model import Config
from reconciler.fingerprints import keyed, of_file, verify_token_key
from reconciler.graph.client import GraphClient
from reconciler.graph.errors import AmbiguousWriteError, GraphError, MetaCode, MetaSubcode
from reconciler.plan import params
from reconciler.plan.address import NumberAddress, TemplateAddress
from reconciler.plan.live import template_matches
from reconciler.plan.model import Action, Op
from reconciler.plan.params import (
    AddNumberParams,
    ChangeDisplayNameParams,
    CreateTemplateParams,
    DeleteTemplateParams,
    MigrateTemplatesParams,
    RegisterParams,
    RequestCodeParams,
    UpdateProfileParams,
    UpdateTemplateParams,
    UploadPictureParams,
    WebhooksParams,
)
from reconciler.reader import reread_template
from reconciler.state.journal import Journal, OpenIntent
from reconciler.state.records import IntentOutcome

MAX_POLL_SECONDS = 30.0
CODE_VALID_SECONDS = 600  # a one-time code is not requested again within this window
PRECONDITION_SUBCODES = {MetaSubcode.TWO_STEP_ON, MetaSubcode.MIGRATION_PRECONDITION}  # META-API.md §1.7

AskCode = Callable[[str, threading.Event], "str | None"]  # (E.164, stop) → a one-time code, or None


@dataclass(frozen=True)
class StepResult:
    status: str  # done | waiting | needs_input | blocked
    detail: str = ""


class StepFailed(Exception):
    """A step cannot complete; `str()` says why and what to do (never a secret)."""


@dataclass
class StepContext:
    graph: GraphClient
    config: Config
    journal: Journal
    run_id: int
    key: bytes  # fingerprint key
    secret: Callable[[str, str], str]  # (field address, reference) → value
    otp: AskCode  # e164 → one-time code, or None (asking gives up once the event is set)
    config_dir: Path = Path(".")
    config_arg: str = "numbers.yaml"  # the config as the user named it, for hints
    simulated: bool = False
    wait: bool = False
    wait_timeout: float = 600.0
    poll_interval: float = 1.0  # the first wait between reads under --wait; grows to MAX_POLL_SECONDS
    clock: Callable[[], float] = time.time
    allow_destroy: bool = False
    resend: frozenset[str] = frozenset()  # E.164 numbers to send a new code to, even if one may be valid
    supplied_codes: frozenset[str] = frozenset()  # E.164 numbers with a code from --otp or the environment
    phone_ids: dict[str, str] = field(default_factory=dict)  # number address → phone number ID


Step = Callable[[Action, StepContext], Awaitable[StepResult]]


def _sim(ctx: StepContext, command: str, e164: str) -> str:
    """The `wabaplan sim` command that plays the human part in --sim runs, for this config."""
    return f"wabaplan sim {command} {e164} -c {ctx.config_arg}"


def e164_of(action: Action) -> str:
    """The number an action is on."""
    return NumberAddress.parse(action.address).e164


async def phone_id(action: Action, ctx: StepContext) -> str:
    """The number's ID: from the plan, from an earlier step of this run, or by reading its WABA."""
    known = params.phone_number_id(action.params) or ctx.phone_ids.get(action.address)
    if known:
        return known
    found = await _find_number(ctx, params.waba_id(action.params) or _waba_of(action, ctx), e164_of(action))
    if found is None:
        raise StepFailed(f"{e164_of(action)} is not in its WABA yet: the step that adds it has not run")
    ctx.phone_ids[action.address] = found
    return found


def _waba_of(action: Action, ctx: StepContext) -> str:
    spec = ctx.config.numbers[e164_of(action)]
    return ctx.config.wabas[spec.waba].id


async def _find_number(ctx: StepContext, waba_id: str, e164: str) -> str | None:
    from reconciler.config.phone import e164_or_none

    for item in await ctx.graph.get_all_pages(
        f"{waba_id}/phone_numbers", fields=["id", "display_phone_number", "status"], waba_id=waba_id
    ):
        display = str(item.get("display_phone_number", ""))
        if (
            e164_or_none(display if display.startswith("+") else "+" + display) == e164
            and item.get("status") != "MIGRATED"
        ):
            return str(item["id"])
    return None


# ------------------------------------------------------------------ account set-up


async def subscribe_app(action: Action, ctx: StepContext) -> StepResult:
    waba_id = action.params_as(WebhooksParams).waba_id
    data: dict[str, Any] = {}
    name = _waba_name(ctx, waba_id)
    hooks = ctx.config.wabas[name].webhooks
    token_key = verify_token_key(waba_id)
    if hooks is not None and hooks.override_callback_uri and hooks.verify_token:
        data = {
            "override_callback_uri": hooks.override_callback_uri,
            "verify_token": ctx.secret(token_key, hooks.verify_token),
        }
    await ctx.graph.post(f"{waba_id}/subscribed_apps", data or None, waba_id=waba_id, idempotent=True)
    if data:
        ctx.journal.set_fingerprint(token_key, keyed(ctx.key, data["verify_token"]), at=ctx.clock())
    return StepResult("done", "subscribed" + (" with a callback override" if data else ""))


def _waba_name(ctx: StepContext, waba_id: str) -> str:
    return next(name for name, waba in ctx.config.wabas.items() if waba.id == waba_id)


# ------------------------------------------------------------------ numbers


async def add_number(action: Action, ctx: StepContext) -> StepResult:
    given = action.params_as(AddNumberParams)
    waba_id = given.waba_id
    data: dict[str, Any] = {"cc": given.cc, "phone_number": given.phone_number}
    if given.migrate:
        data["migrate_phone_number"] = True
    else:
        data["verified_name"] = given.verified_name
    with _intent(ctx, action) as intent:
        try:
            answer = await ctx.graph.post(f"{waba_id}/phone_numbers", data, waba_id=waba_id)
        except AmbiguousWriteError:
            found = await _find_number(ctx, waba_id, e164_of(action))
            intent.resolve(IntentOutcome.DONE if found else IntentOutcome.NOT_DONE, "answer lost; read back")
            if found is None:
                raise StepFailed(
                    "Meta's answer was lost and the number is not there: run apply again"
                ) from None
            ctx.phone_ids[action.address] = found
            return StepResult("done", f"added (id {found}; the answer was lost, read back from Meta)")
        except GraphError as exc:
            if exc.subcode == MetaSubcode.ALREADY_PRESENT and (
                found := await _find_number(ctx, waba_id, e164_of(action))
            ):
                intent.resolve(IntentOutcome.DONE, f"already present: id {found}")
                ctx.phone_ids[action.address] = found
                return StepResult("done", f"already in the WABA (id {found})")
            intent.resolve(IntentOutcome.FAILED, _code(exc))
            if exc.subcode in PRECONDITION_SUBCODES:  # someone else must act: a person, not a retry
                hint = ""
                if ctx.simulated and exc.subcode == MetaSubcode.TWO_STEP_ON:
                    owner = _sim(ctx, "disable-two-step", e164_of(action))
                    hint = f" (simulated: `{owner}` plays the owner)"
                return StepResult("blocked", _explain(exc) + hint)
            raise StepFailed(_explain(exc)) from None
        ctx.phone_ids[action.address] = str(answer["id"])
        intent.resolve(IntentOutcome.DONE, f"id {answer['id']}")
    return StepResult("done", f"added (id {answer['id']})")


def _intent(ctx: StepContext, action: Action) -> AbstractContextManager[OpenIntent]:
    """The journal's intent for this action's call, open until the block resolves or leaves it."""
    return ctx.journal.intent(ctx.run_id, action_id=action.id, op=action.op.value, subject=action.address)


async def request_code(action: Action, ctx: StepContext) -> StepResult:
    e164 = e164_of(action)
    if e164 in ctx.supplied_codes and e164 not in ctx.resend:
        return StepResult("done", "a code was supplied for this number: verifying it, not requesting another")
    last = ctx.journal.last_code_request(e164)
    if e164 not in ctx.resend and last is not None and ctx.clock() - last.at < CODE_VALID_SECONDS:
        minutes = int((ctx.clock() - last.at) // 60)
        sent = "was sent" if last.confirmed else "may have been sent"
        detail = f"a code {sent} {minutes} min ago and may still be valid: not sending another"
        return StepResult("done", detail)
    number_id = await phone_id(action, ctx)
    given = action.params_as(RequestCodeParams)
    method, language = given.code_method, given.language
    with _intent(ctx, action) as intent:
        request = ctx.journal.record_code_request(number=e164, method=method, at=ctx.clock())
        try:
            await ctx.graph.post(f"{number_id}/request_code", {"code_method": method, "language": language})
        except AmbiguousWriteError:
            intent.resolve(IntentOutcome.UNKNOWN, "answer lost; a code may have been sent")
            return StepResult(
                "done", "Meta's answer was lost; a code may have been sent (not sending another)"
            )
        except GraphError as exc:
            intent.resolve(IntentOutcome.FAILED, _code(exc))
            ctx.journal.forget_code_request(request)  # Meta said no: no code is on its way
            raise StepFailed(_explain(exc)) from None
        ctx.journal.confirm_code_request(request)
    where = f"; read it with `{_sim(ctx, 'inbox', e164)}`" if ctx.simulated else ""
    return StepResult("done", f"code sent by {method}{where}")


async def verify_code(action: Action, ctx: StepContext) -> StepResult:
    e164 = e164_of(action)
    stop = threading.Event()
    try:
        code = await asyncio.to_thread(ctx.otp, e164, stop)  # a prompt must not stall the other actions
    finally:
        stop.set()  # interrupted: the prompt gives up, so the run can end
    if not code:
        where = f" (simulated SMS: `{_sim(ctx, 'inbox', e164)}`)" if ctx.simulated else ""
        last = ctx.journal.last_code_request(e164)
        unsure = ""
        if last is not None and not last.confirmed:
            unsure = (
                f"; Meta never confirmed sending it, so if no code arrives, rerun with --resend-code {e164}"
            )
        return StepResult(
            "needs_input",
            f"awaiting the code sent to {e164}{where}: rerun with --otp {e164}=CODE "
            f"or WABAPLAN_OTP_{e164[1:]}=CODE{unsure}",
        )
    number_id = await phone_id(action, ctx)
    try:
        await ctx.graph.post(
            f"{number_id}/verify_code", {"code": code.replace("-", "").strip()}, idempotent=True
        )
    except GraphError as exc:
        if exc.code == MetaCode.CODE_REFUSED and await _verified(ctx, number_id):
            return StepResult("done", "ownership verified (Meta's first answer was lost; read back)")
        if exc.code == MetaCode.CODE_REFUSED:
            raise StepFailed(
                f"Meta refused the code for {e164} (wrong or expired): check it, or rerun without --otp "
                f"and with --resend-code {e164} to have a new one sent"
            ) from None
        raise StepFailed(_explain(exc)) from None
    return StepResult("done", "ownership verified")


async def _verified(ctx: StepContext, number_id: str) -> bool:
    """A retried verify_code is refused once the first one worked: ask Meta which it was."""
    answer = await ctx.graph.get(number_id, fields=["code_verification_status"])
    return answer.get("code_verification_status") == "VERIFIED"


async def register(action: Action, ctx: StepContext) -> StepResult:
    return await _register(action, ctx, action.params_as(RegisterParams).data_localization_region)


async def _register(action: Action, ctx: StepContext, region: str | None) -> StepResult:
    spec = ctx.config.numbers[e164_of(action)]
    if spec.pin is None:
        raise StepFailed("registration sets the two-step PIN: declare pin: ${env:NAME}")
    pin_key = f"{action.address}.pin"
    pin = ctx.secret(pin_key, spec.pin)
    number_id = await phone_id(action, ctx)
    data = {"messaging_product": "whatsapp", "pin": pin}
    if region:
        data["data_localization_region"] = region
    try:
        await ctx.graph.post(f"{number_id}/register", data)
    except AmbiguousWriteError:
        if not await _registered(ctx, number_id):
            raise StepFailed(
                "Meta's answer was lost and the number is not registered: run apply again"
            ) from None
    except GraphError as exc:
        raise StepFailed(_explain(exc)) from None
    ctx.journal.set_fingerprint(pin_key, keyed(ctx.key, pin), at=ctx.clock())
    moved = spec.migrate_from is not None and action.params_as(RegisterParams).waba_id is not None
    if moved:  # this row is the journal's record of when the move completed (plan/aftercare.py)
        return StepResult(
            "done", f"registered; two-step PIN set; moved in from WABA {spec.migrate_from.waba_id}"
        )
    return StepResult("done", "registered; two-step PIN set")


async def _registered(ctx: StepContext, number_id: str) -> bool:
    """After a lost answer to register/deregister: what Meta shows now says whether it took effect."""
    return (await ctx.graph.get(number_id, fields=["status"])).get("status") == "CONNECTED"


async def set_pin(action: Action, ctx: StepContext) -> StepResult:
    spec = ctx.config.numbers[e164_of(action)]
    pin_key = f"{action.address}.pin"
    pin = ctx.secret(pin_key, spec.pin or "")
    number_id = await phone_id(action, ctx)
    try:
        await ctx.graph.post(number_id, {"pin": pin}, idempotent=True)
    except GraphError as exc:
        raise StepFailed(_explain(exc)) from None
    ctx.journal.set_fingerprint(pin_key, keyed(ctx.key, pin), at=ctx.clock())
    return StepResult("done", "two-step PIN set")


async def update_profile(action: Action, ctx: StepContext) -> StepResult:
    spec = ctx.config.numbers[e164_of(action)]
    number_id = await phone_id(action, ctx)
    fields = dict(action.params_as(UpdateProfileParams).profile)
    if spec.profile is not None:  # send every declared field: a profile is written as a whole
        declared = spec.profile.model_dump(exclude={"picture"}, exclude_none=True)
        fields = {**declared, **{k: v for k, v in fields.items() if v is not None}}
    await ctx.graph.post(
        f"{number_id}/whatsapp_business_profile", {"messaging_product": "whatsapp", **fields}, idempotent=True
    )
    changed = sorted({".".join(c.path[1:]) for c in action.changes if c.path[:1] == ("profile",)})
    return StepResult("done", f"profile updated ({', '.join(changed or sorted(fields))})")


async def upload_picture(action: Action, ctx: StepContext) -> StepResult:
    e164 = e164_of(action)
    spec = ctx.config.numbers[e164]
    waba = ctx.config.wabas[spec.waba]
    if waba.webhooks is None:
        raise StepFailed("uploading a picture needs the app's ID: declare wabas.<name>.webhooks.app_id")
    path = Path(ctx.config_dir) / action.params_as(UploadPictureParams).picture
    content = path.read_bytes()
    mime = mimetypes.guess_type(path.name)[0] or "image/jpeg"
    session = await ctx.graph.post(
        f"{waba.webhooks.app_id}/uploads",
        {"file_name": path.name, "file_length": len(content), "file_type": mime},
        idempotent=True,
    )
    handle = (await _upload(ctx, str(session["id"]), content))["h"]
    number_id = await phone_id(action, ctx)
    await ctx.graph.post(
        f"{number_id}/whatsapp_business_profile",
        {"messaging_product": "whatsapp", "profile_picture_handle": handle},
        idempotent=True,
    )
    profile = await ctx.graph.get(f"{number_id}/whatsapp_business_profile", fields=["profile_picture_url"])
    url = ((profile.get("data") or [{}])[0] or {}).get("profile_picture_url") or "(not shown yet)"
    ctx.journal.set_fingerprint(
        f"{action.address}.profile.picture",
        of_file(ctx.key, path),
        detail=f"handle {handle}; url {url}",
        at=ctx.clock(),
    )
    return StepResult("done", f"picture {path.name} uploaded and set")


async def _upload(ctx: StepContext, session: str, content: bytes) -> Any:
    """Send the bytes; resending from offset 0 is harmless, so transient failures are retried here."""
    for attempt in range(5):
        try:
            return await ctx.graph.upload(session, content)
        except GraphError as exc:
            if not exc.transient or attempt == 4:
                raise StepFailed(_explain(exc)) from None
            await asyncio.sleep(0.1 * 2**attempt)
    raise AssertionError("unreachable")


async def change_display_name(action: Action, ctx: StepContext) -> StepResult:
    number_id = await phone_id(action, ctx)
    name = action.params_as(ChangeDisplayNameParams).display_name
    try:
        await ctx.graph.post(number_id, {"new_display_name": name}, idempotent=False)
    except AmbiguousWriteError:
        # Meta refuses the same rename again while it reviews the first: a lost answer is read back
        now = await ctx.graph.get(number_id, fields=["verified_name", "new_display_name"])
        if name not in (now.get("new_display_name"), now.get("verified_name")):
            raise StepFailed(
                "Meta's answer was lost and the display name was not submitted: run apply again"
            ) from None
    detail = f"display name {name!r} submitted; Meta reviews it (up to 3 business days), then re-register"
    if not ctx.wait:
        return StepResult("waiting", detail)
    if await _poll(ctx, number_id, "new_name_status", ("PENDING_REVIEW",)) is None:
        return StepResult("waiting", f"{detail}; still under review after {ctx.wait_timeout:g} s of --wait")
    now = await ctx.graph.get(number_id, fields=["verified_name", "name_status", "status"])
    if now.get("verified_name") != name:  # declined: the rename is gone and name_status says DECLINED
        raise StepFailed(f"Meta declined the display name {name!r} (name status {now.get('name_status')})")
    if now.get("status") == "CONNECTED":
        await _register(action, ctx, None)  # the approved name takes effect at the next register
        return StepResult("done", f"display name {name!r} approved; number re-registered")
    return StepResult("done", f"display name {name!r} approved")


async def deregister(action: Action, ctx: StepContext) -> StepResult:
    number_id = await phone_id(action, ctx)
    try:
        await ctx.graph.post(f"{number_id}/deregister", {})
    except AmbiguousWriteError:
        if await _registered(ctx, number_id):
            raise StepFailed(
                "Meta's answer was lost and the number is still registered: run apply again"
            ) from None
    except GraphError as exc:
        raise StepFailed(_explain(exc)) from None
    return StepResult("done", "deregistered: the number no longer sends or receives on Cloud API")


# ------------------------------------------------------------------ templates


async def delete_template(action: Action, ctx: StepContext) -> StepResult:
    given = action.params_as(DeleteTemplateParams)
    waba_id, name, template_id = given.waba_id, given.name, given.template_id
    try:  # by hsm_id, so a repeat finds nothing to delete (2593002): safe to retry
        await ctx.graph.delete(
            f"{waba_id}/message_templates",
            {"name": name, "hsm_id": template_id},
            waba_id=waba_id,
            idempotent=True,
        )
    except GraphError as exc:
        if exc.subcode == MetaSubcode.TEMPLATE_NOT_FOUND:  # already gone
            return StepResult("done", f"template {name} was already deleted")
        raise StepFailed(_explain(exc)) from None
    return StepResult("done", f"template {name} deleted")


async def create_template(action: Action, ctx: StepContext) -> StepResult:
    given = action.params_as(CreateTemplateParams)
    waba_id = given.waba_id
    name, language = _template_key(action)
    body = {"name": name, "language": language, **given.template}
    with _intent(ctx, action) as intent:
        try:
            answer = await ctx.graph.post(f"{waba_id}/message_templates", body, waba_id=waba_id)
        except AmbiguousWriteError:
            existing = await _find_template(ctx, waba_id, name, language)
            intent.resolve(IntentOutcome.DONE if existing else IntentOutcome.NOT_DONE, "answer lost")
            if existing is None:
                raise StepFailed(
                    "Meta's answer was lost and the template is not there: run apply again"
                ) from None
            answer = existing
        except GraphError as exc:
            intent.resolve(IntentOutcome.FAILED, _code(exc))
            if exc.subcode == MetaSubcode.TEMPLATE_EXISTS:
                return await _already_there(action, ctx, waba_id, "it was created meanwhile")
            raise StepFailed(_explain(exc)) from None
        else:
            intent.resolve(IntentOutcome.DONE, f"id {answer['id']}")
    return await _review(ctx, str(answer["id"]), str(answer.get("status", "PENDING")), f"template {name}")


async def migrate_template(action: Action, ctx: StepContext) -> StepResult:
    """Copy an approved template from a migration's source WABA (META-API.md §5.5). A lost answer is
    settled by reading the destination's templates, not by calling again."""
    given = action.params_as(MigrateTemplatesParams)
    waba_id, source_id, template_id = given.waba_id, given.source_waba_id, given.source_template_id
    body = {"source_waba_id": source_id, "template_ids": [template_id]}
    try:
        answer = await ctx.graph.post(f"{waba_id}/migrate_message_templates", body, waba_id=waba_id)
    except AmbiguousWriteError:  # settled by what Meta now holds, never by copying again
        return await _already_there(action, ctx, waba_id, "Meta's answer was lost")
    except GraphError as exc:
        raise StepFailed(_explain(exc)) from None
    if template_id in (answer.get("migrated_templates") or []):
        return await _already_there(action, ctx, waba_id, "copied")
    reason = (answer.get("failed_templates") or {}).get(template_id, "no reason given")
    missing = (
        f"Meta did not copy template {template_id} from WABA {source_id} ({reason}): "
        "plan again to create it instead"
    )
    return await _already_there(action, ctx, waba_id, "it was already there", missing=missing)


async def _already_there(
    action: Action, ctx: StepContext, waba_id: str, how: str, *, missing: str = ""
) -> StepResult:
    """Settle a template by what Meta now holds: as declared (then as its review stands), or a stale
    plan when it is missing (`missing` says what then) or differs (say, a migration copied an older
    version)."""
    name, language = _template_key(action)
    found = await _find_template(ctx, waba_id, name, language)
    if found is None:
        raise StepFailed(
            missing or f"template {name} ({language}) is not in WABA {waba_id} ({how}): apply again"
        )
    live = await reread_template(ctx.graph, str(found["id"]))
    declared = action.params_as(CreateTemplateParams, MigrateTemplatesParams).template
    if not template_matches(declared, live, _ignored(action, ctx, waba_id)):
        raise StepFailed(
            f"stale plan: template {name} ({language}) now exists in WABA {waba_id} with other content "
            "(a number's migration may have copied it); plan again"
        )
    return await _review(ctx, live.id, live.status, f"template {name} ({how})")


async def update_template(action: Action, ctx: StepContext) -> StepResult:
    given = action.params_as(UpdateTemplateParams)
    template_id, template = given.template_id, given.template
    data = {"components": template["components"]}
    if any(c.path == ("category",) for c in action.changes):
        data["category"] = template["category"]
    try:
        await ctx.graph.post(template_id, data, idempotent=False)
    except AmbiguousWriteError:
        # Meta will not edit a template under review, which the first edit made it: read it back
        if not template_matches(template, await reread_template(ctx.graph, template_id)):
            raise StepFailed(
                "Meta's answer was lost and the template is not as edited: run apply again"
            ) from None
    except GraphError as exc:
        raise StepFailed(_explain(exc)) from None
    status = (await ctx.graph.get(template_id, fields=["status"])).get("status", "PENDING")
    return await _review(ctx, template_id, status, "edited template")


async def _review(ctx: StepContext, template_id: str, status: str, what: str) -> StepResult:
    if status == "APPROVED":
        return StepResult("done", f"{what} approved")
    if status == "REJECTED":
        raise StepFailed(f"Meta rejected the {what}: change its content and apply again")
    if not ctx.wait:
        return StepResult("waiting", f"{what} submitted (id {template_id}); Meta reviews it (up to 24 h)")
    final = await _poll(ctx, template_id, "status", ("PENDING", "IN_APPEAL"))
    if final is None:
        return StepResult(
            "waiting", f"{what} (id {template_id}) still under review after {ctx.wait_timeout:g} s of --wait"
        )
    if final != "APPROVED":
        raise StepFailed(f"Meta did not approve the {what}: status {final}")
    return StepResult("done", f"{what} approved")


async def _find_template(ctx: StepContext, waba_id: str, name: str, language: str) -> dict[str, Any] | None:
    for item in await ctx.graph.get_all_pages(
        f"{waba_id}/message_templates",
        {"name": name},
        fields=["id", "name", "language", "status"],
        waba_id=waba_id,
    ):
        if item.get("name") == name and item.get("language") == language:
            return dict(item)
    return None


def _ignored(action: Action, ctx: StepContext, waba_id: str) -> tuple[str, ...]:
    """The declared template's `ignore_changes`: what may differ at Meta without being drift."""
    key = _template_key(action)
    waba = ctx.config.wabas[_waba_name(ctx, waba_id)]
    template = next((t for t in waba.templates if (t.name, t.language) == key), None)
    return tuple(template.lifecycle.ignore_changes) if template else ()


def _template_key(action: Action) -> tuple[str, str]:
    address = TemplateAddress.parse(action.address)
    return address.name, address.language


async def _poll(ctx: StepContext, node: str, field_name: str, pending: tuple[str, ...]) -> str | None:
    """Read `field_name` until it leaves `pending` (its new value), or None when --wait's time is up.

    Polls quickly at first (a review can be near-instant), then backs off to one read in 30 s: each read
    counts against the WABA's rate budget.
    """

    deadline = ctx.clock() + ctx.wait_timeout
    interval = ctx.poll_interval
    while True:
        value = (await ctx.graph.get(node, fields=[field_name])).get(field_name)
        if value not in pending:
            return str(value)
        if ctx.clock() >= deadline:
            return None
        async with _slot_lent():  # waiting on Meta's reviewer is no reason to hold up other actions
            await asyncio.sleep(min(interval, max(0.0, deadline - ctx.clock())))
        interval = min(interval * 1.5, MAX_POLL_SECONDS)


class Slot(Protocol):
    """What a step's parallelism slot is to the step: something to give back and take again
    (apply.slots.Slots; an asyncio.Semaphore will do)."""

    async def acquire(self) -> bool: ...

    def release(self) -> None: ...


# The executor's parallelism slot held by the running step, if any (set per task by the executor).
SLOT: ContextVar[Slot | None] = ContextVar("wabaplan_slot", default=None)


@asynccontextmanager
async def _slot_lent() -> AsyncIterator[None]:
    """Give the step's parallelism slot to other actions for a while, and take one back after."""
    slot = SLOT.get()
    if slot is None:
        yield
        return
    slot.release()
    try:
        yield
    finally:
        await asyncio.shield(slot.acquire())


# ------------------------------------------------------------------ errors in the user's words


def _code(exc: GraphError) -> str:
    return f"code {exc.code}" + (f"/{exc.subcode}" if exc.subcode else "")


def _explain(exc: GraphError) -> str:
    if exc.subcode == MetaSubcode.TWO_STEP_ON and "ownership" in str(exc).lower():
        return (
            "Meta wants ownership of the number confirmed first: apply requests and verifies a code; "
            "apply again"
        )
    if exc.subcode == MetaSubcode.TWO_STEP_ON:
        return (
            "Meta says two-step verification is still on at the source: the source WABA's owner must turn it "
            "off in WhatsApp Manager (Phone numbers → Two-step verification → Turn off), then apply again"
        )
    if exc.code == MetaCode.REGISTER_LIMIT:
        return "register/deregister limit reached (10 per number per 72 h): wait, then apply again"
    if exc.code == MetaCode.PIN_MISMATCH:
        return "Meta says the PIN does not match the number's two-step PIN: check the pin reference"
    return str(exc)


STEPS: Mapping[Op, Step] = {
    Op.SUBSCRIBE_APP: subscribe_app,
    Op.UPDATE_WEBHOOKS: subscribe_app,
    Op.ADD_NUMBER: add_number,
    Op.ADD_NUMBER_FOR_MIGRATION: add_number,
    Op.REQUEST_CODE: request_code,
    Op.VERIFY_CODE: verify_code,
    Op.REGISTER: register,
    Op.SET_PIN: set_pin,
    Op.UPDATE_PROFILE: update_profile,
    Op.UPLOAD_PICTURE: upload_picture,
    Op.CHANGE_DISPLAY_NAME: change_display_name,
    Op.CREATE_TEMPLATE: create_template,
    Op.UPDATE_TEMPLATE: update_template,
    Op.DELETE_TEMPLATE: delete_template,
    Op.MIGRATE_TEMPLATES: migrate_template,
    Op.DEREGISTER: deregister,
}
