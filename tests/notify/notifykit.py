"""What notification tests share: a loopback HTTP receiver that records every request (path, headers,
body), and the secrets no message may hold."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sim_estate import SECRETS, TW_PIN

HOOK_TOKEN = "T0KEN-b2c4e6-hook"  # the part of a webhook URL that is its token (Slack's, Teams'…)
NEVER_SENT = (*SECRETS.values(), TW_PIN, "sim-token-harbour", "135790", HOOK_TOKEN)  # 135790: a world PIN


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int
    status: int = 200  # what it answers
    requests: list[Received] = field(default_factory=list)

    def url(self, scheme: str = "json", path: str = "/hooks/drift") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"


@contextmanager
def receiver(status: int = 200) -> Iterator[Receiver]:
    """Serve on a free loopback port for the `with` block."""
    got = Receiver(0, status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.requests.append(Received("POST", self.path, dict(self.headers.items()), body))
            self.send_response(got.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
