"""A forge as wabaplan needs it: find the comment that carries a marker, create one, update one.

`upsert` is the whole job: one comment per marker, updated in place on every push, never a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from reconciler.errors import WabaplanError


class ForgeError(WabaplanError):
    """The forge could not be reached or refused; or this run names no pull request. Says what to do."""


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    url: str  # where a person reads it ("" when the forge's answer does not say)


class Forge(Protocol):
    """Comments on one pull request (GitHub) or merge request (GitLab)."""

    name: str  # "GitHub"
    where: str  # "octo/shop#7", "group/shop!7"

    def find(self, marker: str) -> Comment | None:
        """The oldest comment whose body starts with `marker`, looked for on every page."""
        ...

    def create(self, body: str) -> Comment: ...

    def update(self, comment_id: int, body: str) -> Comment: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Posted:
    comment: Comment
    did: str  # "created", "updated", or "unchanged" (the comment already said this)


def upsert(forge: Forge, marker: str, body: str) -> Posted:
    """Post `body` as the one comment that `marker` names: update it if it exists, else create it."""
    if not body.startswith(marker):
        raise ValueError("the body must start with its marker, or the next run would not find it")
    found = forge.find(marker)
    if found is None:
        return Posted(forge.create(body), "created")
    if found.body == body:
        return Posted(found, "unchanged")
    return Posted(forge.update(found.id, body), "updated")
