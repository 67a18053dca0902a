"""The business profile as a node of its own, `/{WhatsApp-Business-Profile-ID}` (Meta's spec): the same
profile `/{Phone-Number-ID}/whatsapp_business_profile` reads and writes, under the ID that edge gives as
`fields=id`. One profile per number; it stops serving when its number does (a migrated source record).
"""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .numbers import profile_item, update_profile
from .state import NumberRec


def get_profile_node(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    """The node: its ID first, then the fields asked for (every profile field by default)."""
    return {"id": n.profile_id, **profile_item(ctx, n)}


def update_profile_node(ctx: Ctx, n: NumberRec) -> dict[str, Any]:
    """The same update as the edge's (Meta's limits, a registered number), answered with the node's ID."""
    return {"id": n.profile_id, **update_profile(ctx, n)}
