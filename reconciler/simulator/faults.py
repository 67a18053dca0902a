"""Seeded fault injection: Meta having a bad day, reproducibly.

Request number N (in arrival order, counting only Graph requests) fails, or not, by a draw that depends
only on (seed, N): the same seed and the same sequence of requests give the same faults. Faults strike
*before* any effect. The separate `lost_response_rate` strikes *after* a write took effect: the
connection is dropped, so the client cannot know the write happened.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass

# what a fault looks like ("<HTTP status>:<code>", statuses per META-API.md §8.2); "drop" closes the
# connection without an answer
FAULT_KINDS: tuple[str, ...] = ("400:1", "503:2", "500:131000", "400:4", "400:80007", "drop")


@dataclass
class FaultPlan:
    seed: int = 0
    fault_rate: float = 0.0
    lost_response_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("fault_rate", "lost_response_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")

    def fault_for(self, request_number: int) -> str | None:
        """None, or one of FAULT_KINDS."""
        if self.fault_rate <= 0:
            return None
        rng = random.Random(f"{self.seed}:fault:{request_number}")
        if rng.random() >= self.fault_rate:
            return None
        return rng.choice(FAULT_KINDS)

    def loses_response(self, request_number: int) -> bool:
        if self.lost_response_rate <= 0:
            return False
        return random.Random(f"{self.seed}:lost:{request_number}").random() < self.lost_response_rate


def fbtrace_id(seed: int, request_number: int) -> str:
    """23 characters of [A-Za-z0-9_-], as Meta's, the same for the same seed and request (a digest: a
    seeded random.Random per answer cost more than the rest of the answer)."""
    digest = hashlib.blake2b(f"{seed}:trace:{request_number}".encode(), digest_size=18).digest()
    return base64.urlsafe_b64encode(digest).decode()[:23]
