"""Libraries imported without the optional parts wabaplan never uses.

Where they are installed, deepdiff imports numpy (to compare arrays: wabaplan compares YAML and JSON
values only) and httpx imports its own command-line client (click, rich, pygments). Together they cost
about a quarter of a second of CPU in every command, more than validating a small config takes.

    hide_httpx_cli()                    before httpx is first imported: its `main` is then a stub
    import_without(module, optional)    `module`, imported while `optional` modules look uninstalled
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from types import ModuleType


def hide_httpx_cli() -> None:
    """httpx without its command-line client (`httpx.main`), if httpx is not imported yet."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: "not installed"


def import_without(module: str, optional: Iterable[str]) -> ModuleType:
    """`module`, imported (if it is not already) while each of `optional` that is not imported yet looks
    uninstalled to it; afterwards they can be imported as usual."""
    if module in sys.modules:
        return sys.modules[module]
    hidden = [name for name in optional if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
    try:
        return importlib.import_module(module)
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
