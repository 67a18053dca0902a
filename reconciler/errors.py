"""The one root of every error wabaplan raises on purpose.

    WabaplanError                      anything the user can act on; the CLI prints it without a traceback
    ├── ConfigError                    the configuration file cannot be used (reconciler.config)
    │   └── SecretError                a secret reference cannot be resolved or is malformed
    ├── GraphError                     the Graph API refused or failed a call (reconciler.graph.errors)
    └── InputTooLarge                  a file is larger than wabaplan reads (reconciler.boundedio)

Each error's message says what is wrong, where (file:line or resource address) and what to do.
"""

from __future__ import annotations


class WabaplanError(Exception):
    """Root of wabaplan's own errors."""


class ConfigError(WabaplanError):
    """The configuration file is missing, unreadable or invalid."""


class SecretError(ConfigError):
    """A `${env:…}` or `${file:…}` reference could not be resolved."""


class InputTooLarge(WabaplanError):
    """A file holds more bytes than it is read with; `.path` and `.limit` (bytes) say which and how many."""

    def __init__(self, message: str, *, path: str, limit: int) -> None:
        super().__init__(message)
        self.path = path
        self.limit = limit
