"""wabaplan's log: retries and throttling as warnings on stderr; with --verbose, every request too."""

from __future__ import annotations

import logging
import sys


class _ToStderr(logging.Handler):
    """Writes to whatever sys.stderr is at the time (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")


def configure_logging(*, verbose: bool) -> None:
    logger = logging.getLogger("wabaplan")
    for old in [h for h in logger.handlers if isinstance(h, _ToStderr)]:
        logger.removeHandler(old)
    handler = _ToStderr()
    handler.setFormatter(logging.Formatter("wabaplan: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
