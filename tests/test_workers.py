"""``--workers`` (issue 16): probing over processes, each owning whole addresses.

The per-address cap is proved from the server side with tests/test_politeness.py's counting proxy:
several worker processes, the peak per address still exactly the cap. The workers' observations
equal a single process's, and a worker that dies is reported as a fault of hatls, not as a finding.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
import trio

from hatls.lab.endpoint import Fault
from hatls.lab.server import LabThread, serve_endpoints
from hatls.observations import EndpointObservation, ErrorKind
from hatls.probe.scanner import ScanLimits, scan_inventory
from hatls.scanning import Endpoint, ScanState, observations_of, port_targets
from hatls.workers import default_workers, partition, scan_in_workers
from tests.test_interrupt import endpoint, inventory_for, wait_until_probed
from tests.test_politeness import Proxy, Tally, _bind, inventory, lab
from tests.test_scanner import MODERN, config

ADDRESSES = ("127.0.8.21", "127.0.8.22", "127.0.8.23", "::1")


def _endpoints(addresses: Sequence[str], ports: int) -> list[Endpoint]:
    inv = inventory([("h.example.test", None, list(range(1, ports + 1)))])
    (target, *others) = port_targets(inv)
    return [Endpoint(target=t, address=a) for a in addresses for t in (target, *others)]


def test_each_address_goes_wholly_to_one_worker_and_the_shares_are_even() -> None:
    endpoints = _endpoints(["127.0.9.1", "127.0.9.2", "127.0.9.3", "::1", "0:0::1"], 3)
    shares = partition(endpoints, 2)
    assert sorted(e.key for s in shares for e in s) == sorted(e.key for e in endpoints)
    owners: dict[str, set[int]] = {}
    for index, share in enumerate(shares):
        for e in share:
            owners.setdefault("::1" if e.address in ("::1", "0:0::1") else e.address,
                              set()).add(index)
    assert all(len(o) == 1 for o in owners.values()), owners   # "::1" and "0:0::1": one host
    assert sorted(len(s) for s in shares) == [6, 9]
    assert len(partition(endpoints, 8)) == 4      # never more workers than addresses
    assert partition([], 4) == ()


def test_the_default_is_the_cores_at_most_eight() -> None:
    assert default_workers() == max(1, min(8, os.cpu_count() or 1))


def _facts(observations: Sequence[EndpointObservation]) -> list[tuple[object, ...]]:
    return sorted((o.pair, o.role, o.port_id, o.address, o.speaks_tls, o.protocols, o.ciphers,
                   o.groups, o.certificate.sha256 if o.certificate else None)
                  for o in observations)


async def _proxied(limits: ScanLimits, workers: int
                   ) -> tuple[list[EndpointObservation], dict[str, Tally]]:
    """Three proxied ports on each address, all relaying to one lab endpoint; scanned in
    ``workers`` processes (1: in this process, the ordinary path)."""
    async with lab("127.0.8.1") as (backend,), trio.open_nursery() as nursery:
        tallies = {a: Tally() for a in [*ADDRESSES, "all"]}
        servers = []
        for index, address in enumerate(ADDRESSES):
            ports = []
            for _ in range(3):
                listener = await _bind(address)
                ports.append(listener.getsockname()[1])
                proxy = Proxy(backend=(backend.address, backend.port),
                              tallies=(tallies[address], tallies["all"]))
                nursery.start_soon(proxy.serve, listener)
            servers.append((f"h{index}.example.test", address, ports))
        # Two pairs, two addresses each: four addresses for the workers to share.
        inv_a, inv_b = inventory(servers[:2]), inventory(servers[2:])
        inv = replace(inv_a, pairs=(inv_a.pairs[0], replace(inv_b.pairs[0], name="pair-2")))
        state = ScanState()
        if workers > 1:
            await scan_in_workers(inv, workers=workers, limits=limits, state=state)
        else:
            await scan_inventory(inv, limits=limits, state=state)
        nursery.cancel_scope.cancel()
    return list(observations_of(state)), tallies


@pytest.mark.parametrize("cap", [1, 2])
async def test_the_per_address_cap_holds_exactly_across_workers(cap: int) -> None:
    limits = ScanLimits(max_connections_per_host=cap, connect_timeout=5, handshake_timeout=10)
    observations, tallies = await _proxied(limits, workers=2)
    assert len(observations) == 12
    assert all(o.speaks_tls and not o.errors for o in observations), observations
    for address in ADDRESSES:
        assert tallies[address].peak == cap, (address, tallies[address].peak)


async def test_workers_observe_what_one_process_observes() -> None:
    limits = ScanLimits(max_connections_per_host=2, connect_timeout=5, handshake_timeout=10)
    alone, _ = await _proxied(limits, workers=1)
    shared, _ = await _proxied(limits, workers=3)
    assert _facts(shared) == _facts(alone)


async def test_a_worker_that_dies_leaves_internal_errors_not_findings() -> None:
    """A worker killed mid-scan (SIGKILL: it cannot answer) returns nothing: its endpoints are
    hatls faults (internal, exit 3); the other worker's endpoints are observed as usual."""
    configs = [config("127.0.8.31", "tsrv.example.test", ciphers=MODERN, fault=Fault.TARPIT),
               config("127.0.8.32", "tsrv.example.test", ciphers=MODERN)]
    async with trio.open_nursery() as nursery:
        tarpit, healthy = await nursery.start(serve_endpoints, configs)
        inv = inventory([("tsrv.example.test", tarpit.address, [tarpit.port]),
                         ("tsrv.example.test", healthy.address, [healthy.port])])
        state = ScanState()
        limits = ScanLimits(connect_timeout=30, handshake_timeout=30, retries=0)

        async def kill_the_stuck_worker() -> None:
            # The healthy address is done within seconds; the tarpit holds its worker.
            while len(state.observations) < 1 or len(multiprocessing.active_children()) != 1:
                await trio.sleep(0.05)
            (stuck,) = multiprocessing.active_children()
            os.kill(stuck.pid or 0, signal.SIGKILL)

        nursery.start_soon(kill_the_stuck_worker)
        with trio.fail_after(60):
            await scan_in_workers(inv, workers=2, limits=limits, state=state)
        nursery.cancel_scope.cancel()
    by_address = {o.address: o for o in observations_of(state)}
    assert by_address["127.0.8.32"].speaks_tls is True
    lost = by_address["127.0.8.31"]
    assert [e.kind for e in lost.errors] == [ErrorKind.INTERNAL], lost.errors
    assert "ended without a result" in lost.errors[0].message


def test_a_stopped_scan_with_workers_still_writes_what_the_workers_saw(tmp_path: Path) -> None:
    """SIGTERM to the parent alone (as systemd or a container runtime sends it): the parent stops
    its workers, takes their partial observations, and writes the partial report (exit 4)."""
    configs = [endpoint("127.0.1.26", "tsrv-a.example.test", fault=Fault.TARPIT),
               endpoint("127.0.2.26", "tsrv-b.example.test")]
    with LabThread(configs) as (primary, backup):
        inv = inventory_for(tmp_path, primary, backup)
        proc = subprocess.Popen([sys.executable, "-m", "hatls", "scan", str(inv), "--quiet",
                                 "--workers", "2", "--json", str(tmp_path / "report.json")],
                                stderr=subprocess.PIPE, text=True)
        wait_until_probed(backup)
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=90)
        assert proc.stderr is not None
        stderr = proc.stderr.read()
    assert status == 4, stderr
    assert "Traceback" not in stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["scan"]["status"] == "interrupted"
    roles = {e["role"]: e for e in report["endpoints"]}
    assert roles["backup"]["reachable"] is True and roles["backup"]["certificate"] is not None
    assert roles["primary"]["reachable"] is None            # stopped before it answered
    assert report["summary"]["internal_errors"] == 0        # the stopped worker still answered
