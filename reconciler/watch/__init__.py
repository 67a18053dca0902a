"""`wabaplan watch`: Meta's webhooks in, the resources they name read again, what moved recorded.

    signature  X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret), the verify token
    inbox      a verified delivery → Events → recorded in the state backend (once per key) → a bounded queue
    worker     coalesces bursts (one read per resource per window), reads, records a verdict per event
    refresh    the reads themselves, through `reader` (one resource each), and the verdicts
    receiver   the ASGI app: GET verification, POST deliveries, /healthz
    server     uvicorn on a socket, the worker beside it, pending events picked up, SIGTERM honoured

Events are recorded before Meta hears 200, and acted on after; a crash leaves them `accepted`, and the
next start acts on them (docs/watch.md).
"""
