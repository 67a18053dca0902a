"""Where notifications go: `--notify` values (or WABAPLAN_NOTIFY) → `Target`s, each with a label to show.

A value is an Apprise URL (`slack://…`, `msteams://…`, `mailto://…`, `json://host/path`, …) or, so that
no token is written on a command line a CI log keeps, a reference to one, as the config writes them:

    env:NAME  or ${env:NAME}     the URL(s) in environment variable NAME
    file:PATH or ${file:PATH}    the URL(s) in a file (a relative PATH from the working directory)

Without --notify, WABAPLAN_NOTIFY (when set) is used as `env:WABAPLAN_NOTIFY`. A reference may hold several
URLs, separated by commas or white space. URLs carry their service's token, so only `redact`ed labels are
ever shown: the scheme, and the host where it is a host (json://, xml://, form://), never a path or a user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.config.secrets import resolve
from reconciler.errors import WabaplanError

NOTIFY_ENV = "WABAPLAN_NOTIFY"
PLAIN_HOST = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})  # the host is no token there
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_SHORT_REFERENCE = re.compile(r"(env|file):(?!//)(.+)")


class NotifyError(WabaplanError):
    """A --notify target cannot be used: Apprise is not installed, or a URL it does not recognise."""


@dataclass(frozen=True)
class Target:
    label: str  # safe to show: how it was given, and the redacted URL(s)
    url: str = field(repr=False)  # one or more Apprise URLs: never shown


def targets_from(values: Sequence[str], environ: Mapping[str, str], *, base_dir: Path) -> tuple[Target, ...]:
    """The targets of --notify VALUES (none given: WABAPLAN_NOTIFY, if set); references resolved."""
    given = list(values) or ([f"env:{NOTIFY_ENV}"] if environ.get(NOTIFY_ENV, "").strip() else [])
    return tuple(_target(value.strip(), environ, base_dir) for value in given)


def _target(value: str, environ: Mapping[str, str], base_dir: Path) -> Target:
    short = _SHORT_REFERENCE.fullmatch(value)
    reference = f"${{{short[1]}:{short[2]}}}" if short else value if value.startswith("${") else None
    if reference is None:
        if "://" not in value:
            raise NotifyError(
                f"--notify {redact(value)}: neither an Apprise URL (SCHEME://…, e.g. slack://… or "
                "json://host/path) nor a reference to one (env:NAME, file:PATH)"
            )
        return Target(redact(value), value)
    try:
        url = resolve(reference, base_dir=base_dir, environ=environ)
    except ValueError as exc:  # a malformed reference: parse_reference never echoes the value
        raise NotifyError(f"--notify {reference}: {exc}") from None
    shown = ", ".join(redact(part) for part in split_urls(url))
    label = reference.removeprefix("${").removesuffix("}")
    return Target(f"{label} ({shown})", url)


def split_urls(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", text) if part]


def redact(url: str) -> str:
    """What may be shown of a notify URL: `slack://…`, `json://127.0.0.1:8080/…`; nothing of a token."""
    scheme, sep, rest = url.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        return "(not a URL)"
    if scheme.lower() not in PLAIN_HOST:
        return f"{scheme}://…"
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    return f"{scheme}://{host}/…"
