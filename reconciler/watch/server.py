"""`wabaplan watch` running: uvicorn serving the receiver on a socket, the worker beside it on one loop.

Start: the journal opened, events a previous run accepted and did not act on queued first. Stop (SIGTERM,
Ctrl-C, `stop()`): uvicorn stops accepting and finishes the requests in flight; the worker then has
`grace` seconds to act on what is queued; whatever is left stays `accepted` in the store for the next
start. `run_watch` serves from a background thread (tests, the bench), like the simulator's.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from reconciler.config.model import Config
from reconciler.events.parse import event_from_record
from reconciler.graph.client import GraphClient
from reconciler.state import StateBackend
from reconciler.watch.alerts import Alerts
from reconciler.watch.inbox import GroupCommit, Inbox, Pending
from reconciler.watch.receiver import Secrets, receiver_app
from reconciler.watch.refresh import GraphRefresher
from reconciler.watch.worker import Reconcile, Worker

log = logging.getLogger("wabaplan.watch")


@dataclass(frozen=True)
class WatchSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    max_body: int = 1 << 20  # Meta's deliveries are a few kB
    queue: int = 1000  # events queued before deliveries are answered 503
    window: float = 0.5  # seconds a burst is gathered for, so each resource is read once
    grace: float = 10.0  # seconds the worker may go on after the server stops
    tls_cert: str | None = None
    tls_key: str | None = None


class _Uvicorn(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # signals are the watch's to handle: it drains its worker after the server stops


class Watch:
    def __init__(
        self,
        config: Config,
        backend: StateBackend,
        journal_target: str,
        graph: Callable[[], AbstractAsyncContextManager[GraphClient]],
        secrets: Secrets,
        settings: WatchSettings,
        alerts: Alerts | None = None,
        reconcile: Reconcile | None = None,
    ) -> None:
        self.config, self.backend, self.journal_target = config, backend, journal_target
        self.graph, self.secrets, self.settings, self.alerts = graph, secrets, settings, alerts
        self.reconcile = reconcile  # --apply: the declared resources read, reconciled through `apply`
        self.ready = threading.Event()
        self.inbox: Inbox | None = None
        self.worker: Worker | None = None
        self._server: _Uvicorn | None = None

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True

    async def serve(self, sock: socket.socket) -> None:
        journal = self.backend.journal(self.journal_target)
        queue: asyncio.Queue[Pending] = asyncio.Queue()
        commits = GroupCommit(lambda: self.backend.journal(self.journal_target))
        try:
            async with self.graph() as graph:
                self.inbox = Inbox(journal, self.config, queue, commits=commits, limit=self.settings.queue)
                self.worker = Worker(
                    queue, journal, GraphRefresher(graph, self.config), window=self.settings.window,
                    alert=self.alerts, reconcile=self.reconcile,
                )  # fmt: skip
                pending = [
                    event_from_record(r.key, r.waba_id, r.sent, r.change) for r in journal.pending_events()
                ]
                if pending:
                    log.warning(
                        "%d events accepted before a stop and not acted on: acting on them now", len(pending)
                    )
                self.inbox.requeue_pending(pending)
                task = asyncio.create_task(self.worker.run())
                self._server = _Uvicorn(self._uvicorn_config())
                self._signals()
                self.ready.set()
                await self._server.serve(sockets=[sock])
                await self._drain(queue, task)
        finally:
            self.ready.set()
            commits.close()
            journal.close()

    async def _drain(self, queue: asyncio.Queue[Pending], task: asyncio.Task[None]) -> None:
        try:
            await asyncio.wait_for(queue.join(), self.settings.grace)
        except TimeoutError:
            log.warning("stopped with %d events queued: recorded, acted on at the next start", queue.qsize())
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def _signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)

    def _uvicorn_config(self) -> uvicorn.Config:
        assert self.inbox is not None
        app = receiver_app(self.inbox, self.secrets, max_body=self.settings.max_body)
        return uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", loop="asyncio", http="h11", ws="none",
            timeout_graceful_shutdown=self.settings.grace, backlog=2048, timeout_keep_alive=75,
            ssl_certfile=self.settings.tls_cert, ssl_keyfile=self.settings.tls_key,
        )  # fmt: skip


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY on accepted sockets
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    return sock


@dataclass
class RunningWatch:
    url: str
    watch: Watch

    @property
    def inbox(self) -> Inbox:
        assert self.watch.inbox is not None
        return self.watch.inbox

    @property
    def worker(self) -> Worker:
        assert self.watch.worker is not None
        return self.watch.worker


@contextmanager
def run_watch(watch: Watch) -> Iterator[RunningWatch]:
    """Serve `watch` from a background thread for the `with` block (on loopback, a port of its own)."""
    sock = bind(watch.settings.host, watch.settings.port)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(watch.serve(sock))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name="wabaplan-watch", daemon=True)
    thread.start()
    watch.ready.wait(10)
    if errors:
        raise RuntimeError(f"the receiver did not start: {errors[0]!r}")
    port: Any = sock.getsockname()[1]
    try:
        yield RunningWatch(f"http://{watch.settings.host}:{port}", watch)
    finally:
        watch.stop()
        thread.join(watch.settings.grace + 5)
        sock.close()
