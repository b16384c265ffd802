"""``hatls scan --workers N``: the probing spread over N processes, so a scan uses every core.

A scan is CPU-bound in Python (hand-built hellos, parsing, certificate facts), and one process is
one core. The parent resolves the plan (probe/scanner.resolve_plan), then gives each worker a
disjoint set of *addresses* with all their endpoints: the per-address politeness cap lives in one
process per address, so it holds across workers exactly as in one process. The global cap is
divided among the workers. Each worker returns its observations; the parent joins them into the
same ScanState a single-process scan fills, and the report is built and judged once, as always.

Stopping: a worker that gets SIGINT/SIGTERM stops its probes and still returns what it observed.
When the parent is interrupted (its scan is cancelled) it sends SIGTERM to the workers, then
collects their partial results, so an interrupted scan with workers writes the same partial report
as without.
"""

from __future__ import annotations

import ipaddress
import multiprocessing
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import trio

from hatls.identity import ClientIdentityMaterial, load_identities
from hatls.inventory import ClientIdentity, Inventory
from hatls.observations import EndpointObservation, ErrorKind, ProbeError, Stage
from hatls.probe.politeness import Limits, ScanLimits
from hatls.probe.scanner import Prober, probe_plan, resolve_plan
from hatls.scanning import Endpoint, PortTarget, ScanEvent, ScanState, unreached

MAX_DEFAULT_WORKERS = 8
# Without --workers: a worker only for every 64 endpoints, so a small scan starts no process
# (a spawned interpreter costs about half a second before it probes anything).
DEFAULT_MIN_SHARE = 64
_POLL_SECONDS = 0.05
_STOP_GRACE_SECONDS = 60.0   # a stopped worker finishes its open exchanges (each has a timeout)


def default_workers() -> int:
    """The machine's cores, at most 8 (beyond that the per-address caps, not CPU, bound a scan)."""
    return max(1, min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1))


def _canonical(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


def partition(endpoints: Sequence[Endpoint], workers: int) -> tuple[tuple[Endpoint, ...], ...]:
    """``workers`` groups, each address (canonical form) wholly in one group; largest address
    first onto the lightest group, so the groups are even. Deterministic; empty groups dropped."""
    by_address: dict[str, list[Endpoint]] = {}
    for endpoint in endpoints:
        by_address.setdefault(_canonical(endpoint.address), []).append(endpoint)
    groups: list[list[Endpoint]] = [[] for _ in range(max(1, workers))]
    for _, members in sorted(by_address.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        min(groups, key=len).extend(members)
    return tuple(tuple(group) for group in groups if group)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerJob:
    inventory: Inventory
    limits: ScanLimits
    endpoints: tuple[tuple[PortTarget, str], ...]   # (port, address): the worker's share


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerResult:
    observations: tuple[EndpointObservation, ...]
    interrupted: bool


def _worker_main(conn: Connection, job: WorkerJob) -> None:
    """The worker process: probe its share, send back what it observed (also when stopped)."""
    try:
        try:
            result = trio.run(_worker_scan, job)
        except KeyboardInterrupt:   # Ctrl-C before the scan's own signal receiver was up
            result = WorkerResult(observations=(), interrupted=True)
        conn.send(result)
    finally:
        conn.close()


async def _worker_scan(job: WorkerJob) -> WorkerResult:
    # The identities' keys are read here from the environment the worker inherited, so no key
    # material crosses the pipe.
    identities = load_identities(job.inventory, os.environ)
    state = ScanState()
    state.endpoints += [Endpoint(target=t, address=a) for t, a in job.endpoints]
    stopped = False
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            async def watch() -> None:
                nonlocal stopped
                async for _ in signals:
                    stopped = True
                    nursery.cancel_scope.cancel()
                    return

            nursery.start_soon(watch)
            await probe_plan(job.inventory, state, Limits(job.limits), identities=identities)
            nursery.cancel_scope.cancel()
    return WorkerResult(observations=tuple(state.observations.values()), interrupted=stopped)


async def _receive(conn: Connection) -> WorkerResult | None:
    """The worker's result; None when it died without sending one."""
    while not conn.poll():
        await trio.sleep(_POLL_SECONDS)
    try:
        result = conn.recv()
    except (EOFError, OSError):
        return None
    return result if isinstance(result, WorkerResult) else None


def _lost(endpoint: Endpoint, exitcode: int | None) -> EndpointObservation:
    """An endpoint of a worker that died: a fault of hatls (internal, exit 3), never a finding
    about the server."""
    return unreached(endpoint, ProbeError(
        stage=Stage.HANDSHAKE, kind=ErrorKind.INTERNAL,
        message=f"the worker process probing it ended without a result (exit code {exitcode})"))


Running = tuple[BaseProcess, Connection, tuple[Endpoint, ...]]


async def scan_in_workers(
    inventory: Inventory,
    *,
    workers: int,
    limits: ScanLimits,
    state: ScanState,
    on_event: Callable[[ScanEvent], None] | None = None,
    select: Callable[[PortTarget], bool] | None = None,
    identities: Mapping[ClientIdentity, ClientIdentityMaterial] | None = None,
    min_share: int = 1,
) -> ScanState:
    """``scan_inventory`` over at most ``workers`` processes, each with at least ``min_share``
    endpoints (a small plan is not worth a process start); fills ``state`` the same way. With one
    share the probing stays in this process (with ``identities``); workers load the client
    identities themselves (from the environment they inherit), so no key crosses a pipe."""
    emit = on_event or (lambda _event: None)
    await resolve_plan(inventory, state, Limits(limits), select=select)
    emit(ScanEvent(kind="planned", total=len(state.endpoints)))
    todo = [e for e in state.endpoints if e.key not in state.observations]
    shares = partition(todo, min(workers, max(1, len(todo) // max(1, min_share))))
    if len(shares) <= 1:
        await probe_plan(inventory, state, Limits(limits), on_event=emit, identities=identities)
        return state
    share_limits = replace(limits, max_connections=max(1, limits.max_connections // len(shares)))
    # spawn: a fresh interpreter per worker; forking a process that runs trio (and its threads)
    # is not safe.
    context = multiprocessing.get_context("spawn")
    pending: dict[int, Running] = {}
    stopping = False

    async def collect(index: int) -> None:
        process, conn, share = pending[index]
        result = await _receive(conn)
        if result is None and not stopping:
            await trio.to_thread.run_sync(process.join, _STOP_GRACE_SECONDS)
            for endpoint in share:
                state.observations[endpoint.key] = _lost(endpoint, process.exitcode)
        elif result is not None:
            for obs in result.observations:
                state.observations[(obs.pair, obs.role, obs.port_id, obs.address)] = obs
        del pending[index]
        emit(ScanEvent(kind="finished", total=len(state.observations)))

    try:
        for index, share in enumerate(shares):
            parent_end, child_end = context.Pipe(duplex=False)
            job = WorkerJob(inventory=inventory, limits=share_limits,
                            endpoints=tuple((e.target, e.address) for e in share))
            worker = context.Process(target=_worker_main, args=(child_end, job), daemon=True,
                                     name=f"hatls-worker-{index}")
            worker.start()
            child_end.close()
            pending[index] = (worker, parent_end, share)
        async with trio.open_nursery() as nursery:
            for index in list(pending):
                nursery.start_soon(collect, index)
    finally:
        # Cancelled (interrupted) with workers still running: stop them, and still take what
        # they observed; a worker that does not answer in time is killed, its endpoints stay
        # not probed.
        with trio.CancelScope(shield=True):
            # A worker stopped here that ends without a result (stopped before it could answer)
            # leaves its endpoints not probed: the stop was ours, not a fault.
            stopping = True
            if pending:
                for alive, _, _ in pending.values():
                    if alive.is_alive():
                        alive.terminate()
                with trio.move_on_after(_STOP_GRACE_SECONDS):
                    async with trio.open_nursery() as nursery:
                        for index in list(pending):
                            nursery.start_soon(collect, index)
            for stuck, conn, _ in pending.values():
                stuck.kill()
                conn.close()
    return state


def in_workers(workers: int | None) -> Prober:
    """``hatls.scan``'s prober for ``scan --workers N``: the plan over N processes; None = the
    cores (``default_workers``), for a plan of at least DEFAULT_MIN_SHARE endpoints a process."""

    async def probe(inventory: Inventory, *, limits: ScanLimits | None, state: ScanState,
                    on_event: Callable[[ScanEvent], None] | None,
                    identities: Mapping[ClientIdentity, ClientIdentityMaterial] | None,
                    select: Callable[[PortTarget], bool] | None) -> ScanState:
        return await scan_in_workers(
            inventory, workers=workers or default_workers(),
            limits=limits or ScanLimits.from_inventory(inventory), state=state, on_event=on_event,
            select=select, identities=identities, min_share=1 if workers else DEFAULT_MIN_SHARE)

    return probe
