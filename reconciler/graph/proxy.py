"""Which proxy from the environment stands between the client and the Graph API, named for error messages.

httpx honours `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` (either case) and `NO_PROXY` for Meta (never for a
loopback simulator, see client.py). When the proxy is down or refuses the tunnel, the error must say so and
name the variable, or the user checks the network and the base URL in vain. The proxy's address is shown
without any `user:password@` it carries.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class EnvironmentProxy:
    variable: str  # as it is spelt in the environment, e.g. HTTPS_PROXY
    address: str  # scheme://host:port, credentials left out
    host: str  # the host it is used for

    def hint(self) -> str:
        return (
            f"through the proxy {self.variable}={self.address} (from the environment): check that proxy, "
            f"or add {self.host} to NO_PROXY (or unset {self.variable}) to connect directly"
        )


def environment_proxy(url: str, environ: Mapping[str, str]) -> EnvironmentProxy | None:
    """The proxy the environment sets for `url`, or None (none set, or NO_PROXY covers the host)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    for scheme in (parts.scheme, "all"):
        for variable in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):  # lower case first, as urllib
            value = environ.get(variable, "").strip()
            if value:
                return None if _bypassed(host, environ) else EnvironmentProxy(variable, _address(value), host)
    return None


def _bypassed(host: str, environ: Mapping[str, str]) -> bool:
    no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    return bool(no_proxy) and bool(urllib.request.proxy_bypass_environment(host, {"no": no_proxy}))


def _address(value: str) -> str:
    parts = urlsplit(value if "://" in value else f"http://{value}")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"
