"""Talking to Meta's Graph API (and to the simulator): one async client and what it needs.

`GraphClient` (client.py) sends requests; `connect.py` is the one place clients are built (a target's, and
one per migration source); `errors.py` maps Meta's answers to our exception tree and names the codes acted
on; `retry.py` holds the one retry rule; `budget.py` tracks each WABA's rate budget; `batch.py` describes
batch operations; `secrets.py` keeps the token out of logs; `settings.py` reads base URL and version;
`clock.py` makes every wait injectable.
"""

from reconciler.graph.batch import MAX_BATCH, BatchRequest, BatchResult
from reconciler.graph.budget import BudgetPolicy, BudgetStatus, BudgetTracker
from reconciler.graph.client import USER_AGENT, GraphClient, GraphStats
from reconciler.graph.clock import Clock, ManualClock, SystemClock
from reconciler.graph.connect import Connection, Endpoint, connect
from reconciler.graph.errors import (
    AmbiguousWriteError,
    AuthError,
    ConnectionFailedError,
    ErrorKind,
    GraphError,
    GraphSettingsError,
    InvalidRequestError,
    MetaCode,
    MetaSubcode,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ThrottledError,
    TransientError,
    UnexpectedResponseError,
)
from reconciler.graph.retry import RetryPolicy
from reconciler.graph.secrets import Token, redact
from reconciler.graph.settings import DEFAULT_API_VERSION, DEFAULT_GRAPH_URL, GraphSettings

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_GRAPH_URL",
    "MAX_BATCH",
    "USER_AGENT",
    "AmbiguousWriteError",
    "AuthError",
    "BatchRequest",
    "BatchResult",
    "BudgetPolicy",
    "BudgetStatus",
    "BudgetTracker",
    "Clock",
    "Connection",
    "ConnectionFailedError",
    "Endpoint",
    "ErrorKind",
    "GraphClient",
    "GraphError",
    "GraphSettings",
    "GraphSettingsError",
    "GraphStats",
    "InvalidRequestError",
    "ManualClock",
    "MetaCode",
    "MetaSubcode",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RetryPolicy",
    "SystemClock",
    "ThrottledError",
    "Token",
    "TransientError",
    "UnexpectedResponseError",
    "connect",
    "redact",
]
