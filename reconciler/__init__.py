"""wabaplan: declarative config-as-code for the WhatsApp Business Platform."""

__version__ = "0.1.0"

from reconciler.lean import hide_httpx_cli

hide_httpx_cli()
