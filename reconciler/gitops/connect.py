"""Where → a Forge: the one place forge clients are built (a transport may be passed in)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from reconciler.gitops.ci import Where
from reconciler.gitops.forge import Forge
from reconciler.gitops.github import GitHub
from reconciler.gitops.gitlab import GitLab


@contextmanager
def connect(where: Where, transport: httpx.BaseTransport | None = None) -> Iterator[Forge]:
    forge = GitHub(where, transport) if where.forge == "github" else GitLab(where, transport)
    try:
        yield forge
    finally:
        forge.close()
