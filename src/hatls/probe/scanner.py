"""Runs the plan: every job is one connection, under the limits of probe/politeness.py.

An endpoint's first handshake decides what follows; it alone is retried after a timeout or a reset,
with exponential backoff, and the tries are counted into the observation. Errors are data: each job
turns its exception into a ProbeError (probe/errors.py); only a bug escapes as ``internal``. Time
comes from trio's clock and every connection from the ``connect`` function the scan is given, so
tests run whole scans on a virtual clock over an in-memory network (tests/test_scanner.py).

``scan`` is the public scan (``hatls.scan``): this scanner wired into the pure pipeline of
hatls.scanning, which judges the observations and builds the Report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

import trio

from hatls.findings import Severity
from hatls.identity import ClientIdentityMaterial
from hatls.inventory import ClientIdentity, Inventory, ReportLabels
from hatls.observations import EndpointObservation, ErrorKind, ProbeError, Stage
from hatls.policy import Policy, load_policy
from hatls.probe.connection import Connect, open_connection, resolve
from hatls.probe.enumerate import enumerate_tls
from hatls.probe.errors import probe_error
from hatls.probe.handshake import ClientOffer, tls_handshake
from hatls.probe.plaintext import plaintext_probe
from hatls.probe.politeness import Dialer, Limits, ScanLimits, worth_retrying
from hatls.report import Report, ScanStatus
from hatls.scanning import (
    Endpoint,
    Job,
    JobKind,
    JobResult,
    PortTarget,
    ScanEvent,
    ScanState,
    build_report,
    check_zone,
    first_job,
    follow_up_jobs,
    merge,
    observations_of,
    port_targets,
    unreached,
    zone_scan_coverage,
    zone_selector,
)
from hatls.waivers import Waiver
from hatls.x509 import load_pem_certificates

__all__ = ["Rehearsal", "ScanEvent", "ScanLimits", "ScanState", "probe_endpoint", "probe_plan",
           "resolve_plan", "scan", "scan_inventory"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rehearsal:
    """Who plays the former primary when this endpoint's server has become the new primary."""

    client_subject: str
    material: ClientIdentityMaterial


async def _run_job(job: Job, limits: Limits, identity: ClientIdentityMaterial | None = None, *,
                   session_facts: bool = True) -> JobResult:
    dialer = Dialer(job.endpoint, limits)
    lim = limits.limits
    if job.kind is JobKind.ENUMERATE:
        facts = await enumerate_tls(dialer.connect, server_name=job.endpoint.target.server.host,
                                    timeout=lim.handshake_timeout, identity=identity)
        return JobResult(kind=job.kind, connected=True, enumeration=facts, attempts=dialer.count)
    connected = False
    try:
        async with dialer.connect() as stream:
            connected = True
            return await _exchange(job, stream, lim, identity, session_facts=session_facts)
    except Exception as exc:  # every failure to connect is an observation
        if connected:
            raise
        return JobResult(kind=job.kind, connected=False,
                         error=probe_error(Stage.CONNECT, exc, timeout=lim.connect_timeout))


async def _exchange(job: Job, stream: trio.abc.Stream, lim: ScanLimits,
                    identity: ClientIdentityMaterial | None, *, session_facts: bool) -> JobResult:
    server = job.endpoint.target.server
    try:
        if job.kind is JobKind.PLAINTEXT:
            outcome = await plaintext_probe(stream)
            return JobResult(kind=job.kind, connected=True, plaintext=outcome)
        # The first handshake also asks for OCSP stapling and counts TLS 1.3 session tickets.
        offer = ClientOffer(server_name=server.host,
                            session_facts=session_facts and job.kind is JobKind.HANDSHAKE)
        if job.kind is JobKind.REHEARSAL:
            offer = ClientOffer(server_name=server.host, identity=identity)
        handshake = await tls_handshake(stream, offer, timeout=lim.handshake_timeout)
        return JobResult(kind=job.kind, connected=True, handshake=handshake)
    except Exception as exc:
        stage = {JobKind.PLAINTEXT: Stage.PLAINTEXT,
                 JobKind.REHEARSAL: Stage.REHEARSAL}.get(job.kind, Stage.HANDSHAKE)
        return JobResult(kind=job.kind, connected=True,
                         error=probe_error(stage, exc, timeout=lim.handshake_timeout))


async def _first_job_with_retries(endpoint: Endpoint, limits: Limits) -> JobResult:
    """The first handshake, tried again after a timeout or reset: at most ``retries`` more times,
    pausing ``backoff``, then twice that, and so on. ``attempts`` counts every try."""
    lim = limits.limits
    result = await _run_job(first_job(endpoint), limits)
    tries = 1
    while tries <= lim.retries and worth_retrying(result):
        await trio.sleep(lim.backoff * 2 ** (tries - 1))
        result = await _run_job(first_job(endpoint), limits)
        tries += 1
    return await _again_without_stapling(endpoint, limits, replace(result, attempts=tries))


async def _again_without_stapling(endpoint: Endpoint, limits: Limits, result: JobResult) -> JobResult:
    """OpenSSL 4 aborts a handshake whose stapled OCSP response is not DER. That staple is a fact
    (``malformed``), not a reason to lose the certificate and version: one more handshake, without
    status_request, and the staple seen the first time goes with it."""
    failed = result.handshake
    if failed is None or failed.completed or not failed.ocsp_staple:
        return result
    if failed.error_kind is ErrorKind.CLIENT_CERT_NEEDED:
        return result
    again = await _run_job(first_job(endpoint), limits, session_facts=False)
    if again.handshake is None:
        return replace(result, extra_connections=again.attempts)
    return replace(again, handshake=replace(again.handshake, ocsp_staple=failed.ocsp_staple),
                   attempts=result.attempts, extra_connections=again.attempts)


async def probe_endpoint(endpoint: Endpoint, limits: Limits,
                         rehearsal: Rehearsal | None = None) -> EndpointObservation:
    first = await _first_job_with_retries(endpoint, limits)
    results = [first]
    if first.connected and first.handshake is not None:
        follow_ups = follow_up_jobs(endpoint, first.handshake)
        if rehearsal is not None:
            follow_ups += (Job(endpoint=endpoint, kind=JobKind.REHEARSAL),)
        collected: list[JobResult] = []

        async def run(job: Job) -> None:
            # The rehearsal uses the partner's identity; so does the renegotiation probe inside the
            # enumeration, which a port that requires a client certificate would refuse otherwise.
            wants = job.kind in (JobKind.REHEARSAL, JobKind.ENUMERATE)
            identity = rehearsal.material if rehearsal and wants else None
            collected.append(await _run_job(job, limits, identity))

        async with trio.open_nursery() as nursery:
            for job in follow_ups:
                nursery.start_soon(run, job)
        results += collected
    return merge(endpoint, results,
                 rehearsal_client=rehearsal.client_subject if rehearsal else None)


def _rehearsal_for(endpoint: Endpoint, inventory: Inventory,
                   identities: Mapping[ClientIdentity, ClientIdentityMaterial]) -> Rehearsal | None:
    """Only HA link ports are rehearsed, with the identity the *partner* would present."""
    pair, server = endpoint.target.pair, endpoint.target.server
    partner = pair.backup if server is pair.primary else pair.primary
    if partner is None or endpoint.target.port.id not in pair.ha_link_port_ids(server):
        return None
    identity = inventory.client_identity_of(pair, partner)
    material = identities.get(identity) if identity else None
    if identity is None or material is None:
        return None
    return Rehearsal(client_subject=_subject_of(identity), material=material)


def _subject_of(identity: ClientIdentity) -> str:
    certs = load_pem_certificates(identity.certificate.text)
    return certs[0].subject.rfc4514_string() if certs else identity.certificate.path


async def _resolve_target(target: PortTarget, timeout: float) -> tuple[Sequence[str], ProbeError | None]:
    try:
        return await resolve(target.connect_host, target.port.port, timeout=timeout), None
    except Exception as exc:
        error = probe_error(Stage.RESOLVE, exc, timeout=timeout)
        if error.kind is not ErrorKind.INTERNAL:
            error = ProbeError(stage=Stage.RESOLVE, kind=ErrorKind.DNS, message=error.message)
        return (), error


async def scan_inventory(
    inventory: Inventory,
    *,
    limits: ScanLimits | None = None,
    state: ScanState | None = None,
    on_event: Callable[[ScanEvent], None] | None = None,
    identities: Mapping[ClientIdentity, ClientIdentityMaterial] | None = None,
    select: Callable[[PortTarget], bool] | None = None,
    connect: Connect = open_connection,
) -> ScanState:
    """Probe every endpoint of the inventory (``select``: only the ports it accepts, e.g. one
    zone's). Fills ``state`` as endpoints finish, so a caller that cancels the scan still holds
    everything learned up to then. Every connection is opened with ``connect``, under the limits."""
    state = state if state is not None else ScanState()
    limiter = Limits(limits or ScanLimits.from_inventory(inventory), connect)
    emit = on_event or (lambda _event: None)
    await resolve_plan(inventory, state, limiter, select=select)
    emit(ScanEvent(kind="planned", total=len(state.endpoints)))
    await probe_plan(inventory, state, limiter, on_event=emit, identities=identities)
    return state


async def resolve_plan(inventory: Inventory, state: ScanState, limiter: Limits, *,
                       select: Callable[[PortTarget], bool] | None = None) -> None:
    """Resolve every selected port into ``state.endpoints``; a name that does not resolve is
    observed at once (dns). Split from the probing so worker processes (workers.py) probe
    endpoints the parent resolved, each address in exactly one worker."""
    targets = tuple(t for t in port_targets(inventory) if select is None or select(t))
    # Kept so a scan stopped while resolving still lists every selected port (not probed).
    state.targets[:] = targets
    resolved = {}
    async with trio.open_nursery() as nursery:
        async def resolve_one(t: PortTarget) -> None:
            resolved[t] = await _resolve_target(t, limiter.limits.connect_timeout)
        for t in targets:
            nursery.start_soon(resolve_one, t)
    for target in targets:
        addresses, error = resolved[target]
        if error is not None:
            endpoint = Endpoint(target=target, address=target.connect_host)
            state.endpoints.append(endpoint)
            state.observations[endpoint.key] = unreached(endpoint, error)
        state.endpoints += [Endpoint(target=target, address=a) for a in addresses]


async def probe_plan(
    inventory: Inventory,
    state: ScanState,
    limiter: Limits,
    *,
    on_event: Callable[[ScanEvent], None] | None = None,
    identities: Mapping[ClientIdentity, ClientIdentityMaterial] | None = None,
) -> None:
    """Probe every endpoint of ``state.endpoints`` not yet observed."""
    emit = on_event or (lambda _event: None)
    # Endpoints in progress at once: enough to fill every global slot, few enough that memory
    # follows the window, not the inventory (10,000 endpoints started together each held their
    # partial results until the last first handshake was done).
    window = trio.Semaphore(max(1, limiter.limits.max_connections))

    async def probe_one(endpoint: Endpoint) -> None:
        emit(ScanEvent(kind="started", endpoint=endpoint.key))
        try:
            rehearsal = _rehearsal_for(endpoint, inventory, identities or {})
            observation = await probe_endpoint(endpoint, limiter, rehearsal)
        except Exception as exc:
            # A bug in hatls: reported as internal (exit 3), and the other endpoints go on.
            observation = unreached(endpoint, probe_error(Stage.HANDSHAKE, exc))
        finally:
            window.release()
        state.observations[endpoint.key] = observation
        emit(ScanEvent(kind="finished", endpoint=endpoint.key, total=len(state.observations)))

    async with trio.open_nursery() as nursery:
        for endpoint in state.endpoints:
            if endpoint.key not in state.observations:
                await window.acquire()
                nursery.start_soon(probe_one, endpoint)


class Prober(Protocol):
    """How ``scan`` probes the plan: ``scan_inventory`` in this process (the default), or
    ``hatls.workers.in_workers(n)`` over processes. Fills ``state`` as endpoints finish."""

    async def __call__(self, inventory: Inventory, *, limits: ScanLimits | None, state: ScanState,
                       on_event: Callable[[ScanEvent], None] | None,
                       identities: Mapping[ClientIdentity, ClientIdentityMaterial] | None,
                       select: Callable[[PortTarget], bool] | None) -> ScanState: ...


async def scan(
    inventory: Inventory,
    *,
    now: Callable[[], datetime],
    policy: Policy | None = None,
    fail_on: Severity = Severity.HIGH,
    limits: ScanLimits | None = None,
    state: ScanState | None = None,
    on_event: Callable[[ScanEvent], None] | None = None,
    identities: Mapping[ClientIdentity, ClientIdentityMaterial] | None = None,
    waivers: tuple[Waiver, ...] = (),
    labels: ReportLabels | None = None,
    zone: str | None = None,
    stop: trio.Event | None = None,
    prober: Prober | None = None,
    connect: Connect = open_connection,
) -> Report:
    """Scan every endpoint of ``inventory`` and judge it. ``now`` is the only clock (docs/design.md).

    ``zone``: probe that zone's servers only (ZoneError if the inventory has no such zone); the
    report is partial, its pairs wait for ``hatls merge``. ``stop``: once set, the probes end and
    the report says what was seen, its status "interrupted" (``hatls scan`` sets it on Ctrl-C).
    ``prober``: who runs the probes (default: this process, every connection through ``connect``);
    ``labels`` head the report (default: the inventory's ``[report]``)."""
    if zone is not None:
        check_zone(inventory, zone)
    chosen = policy or load_policy(inventory.scan.policy)
    state = ScanState() if state is None else state
    select = zone_selector(zone) if zone is not None else None
    started, clock = now(), trio.current_time()
    interrupted = False
    async with trio.open_nursery() as nursery:
        if stop is not None:
            async def watch(event: trio.Event) -> None:
                nonlocal interrupted
                await event.wait()
                interrupted = True
                nursery.cancel_scope.cancel()

            nursery.start_soon(watch, stop)
        if prober is None:
            await scan_inventory(inventory, limits=limits, state=state, on_event=on_event,
                                 identities=identities, select=select, connect=connect)
        else:
            await prober(inventory, limits=limits, state=state, on_event=on_event,
                         identities=identities, select=select)
        nursery.cancel_scope.cancel()
    return build_report(
        inventory=inventory, policy=chosen, endpoints=observations_of(state),
        started=started, finished=now(), fail_on=fail_on, waivers=waivers, labels=labels,
        status=(ScanStatus.INTERRUPTED if interrupted else
                ScanStatus.PARTIAL if zone is not None else ScanStatus.COMPLETE),
        zones=zone_scan_coverage(inventory, zone) if zone is not None else None,
        duration_seconds=trio.current_time() - clock)
