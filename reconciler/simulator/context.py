"""What an operation sees: the state, the caller's token, the simulated time, the request."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .protocol import GraphRequest
from .state import State, TokenRec


@dataclass
class Ctx:
    state: State
    token: TokenRec
    now: float
    req: GraphRequest
    rng: random.Random
    notes: dict[str, Any] = field(default_factory=dict)  # extra facts for the write log

    def url(self, path: str) -> str:
        """Absolute Graph URL for paging links: base + version + path."""
        return f"{self.req.base_url}/{self.req.version}{path}"
