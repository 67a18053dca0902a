"""The desired state: YAML with marks, pydantic models, secret references, schema export."""

from reconciler.config.diagnostics import Diagnostic
from reconciler.config.load import Loaded, load, load_or_raise, secret_references
from reconciler.config.model import Config, PhoneNumber, Profile, Template, Waba

__all__ = [
    "Config",
    "Diagnostic",
    "Loaded",
    "PhoneNumber",
    "Profile",
    "Template",
    "Waba",
    "load",
    "load_or_raise",
    "secret_references",
]
