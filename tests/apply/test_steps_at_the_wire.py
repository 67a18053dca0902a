"""Each step of apply, at the wire: which requests reached Meta (the simulator, in this process), in what
order and with what parameters; a call Meta cannot de-duplicate never twice, its intent in the journal
before it leaves, and a lost answer settled by reading Meta. Fast: no server, no sockets, no sleeps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from stepkit import Call, Harness, harness, plan_now, planned

from reconciler.apply.steps import (
    CODE_VALID_SECONDS,
    SLOT,
    StepContext,
    StepFailed,
    StepResult,
    add_number,
    change_display_name,
    create_template,
    delete_template,
    deregister,
    e164_of,
    migrate_template,
    register,
    request_code,
    set_pin,
    subscribe_app,
    update_profile,
    update_template,
    upload_picture,
    verify_code,
)
from reconciler.diff import FieldChange
from reconciler.fingerprints import keyed, of_file, verify_token_key
from reconciler.plan.model import Action, Kind, Op
from reconciler.plan.params import (
    AddNumberParams,
    ChangeDisplayNameParams,
    CreateTemplateParams,
    DeleteTemplateParams,
    DeregisterParams,
    MigrateTemplatesParams,
    RegisterParams,
    RequestCodeParams,
    SetPinParams,
    UpdateProfileParams,
    UpdateTemplateParams,
    UploadPictureParams,
    VerifyCodeParams,
    WebhooksParams,
)

HK_WABA, TW_WABA, SOURCE_WABA = "2000000000001", "2000000000002", "2000000000901"
HK_MAIN, HK_MAIN_ID, HK_MAIN_PIN = "+85251234567", "3000000000001", "135790"  # the simulator's PIN
TW, TW_ID = "+886912345678", "3000000000002"
MOVING, SOURCE_ID = "+85261234567", "3000000000901"
KEY = b"k" * 32


def number(e164: str) -> str:
    return f'numbers["{e164}"]'


def action(
    address: str, op: Op, params: Any, *, name: str = "", changes: tuple[FieldChange, ...] = ()
) -> Action:
    return Action(
        id=f"{address}.{name or op.value}", address=address, kind=Kind.OPERATION, op=op, summary=op.value,
        params=params, changes=changes,
    )  # fmt: skip


def ran(h: Harness, step: Any, act: Action, **overrides: Any) -> StepResult:
    async def work(ctx: StepContext) -> StepResult:
        result: StepResult = await step(act, ctx)
        return result

    return h.run(work, **overrides)


def failed(h: Harness, step: Any, act: Action, **overrides: Any) -> str:
    with pytest.raises(StepFailed) as refused:
        ran(h, step, act, **overrides)
    return str(refused.value)


def intents(h: Harness) -> list[tuple[str, str, str | None, str | None]]:
    return [(i.action_id, i.op, i.outcome, i.detail) for i in h.journal.intents()]


def moving_add() -> Action:
    params = AddNumberParams(
        waba_id=HK_WABA, cc="852", phone_number="61234567", verified_name=None, migrate=True
    )
    return action(number(MOVING), Op.ADD_NUMBER_FOR_MIGRATION, params, name="add")


def moving_code(phone_number_id: str | None = None) -> Action:
    params = RequestCodeParams(
        waba_id=HK_WABA, cc="852", phone_number="61234567", phone_number_id=phone_number_id,
        code_method="SMS", language="en_US",
    )  # fmt: skip
    return action(number(MOVING), Op.REQUEST_CODE, params)


def moving_verify() -> Action:
    params = VerifyCodeParams(waba_id=HK_WABA, cc="852", phone_number="61234567")
    return action(number(MOVING), Op.VERIFY_CODE, params)


def added(h: Harness) -> str:
    """The moving number added to its new WABA (its source's two-step turned off first): its new ID."""
    h.wire.control.disable_two_step(SOURCE_ID)
    ran(h, add_number, moving_add())
    h.wire.calls.clear()
    return next(
        n.id for n in h.wire.simulator.state.numbers.values() if n.e164 == MOVING and n.waba_id == HK_WABA
    )


# ------------------------------------------------------------------ adding a number


def test_a_number_is_added_once_its_intent_recorded_before_the_call(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.control.disable_two_step(SOURCE_ID)
        seen: list[Any] = []
        h.wire.before = lambda call: seen.append(h.journal.open_intents()) if call.method == "POST" else None
        result = ran(h, add_number, moving_add())
        [post] = h.wire.to("POST", f"{HK_WABA}/phone_numbers")
        [[open_then]] = seen
        new_id = h.wire.simulator.state.numbers
    assert (open_then.action_id, open_then.op, open_then.subject) == (
        f"{number(MOVING)}.add",
        "add_number_for_migration",
        number(MOVING),
    )
    assert post.params == {"cc": "852", "phone_number": "61234567", "migrate_phone_number": "true"}
    [added_id] = [n.id for n in new_id.values() if n.e164 == MOVING and n.waba_id == HK_WABA]
    assert result == StepResult("done", f"added (id {added_id})")


def test_an_added_number_is_known_to_the_steps_after_it(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.control.disable_two_step(SOURCE_ID)

        async def work(ctx: StepContext) -> dict[str, str]:
            await add_number(moving_add(), ctx)
            return ctx.phone_ids

        ids = h.run(work)
        assert intents(h) == [
            (f"{number(MOVING)}.add", "add_number_for_migration", "done", f"id {ids[number(MOVING)]}")
        ]
        assert h.wire.writes() == [f"POST {HK_WABA}/phone_numbers"]  # nothing read to learn it


def test_a_new_number_is_added_with_its_name_and_not_as_a_migration(tmp_path: Path) -> None:
    params = AddNumberParams(
        waba_id=HK_WABA, cc="852", phone_number="91234567", verified_name="Harbour Lane", migrate=False
    )
    with harness(tmp_path / "state") as h:
        result = ran(h, add_number, action(number("+85291234567"), Op.ADD_NUMBER, params, name="add"))
        [post] = h.wire.to("POST", "phone_numbers")
    assert post.params == {"cc": "852", "phone_number": "91234567", "verified_name": "Harbour Lane"}
    assert result.status == "done"


def test_a_lost_answer_to_adding_is_settled_by_reading_the_waba_never_by_adding_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.control.disable_two_step(SOURCE_ID)
        h.wire.lose_answer("POST", "/phone_numbers")

        async def work(ctx: StepContext) -> tuple[StepResult, dict[str, str]]:
            return await add_number(moving_add(), ctx), ctx.phone_ids

        result, ids = h.run(work)
        calls = [str(c) for c in h.wire.calls]
        assert intents(h) == [
            (f"{number(MOVING)}.add", "add_number_for_migration", "done", "answer lost; read back")
        ]
    new_id = ids[number(MOVING)]
    assert calls == [f"POST {HK_WABA}/phone_numbers", f"GET {HK_WABA}/phone_numbers"]
    assert result == StepResult("done", f"added (id {new_id}; the answer was lost, read back from Meta)")


def test_a_lost_add_that_never_reached_meta_fails_and_is_not_sent_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.control.disable_two_step(SOURCE_ID)
        h.wire.lose_request("POST", "/phone_numbers")
        said = failed(h, add_number, moving_add())
        assert intents(h) == [
            (f"{number(MOVING)}.add", "add_number_for_migration", "not_done", "answer lost; read back")
        ]
        assert h.wire.writes() == [f"POST {HK_WABA}/phone_numbers"]
    assert said == "Meta's answer was lost and the number is not there: run apply again"


def test_a_number_the_source_still_guards_is_blocked_with_the_owners_part(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        result = ran(h, add_number, moving_add())
        simulated = ran(h, add_number, moving_add(), simulated=True, config_arg="estate.yaml")
        assert [i[2:] for i in intents(h)] == [("failed", "code 100/2388001")] * 2
    owner = "Meta says two-step verification is still on at the source: the source WABA's owner must turn it "
    assert result == StepResult("blocked", owner + "off in WhatsApp Manager (Phone numbers → Two-step "
                                "verification → Turn off), then apply again")  # fmt: skip
    assert simulated.status == "blocked"
    assert simulated.detail == result.detail + (
        f" (simulated: `wabaplan sim disable-two-step {MOVING} -c estate.yaml` plays the owner)"
    )


def test_unconfirmed_ownership_is_blocked_with_apply_asking_for_a_code(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "/phone_numbers", 400, 100, 2388001, message="confirm Ownership of the number")
        result = ran(h, add_number, moving_add())
    assert result == StepResult(
        "blocked",
        "Meta wants ownership of the number confirmed first: apply requests and verifies a code; apply again",
    )


def test_another_migration_precondition_is_blocked_in_metas_words(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "/phone_numbers", 400, 100, 2388103, message="the source number is banned")
        result = ran(h, add_number, moving_add(), simulated=True)
    assert result.status == "blocked"
    assert "the source number is banned" in result.detail and "simulated" not in result.detail


def test_a_number_already_in_the_waba_is_taken_as_added(tmp_path: Path) -> None:
    params = AddNumberParams(
        waba_id=HK_WABA, cc="852", phone_number="51234567", verified_name="Harbour Lane", migrate=False
    )
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "/phone_numbers", 400, 100, 2388012)

        async def work(ctx: StepContext) -> tuple[StepResult, dict[str, str]]:
            return await add_number(
                action(number(HK_MAIN), Op.ADD_NUMBER, params, name="add"), ctx
            ), ctx.phone_ids

        result, ids = h.run(work)
        assert intents(h) == [
            (f"{number(HK_MAIN)}.add", "add_number", "done", f"already present: id {HK_MAIN_ID}")
        ]
    assert result == StepResult("done", f"already in the WABA (id {HK_MAIN_ID})")
    assert ids == {number(HK_MAIN): HK_MAIN_ID}


def test_already_present_but_not_found_is_a_failure(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "/phone_numbers", 400, 100, 2388012, message="already there")
        said = failed(h, add_number, moving_add())
        assert [i[2:] for i in intents(h)] == [("failed", "code 100/2388012")]
    assert "already there" in said


def test_any_other_refusal_to_add_fails_with_metas_code(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "/phone_numbers", 400, 100, message="the cc is wrong")
        said = failed(h, add_number, moving_add())
        assert [i[2:] for i in intents(h)] == [("failed", "code 100")]
        assert len(h.wire.to("POST", "/phone_numbers")) == 1
    assert "the cc is wrong" in said


# ------------------------------------------------------------------ one-time codes


def test_a_code_is_requested_once_recorded_before_it_leaves(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        seen: list[Any] = []

        def look(call: Call) -> None:
            if call.path.endswith("/request_code"):
                seen.append((h.journal.open_intents(), h.journal.last_code_request(MOVING)))

        h.wire.before = look
        result = ran(h, request_code, moving_code(number_id), simulated=True, config_arg="estate.yaml")
        [(open_then, request_then)] = seen
        request = h.journal.last_code_request(MOVING)
        calls = h.wire.calls
        assert intents(h)[-1] == (f"{number(MOVING)}.request_code", "request_code", "done", "")
    assert [(i.action_id, i.op) for i in open_then] == [(f"{number(MOVING)}.request_code", "request_code")]
    assert request_then is not None and not request_then.confirmed  # recorded, not yet confirmed
    assert request is not None and request.confirmed and request.at == 1000.0 and request.method == "SMS"
    assert [str(c) for c in calls] == [f"POST {number_id}/request_code"]
    assert calls[0].params == {"code_method": "SMS", "language": "en_US"}
    assert result == StepResult(
        "done", f"code sent by SMS; read it with `wabaplan sim inbox {MOVING} -c estate.yaml`"
    )


def test_a_code_sent_outside_the_simulator_names_no_sim_command(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        assert ran(h, request_code, moving_code(number_id)) == StepResult("done", "code sent by SMS")


def test_the_number_id_is_read_from_its_waba_when_the_plan_did_not_know_it(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        ran(h, request_code, moving_code(None))
        calls = [str(c) for c in h.wire.calls]
        assert h.wire.calls[0].params["fields"] == "id,display_phone_number,status"
    assert calls == [f"GET {HK_WABA}/phone_numbers", f"POST {number_id}/request_code"]


def test_a_number_not_in_its_waba_yet_cannot_be_sent_a_code(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        said = failed(h, request_code, moving_code(None))
        assert h.wire.writes() == []
        assert h.journal.intents() == []
    assert said == f"{MOVING} is not in its WABA yet: the step that adds it has not run"


def test_a_number_that_moved_away_is_not_found_in_its_old_waba(tmp_path: Path) -> None:
    """After a move, the source WABA still lists the number as MIGRATED: not the one to act on."""
    world = _world_with_source_listing()
    with harness(tmp_path / "state", world=world) as h:
        verify = action(
            number(MOVING),
            Op.VERIFY_CODE,
            VerifyCodeParams(waba_id=SOURCE_WABA, cc="852", phone_number="61234567"),
        )
        h.codes[MOVING] = "123456"
        said = failed(h, verify_code, verify)
    assert said == f"{MOVING} is not in its WABA yet: the step that adds it has not run"


def _world_with_source_listing() -> dict[str, Any]:
    import yaml

    from reconciler.simulator import demo_world_text

    world = yaml.safe_load(demo_world_text())
    for token in world["tokens"]:
        if token["token"] == "sim-token-harbour":
            token["wabas"].append(SOURCE_WABA)
    for entry in world["phone_numbers"]:
        if entry["id"] == SOURCE_ID:
            entry["status"] = "MIGRATED"
    return world


def test_a_number_listed_without_its_plus_is_still_found(tmp_path: Path) -> None:
    def unplussed(call: Call, answer: Any) -> Any:
        for entry in answer.get("data", []) if call.path.endswith("/phone_numbers") else []:
            entry["display_phone_number"] = entry["display_phone_number"].lstrip("+")
        return answer

    code = action(number(HK_MAIN), Op.REQUEST_CODE, RequestCodeParams(
        waba_id=HK_WABA, cc="852", phone_number="51234567", phone_number_id=None, code_method="SMS",
        language="en_US"))  # fmt: skip
    with harness(tmp_path / "state") as h:
        h.wire.after = unplussed
        h.wire.answer("POST", "/request_code", 400, 100, message="not now")
        failed(h, request_code, code)
        calls = [str(c) for c in h.wire.calls]
    assert calls == [f"GET {HK_WABA}/phone_numbers", f"POST {HK_MAIN_ID}/request_code"]


def test_a_code_supplied_by_the_user_is_verified_not_requested_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        result = ran(h, request_code, moving_code("1"), supplied_codes=frozenset({MOVING}))
        assert h.wire.calls == [] and h.journal.intents() == []
    assert result == StepResult(
        "done", "a code was supplied for this number: verifying it, not requesting another"
    )


def test_resend_asks_for_a_new_code_even_with_one_supplied_or_recent(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        h.journal.record_code_request(number=MOVING, method="SMS", at=990.0)
        result = ran(
            h,
            request_code,
            moving_code(number_id),
            supplied_codes=frozenset({MOVING}),
            resend=frozenset({MOVING}),
        )
        assert len(h.wire.to("POST", "/request_code")) == 1
    assert result == StepResult("done", "code sent by SMS")


@pytest.mark.parametrize(("confirmed", "sent"), [(True, "was sent"), (False, "may have been sent")])
def test_a_recent_code_is_not_requested_again(tmp_path: Path, confirmed: bool, sent: str) -> None:
    with harness(tmp_path / "state") as h:
        request = h.journal.record_code_request(number=MOVING, method="SMS", at=1000.0 - 120)
        if confirmed:
            h.journal.confirm_code_request(request)
        result = ran(h, request_code, moving_code("1"))
        assert h.wire.calls == [] and h.journal.intents() == []
    assert result == StepResult(
        "done", f"a code {sent} 2 min ago and may still be valid: not sending another"
    )


def test_a_code_as_old_as_its_validity_is_requested_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        h.journal.record_code_request(number=MOVING, method="SMS", at=1000.0 - CODE_VALID_SECONDS)
        result = ran(h, request_code, moving_code(number_id))
        assert len(h.wire.to("POST", "/request_code")) == 1
    assert CODE_VALID_SECONDS == 600 and result == StepResult("done", "code sent by SMS")


def test_a_lost_answer_to_a_code_request_is_never_asked_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        h.wire.lose_answer("POST", "/request_code")
        result = ran(h, request_code, moving_code(number_id))
        again = ran(h, request_code, moving_code(number_id))
        request = h.journal.last_code_request(MOVING)
        assert h.wire.writes() == [f"POST {number_id}/request_code"]  # once, and not again on the next run
        assert intents(h)[-1][2:] == ("unknown", "answer lost; a code may have been sent")
    assert result == StepResult(
        "done", "Meta's answer was lost; a code may have been sent (not sending another)"
    )
    assert request is not None and not request.confirmed
    assert again.detail == "a code may have been sent 0 min ago and may still be valid: not sending another"


# ------------------------------------------------------------------ verifying the code


def test_without_a_code_the_step_waits_for_one_and_says_how_to_give_it(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        result = ran(h, verify_code, moving_verify())
        [(asked, stop)] = h.asked
        assert h.wire.calls == []
    assert asked == MOVING and stop.is_set()  # the question is given up once the step is over
    assert result == StepResult(
        "needs_input",
        f"awaiting the code sent to {MOVING}: rerun with --otp {MOVING}=CODE "
        "or WABAPLAN_OTP_85261234567=CODE",
    )


def test_waiting_for_an_unconfirmed_code_says_how_to_have_another_sent(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.journal.record_code_request(number=MOVING, method="SMS", at=990.0)
        result = ran(h, verify_code, moving_verify(), simulated=True, config_arg="estate.yaml")
    assert result.detail == (
        f"awaiting the code sent to {MOVING} (simulated SMS: `wabaplan sim inbox {MOVING} -c estate.yaml`): "
        f"rerun with --otp {MOVING}=CODE or WABAPLAN_OTP_85261234567=CODE; Meta never confirmed sending it, "
        f"so if no code arrives, rerun with --resend-code {MOVING}"
    )


def test_waiting_for_a_confirmed_code_does_not_suggest_another(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.journal.confirm_code_request(h.journal.record_code_request(number=MOVING, method="SMS", at=990.0))
        result = ran(h, verify_code, moving_verify())
    assert "--resend-code" not in result.detail and result.status == "needs_input"


def test_the_code_is_sent_as_its_digits(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        ran(h, request_code, moving_code(number_id))
        code = h.wire.control.last_code(number_id)
        assert code is not None
        h.codes[MOVING] = f" {code[:3]}-{code[3:]} "
        h.wire.calls.clear()
        result = ran(h, verify_code, moving_verify())
        [post] = h.wire.to("POST", "/verify_code")
        status = h.wire.simulator.state.numbers[number_id].code_verification_status
    assert post.params == {"code": code} and status == "VERIFIED"
    assert result == StepResult("done", "ownership verified")


def test_a_wrong_code_is_refused_with_how_to_get_another(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        ran(h, request_code, moving_code(number_id))
        h.codes[MOVING] = "000000" if h.wire.control.last_code(number_id) != "000000" else "111111"
        said = failed(h, verify_code, moving_verify())
    assert said == (
        f"Meta refused the code for {MOVING} (wrong or expired): check it, or rerun without --otp and with "
        f"--resend-code {MOVING} to have a new one sent"
    )


def test_a_lost_answer_to_a_verified_code_is_read_back(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        ran(h, request_code, moving_code(number_id))
        h.codes[MOVING] = str(h.wire.control.last_code(number_id))
        h.wire.calls.clear()
        h.wire.lose_answer("POST", "/verify_code")
        result = ran(h, verify_code, moving_verify())
        calls = [str(c) for c in h.wire.calls]
    assert result == StepResult("done", "ownership verified (Meta's first answer was lost; read back)")
    assert calls == [
        f"GET {HK_WABA}/phone_numbers",
        *[f"POST {number_id}/verify_code"] * 2,
        f"GET {number_id}",
    ]


def test_any_other_refusal_of_a_code_is_metas_words(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        h.codes[MOVING] = "123456"
        h.wire.answer("POST", "/verify_code", 400, 100, message="too many attempts")
        said = failed(h, verify_code, moving_verify())
        assert h.wire.writes() == [f"POST {number_id}/verify_code"]
    assert "too many attempts" in said and "--resend-code" not in said


# ------------------------------------------------------------------ registering, the PIN


def hk_register(region: str | None = None, waba_id: str | None = None) -> Action:
    return action(
        number(HK_MAIN),
        Op.REGISTER,
        RegisterParams(waba_id=waba_id, phone_number_id=HK_MAIN_ID, data_localization_region=region),
    )


def test_registering_sends_the_pin_and_keeps_only_its_keyed_fingerprint(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.secrets["${env:HK_MAIN_PIN}"] = HK_MAIN_PIN
        result = ran(h, register, hk_register())
        [post] = h.wire.to("POST", "/register")
        stored = h.journal.fingerprints()
    assert post.path == f"{HK_MAIN_ID}/register"
    assert post.params == {"messaging_product": "whatsapp", "pin": HK_MAIN_PIN}
    assert stored == {f"{number(HK_MAIN)}.pin": keyed(KEY, HK_MAIN_PIN)}
    assert result == StepResult("done", "registered; two-step PIN set")


def test_registering_names_the_region_when_one_is_declared(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.secrets["${env:HK_MAIN_PIN}"] = HK_MAIN_PIN
        ran(h, register, hk_register(region="SG"))
        [post] = h.wire.to("POST", "/register")
    assert post.params["data_localization_region"] == "SG"


def test_a_moved_number_registering_says_where_it_came_from(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)
        h.secrets["${env:HK_STOREFRONT_PIN}"] = "731946"
        moved = action(
            number(MOVING),
            Op.REGISTER,
            RegisterParams(waba_id=HK_WABA, phone_number_id=number_id, data_localization_region=None),
        )
        h.wire.answer("POST", "/register", 200, 0)  # the answer is not read
        h.wire.mishaps[-1].kind = "lost_answer"
        h.wire.simulator.state.numbers[number_id].status = "CONNECTED"
        result = ran(h, register, moved)
        local = ran(h, register, hk_register(waba_id=None), secret=lambda a, r: HK_MAIN_PIN)
    assert result == StepResult("done", f"registered; two-step PIN set; moved in from WABA {SOURCE_WABA}")
    assert local.detail == "registered; two-step PIN set"


def test_a_number_without_a_pin_is_not_registered(tmp_path: Path) -> None:
    from stepkit import edited

    config = edited(tmp_path / "estate", lambda d: d["numbers"]["+852 5123 4567"].pop("pin"))
    with harness(tmp_path / "state", config=config) as h:
        said = failed(h, register, hk_register())
        assert h.wire.calls == []
    assert said == "registration sets the two-step PIN: declare pin: ${env:NAME}"


def test_a_lost_answer_to_register_is_settled_by_the_numbers_status(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.secrets["${env:HK_MAIN_PIN}"] = HK_MAIN_PIN
        h.wire.lose_answer("POST", "/register")
        result = ran(h, register, hk_register())
        calls = [str(c) for c in h.wire.calls]
        read = h.wire.calls[-1].params
        stored = h.journal.fingerprints()
    assert calls == [f"POST {HK_MAIN_ID}/register", f"GET {HK_MAIN_ID}"] and read == {"fields": "status"}
    assert result.status == "done" and f"{number(HK_MAIN)}.pin" in stored


def test_a_lost_register_that_did_not_take_fails_without_registering_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.simulator.state.numbers[HK_MAIN_ID].status = "DISCONNECTED"
        h.wire.lose_request("POST", "/register")
        said = failed(h, register, hk_register())
        assert h.wire.writes() == [f"POST {HK_MAIN_ID}/register"]
        assert h.journal.fingerprints() == {}
    assert said == "Meta's answer was lost and the number is not registered: run apply again"


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (133005, "Meta says the PIN does not match the number's two-step PIN: check the pin reference"),
        (133016, "register/deregister limit reached (10 per number per 72 h): wait, then apply again"),
    ],
)
def test_a_refused_register_is_explained(tmp_path: Path, code: int, said: str) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "/register", 400, code)
        assert failed(h, register, hk_register()) == said
        assert h.journal.fingerprints() == {}


def test_setting_the_pin_keeps_its_fingerprint_and_is_retried_when_meta_stumbles(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.secrets["${env:HK_MAIN_PIN}"] = "222222"
        h.wire.lose_answer("POST", HK_MAIN_ID)
        result = ran(
            h,
            set_pin,
            action(number(HK_MAIN), Op.SET_PIN, SetPinParams(phone_number_id=HK_MAIN_ID), name="pin"),
        )
        posts = h.wire.to("POST", HK_MAIN_ID)
        stored = h.journal.fingerprints()
    assert [p.params for p in posts] == [{"pin": "222222"}] * 2  # safe to send again
    assert stored == {f"{number(HK_MAIN)}.pin": keyed(KEY, "222222")}
    assert result == StepResult("done", "two-step PIN set")


def test_a_refused_pin_is_not_fingerprinted(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", HK_MAIN_ID, 400, 100, message="pin too short")
        said = failed(
            h, set_pin, action(number(HK_MAIN), Op.SET_PIN, SetPinParams(phone_number_id=HK_MAIN_ID))
        )
        assert h.journal.fingerprints() == {}
    assert "pin too short" in said


def test_deregistering_is_a_post_and_a_lost_answer_is_read_back(tmp_path: Path) -> None:
    act = action(number(HK_MAIN), Op.DEREGISTER, DeregisterParams(phone_number_id=HK_MAIN_ID))
    with harness(tmp_path / "state") as h:
        h.wire.lose_answer("POST", "/deregister")
        result = ran(h, deregister, act)
        calls = [str(c) for c in h.wire.calls]
        status = h.wire.simulator.state.numbers[HK_MAIN_ID].status
    assert calls == [f"POST {HK_MAIN_ID}/deregister", f"GET {HK_MAIN_ID}"] and status == "DISCONNECTED"
    assert result == StepResult("done", "deregistered: the number no longer sends or receives on Cloud API")


def test_a_lost_deregister_that_did_not_take_fails(tmp_path: Path) -> None:
    act = action(number(HK_MAIN), Op.DEREGISTER, DeregisterParams(phone_number_id=HK_MAIN_ID))
    with harness(tmp_path / "state") as h:
        h.wire.lose_request("POST", "/deregister")
        said = failed(h, deregister, act)
        assert h.wire.writes() == [f"POST {HK_MAIN_ID}/deregister"]
    assert said == "Meta's answer was lost and the number is still registered: run apply again"


def test_a_refused_deregister_is_explained(tmp_path: Path) -> None:
    act = action(number(HK_MAIN), Op.DEREGISTER, DeregisterParams(phone_number_id=HK_MAIN_ID))
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "/deregister", 400, 133016)
        assert (
            failed(h, deregister, act)
            == "register/deregister limit reached (10 per number per 72 h): wait, then apply again"
        )


# ------------------------------------------------------------------ webhooks, profile, picture, name


def test_subscribing_with_a_callback_override_sends_the_token_and_keeps_its_fingerprint(
    tmp_path: Path,
) -> None:
    params = WebhooksParams(
        waba_id=HK_WABA,
        app_id="4000000000001",
        override_callback_uri="https://hooks.harbourlane.example/whatsapp/hk",
    )
    with harness(tmp_path / "state") as h:
        h.secrets["${env:HK_WEBHOOK_VERIFY_TOKEN}"] = "verify-me"
        result = ran(h, subscribe_app, action("wabas.hk_retail.webhooks", Op.UPDATE_WEBHOOKS, params))
        [post] = h.wire.to("POST", "/subscribed_apps")
        stored = h.journal.fingerprints()
    assert post.path == f"{HK_WABA}/subscribed_apps"
    assert post.params == {
        "override_callback_uri": "https://hooks.harbourlane.example/whatsapp/hk",
        "verify_token": "verify-me",
    }
    assert stored == {verify_token_key(HK_WABA): keyed(KEY, "verify-me")}
    assert result == StepResult("done", "subscribed with a callback override")


def test_subscribing_without_an_override_sends_nothing_secret(tmp_path: Path) -> None:
    params = WebhooksParams(waba_id=TW_WABA, app_id="4000000000001", override_callback_uri=None)
    with harness(tmp_path / "state") as h:
        h.wire.lose_answer("POST", "/subscribed_apps")  # safe to send again
        result = ran(h, subscribe_app, action("wabas.tw_retail.webhooks", Op.SUBSCRIBE_APP, params))
        posts = h.wire.to("POST", "/subscribed_apps")
        assert h.journal.fingerprints() == {}
        subscribed = [s.app_id for s in h.wire.simulator.state.wabas[TW_WABA].subscriptions]
    assert [p.params for p in posts] == [{}, {}] and subscribed == ["4000000000001"]
    assert result == StepResult("done", "subscribed")


def test_a_profile_is_written_whole_and_the_detail_names_what_changed(tmp_path: Path) -> None:
    change = FieldChange(path=("profile", "about"), before="old", after="new about")
    params = UpdateProfileParams(phone_number_id=HK_MAIN_ID, profile={"about": "new about", "email": None})
    with harness(tmp_path / "state") as h:
        h.wire.lose_answer("POST", "/whatsapp_business_profile")
        result = ran(
            h,
            update_profile,
            action(number(HK_MAIN), Op.UPDATE_PROFILE, params, name="profile", changes=(change,)),
        )
        posts = h.wire.to("POST", "/whatsapp_business_profile")
    assert len(posts) == 2 and posts[1].path == f"{HK_MAIN_ID}/whatsapp_business_profile"
    assert posts[1].params == {
        "messaging_product": "whatsapp", "about": "new about",
        "address": "12 Harbour Road, Wan Chai, Hong Kong",
        "description": "Loose-leaf tea, teaware and gift sets. Order online or visit our Wan Chai shop.",
        "email": "hello@harbourlane.example", "vertical": "RETAIL",
        "websites": '["https://harbourlane.example/hk"]',
    }  # fmt: skip
    assert result == StepResult("done", "profile updated (about)")


def test_a_profile_without_declared_fields_sends_what_the_plan_gives(tmp_path: Path) -> None:
    from stepkit import edited

    config = edited(tmp_path / "estate", lambda d: d["numbers"]["+852 5123 4567"].pop("profile"))
    params = UpdateProfileParams(phone_number_id=HK_MAIN_ID, profile={"vertical": "OTHER", "about": "a"})
    with harness(tmp_path / "state", config=config) as h:
        result = ran(h, update_profile, action(number(HK_MAIN), Op.UPDATE_PROFILE, params, name="profile"))
        [post] = h.wire.to("POST", "/whatsapp_business_profile")
    assert post.params == {"messaging_product": "whatsapp", "vertical": "OTHER", "about": "a"}
    assert result.detail == "profile updated (about, vertical)"


def picture() -> Action:
    return action(
        number(HK_MAIN),
        Op.UPLOAD_PICTURE,
        UploadPictureParams(picture="assets/harbour-lane-logo.png"),
        name="profile.picture",
    )


def test_a_picture_is_uploaded_set_and_fingerprinted_by_its_content(tmp_path: Path) -> None:
    from sim_estate import EXAMPLE

    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "upload:", 500, 2, transient=True)  # resent from the start: harmless
        h.wire.lose_answer("POST", "/uploads")  # a session opened twice: harmless
        h.wire.lose_answer("POST", "/whatsapp_business_profile")  # the same handle set twice: harmless
        result = ran(h, upload_picture, picture())
        calls = [(c.method, c.path.split(":")[0]) for c in h.wire.calls]
        session = h.wire.calls[0].params
        set_it, again = [
            c for c in h.wire.calls if c.method == "POST" and c.path.endswith("whatsapp_business_profile")
        ]
        assert again.params == set_it.params
        stored, details = h.journal.fingerprints(), h.journal.fingerprint_details()
    path = EXAMPLE.parent / "assets" / "harbour-lane-logo.png"
    assert calls == [
        ("POST", "4000000000001/uploads"), ("POST", "4000000000001/uploads"),
        ("POST", "upload"), ("POST", "upload"),
        ("GET", f"{HK_WABA}/phone_numbers"), ("POST", f"{HK_MAIN_ID}/whatsapp_business_profile"),
        ("POST", f"{HK_MAIN_ID}/whatsapp_business_profile"),
        ("GET", f"{HK_MAIN_ID}/whatsapp_business_profile"),
    ]  # fmt: skip
    assert session == {
        "file_name": "harbour-lane-logo.png",
        "file_length": str(path.stat().st_size),
        "file_type": "image/png",
    }
    handle = set_it.params["profile_picture_handle"]
    assert set_it.params == {"messaging_product": "whatsapp", "profile_picture_handle": handle}
    key = f"{number(HK_MAIN)}.profile.picture"
    assert stored == {key: of_file(KEY, path)}
    assert details[key].startswith(f"handle {handle}; url http")
    assert result == StepResult("done", "picture harbour-lane-logo.png uploaded and set")


def test_an_upload_meta_refuses_for_good_is_not_resent(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "upload:", 400, 100, message="not an image")
        said = failed(h, upload_picture, picture())
        assert len(h.wire.to("POST", "upload:")) == 1
        assert h.journal.fingerprints() == {}
    assert "not an image" in said


def test_an_upload_that_keeps_failing_gives_up_after_five_tries(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "upload:", 500, 2, transient=True, times=6, message="try later")
        said = failed(h, upload_picture, picture())
        uploads = h.wire.to("POST", "upload:")
        assert h.wire.to("POST", "/whatsapp_business_profile") == []
    assert len(uploads) == 5 and "try later" in said


def test_a_picture_needs_the_apps_id(tmp_path: Path) -> None:
    from stepkit import edited

    config = edited(tmp_path / "estate", lambda d: d["wabas"]["hk_retail"].pop("webhooks"))
    with harness(tmp_path / "state", config=config) as h:
        said = failed(h, upload_picture, picture())
        assert h.wire.calls == []
    assert said == "uploading a picture needs the app's ID: declare wabas.<name>.webhooks.app_id"


def rename(name: str = "HL Taiwan") -> Action:
    return action(
        number(TW),
        Op.CHANGE_DISPLAY_NAME,
        ChangeDisplayNameParams(phone_number_id=TW_ID, display_name=name),
        name="display_name",
    )


def test_a_new_display_name_is_submitted_and_left_with_metas_review(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", TW_ID, 500, 2, transient=True)
        result = ran(h, change_display_name, rename())
        posts = h.wire.to("POST", TW_ID)
    assert [p.params for p in posts] == [{"new_display_name": "HL Taiwan"}] * 2
    assert result == StepResult(
        "waiting",
        "display name 'HL Taiwan' submitted; Meta reviews it (up to 3 business days), then re-register",
    )


def test_a_lost_answer_to_a_rename_is_read_back_never_sent_again(tmp_path: Path) -> None:
    with harness(tmp_path / "took") as h:
        h.wire.lose_answer("POST", TW_ID)
        result = ran(h, change_display_name, rename())
        took = [str(c) for c in h.wire.calls if c.method == "POST"]
    with harness(tmp_path / "lost") as h:
        h.wire.lose_request("POST", TW_ID)
        said = failed(h, change_display_name, rename())
        lost = [str(c) for c in h.wire.calls if c.method == "POST"]
    assert took == lost == [f"POST {TW_ID}"]  # sent once: Meta would refuse a second while it reviews
    assert result.status == "waiting" and "submitted" in result.detail
    assert said == "Meta's answer was lost and the display name was not submitted: run apply again"


def ticking(h: Harness, step: float = 1.0):  # type: ignore[no-untyped-def]
    """A clock that moves `step` seconds each time it is read (the harness's `now`)."""

    def clock() -> float:
        h.now[0] += step
        return h.now[0]

    return clock


def review_on(h: Harness, nth_read: int, review: Any) -> None:
    """Meta's reviewer decides just before the step's `nth_read` GET."""
    reads = [0]

    def look(call: Call) -> None:
        if call.method == "GET":
            reads[0] += 1
            if reads[0] == nth_read:
                review()

    h.wire.before = look


def test_under_wait_an_approved_name_is_registered_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.secrets["${file:secrets/tw-pin.txt}"] = "314159"
        review_on(h, 2, lambda: h.wire.control.review_display_name(TW_ID, True))
        result = ran(h, change_display_name, rename(), wait=True, poll_interval=0.0, clock=ticking(h))
        calls = [str(c) for c in h.wire.calls]
        polls = [c.params for c in h.wire.calls if c.method == "GET"]
    assert calls == [f"POST {TW_ID}", *[f"GET {TW_ID}"] * 3, f"POST {TW_ID}/register"]
    assert polls == [{"fields": "new_name_status"}] * 2 + [{"fields": "verified_name,name_status,status"}]
    assert result == StepResult("done", "display name 'HL Taiwan' approved; number re-registered")


def test_under_wait_an_approved_name_of_an_unregistered_number_is_not_registered(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.simulator.state.numbers[TW_ID].status = "PENDING"

        def approve() -> None:
            h.wire.control.review_display_name(TW_ID, True)
            h.wire.simulator.state.numbers[TW_ID].status = "PENDING"

        review_on(h, 1, approve)
        result = ran(h, change_display_name, rename(), wait=True, poll_interval=0.0, clock=ticking(h))
        assert h.wire.to("POST", "/register") == []
    assert result == StepResult("done", "display name 'HL Taiwan' approved")


def test_under_wait_a_declined_name_fails(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        review_on(h, 1, lambda: h.wire.control.review_display_name(TW_ID, False))
        said = failed(h, change_display_name, rename(), wait=True, poll_interval=0.0, clock=ticking(h))
    assert said == "Meta declined the display name 'HL Taiwan' (name status DECLINED)"


def test_under_wait_a_review_that_outlasts_the_wait_is_left_waiting(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        result = ran(
            h, change_display_name, rename(), wait=True, poll_interval=0.0, wait_timeout=5.0, clock=ticking(h)
        )
        reads = len(h.wire.to("GET", TW_ID))
    assert result.status == "waiting"
    assert result.detail.endswith("then re-register; still under review after 5 s of --wait")
    # the clock moves 1 s a reading: the deadline is 1 + 5; read at 1, 3 and 5, given up when it says 6
    assert reads == 3


def test_waiting_on_a_review_lends_the_steps_slot_to_other_actions(tmp_path: Path) -> None:
    import asyncio

    with harness(tmp_path / "state") as h:
        held: list[str] = []
        slot = asyncio.Semaphore(1)

        async def work(ctx: StepContext) -> StepResult:
            await slot.acquire()
            SLOT.set(slot)

            def look(call: Call) -> None:
                if call.method == "GET":
                    held.append(f"read, slot {'held' if slot.locked() else 'free'}")
                    if len(held) == 3:
                        h.wire.control.review_display_name(TW_ID, False)

            h.wire.before = look

            async def other() -> None:
                async with slot:
                    held.append("the other action ran")

            other_task = asyncio.create_task(other())
            try:
                return await change_display_name(rename(), ctx)
            except StepFailed:
                await other_task
                return StepResult("failed", str(slot.locked()))

        result = h.run(work, wait=True, poll_interval=0.0, clock=ticking(h))
    # lent while the step waits between reads, taken back before it reads again
    assert held == ["read, slot held", "the other action ran", "read, slot held", "read, slot held"]
    assert result == StepResult("failed", "True")


# ------------------------------------------------------------------ templates


def test_a_template_is_created_once_its_intent_recorded_before_the_call(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        seen: list[Any] = []
        h.wire.before = lambda call: (
            seen.append(h.journal.open_intents()) if call.path.endswith("/message_templates") else None
        )

        async def work(ctx: StepContext) -> StepResult:
            act = planned(await plan_now(ctx), 'wabas.tw_retail.templates["order_update/zh_TW"]')
            h.wire.calls.clear()
            return await create_template(act, ctx)

        result = h.run(work)
        [post] = h.wire.calls
        [[open_then]] = seen
        [(_, op, outcome, detail)] = intents(h)
    template_id = detail.split()[-1] if detail else ""
    assert (open_then.op, open_then.subject) == (
        "create_template",
        'wabas.tw_retail.templates["order_update/zh_TW"]',
    )
    assert str(post) == f"POST {TW_WABA}/message_templates"
    assert (post.params["name"], post.params["language"], post.params["category"]) == (
        "order_update",
        "zh_TW",
        "UTILITY",
    )
    assert (op, outcome) == ("create_template", "done") and template_id
    assert result == StepResult(
        "waiting", f"template order_update submitted (id {template_id}); Meta reviews it (up to 24 h)"
    )


def tw_template(ctx_plan: Any) -> Action:
    return planned(ctx_plan, 'wabas.tw_retail.templates["order_update/zh_TW"]')


def create_with(h: Harness, **overrides: Any) -> StepResult:
    async def work(ctx: StepContext) -> StepResult:
        act = tw_template(await plan_now(ctx))
        h.wire.calls.clear()
        return await create_template(act, ctx)

    return h.run(work, **overrides)


def test_a_lost_answer_to_creating_a_template_is_read_back_never_sent_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.lose_answer("POST", "/message_templates")
        result = create_with(h)
        calls = [str(c) for c in h.wire.calls]
        assert intents(h)[0][2:] == ("done", "answer lost")
        read = h.wire.calls[1].params
    assert calls == [f"POST {TW_WABA}/message_templates", f"GET {TW_WABA}/message_templates"]
    assert read == {"name": "order_update", "fields": "id,name,language,status", "limit": "100"}
    assert result.status == "waiting" and "template order_update" in result.detail


def test_a_lost_create_that_never_reached_meta_fails(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.lose_request("POST", "/message_templates")
        with pytest.raises(StepFailed) as refused:
            create_with(h)
        assert intents(h)[0][2:] == ("not_done", "answer lost")
        assert h.wire.writes() == [f"POST {TW_WABA}/message_templates"]
    assert str(refused.value) == "Meta's answer was lost and the template is not there: run apply again"


def test_a_template_created_meanwhile_is_taken_when_it_is_as_declared(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> StepResult:
            act = tw_template(await plan_now(ctx))
            await create_template(act, ctx)  # someone else's apply, a moment earlier
            h.wire.calls.clear()
            return await create_template(act, ctx)

        result = h.run(work)
        assert [i[2:] for i in intents(h)][1][0] == "failed"
        assert len(h.wire.to("POST", "/message_templates")) == 1
    assert result.status == "waiting" and "(it was created meanwhile)" in result.detail


def test_a_template_created_meanwhile_with_other_content_is_a_stale_plan(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> str:
            act = tw_template(await plan_now(ctx))
            await ctx.graph.post(f"{TW_WABA}/message_templates", {
                "name": "order_update", "language": "zh_TW", "category": "UTILITY",
                "components": [{"type": "BODY", "text": "something else"}]}, waba_id=TW_WABA)  # fmt: skip
            with pytest.raises(StepFailed) as refused:
                await create_template(act, ctx)
            return str(refused.value)

        said = h.run(work)
    assert said == (
        f"stale plan: template order_update (zh_TW) now exists in WABA {TW_WABA} with other content "
        "(a number's migration may have copied it); plan again"
    )


def test_a_refused_template_fails_in_metas_words(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "/message_templates", 400, 100, 2388023, message="bad body")
        with pytest.raises(StepFailed) as refused:
            create_with(h)
        assert intents(h)[0][2:] == ("failed", "code 100/2388023")
    assert "bad body" in str(refused.value)


@pytest.mark.parametrize(("verdict", "outcome"), [(True, "done"), (False, "failed")])
def test_under_wait_a_template_is_followed_to_metas_verdict(
    tmp_path: Path, verdict: bool, outcome: str
) -> None:
    with harness(tmp_path / "state") as h:

        def decide() -> None:
            [created] = [t for t in h.wire.simulator.state.templates.values() if t.language == "zh_TW"]
            h.wire.control.review_template(created.id, verdict)

        async def work(ctx: StepContext) -> StepResult:
            act = tw_template(await plan_now(ctx))
            review_on(h, 2, decide)
            try:
                return await create_template(act, ctx)
            except StepFailed as exc:
                return StepResult("failed", str(exc))

        result = h.run(work, wait=True, poll_interval=0.0, clock=ticking(h))
        polls = [c.params for c in h.wire.calls if c.method == "GET" and "/" not in c.path]
    assert polls == [{"fields": "status"}] * 2
    said = (
        "template order_update approved"
        if verdict
        else "Meta did not approve the template order_update: status REJECTED"
    )
    assert result == StepResult(outcome, said)


def test_under_wait_a_template_still_in_review_is_left_waiting(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        result = create_with(h, wait=True, poll_interval=0.0, wait_timeout=4.0, clock=ticking(h))
    assert result.status == "waiting" and result.detail.endswith("still under review after 4 s of --wait")
    assert result.detail.startswith("template order_update (id ")


def template_at_meta(h: Harness, template_id: str = "5000000000001") -> Any:
    return h.wire.simulator.state.templates[template_id]


def hk_order_update(changes: tuple[FieldChange, ...] = (), category: str = "UTILITY") -> Action:
    template = {"category": category, "components": [{"type": "BODY", "text": "Hi {{1}}, it shipped: {{2}}.",
                "example": {"body_text": [["Mei", "HL-1"]]}}]}  # fmt: skip
    params = UpdateTemplateParams(waba_id=HK_WABA, template=template, index=0, template_id="5000000000001")
    return action(
        'wabas.hk_retail.templates["order_update/en_US"]', Op.UPDATE_TEMPLATE, params, changes=changes
    )


def test_an_edited_template_sends_its_components_and_its_category_only_when_it_changed(
    tmp_path: Path,
) -> None:
    moved = FieldChange(path=("category",), before="UTILITY", after="MARKETING")
    with harness(tmp_path / "one") as h:
        kept = ran(h, update_template, hk_order_update())
        posts = [c.params for c in h.wire.to("POST", "5000000000001")]
        reads = [c.params for c in h.wire.to("GET", "5000000000001")]
    with harness(tmp_path / "other") as h:
        template_at_meta(h).status = "REJECTED"  # only then may its category change
        changed = ran(h, update_template, hk_order_update((moved,), category="MARKETING"))
        posts += [c.params for c in h.wire.to("POST", "5000000000001")]
        reads += [c.params for c in h.wire.to("GET", "5000000000001")]
    assert [sorted(p) for p in posts] == [["components"], ["category", "components"]]
    assert posts[1]["category"] == "MARKETING" and reads == [{"fields": "status"}] * 2
    assert kept == StepResult(
        "waiting", "edited template submitted (id 5000000000001); Meta reviews it (up to 24 h)"
    )
    assert changed.status == "waiting"


def test_an_edit_meta_approves_at_once_is_done_and_one_it_rejects_fails(tmp_path: Path) -> None:
    def decided(h: Harness, value: str) -> None:
        def look(call: Call) -> None:
            if call.method == "GET":
                template_at_meta(h).status = value

        h.wire.before = look

    with harness(tmp_path / "one") as h:
        decided(h, "APPROVED")
        approved = ran(h, update_template, hk_order_update())
    with harness(tmp_path / "other") as h:
        decided(h, "REJECTED")
        said = failed(h, update_template, hk_order_update())
    assert approved == StepResult("done", "edited template approved")
    assert said == "Meta rejected the edited template: change its content and apply again"


def test_a_lost_answer_to_an_edit_is_read_back_never_sent_again(tmp_path: Path) -> None:
    with harness(tmp_path / "took") as h:
        h.wire.lose_answer("POST", "5000000000001")
        result = ran(h, update_template, hk_order_update())
        took = h.wire.to("POST", "5000000000001")
    with harness(tmp_path / "lost") as h:
        h.wire.lose_request("POST", "5000000000001")
        said = failed(h, update_template, hk_order_update())
        lost = h.wire.to("POST", "5000000000001")
    assert len(took) == len(lost) == 1  # Meta will not edit a template its first edit put under review
    assert result.status == "waiting"
    assert said == "Meta's answer was lost and the template is not as edited: run apply again"


def test_a_refused_edit_is_explained(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("POST", "5000000000001", 400, 100, message="cannot edit twice a day")
        assert "cannot edit twice a day" in failed(h, update_template, hk_order_update())
        assert h.wire.to("GET", "5000000000001") == []


def delete_order_update() -> Action:
    params = DeleteTemplateParams(waba_id=HK_WABA, template_id="5000000000001", name="order_update")
    return action('wabas.hk_retail.templates["order_update/en_US"]', Op.DELETE_TEMPLATE, params)


def test_a_template_is_deleted_by_its_id_and_a_repeat_finds_it_gone(tmp_path: Path) -> None:
    with harness(tmp_path / "plain") as h:
        first = ran(h, delete_template, delete_order_update())
        again = ran(h, delete_template, delete_order_update())
        deletes = [c.params for c in h.wire.to("DELETE", f"{HK_WABA}/message_templates")]
        assert "5000000000001" not in h.wire.simulator.state.templates
    assert deletes == [{"name": "order_update", "hsm_id": "5000000000001"}] * 2
    assert first == StepResult("done", "template order_update deleted")
    assert again == StepResult("done", "template order_update was already deleted")
    with harness(tmp_path / "lost") as h:
        h.wire.lose_answer("DELETE", "/message_templates")  # safe to send again: by ID, the repeat finds none
        lost = ran(h, delete_template, delete_order_update())
        assert len(h.wire.to("DELETE", "/message_templates")) == 2
    assert lost == StepResult("done", "template order_update was already deleted")


def test_a_refused_delete_is_explained(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.wire.answer("DELETE", "/message_templates", 400, 100, 2388099, message="in use")
        assert "in use" in failed(h, delete_template, delete_order_update())


def migrate(template_id: str, name: str, language: str, plan_template: dict[str, Any]) -> Action:
    params = MigrateTemplatesParams(
        waba_id=HK_WABA,
        template=plan_template,
        index=0,
        source_waba_id=SOURCE_WABA,
        source_template_id=template_id,
    )
    return action(f'wabas.hk_retail.templates["{name}/{language}"]', Op.MIGRATE_TEMPLATES, params)


async def login_code(ctx: StepContext) -> Action:
    act = planned(await plan_now(ctx), 'wabas.hk_retail.templates["login_code/en_US"]')
    template = act.params_as(CreateTemplateParams).template
    return migrate("5000000000903", "login_code", "en_US", template)


def test_an_approved_template_is_copied_from_the_source_not_submitted(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> StepResult:
            act = await login_code(ctx)
            h.wire.calls.clear()
            return await migrate_template(act, ctx)

        result = h.run(work)
        [post] = h.wire.to("POST", "/migrate_message_templates")
        assert h.wire.writes() == [f"POST {HK_WABA}/migrate_message_templates"]
    assert post.params == {"source_waba_id": SOURCE_WABA, "template_ids": '["5000000000903"]'}
    assert result == StepResult("done", "template login_code (copied) approved")


def test_a_lost_answer_to_a_copy_is_settled_by_reading_never_by_copying_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> StepResult:
            act = await login_code(ctx)
            h.wire.calls.clear()
            h.wire.lose_answer("POST", "/migrate_message_templates")
            return await migrate_template(act, ctx)

        result = h.run(work)
        assert h.wire.writes() == [f"POST {HK_WABA}/migrate_message_templates"]
    assert result == StepResult("done", "template login_code (Meta's answer was lost) approved")


def test_a_lost_copy_that_never_happened_says_to_apply_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> str:
            act = await login_code(ctx)
            h.wire.lose_request("POST", "/migrate_message_templates")
            with pytest.raises(StepFailed) as refused:
                await migrate_template(act, ctx)
            return str(refused.value)

        said = h.run(work)
    assert (
        said == f"template login_code (en_US) is not in WABA {HK_WABA} (Meta's answer was lost): apply again"
    )


def test_a_template_meta_would_not_copy_says_why_and_to_plan_again(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> str:
            act = planned(await plan_now(ctx), 'wabas.hk_retail.templates["spring_sale/zh_HK"]')
            template = act.params_as(CreateTemplateParams).template
            with pytest.raises(StepFailed) as refused:
                await migrate_template(migrate("5000000000902", "spring_sale", "zh_HK", template), ctx)
            return str(refused.value)

        said = h.run(work)
    assert said == (
        f"Meta did not copy template 5000000000902 from WABA {SOURCE_WABA} (Not eligible: status APPROVED, "
        "quality YELLOW): plan again to create it instead"
    )


def test_a_refused_copy_is_explained(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> str:
            act = await login_code(ctx)
            h.wire.answer("POST", "/migrate_message_templates", 400, 100, message="not the same business")
            with pytest.raises(StepFailed) as refused:
                await migrate_template(act, ctx)
            return str(refused.value)

        assert "not the same business" in h.run(work)


def test_e164_of_reads_the_actions_address() -> None:
    assert e164_of(moving_add()) == MOVING


# ------------------------------------------------------------------ more of each step


def test_a_number_id_read_once_serves_the_steps_after(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        number_id = added(h)

        async def work(ctx: StepContext) -> None:
            await request_code(moving_code(None), ctx)
            h.codes[MOVING] = str(h.wire.control.last_code(number_id))
            await verify_code(moving_verify(), ctx)

        h.run(work)
        reads = h.wire.to("GET", "/phone_numbers")
    assert len(reads) == 1


def test_a_number_that_did_not_move_registers_without_saying_it_moved(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        h.secrets["${env:HK_MAIN_PIN}"] = HK_MAIN_PIN
        result = ran(h, register, hk_register(waba_id=HK_WABA))
    assert result == StepResult("done", "registered; two-step PIN set")


def test_a_profile_sends_only_the_fields_the_config_declares(tmp_path: Path) -> None:
    params = UpdateProfileParams(
        phone_number_id=TW_ID, profile={"websites": ["https://harbourlane.example/tw"]}
    )
    with harness(tmp_path / "state") as h:
        ran(h, update_profile, action(number(TW), Op.UPDATE_PROFILE, params, name="profile"))
        [post] = h.wire.to("POST", "/whatsapp_business_profile")
    assert post.params == {
        "messaging_product": "whatsapp", "about": "台北門市 — tea and teaware.", "vertical": "RETAIL",
        "websites": '["https://harbourlane.example/tw"]',
    }  # fmt: skip


def test_a_picture_of_no_known_type_is_sent_as_a_jpeg_and_a_url_not_shown_yet_is_said(tmp_path: Path) -> None:
    (tmp_path / "logo").write_bytes(b"\xff\xd8\xff\xe0 a picture")

    def no_url(call: Call, answer: Any) -> Any:
        return {"data": []} if call.method == "GET" and call.path.endswith("_profile") else answer

    act = action(
        number(HK_MAIN), Op.UPLOAD_PICTURE, UploadPictureParams(picture="logo"), name="profile.picture"
    )
    with harness(tmp_path / "state") as h:
        h.wire.after = no_url
        ran(h, upload_picture, act, config_dir=tmp_path)
        session = h.wire.to("POST", "/uploads")[0].params
        details = h.journal.fingerprint_details()
    assert session["file_type"] == "image/jpeg" and session["file_name"] == "logo"
    assert details[f"{number(HK_MAIN)}.profile.picture"].endswith("; url (not shown yet)")


def test_a_copy_meta_skips_without_a_reason_says_so(tmp_path: Path) -> None:
    def no_reason(call: Call, answer: Any) -> Any:
        return {"migrated_templates": [], "failed_templates": {}} if "migrate" in call.path else answer

    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> str:
            act = planned(await plan_now(ctx), 'wabas.hk_retail.templates["spring_sale/zh_HK"]')
            template = act.params_as(CreateTemplateParams).template
            h.wire.after = no_reason
            with pytest.raises(StepFailed) as refused:
                await migrate_template(migrate("5000000000902", "spring_sale", "zh_HK", template), ctx)
            return str(refused.value)

        said = h.run(work)
    assert said == (
        f"Meta did not copy template 5000000000902 from WABA {SOURCE_WABA} (no reason given): "
        "plan again to create it instead"
    )


def test_a_template_created_meanwhile_differing_only_where_changes_are_ignored_is_taken(
    tmp_path: Path,
) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> StepResult:
            act = planned(await plan_now(ctx), 'wabas.hk_retail.templates["spring_sale/zh_HK"]')
            body = {
                **act.params_as(CreateTemplateParams).template,
                "name": "spring_sale",
                "language": "zh_HK",
            }
            body["components"] = [{"type": "BODY", "text": "親愛的 {{first_name}}，春季優惠！", "example": {
                "body_text_named_params": [{"param_name": "first_name", "example": "美玲"}]}}]  # fmt: skip
            await ctx.graph.post(
                f"{HK_WABA}/message_templates", body, waba_id=HK_WABA
            )  # marketing's own copy
            h.wire.calls.clear()
            return await create_template(act, ctx)

        result = h.run(work)
    assert result.status == "waiting" and "(it was created meanwhile)" in result.detail


def test_a_template_lost_in_another_language_is_not_taken_for_this_one(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> str:
            act = tw_template(await plan_now(ctx))
            body = {"name": "order_update", "language": "en_US", "category": "UTILITY",
                    "components": [{"type": "BODY", "text": "Your order shipped."}]}  # fmt: skip
            await ctx.graph.post(f"{TW_WABA}/message_templates", body, waba_id=TW_WABA)
            h.wire.lose_request("POST", "/message_templates")
            with pytest.raises(StepFailed) as refused:
                await create_template(act, ctx)
            return str(refused.value)

        said = h.run(work)
    assert said == "Meta's answer was lost and the template is not there: run apply again"


def test_waiting_lasts_ten_minutes_unless_told_otherwise(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        result = ran(h, change_display_name, rename(), wait=True, poll_interval=0.0, clock=ticking(h, 100.0))
    assert result.detail.endswith("still under review after 600 s of --wait")


def test_the_sim_command_names_the_config_as_given(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        result = ran(h, add_number, moving_add(), simulated=True)
    assert result.detail.endswith(
        f"(simulated: `wabaplan sim disable-two-step {MOVING} -c numbers.yaml` plays the owner)"
    )


def test_a_step_result_is_a_value() -> None:
    import dataclasses

    result = StepResult("done", "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = "failed"  # type: ignore[misc]
    assert result == StepResult("done", "x") and hash(result) == hash(StepResult("done", "x"))


def test_every_operation_the_planner_makes_has_its_step() -> None:
    from reconciler.apply.steps import STEPS

    shared = {Op.UPDATE_WEBHOOKS: "subscribe_app", Op.ADD_NUMBER_FOR_MIGRATION: "add_number",
              Op.MIGRATE_TEMPLATES: "migrate_template", Op.UPLOAD_PICTURE: "upload_picture"}  # fmt: skip
    assert set(STEPS) == set(Op)
    assert {op: STEPS[op].__name__ for op in Op} == {op: shared.get(op, op.value) for op in Op}


def test_a_template_meta_approves_on_creation_is_done(tmp_path: Path) -> None:
    def approved(call: Call, answer: Any) -> Any:
        return (
            {**answer, "status": "APPROVED"}
            if call.method == "POST" and call.path.endswith("templates")
            else answer
        )

    with harness(tmp_path / "state") as h:
        h.wire.after = approved
        result = create_with(h)
    assert result == StepResult("done", "template order_update approved")


def test_a_template_copied_before_is_taken_as_already_there(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:

        async def work(ctx: StepContext) -> StepResult:
            act = await login_code(ctx)
            await migrate_template(act, ctx)
            return await migrate_template(act, ctx)  # Meta copies nothing the second time

        result = h.run(work)
    assert result == StepResult("done", "template login_code (it was already there) approved")


def test_under_wait_a_template_in_appeal_is_still_waited_for(tmp_path: Path) -> None:
    with harness(tmp_path / "state") as h:
        statuses = iter(["PENDING", "IN_APPEAL", "APPROVED"])

        def appeal_then_approve(call: Call) -> None:
            if call.method == "GET" and call.params.get("fields") == "status":
                template_at_meta(h).status = next(statuses)

        h.wire.before = appeal_then_approve
        result = ran(h, update_template, hk_order_update(), wait=True, poll_interval=0.0, clock=ticking(h))
    assert result == StepResult("done", "edited template approved")
