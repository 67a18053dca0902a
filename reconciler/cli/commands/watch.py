"""`wabaplan watch`: the webhook receiver, with its secrets, state and Graph client from the edge."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from reconciler import runtime
from reconciler.cli.args import WatchArgs
from reconciler.cli.commands.watch_apply import reconciler_for
from reconciler.cli.common import load_valid, project_of
from reconciler.cli.exit import ExitCode
from reconciler.cli.notifying import notifier_for
from reconciler.cli.refusals import refuse_destroy_without_apply, refuse_half_tls
from reconciler.config.estate import base_dir
from reconciler.config.model import Config
from reconciler.config.secrets import resolve
from reconciler.errors import SecretError, WabaplanError
from reconciler.graph.client import GraphClient
from reconciler.state import open_backend
from reconciler.statedir import locate
from reconciler.watch.alerts import Alerts
from reconciler.watch.receiver import Secrets
from reconciler.watch.server import Watch, WatchSettings, bind

APP_SECRET_ENV = "WABAPLAN_APP_SECRET"
VERIFY_TOKEN_ENV = "WABAPLAN_VERIFY_TOKEN"


def run(args: WatchArgs) -> int:
    path = Path(args.config)
    config = load_valid(path)
    refuse_half_tls(args)
    refuse_destroy_without_apply(args)
    secrets = watch_secrets(config, base_dir(path), os.environ)
    notifier = notifier_for(args.notify)  # before listening: a missing Apprise is refused at once
    target = runtime.target_for(config, base_dir=base_dir(path), environ=os.environ)
    alerts = notifier and Alerts(notifier, project=project_of(args.config), graph_url=target.base_url)
    settings = WatchSettings(
        host=args.host, port=args.port, max_body=args.max_body, queue=args.queue, window=args.coalesce,
        tls_cert=args.tls_cert, tls_key=args.tls_key,
    )  # fmt: skip
    backend = open_backend(locate(path, os.environ), os.environ)
    reconcile = (
        reconciler_for(config, path, os.environ, allow_destroy=args.allow_destroy) if args.apply else None
    )
    try:
        watch = Watch(
            config, backend, runtime.journal_target(target),
            lambda: GraphClient(target.base_url, target.token, api_version=target.api_version),
            secrets, settings, alerts, reconcile,
        )  # fmt: skip
        try:
            sock = bind(args.host, args.port)
        except OSError as exc:
            raise WabaplanError(f"cannot listen on {args.host}:{args.port} ({exc.strerror})") from None
        logging.getLogger("wabaplan.watch").setLevel(logging.INFO)
        scheme = "https" if args.tls_cert else "http"
        sys.stderr.write(
            f"wabaplan watch listening on {scheme}://{args.host}:{sock.getsockname()[1]} "
            f"(state: {backend.describe()}; reading {target.base_url}"
            f"{'; notifying ' + ', '.join(notifier.targets) if notifier else ''}"
            f"{'; --apply: reconciling what events name' if args.apply else ''})\n"
        )
        sys.stderr.flush()
        asyncio.run(watch.serve(sock))
    finally:
        backend.close()
    return ExitCode.OK


def watch_secrets(config: Config, base_dir: Path, environ: Mapping[str, str]) -> Secrets:
    """The app secret from WABAPLAN_APP_SECRET (required); the verify tokens the config's webhooks name,
    and WABAPLAN_VERIFY_TOKEN. Values never leave here except inside `Secrets`, which never shows them."""
    app_secret = (environ.get(APP_SECRET_ENV) or "").strip()
    if not app_secret:
        raise SecretError(
            f"{APP_SECRET_ENV} is not set: export the app's secret (App settings → Basic in Meta's app "
            "dashboard), so deliveries can be checked against their X-Hub-Signature-256"
        )
    tokens = [(environ.get(VERIFY_TOKEN_ENV) or "").strip()]
    for waba in config.wabas.values():
        if waba.webhooks is not None and waba.webhooks.verify_token is not None:
            tokens.append(resolve(waba.webhooks.verify_token, base_dir=base_dir, environ=environ))
    kept = tuple(dict.fromkeys(t for t in tokens if t))
    if not kept:
        logging.getLogger("wabaplan.watch").warning(
            "no verify token (wabas.NAME.webhooks.verify_token or %s): subscription checks answer 403",
            VERIFY_TOKEN_ENV,
        )
    return Secrets((app_secret,), kept)
