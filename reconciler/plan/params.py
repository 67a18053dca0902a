"""What apply needs to carry out one operation, beyond its address: typed, frozen, never a secret. Pure.

One class per step of apply (`Op.SUBSCRIBE_APP` and `Op.UPDATE_WEBHOOKS` share one, as do the two ways of
adding a number); `model.PARAMS` says which class each operation takes. `to_json()` is the `params` object
of a saved plan, key for key as wabaplan has always written it (a key made with `_omitted_when_none` is
left out when None, where others are written as null); `from_json()` reads it back, or says which key is
missing or wrong.

Compared with a mapping, or read by key, a params value answers as its JSON form does (what the saved plan
holds, what tests compare); apply reads the attributes.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self, TypedDict, Union, get_args, get_origin, get_type_hints

_OMIT = {"omit_none": True}


def _omitted_when_none() -> Any:
    return field(default=None, metadata=_OMIT)


class ParamsError(ValueError):
    """A params object that is not what its operation takes; the message names the key."""


class OpParams:
    """The base of every operation's params: the JSON form, and reading it back."""

    def to_json(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)  # type: ignore[arg-type]
            if not (f.metadata.get("omit_none") and getattr(self, f.name) is None)
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        hints = get_type_hints(cls)
        known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        if unknown := sorted(set(data) - set(known)):
            raise ParamsError(f"{unknown[0]!r} is not a parameter of this operation")
        for name, spec in known.items():
            if name not in data and not spec.metadata.get("omit_none"):
                raise ParamsError(f"{name!r} is missing")
            if not _fits(data.get(name), hints[name]):
                raise ParamsError(f"{name!r} is {data.get(name)!r}, not of type {hints[name]}")
        return cls(**{name: data[name] for name in known if name in data})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OpParams):
            return type(self) is type(other) and self.to_json() == other.to_json()
        if isinstance(other, Mapping):
            return self.to_json() == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # holds dicts (a template, a profile)

    def __getitem__(self, key: str) -> Any:
        return self.to_json()[key]


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value is of a params field's type (str, int, bool, dict[…], unions with None)."""
    if get_origin(hint) in (Union, types.UnionType):
        return any(_fits(value, option) for option in get_args(hint))
    if hint is type(None):
        return value is None
    if get_origin(hint) is dict:
        return isinstance(value, dict)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


_params = dataclass(frozen=True, kw_only=True, eq=False)  # equal as their JSON forms are (OpParams.__eq__)


# ------------------------------------------------------------------ a WABA's webhooks


@_params
class WebhooksParams(OpParams):
    """subscribe_app, update_webhooks: subscribe the app (with the callback override, if declared)."""

    waba_id: str
    app_id: str
    override_callback_uri: str | None


# ------------------------------------------------------------------ numbers


class NewNumber(TypedDict):
    """What names a number Meta does not hold yet, in the params of the steps that add and register it."""

    waba_id: str
    cc: str
    phone_number: str


@_params
class _NewNumber(OpParams):
    waba_id: str
    cc: str  # country calling code, e.g. "852"
    phone_number: str  # the national number


@_params
class AddNumberParams(_NewNumber):
    """add_number, add_number_for_migration."""

    verified_name: str | None
    migrate: bool


@_params
class VerifyCodeParams(_NewNumber):
    phone_number_id: str | None = _omitted_when_none()  # when the number is at Meta already


@_params
class RequestCodeParams(_NewNumber):
    phone_number_id: str | None = _omitted_when_none()
    code_method: str  # SMS | VOICE
    language: str


@_params
class RegisterParams(OpParams):
    """A first registration names the number as it was added; a re-registration only its ID."""

    waba_id: str | None = _omitted_when_none()
    cc: str | None = _omitted_when_none()
    phone_number: str | None = _omitted_when_none()
    phone_number_id: str | None = _omitted_when_none()
    data_localization_region: str | None


@_params
class SetPinParams(OpParams):
    phone_number_id: str


@_params
class DeregisterParams(OpParams):
    phone_number_id: str


@_params
class UpdateProfileParams(OpParams):
    phone_number_id: str | None  # None: the number registers earlier in the same plan
    profile: dict[str, Any]  # the fields that change, with their new values


@_params
class UploadPictureParams(OpParams):
    picture: str  # the file, relative to the config


@_params
class ChangeDisplayNameParams(OpParams):
    phone_number_id: str | None  # None: the number registers earlier in the same plan
    display_name: str


# ------------------------------------------------------------------ templates


@_params
class _Template(OpParams):
    waba_id: str
    template: dict[str, Any]  # the declared template: category, components, parameter_format
    index: int  # its place among the WABA's declared templates


@_params
class CreateTemplateParams(_Template):
    pass


@_params
class MigrateTemplatesParams(_Template):
    """Copy the template, approved, from the source WABA of a number's move."""

    source_waba_id: str
    source_template_id: str


@_params
class UpdateTemplateParams(_Template):
    template_id: str


@_params
class DeleteTemplateParams(OpParams):
    waba_id: str
    template_id: str
    name: str


# ------------------------------------------------------------------ what several operations share


ON_A_NUMBER = (
    RequestCodeParams,
    VerifyCodeParams,
    RegisterParams,
    SetPinParams,
    DeregisterParams,
    UpdateProfileParams,
    ChangeDisplayNameParams,
)  # the params that may carry the number's phone number ID


NAMING_A_WABA = (WebhooksParams, _NewNumber, RegisterParams, _Template, DeleteTemplateParams)


def phone_number_id(params: OpParams | None) -> str | None:
    """The ID of the number an action is on, when the plan knew it."""
    return params.phone_number_id if isinstance(params, ON_A_NUMBER) else None


def waba_id(params: OpParams | None) -> str | None:
    """The ID of the WABA an action is in, when its params name it."""
    return params.waba_id if isinstance(params, NAMING_A_WABA) else None
