"""What an operation sees: the state, the caller's token, the simulated time, the request."""

from __future__ import annotations

import functools
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
    seed: str  # the operation's own: its random choices (codes, IDs) repeat with the simulator's seed
    notes: dict[str, Any] = field(default_factory=dict)  # extra facts for the write log

    @functools.cached_property
    def rng(self) -> random.Random:
        """Built on first use: seeding one costs more than most reads do in all (a SHA-512 of the seed)."""
        return random.Random(self.seed)

    def url(self, path: str) -> str:
        """Absolute Graph URL for paging links: base + version + path."""
        return f"{self.req.base_url}/{self.req.version}{path}"
