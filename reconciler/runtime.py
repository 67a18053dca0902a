"""The edge where a config meets the network: where to connect, with which tokens, and the simulator.

GraphTarget        base URL, API version, token (a `Token`, never printed) and source tokens
simulated_meta()   an in-process simulator whose state persists in the state directory
read_live()        the snapshot, through a command's connection (reconciler.graph.connect)
write_only()       fingerprints of PINs, pictures and verify tokens (values resolved here, then dropped)
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reconciler.config import estate
from reconciler.config.model import Config
from reconciler.config.secrets import is_pin, resolve
from reconciler.errors import SecretError, WabaplanError
from reconciler.fingerprints import keyed, of_file, verify_token_key
from reconciler.graph.connect import Connection
from reconciler.graph.secrets import Token
from reconciler.plan.aftercare import MOVE_OPS, MoveFacts, completed_moves
from reconciler.plan.build import WriteOnly
from reconciler.reader import read_snapshot, read_wabas
from reconciler.snapshot import Snapshot
from reconciler.state import StateBackend
from reconciler.state.filelock import state_lock
from reconciler.state.localdir import ensure_dir
from reconciler.statedir import StateDir, read_json, write_json_atomic

SIMULATOR_URL_LABEL = "simulator"


@dataclass(frozen=True)
class GraphTarget:
    base_url: str
    api_version: str
    token: Token
    source_tokens: dict[str, Token] = field(default_factory=dict)  # source WABA id → token
    simulated: bool = False
    notes: tuple[str, ...] = ()
    simulator_instance: str = ""  # which life of the simulated Meta (a reset or another world: a new one)
    meta_clock: Callable[[], float] = time.time  # Meta's time: the simulator keeps its own


@dataclass(frozen=True)
class SimulatedMeta:
    base_url: str
    world_tokens: tuple[Any, ...]  # the world's token records (token, wabas, view_only_wabas)
    control: Any
    world_label: str
    simulator: Any = None  # the simulator engine, for the `wabaplan sim …` conveniences
    instance: str = ""  # born with a fresh simulated state; kept with it until `sim reset` or a new world


def target_for(
    config: Config,
    *,
    base_dir: Path,
    environ: Mapping[str, str],
    simulated: SimulatedMeta | None = None,
) -> GraphTarget:
    """Where to send requests and with which tokens. Environment overrides the config's connection."""
    connection = config.connection
    base_url = environ.get("WABAPLAN_GRAPH_URL") or connection.graph_url
    version = environ.get("WABAPLAN_API_VERSION") or connection.api_version
    if simulated is not None:
        base_url = simulated.base_url
    token = _token(
        connection.access_token, base_dir, environ, simulated, [w.id for w in config.wabas.values()]
    )
    sources: dict[str, Token] = {}
    notes: list[str] = []
    for spec in config.numbers.values():
        source = spec.migrate_from
        if source is None or source.waba_id in sources:
            continue
        if source.access_token or simulated is not None:
            try:
                sources[source.waba_id] = _token(
                    source.access_token, base_dir, environ, simulated, [source.waba_id]
                )
            except SecretError as exc:
                notes.append(
                    f"source WABA {source.waba_id} not read: {exc}; its preconditions show as unknown"
                )
    return GraphTarget(
        base_url,
        version,
        token,
        sources,
        simulated=simulated is not None,
        notes=tuple(notes),
        simulator_instance=simulated.instance if simulated is not None else "",
        meta_clock=simulated.control.now if simulated is not None else time.time,
    )


def _token(
    reference: str | None,
    base_dir: Path,
    environ: Mapping[str, str],
    simulated: SimulatedMeta | None,
    waba_ids: list[str],
) -> Token:
    if reference is not None:
        try:
            value = resolve(reference, base_dir=base_dir, environ=environ)
        except SecretError:
            if simulated is None:
                raise
        else:
            # Against the simulator only its world's tokens mean anything: a real token that happens
            # to be in the environment gives way to the world's, rather than failing as Meta would.
            if simulated is None or any(t.token == value for t in simulated.world_tokens):
                return Token(value)
    if simulated is not None:
        best = max(
            simulated.world_tokens,
            key=lambda t: sum(w in (*t.wabas, *t.view_only_wabas) for w in waba_ids),
            default=None,
        )
        if best is not None and (
            not waba_ids or any(w in (*best.wabas, *best.view_only_wabas) for w in waba_ids)
        ):  # no WABA declared yet: any of the world's tokens reads nothing, as it should
            return Token(best.token)
    if simulated is not None:
        raise SecretError(
            f"the simulated world ({simulated.world_label}) has no WABA {', '.join(waba_ids) or '(none)'}: "
            "use IDs from the world file (its wabas: list), or name another WORLD"
        )
    raise SecretError(
        f"no access token for WABAs {', '.join(waba_ids)} (set the variable its reference names)"
    )


@contextmanager
def simulated_meta(world: str | None, state: StateDir, *, locked: bool = False) -> Iterator[SimulatedMeta]:
    """An in-process simulator that carries on from the previous `--sim` run with the same world.

    The saved state is read at the start and written back at the end, so two users of it at once would
    lose one's changes: unless the caller already holds the state directory's lock (`locked`, as apply
    does), it is taken here, waiting up to SIM_LOCK_WAIT seconds for a running apply to finish.
    """
    if not locked:
        with (
            state_lock(state.path, command="sim", timeout=SIM_LOCK_WAIT),
            simulated_meta(world, state, locked=True) as meta,
        ):
            yield meta
        return
    from reconciler.simulator import WorldError, resolve_world, run_simulator

    try:
        resolved, label = resolve_world(Path(world) if world else None)
    except WorldError as exc:  # the simulator shares no code with us: its error becomes ours here
        raise WabaplanError(f"{exc}\n(fix the world file, or leave WORLD out for the bundled demo)") from None
    identity = _world_identity(world)
    ensure_dir(state.path)
    saved = read_json(state.sim_state)
    instance = uuid.uuid4().hex[:12]
    with run_simulator(resolved) as sim:
        if isinstance(saved, dict) and saved.get("world") == identity:
            sim.control.load_state(saved["state"])
            instance = str(saved.get("instance") or instance)
        try:
            yield SimulatedMeta(
                sim.base_url, tuple(resolved.tokens), sim.control, label, sim.simulator, instance
            )
        finally:
            write_json_atomic(
                state.sim_state,
                {"world": identity, "instance": instance, "state": sim.control.dump_state()},
            )


SIM_LOCK_WAIT = 10.0


def _world_identity(world: str | None) -> str:
    if world is None:
        from reconciler.simulator import demo_world_text

        return "demo:" + hashlib.sha256(demo_world_text().encode()).hexdigest()[:16]
    path = Path(world).resolve()
    try:
        return f"{path}:" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise WabaplanError(f"world file {world} cannot be read ({exc.strerror})") from None


async def read_live(
    config: Config, target: GraphTarget, connection: Connection
) -> tuple[Snapshot, dict[str, int]]:
    """The snapshot, and what reading it cost (HTTP requests and Meta-counted operations)."""
    before = connection.cost()
    snapshot = await read_snapshot(config, connection.graph, sources=connection.sources)
    if target.simulated:  # the simulator's port changes every run: name it instead
        snapshot = replace(snapshot, graph_url=SIMULATOR_URL_LABEL)
    return snapshot, {what: count - before[what] for what, count in connection.cost().items()}


def secret_value(
    address: str, reference: str, *, base_dir: Path, environ: Mapping[str, str], simulated: bool
) -> str:
    """The value behind a write-only field's reference. Against the simulator, an unset reference gets a
    stand-in derived from the address (six digits for a PIN), so the demo runs with no set-up."""
    try:
        return resolve(reference, base_dir=base_dir, environ=environ)
    except SecretError:
        if not simulated:
            raise
        digest = hashlib.sha256(f"wabaplan-sim:{address}".encode()).hexdigest()
        return str(int(digest, 16) % 900000 + 100000) if address.endswith(".pin") else f"sim-{digest[:24]}"


def journal_target(target: GraphTarget) -> str:
    """Whose facts the journal keeps for this target: the simulator's are never Meta's, and a reset
    simulator's (or another world's) are not the old one's — a PIN set or a code sent there was not."""
    if target.simulated:
        return f"simulator:{target.simulator_instance}" if target.simulator_instance else "simulator"
    return target.base_url.rstrip("/")


def write_only(
    config: Config, *, base_dir: Path, environ: Mapping[str, str], state: StateBackend, target: GraphTarget
) -> WriteOnly:
    """Fingerprints of the config's write-only values, next to those recorded when wabaplan set them."""
    key = state.key()
    desired: dict[str, str] = {}
    unresolved: dict[str, str] = {}

    def take(address: str, reference: str) -> None:
        try:
            value = secret_value(
                address, reference, base_dir=base_dir, environ=environ, simulated=target.simulated
            )
        except SecretError as exc:
            unresolved[address] = str(exc)
            return
        if address.endswith(".pin") and not is_pin(value):
            unresolved[address] = (
                f"the PIN behind {reference} is not six digits, as Meta requires "
                "(`wabaplan validate --check-secrets` checks every secret)"
            )
            return
        desired[address] = keyed(key, value)

    for e164, spec in config.numbers.items():
        address = f'numbers["{e164}"]'
        if spec.pin:
            take(f"{address}.pin", spec.pin)
        if spec.profile and spec.profile.picture:
            picture = base_dir / spec.profile.picture
            try:
                desired[f"{address}.profile.picture"] = of_file(key, picture)
            except OSError as exc:
                unresolved[f"{address}.profile.picture"] = (
                    f"picture {picture} cannot be read ({exc.strerror})"
                )
    known = state.read_fingerprints(journal_target(target))
    for name, waba in config.wabas.items():
        if waba.webhooks and waba.webhooks.verify_token:
            token_key = verify_token_key(waba.id)
            take(token_key, waba.webhooks.verify_token)
            # recorded by an earlier wabaplan under the WABA's local name: still what was set
            earlier = known.get(f"wabas.{name}.webhooks.verify_token")
            if earlier is not None:
                known.setdefault(token_key, earlier)
    return WriteOnly(desired=desired, known=known, unresolved=unresolved)


def move_facts(state: StateBackend, target: GraphTarget) -> MoveFacts:
    """The time (the journal's and Meta's), and when each move completed as the journal at this target
    recorded it: what the after-care items count their days from."""
    return MoveFacts(
        now=time.time(),
        completed=completed_moves(state.read_done(journal_target(target), MOVE_OPS)),
        meta_now=target.meta_clock(),
    )


def import_target(
    waba_ids: list[str], *, environ: Mapping[str, str], simulated: SimulatedMeta | None
) -> GraphTarget:
    from reconciler.config.meta import DEFAULT_API_VERSION, DEFAULT_GRAPH_URL

    base_url = simulated.base_url if simulated else environ.get("WABAPLAN_GRAPH_URL") or DEFAULT_GRAPH_URL
    version = environ.get("WABAPLAN_API_VERSION") or DEFAULT_API_VERSION
    token = _token("${env:WABAPLAN_ACCESS_TOKEN}", Path.cwd(), environ, simulated, waba_ids)
    return GraphTarget(base_url, version, token, simulated=simulated is not None)


async def read_for_import(waba_ids: list[str], target: GraphTarget, connection: Connection) -> Snapshot:
    """Everything in `waba_ids`, with the business profile of every registered number."""
    from reconciler.config.meta import DEFAULT_GRAPH_URL

    wabas, unreadable = await read_wabas(connection.graph, waba_ids, profiles_for=None)
    # a simulator's URL is ephemeral: the written config points at Meta
    url = DEFAULT_GRAPH_URL if target.simulated else connection.graph.settings.base_url
    return Snapshot(wabas, {}, unreadable, url, connection.graph.api_version)


def config_hash(path: Path) -> str:
    """The config's checksum (a directory's: each file's name and bytes, in reading order)."""
    if path.is_dir():
        return estate.digest(path)
    with path.open("rb") as file:  # streamed: a large config is not held twice at the plan's peak
        return "sha256:" + hashlib.file_digest(file, "sha256").hexdigest()
