"""Where the client connects: base URL and API version, from explicit values, the environment or defaults.

Precedence, highest first: a value given explicitly, then `WABAPLAN_GRAPH_URL` / `WABAPLAN_API_VERSION`,
then the defaults. (The CLI passes the environment's value, when set, as the explicit one, ahead of the
config file's `connection`: see `runtime.target_for`.) Plain `http://` is refused unless the host
is loopback (127.0.0.0/8, ::1, localhost), so a token never crosses a network in clear text.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from reconciler.graph.errors import GraphSettingsError

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v23.0"
ENV_GRAPH_URL = "WABAPLAN_GRAPH_URL"
ENV_API_VERSION = "WABAPLAN_API_VERSION"

_VERSION = re.compile(r"^v[0-9]+\.[0-9]+$")


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class GraphSettings:
    """A checked base URL (no trailing slash) and API version (`vNN.N`)."""

    base_url: str = DEFAULT_GRAPH_URL
    api_version: str = DEFAULT_API_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", check_base_url(self.base_url))
        if not _VERSION.match(self.api_version):
            raise GraphSettingsError(
                f"API version {self.api_version!r} is not of the form vNN.N",
                hint=f"use e.g. {DEFAULT_API_VERSION} "
                f"({ENV_API_VERSION}, when set, overrides the config's connection)",
            )

    @classmethod
    def from_env(
        cls,
        overrides: Mapping[str, str | None] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> GraphSettings:
        """Explicit `overrides` (`base_url`, `api_version`; None = not given) > environment > defaults."""
        env = os.environ if environ is None else environ
        given = {k: v for k, v in (overrides or {}).items() if v}
        unknown = set(given) - {"base_url", "api_version"}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(
            base_url=given.get("base_url") or env.get(ENV_GRAPH_URL) or DEFAULT_GRAPH_URL,
            api_version=given.get("api_version") or env.get(ENV_API_VERSION) or DEFAULT_API_VERSION,
        )


def check_base_url(url: str) -> str:
    """`url` without a trailing slash; GraphSettingsError if it is not a usable, safe base URL."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise GraphSettingsError(f"base URL {url!r} is not a URL", hint=f"e.g. {DEFAULT_GRAPH_URL}") from exc
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise GraphSettingsError(
            f"base URL {url!r} must be an http(s) URL with a host", hint=f"e.g. {DEFAULT_GRAPH_URL}"
        )
    if parsed.userinfo or parsed.query or parsed.fragment:
        raise GraphSettingsError(
            "the base URL must not carry credentials, a query or a fragment",
            hint=f"give just scheme, host and optional path, e.g. {DEFAULT_GRAPH_URL}",
        )
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        raise GraphSettingsError(
            f"refusing plain http:// to {parsed.host}: the access token would travel unencrypted",
            hint="use https://, or http:// only for a loopback host such as 127.0.0.1 (the simulator)",
        )
    return str(parsed).rstrip("/")
