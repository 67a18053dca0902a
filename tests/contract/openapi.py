"""Validate JSON response bodies against Meta's OpenAPI spec (business-messaging v23.0).

    spec = load_spec()                                   # parsed once per process, spec exceptions applied
    spec.validate_response("GET", "/{Version}/{WABA-ID}", 200, body)   # raises ResponseMismatch
    validate_response("GET", "/{Version}/{WABA-ID}", 200, body)        # the same, on load_spec()

Operations are named by HTTP method and the spec's path template (`/{Version}/{Phone-Number-ID}/register`):
several templates share one URL shape (`/{Version}/{WABA-ID}` vs `/{Version}/{Phone-Number-ID}`), so the
caller says which one it called.

Schemas: a response schema is returned with every `$ref` inlined (each inlined node keeps its origin under
`x-spec-ref`; a recursive reference stays a `$ref` to an absolute URI that the validator resolves through a
`referencing.Registry` holding the whole document). The spec says `openapi: 3.1.0` (JSON Schema 2020-12) but
still uses the 3.0 keyword `nullable: true` (e.g. `WhatsAppBusinessAccountPhoneNumber.username`); it is
rewritten on load to the 2020-12 form (`"type": [T, "null"]`). `format` is asserted (`email`, `uri`,
`date-time`, …), not just annotated.

Statuses: a status code matches its exact key, then its range (`4XX`), then `default`. When the spec has no
JSON schema for the answer the harness raises `NoResponseSchema` instead of passing silently.

Spec exceptions: `load_spec()` applies `spec_exceptions.SPEC_EXCEPTIONS` (the one list of deliberate
deviations, each justified by META-API.md) as pointer patches on a copy of the document; `load_raw_spec()`
is Meta's spec as published (only `nullable` rewritten). Patched schema nodes carry
`x-spec-exceptions: [id…]`, and a failure message names the exception that was in play.

Errors:

    SpecError                  the spec cannot answer the question
    ├── SpecNotFound           the YAML file is not where we look
    ├── OperationNotFound      no such method + path template
    ├── NoResponseSchema       the spec documents no JSON schema for that status/content type
    └── SpecPatchError         a spec exception no longer matches the spec it patches
    ResponseMismatch           (an AssertionError) the body breaks the schema: operation, JSON paths, reasons
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeAlias
from urllib.parse import urlsplit

import jsonschema
import referencing
import referencing.jsonschema
import yaml
from jsonschema.exceptions import ValidationError

from .spec_exceptions import MISSING, SPEC_EXCEPTIONS, SpecException

__all__ = [
    "COVERED_OPERATIONS",
    "HTTP_METHODS",
    "NoResponseSchema",
    "OpenApiSpec",
    "Operation",
    "OperationNotFound",
    "Problem",
    "ResponseMismatch",
    "SpecError",
    "SpecNotFound",
    "SpecPatchError",
    "find_spec_file",
    "load_raw_spec",
    "load_spec",
    "validate_response",
]

JSON: TypeAlias = Any

SPEC_FILE_NAME: Final = "business-messaging-api_v23.0.yaml"
SPEC_ENV_VAR: Final = "WABAPLAN_OPENAPI_SPEC"
SPEC_URI: Final = "urn:meta:business-messaging-api:v23.0"
HTTP_METHODS: Final = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
JSON_CONTENT_TYPE: Final = "application/json"

# The operations wabaplan uses and the simulator must serve, as (method, spec path template).
COVERED_OPERATIONS: Final[tuple[tuple[str, str], ...]] = (
    ("GET", "/{Version}/{WABA-ID}"),
    ("POST", "/{Version}/{WABA-ID}"),
    ("GET", "/{Version}/{WABA-ID}/phone_numbers"),
    ("POST", "/{Version}/{WABA-ID}/phone_numbers"),
    ("GET", "/{Version}/{Phone-Number-ID}"),
    ("POST", "/{Version}/{Phone-Number-ID}"),
    ("POST", "/{Version}/{Phone-Number-ID}/request_code"),
    ("POST", "/{Version}/{Phone-Number-ID}/verify_code"),
    ("POST", "/{Version}/{Phone-Number-ID}/register"),
    ("POST", "/{Version}/{Phone-Number-ID}/deregister"),
    ("GET", "/{Version}/{Phone-Number-ID}/whatsapp_business_profile"),
    ("POST", "/{Version}/{Phone-Number-ID}/whatsapp_business_profile"),
    ("GET", "/{Version}/{WABA-ID}/message_templates"),
    ("POST", "/{Version}/{WABA-ID}/message_templates"),
    ("DELETE", "/{Version}/{WABA-ID}/message_templates"),
    ("GET", "/{Version}/{TEMPLATE_ID}"),
    ("POST", "/{Version}/{TEMPLATE_ID}"),
    ("GET", "/{Version}/{WABA-ID}/subscribed_apps"),
    ("POST", "/{Version}/{WABA-ID}/subscribed_apps"),
    ("DELETE", "/{Version}/{WABA-ID}/subscribed_apps"),
    ("POST", "/{Version}/{WABA-ID}/migrate_message_templates"),  # added by spec_exceptions.py
    ("GET", "/{Version}/{Phone-Number-ID}/settings"),
    ("POST", "/{Version}/{Phone-Number-ID}/settings"),
    ("GET", "/{Version}/{WhatsApp-Business-Profile-ID}"),
    ("POST", "/{Version}/{WhatsApp-Business-Profile-ID}"),
    ("GET", "/{Version}/{Business-ID}"),
)

_HERE: Final = Path(__file__).resolve().parent
_REPO_ROOT: Final = _HERE.parents[1]
SPEC_SEARCH_PATH: Final = (
    _HERE / "meta-openapi" / SPEC_FILE_NAME,  # vendored beside the harness (MIT, see meta-openapi/LICENSE)
    _REPO_ROOT.parent / "shared" / "reference" / "meta-openapi" / SPEC_FILE_NAME,  # the team's reference copy
)
_MAX_PROBLEMS_SHOWN: Final = 20
_MAX_CONTEXT_SHOWN: Final = 4
_MAX_MESSAGE_CHARS: Final = 400  # jsonschema quotes the offending value; a whole edge would drown the report


class SpecError(Exception):
    """The OpenAPI spec cannot answer the question asked of it."""


class SpecNotFound(SpecError):
    pass


class OperationNotFound(SpecError):
    pass


class NoResponseSchema(SpecError):
    """The spec documents no JSON schema for this operation/status/content type."""

    def __init__(self, operation: str, status: int, content_type: str, reason: str) -> None:
        self.operation = operation
        self.status = status
        self.content_type = content_type
        self.reason = reason
        answer = f"{status} {content_type}" if content_type else str(status)
        super().__init__(f"{operation} -> {answer}: no schema in the spec ({reason})")


class SpecPatchError(SpecError):
    pass


@dataclass(frozen=True)
class Problem:
    """One way a body breaks its schema."""

    json_path: str  # where in the body, e.g. "$.data[0].status"
    message: str  # what failed, from jsonschema
    schema_path: str  # keyword path inside the response schema, e.g. "properties/data/items/…/enum"
    spec_refs: tuple[str, ...] = ()  # named spec schemas crossed on the way, innermost last
    spec_exceptions: tuple[str, ...] = ()  # spec_exceptions ids that patched the schemas crossed

    def render(self) -> str:
        text = f"at {self.json_path}: {self.message}\n      schema: {self.schema_path or '(root)'}"
        if self.spec_refs:
            text += f" in {self.spec_refs[-1]}"
        if self.spec_exceptions:
            text += f" (patched by spec exception {', '.join(self.spec_exceptions)})"
        return text


class ResponseMismatch(AssertionError):
    """A response body does not validate against the spec's schema for it."""

    def __init__(self, operation: str, status: int, content_type: str, problems: Sequence[Problem]) -> None:
        self.operation = operation
        self.status = status
        self.content_type = content_type
        self.problems = tuple(problems)
        shown = [f"  - {problem.render()}" for problem in self.problems[:_MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > _MAX_PROBLEMS_SHOWN:
            shown.append(f"  … and {len(self.problems) - _MAX_PROBLEMS_SHOWN} more")
        count = len(self.problems)
        super().__init__(
            f"{operation} -> {status} {content_type}: response does not match the OpenAPI spec "
            f"({count} problem{'s' if count != 1 else ''}):\n" + "\n".join(shown)
        )

    @property
    def json_paths(self) -> tuple[str, ...]:
        return tuple(problem.json_path for problem in self.problems)


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the spec's template, e.g. "/{Version}/{WABA-ID}/phone_numbers"
    operation_id: str | None
    responses: Mapping[str, JSON]  # as in the spec ($refs not resolved)

    @property
    def label(self) -> str:
        suffix = f" ({self.operation_id})" if self.operation_id else ""
        return f"{self.method} {self.path}{suffix}"


# --------------------------------------------------------------------------------------------- loading


def find_spec_file() -> Path:
    """`$WABAPLAN_OPENAPI_SPEC` if set, else the first existing file of `SPEC_SEARCH_PATH`."""
    override = os.environ.get(SPEC_ENV_VAR)
    candidates = [Path(override)] if override else list(SPEC_SEARCH_PATH)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(candidate) for candidate in candidates)
    raise SpecNotFound(
        f"Meta's OpenAPI spec {SPEC_FILE_NAME} not found (looked in: {looked}); "
        f"set {SPEC_ENV_VAR} to its path"
    )


@functools.cache
def _raw_document(path: Path) -> JSON:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as stream:
        document = yaml.load(stream, Loader=loader)  # a safe loader (C or pure Python)
    if not isinstance(document, dict) or "paths" not in document:
        raise SpecError(f"{path} is not an OpenAPI document (no top-level `paths`)")
    return document


@functools.cache
def load_raw_spec(path: Path | None = None) -> OpenApiSpec:
    """Meta's spec as published (only `nullable` normalised), parsed once per process."""
    spec_path = path or find_spec_file()
    return OpenApiSpec(_raw_document(spec_path), source=str(spec_path))


@functools.cache
def load_spec(path: Path | None = None) -> OpenApiSpec:
    """Meta's spec with `spec_exceptions.SPEC_EXCEPTIONS` applied, parsed once per process."""
    spec_path = path or find_spec_file()
    return OpenApiSpec(_raw_document(spec_path), source=str(spec_path), exceptions=SPEC_EXCEPTIONS)


def validate_response(
    method: str, spec_path: str, status: int, body: JSON, *, content_type: str = JSON_CONTENT_TYPE
) -> None:
    """Validate `body` against the (exception-patched) spec; raise `ResponseMismatch` if it breaks it."""
    load_spec().validate_response(method, spec_path, status, body, content_type=content_type)


# ------------------------------------------------------------------------------------------ the spec


class OpenApiSpec:
    """One OpenAPI document, queried by (method, path template, status, content type)."""

    def __init__(
        self, document: JSON, *, source: str = "<memory>", exceptions: Sequence[SpecException] = ()
    ) -> None:
        self.source = source
        self.exceptions = tuple(exceptions)
        patched = _apply_exceptions(document, self.exceptions)
        self.document: JSON = _normalise_nullable(patched)
        resource = referencing.Resource(
            contents=self.document, specification=referencing.jsonschema.DRAFT202012
        )
        self._registry: referencing.Registry[JSON] = referencing.Registry().with_resource(SPEC_URI, resource)
        self._format_checker = _format_checker()
        self._validators: dict[tuple[str, str, str, str], jsonschema.Draft202012Validator] = {}

    def __repr__(self) -> str:
        return f"OpenApiSpec({self.source!r}, exceptions={len(self.exceptions)})"

    # -- lookup

    def operations(self) -> Iterator[Operation]:
        for path, item in self.document["paths"].items():
            for method in sorted(HTTP_METHODS & item.keys()):
                yield self._operation(method, path, item[method])

    def operation(self, method: str, path: str) -> Operation:
        item = self.document["paths"].get(path)
        if item is None:
            near = sorted(
                p for p in self.document["paths"] if p.rsplit("/", 1)[-1] == path.rsplit("/", 1)[-1]
            )
            hint = f"; paths with the same last segment: {', '.join(near)}" if near else ""
            raise OperationNotFound(f"path {path!r} is not in the spec{hint}")
        op = item.get(method.lower())
        if op is None:
            methods = ", ".join(sorted(m.upper() for m in HTTP_METHODS & item.keys()))
            raise OperationNotFound(f"{method.upper()} {path} is not in the spec (it has: {methods})")
        return self._operation(method, path, op)

    def _operation(self, method: str, path: str, op: JSON) -> Operation:
        return Operation(method.upper(), path, op.get("operationId"), op.get("responses") or {})

    def response_status_key(self, method: str, path: str, status: int) -> str:
        """The `responses` key that answers `status`: exact, then range (`4XX`), then `default`."""
        operation = self.operation(method, path)
        for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
            if key in operation.responses:
                return key
        documented = ", ".join(operation.responses) or "none"
        raise NoResponseSchema(
            operation.label, status, "", f"status {status} not documented (documented: {documented})"
        )

    def response_schema_pointer(
        self, method: str, path: str, status: int, content_type: str = JSON_CONTENT_TYPE
    ) -> str:
        """JSON Pointer (into the document) of the schema answering `status` with `content_type`."""
        operation = self.operation(method, path)
        key = self.response_status_key(method, path, status)
        pointer = "/".join(["", "paths", _escape(path), method.lower(), "responses", _escape(key)])
        response = self._resolve_pointer(pointer)
        while isinstance(response, dict) and "$ref" in response:  # e.g. #/components/responses/NotFound
            pointer = _local_pointer(response["$ref"])
            response = self._resolve_pointer(pointer)
        content = response.get("content") or {}
        if not content:
            raise NoResponseSchema(operation.label, status, content_type, f"response {key!r} has no content")
        media = _match_media_type(content_type, content)
        if media is None:
            raise NoResponseSchema(
                operation.label,
                status,
                content_type,
                f"response {key!r} has no {content_type} content (it has: {', '.join(content)})",
            )
        if "schema" not in content[media]:
            raise NoResponseSchema(operation.label, status, content_type, f"{key!r} {media} has no schema")
        return f"{pointer}/content/{_escape(media)}/schema"

    def response_schema(
        self, method: str, path: str, status: int, content_type: str = JSON_CONTENT_TYPE
    ) -> JSON:
        """The JSON Schema (2020-12) of the response, with `$ref`s inlined (see the module docstring)."""
        pointer = self.response_schema_pointer(method, path, status, content_type)
        return self._inline(self._resolve_pointer(pointer), stack=(pointer,))

    # -- validation

    def validate_response(
        self, method: str, path: str, status: int, body: JSON, *, content_type: str = JSON_CONTENT_TYPE
    ) -> None:
        problems = self.problems(method, path, status, body, content_type=content_type)
        if problems:
            raise ResponseMismatch(self.operation(method, path).label, status, content_type, problems)

    def problems(
        self, method: str, path: str, status: int, body: JSON, *, content_type: str = JSON_CONTENT_TYPE
    ) -> list[Problem]:
        """Every way `body` breaks the response schema (empty when it validates)."""
        validator = self._validator(method, path, status, content_type)
        return [
            _problem(error, validator.schema)
            for error in sorted(validator.iter_errors(body), key=_error_sort_key)
        ]

    def _validator(
        self, method: str, path: str, status: int, content_type: str
    ) -> jsonschema.Draft202012Validator:
        key = (method.lower(), path, self.response_status_key(method, path, status), content_type)
        validator = self._validators.get(key)
        if validator is None:
            schema = self.response_schema(method, path, status, content_type)
            validator = jsonschema.Draft202012Validator(
                schema, registry=self._registry, format_checker=self._format_checker
            )
            self._validators[key] = validator
        return validator

    # -- schema plumbing

    def _resolve_pointer(self, pointer: str) -> JSON:
        node = self.document
        for token in _split_pointer(pointer):
            try:
                node = node[int(token)] if isinstance(node, list) else node[token]
            except (KeyError, IndexError, ValueError) as error:
                raise SpecError(f"{pointer!r} does not resolve in {self.source}") from error
        return node

    def _inline(self, node: JSON, *, stack: tuple[str, ...]) -> JSON:
        if isinstance(node, list):
            return [self._inline(item, stack=stack) for item in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            pointer = _local_pointer(ref)
            if pointer in stack:  # recursive schema: leave an absolute $ref for the registry to resolve
                target: JSON = {"$ref": f"{SPEC_URI}#{pointer}"}
            else:
                resolved = self._inline(self._resolve_pointer(pointer), stack=(*stack, pointer))
                target = {**resolved, "x-spec-ref": ref} if isinstance(resolved, dict) else resolved
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            if isinstance(target, dict) and all(key.startswith("x-") for key in siblings):
                merged = {**target, **siblings}  # only our annotations beside the $ref
                if "x-spec-exceptions" in target and "x-spec-exceptions" in siblings:
                    merged["x-spec-exceptions"] = [
                        *target["x-spec-exceptions"],
                        *siblings["x-spec-exceptions"],
                    ]
                return merged
            return {"allOf": [target], **self._inline(siblings, stack=stack)}
        return {key: self._inline(value, stack=stack) for key, value in node.items()}


# ------------------------------------------------------------------------------------ spec exceptions


def _apply_exceptions(document: JSON, exceptions: Iterable[SpecException]) -> JSON:
    """A copy of `document` with every patch applied; the original is left untouched."""
    patched = copy.copy(document)
    for entry in exceptions:
        for patch in entry.patches:
            tokens = _split_pointer(patch.pointer)
            parent = patched
            # copy-on-write down to the parent, so the cached raw document is never mutated
            for index, token in enumerate(tokens[:-1]):
                child = _child(parent, token)
                if child is MISSING or not isinstance(child, dict | list):
                    where = "/".join(["", *map(_escape, tokens[: index + 1])])
                    raise SpecPatchError(f"spec exception {entry.id!r}: {where} is not in the spec")
                child = copy.copy(child)
                _set_child(parent, token, child)
                parent = child
            leaf = tokens[-1]
            current = _child(parent, leaf)
            if current != patch.before:
                raise SpecPatchError(
                    f"spec exception {entry.id!r} expects {patch.before!r} at {patch.pointer}, but the spec "
                    f"has {current!r}; review the entry in spec_exceptions.py"
                )
            after = copy.deepcopy(patch.after)
            if after is MISSING:
                del parent[int(leaf) if isinstance(parent, list) else leaf]
            else:
                _set_child(parent, leaf, after)
            marked = after if isinstance(after, dict) else parent
            if isinstance(marked, dict):
                marked["x-spec-exceptions"] = [*marked.get("x-spec-exceptions", []), entry.id]
    return patched


def _child(node: JSON, token: str) -> JSON:
    if isinstance(node, list):
        index = int(token)
        return node[index] if 0 <= index < len(node) else MISSING
    return node.get(token, MISSING)


def _set_child(node: JSON, token: str, value: JSON) -> None:
    if isinstance(node, list):
        node[int(token)] = value
    else:
        node[token] = value


# --------------------------------------------------------------------------------------------- helpers


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _split_pointer(pointer: str) -> list[str]:
    if pointer in ("", "#"):
        return []
    if not pointer.startswith("/"):
        raise SpecError(f"{pointer!r} is not a JSON Pointer")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _local_pointer(ref: str) -> str:
    if ref.startswith(f"{SPEC_URI}#"):
        return ref[len(SPEC_URI) + 1 :]
    if not ref.startswith("#"):
        raise SpecError(f"only local $refs are supported, got {ref!r}")
    return ref[1:]


def _match_media_type(content_type: str, content: Mapping[str, JSON]) -> str | None:
    wanted = content_type.split(";", 1)[0].strip().lower()
    family = wanted.split("/", 1)[0]
    for candidate in (wanted, f"{family}/*", "*/*"):
        for media in content:
            if media.split(";", 1)[0].strip().lower() == candidate:
                return media
    return None


def _normalise_nullable(node: JSON) -> JSON:
    """Rewrite OpenAPI 3.0 `nullable: true` into JSON Schema 2020-12 (returns a new tree where changed)."""
    if isinstance(node, list):
        return [_normalise_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _normalise_nullable(value) for key, value in node.items()}
    nullable = result.get("nullable")
    if not isinstance(nullable, bool):  # a property *named* "nullable" holds a schema, not a flag
        return result
    del result["nullable"]
    if not nullable:
        return result
    kind = result.get("type")
    if isinstance(kind, str):
        result["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        result["type"] = [*kind, "null"]
    elif kind is None:
        return {"anyOf": [result, {"type": "null"}]}
    if isinstance(result.get("enum"), list) and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    return result


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)

    @checker.checks("uri")
    def _is_uri(instance: object) -> bool:  # an absolute URI; the rfc3987 extra is not a dependency
        if not isinstance(instance, str):
            return True
        parts = urlsplit(instance)
        return bool(parts.scheme) and not any(char.isspace() for char in instance)

    return checker


def _error_sort_key(error: ValidationError) -> tuple[str, str]:
    return (error.json_path, "/".join(map(str, error.schema_path)))


def _problem(error: ValidationError, root_schema: JSON) -> Problem:
    refs, exceptions = _schema_trail(root_schema, error.absolute_schema_path)
    message = _shorten(error.message)
    if error.context:  # oneOf/anyOf: say why each branch failed
        branch_errors = sorted(error.context, key=lambda sub: (len(sub.path), sub.json_path))
        details = [f"{sub.json_path}: {_shorten(sub.message)}" for sub in branch_errors[:_MAX_CONTEXT_SHOWN]]
        message += (
            " [" + "; ".join(details) + ("; …" if len(branch_errors) > _MAX_CONTEXT_SHOWN else "") + "]"
        )
    return Problem(
        json_path=error.json_path,
        message=message,
        schema_path="/".join(str(part) for part in error.absolute_schema_path),
        spec_refs=refs,
        spec_exceptions=exceptions,
    )


def _shorten(message: str) -> str:
    if len(message) <= _MAX_MESSAGE_CHARS:
        return message
    half = _MAX_MESSAGE_CHARS // 2
    return f"{message[:half]} … {message[-half:]}"


def _schema_trail(root: JSON, schema_path: Iterable[str | int]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The `x-spec-ref`s and `x-spec-exceptions` met walking `schema_path` from `root`."""
    refs: list[str] = []
    exceptions: list[str] = []
    node = root
    for part in [None, *schema_path]:
        if part is not None:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        if isinstance(node, dict):
            if isinstance(node.get("x-spec-ref"), str):
                refs.append(node["x-spec-ref"])
            for exception_id in node.get("x-spec-exceptions", ()):
                if exception_id not in exceptions:
                    exceptions.append(exception_id)
    return tuple(refs), tuple(exceptions)
