"""Sending a `Summary` through Apprise, one Apprise object per target: a failure is a value, not raised.

Apprise is imported here only, when a Notifier is made: a run without --notify never loads it, and a
run with --notify but without Apprise installed is refused before anything is read. Apprise's own log
(which can hold a URL) is captured during each call and only its last warning, with every part of the
target's URLs removed, is kept as the failure's reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from reconciler.notify.summary import Summary
from reconciler.notify.targets import PLAIN_HOST, NotifyError, Target, split_urls

EXTRA = "pip install 'wabaplan[notify]'"
URL_FORMS = "https://github.com/caronc/apprise/wiki"


@dataclass(frozen=True)
class Failure:
    target: str  # the target's label (redacted)
    reason: str  # Apprise's last warning, without any part of the URL


class Notifier:
    def __init__(self, targets: Sequence[Target]) -> None:
        """Each target loaded into Apprise; NotifyError if Apprise is missing or refuses a URL."""
        self._apprise = load_apprise()
        self._services: list[tuple[Target, Any]] = []
        for target in targets:
            service = self._apprise.Apprise(asset=self._apprise.AppriseAsset(storage_mode="memory"))
            with self._apprise.LogCapture(level=logging.WARNING):  # its complaint names the URL
                loaded = service.add(target.url)
            if not loaded:
                raise NotifyError(
                    f"--notify {target.label}: Apprise does not recognise this URL (an unknown scheme, "
                    f"or a part missing); the forms of each service are at {URL_FORMS}"
                )
            self._services.append((target, service))

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(target.label for target, _ in self._services)

    def send(self, summary: Summary) -> tuple[Failure, ...]:
        """Send to every target (blocking: a thread of its own in an event loop); what failed, and why."""
        failures = []
        for target, service in self._services:
            with self._apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
                try:
                    sent = bool(
                        service.notify(
                            title=summary.title(),
                            body=summary.body(),
                            body_format=self._apprise.NotifyFormat.TEXT,
                            notify_type=self._apprise.NotifyType.WARNING,
                        )
                    )
                    said = log.getvalue()
                except Exception as exc:  # a plugin's bug must not fail the drift check
                    sent, said = False, type(exc).__name__
            if not sent:
                failures.append(Failure(target.label, _reason(said, target.url)))
        return tuple(failures)


def load_apprise() -> ModuleType:
    try:
        import apprise
    except ImportError:
        raise NotifyError(
            f"--notify sends through Apprise, which is not installed here: {EXTRA} (or pip install apprise)"
        ) from None
    return apprise


def _reason(said: str, url: str) -> str:
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    reason = lines[-1] if lines else "Apprise gave no reason"
    for part in sorted(_secret_parts(url), key=len, reverse=True):
        reason = reason.replace(part, "…")
    return reason


def _secret_parts(urls: str) -> set[str]:
    """Every piece of the URLs that could be a token: the whole, and each user, password, host (unless it
    is a plain host), path segment and query value of four characters or more."""
    parts: set[str] = set()
    for url in split_urls(urls):
        scheme, _, rest = url.partition("://")
        parts.add(url)
        parts.add(rest)
        host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
        pieces = set(re.split(r"[/:@?&=#;,]+", rest))
        if scheme.lower() in PLAIN_HOST:
            pieces -= {host, *host.split(":")}
        parts |= {piece for piece in pieces if len(piece) >= 4}
    return parts
