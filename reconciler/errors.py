"""The one root of every error wabaplan raises on purpose, and the whole tree, one line each.

    WabaplanError                        what the user can act on; the CLI prints it without a traceback
    ├── ConfigError                      the configuration file cannot be used (config)
    │   └── SecretError                  a ${env:…} or ${file:…} reference cannot be resolved or is malformed
    ├── GraphError                       a Graph call failed, or the client cannot be set up (graph)
    │   ├── GraphSettingsError           base URL or API version unusable (plain http:// to a remote host)
    │   ├── AuthError                    the token is invalid, expired or revoked
    │   ├── PermissionDeniedError        the token may not see or do this
    │   ├── NotFoundError                no such object for this token
    │   ├── InvalidRequestError          Meta rejected a parameter
    │   ├── PreconditionFailedError      the object's state forbids it (a migration or template precondition)
    │   ├── ThrottledError               a rate limit was hit
    │   ├── TransientError               Meta or the network failed for a moment
    │   │   ├── ConnectionFailedError    no HTTP response at all: refused, timed out, dropped
    │   │   └── UnexpectedResponseError  a success answer that cannot be read (not JSON, a malformed batch)
    │   └── AmbiguousWriteError          a write failed without saying whether it took effect: re-read first
    ├── StateError                       the state store cannot be used as asked (state)
    │   ├── JournalError                 the journal cannot be opened, or a newer wabaplan wrote it
    │   ├── LockHeld                     another run holds a lock this run needs
    │   ├── StateKeyError                the fingerprint key is missing, malformed or not the state's
    │   └── StateUnavailable             the shared state database cannot be reached, or was lost
    ├── InputTooLarge                    a file is larger than wabaplan reads (boundedio)
    ├── ForgeError                       GitHub or GitLab refused or unreachable, or no pull request (gitops)
    ├── NotifyError                      --notify unusable: no Apprise, or a URL it does not know (notify)
    ├── PlanError                        what was asked cannot be planned: a --target naming nothing (plan)
    ├── PlanFileError                    a saved plan that cannot be used as one (plan)
    ├── AddressError                     text that is not the address of anything wabaplan plans (plan)
    ├── UnsafePlan                       the plan changes too much of the estate to go without --force (apply)
    └── StalePlan                        a saved plan no longer matches the config or Meta (apply)
        └── ReviewedPlanDiffers          `apply --reviewed`: the fresh plan is not the one reviewed (apply)

Raised and caught inside wabaplan, never shown as they are:

    StepFailed (Exception)               a step cannot complete: the executor records it as failed (apply)
    ParamsError (ValueError)             an action's params are not its operation's: a bad saved plan (plan)
    InvalidNumber (ValueError)           not a phone number: becomes a diagnostic with its fix (config)
    FileUnreadable (Exception)           the YAML file cannot be read at all: becomes a diagnostic (config)
    PayloadError (ValueError)            a webhook body that is not Meta's envelope: answered 400 (events)
    TooLarge (Exception)                 a webhook body past --max-body: answered 413 (watch)

The simulator shares no code with what it tests, so its errors have roots of their own (reconciler.simulator):
GraphError (Exception; a refusal, sent as Meta's HTTP answer), WorldError (ValueError; the world file cannot
be used: runtime turns it into a WabaplanError), ControlError (LookupError; a control names nothing it holds).

Each error's message says what is wrong, where (file:line or resource address) and what to do. Lower-level
exceptions are chained with `raise … from`.
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
