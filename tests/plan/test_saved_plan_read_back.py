"""A saved plan read back as a typed `Plan`: the same value, its checksum, and what it refuses."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler.diff import FieldChange
from reconciler.plan.compare import compare
from reconciler.plan.model import Action, Kind, Op, Plan, Status
from reconciler.plan.params import (
    RegisterParams,
    SetPinParams,
    UpdateProfileParams,
    VerifyCodeParams,
)
from reconciler.plan.saved import PlanFileError, load_saved_plan

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "plan.json"
PROFILE = 'numbers["+886912345678"].profile'


@pytest.fixture
def document() -> dict[str, Any]:
    """The example's plan as `plan --out` saves it: every operation of a move and of a live estate."""
    saved: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return saved


def saved_as(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_example_plan_reads_back_key_for_key(document: dict[str, Any]) -> None:
    plan = Plan.from_json(document)
    assert plan.to_json() == {k: v for k, v in document.items() if k != "read"}  # `read` is the command's
    assert plan.checksum() == document["checksum"]
    ops = {a.op for a in plan.actions}
    assert {Op.MIGRATE_TEMPLATES, Op.ADD_NUMBER_FOR_MIGRATION, Op.UPLOAD_PICTURE} <= ops


def test_a_plan_saved_before_the_checksum_was_recorded_still_loads(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    older = {k: v for k, v in document.items() if k != "checksum"}
    saved = load_saved_plan(saved_as(tmp_path, older))
    assert saved.plan == Plan.from_json(document) and saved.document == older


def test_an_action_edited_after_saving_is_refused(tmp_path: Path, document: dict[str, Any]) -> None:
    edited = copy.deepcopy(document)
    profile = next(a for a in edited["actions"] if a["id"] == PROFILE)
    profile["params"]["profile"]["websites"] = ["https://elsewhere.example"]
    with pytest.raises(PlanFileError) as refused:
        load_saved_plan(saved_as(tmp_path, edited))
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'plan.json'}: checksum: the actions differ")
    assert message.endswith("plan again (save one with `wabaplan plan --out plan.json`)")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.pop("phone_number_id"), "'phone_number_id' is missing"),
        (lambda p: p.update(pin="123456"), "'pin' is not a parameter of this operation"),
        (
            lambda p: p.update(phone_number_id=3000000000002),
            "'phone_number_id' is 3000000000002, not of type",
        ),
    ],
)
def test_params_that_are_not_what_the_operation_takes_are_refused(
    tmp_path: Path,
    document: dict[str, Any],
    damage: Any,
    message: str,
) -> None:
    damaged = {k: v for k, v in copy.deepcopy(document).items() if k != "checksum"}
    index = next(i for i, a in enumerate(damaged["actions"]) if a["operation"] == "set_pin")
    damage(damaged["actions"][index]["params"])
    with pytest.raises(PlanFileError, match=f"plan.json: actions/{index}/params: {message}"):
        load_saved_plan(saved_as(tmp_path, damaged))


def test_params_are_written_as_they_always_were() -> None:
    # A re-registration names only the number's ID; a number not at Meta yet is named by cc and number.
    assert RegisterParams(phone_number_id="3", data_localization_region=None).to_json() == {
        "phone_number_id": "3",
        "data_localization_region": None,
    }
    new = VerifyCodeParams(waba_id="2", cc="852", phone_number="61234567")
    assert list(new.to_json()) == ["waba_id", "cc", "phone_number"]
    assert list(replace(new, phone_number_id="3").to_json()) == [
        "waba_id",
        "cc",
        "phone_number",
        "phone_number_id",
    ]
    # ... while a profile update after a registration in the same plan says so with null
    assert UpdateProfileParams(phone_number_id=None, profile={}).to_json() == {
        "phone_number_id": None,
        "profile": {},
    }
    assert VerifyCodeParams.from_json(new.to_json()) == new
    assert new == new.to_json() and new["cc"] == "852"  # read by key, it answers as its JSON form


def test_an_action_takes_only_its_operations_params() -> None:
    with pytest.raises(TypeError, match="set_pin takes SetPinParams"):
        Action(
            "a",
            "a",
            Kind.UPDATE,
            Op.SET_PIN,
            "",
            params=VerifyCodeParams(waba_id="1", cc="1", phone_number="2"),
        )


def _pin(status: Status = Status.READY, **changed: Any) -> Action:
    action = Action(
        id='numbers["+85251234567"].pin',
        address='numbers["+85251234567"]',
        kind=Kind.UPDATE,
        op=Op.SET_PIN,
        summary="set the PIN",
        status=status,
        changes=(FieldChange(("pin",), None, None, sensitive=True),),
        params=SetPinParams(phone_number_id="3000000000001"),
    )
    return replace(action, **changed)


def test_the_checksum_covers_what_a_review_approves_not_its_wording() -> None:
    plan = Plan(actions=(_pin(),), config_hash="sha256:a", notes=("a note",))
    reworded = Plan(
        actions=(_pin(summary="set it", reason="why not"),),
        config_hash="sha256:b",  # another config file: comments, layout
        notes=(),
        live_fingerprints={'numbers["+85251234567"]': "0123"},
    )
    assert plan.checksum() == reworded.checksum()
    for other in (
        _pin(status=Status.BLOCKED),
        _pin(params=SetPinParams(phone_number_id="3000000000002")),
        _pin(depends_on=("wabas.hk_retail.webhooks",)),
        _pin(changes=()),
        _pin(address='numbers["+85251234568"]'),
    ):
        assert Plan(actions=(other,)).checksum() != plan.checksum(), other


def test_the_difference_from_a_reviewed_plan_names_each_action_and_what_changed() -> None:
    profile = Action(
        id=PROFILE,
        address='numbers["+886912345678"]',
        kind=Kind.UPDATE,
        op=Op.UPDATE_PROFILE,
        summary="update the business profile",
        changes=(FieldChange(("profile", "about"), "Tea", "Teas"),),
        params=UpdateProfileParams(phone_number_id="3", profile={"about": "Teas"}),
    )
    reviewed = Plan(actions=(_pin(), profile))
    now = replace(
        profile,
        changes=(FieldChange(("profile", "about"), "Tee", "Teas"),),
        status=Status.BLOCKED,
    )
    added = replace(_pin(), id='numbers["+85251234567"].register', op=Op.REGISTER, params=None)
    difference = compare(reviewed, Plan(actions=(now, added)))
    assert difference.lines() == [
        '+ numbers["+85251234567"].register: added',
        '- numbers["+85251234567"].pin: removed',
        f'~ {PROFILE}: status: ready → blocked; change of profile.about: "Tea" → "Teas" (reviewed), '
        'now "Tee" → "Teas"',
    ]
    assert not compare(reviewed, reviewed)
    moved = Plan(actions=(_pin(params=SetPinParams(phone_number_id="3000000000002")), profile))
    assert compare(reviewed, moved).lines() == [
        '~ numbers["+85251234567"].pin: params.phone_number_id: "3000000000001" → "3000000000002"'
    ]
    assert compare(reviewed, Plan(actions=(profile, _pin()))).lines() == [
        "the same actions, in another order"
    ]
