"""Meta's webhooks as values: what an event says, and which declared resources it concerns (pure, no I/O).

model     Event (one change of one delivery), Kind, Refresh (what to read again), Verdict (what was found)
parse     Meta's envelope (`object`, `entry[].id/time/changes[].field/value`) → Events; PayloadError
concern   an Event and a Config → the config addresses it names and what to read again, or nothing
          (a resource the config does not declare: counted and ignored)
"""

from reconciler.events.concern import Concern, concern_of
from reconciler.events.model import Event, Kind, Refresh, Verdict
from reconciler.events.parse import FIELDS, PayloadError, parse_payload

__all__ = [
    "FIELDS",
    "Concern",
    "Event",
    "Kind",
    "PayloadError",
    "Refresh",
    "Verdict",
    "concern_of",
    "parse_payload",
]
