"""The scanner against real lab servers (limits, errors as data, connections per endpoint), and on
trio's virtual clock over an in-memory network (exact timeouts, backoffs and peaks)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trio

from hatls.inventory import parse_inventory
from hatls.lab.endpoint import EndpointConfig, Fault, ListenMode, RunningEndpoint
from hatls.lab.server import serve_endpoints
from hatls.observations import ErrorKind
from hatls.probe.plaintext import ANSWER_WAIT, BANNER_WAIT
from hatls.probe.scanner import ScanLimits, scan_inventory
from hatls.scanning import MAX_SUITES_PER_HELLO, ScanEvent, observations_of
from hatls.tls.suites import suites_for_version
from tests.labkit import leaf
from tests.memory_network import Behaviour, MemoryNetwork, Peer


def config(address: str, host: str, **kw: Any) -> EndpointConfig:
    cert = leaf(host)
    return EndpointConfig(address=address, cert_pem=cert.cert_pem, key_pem=cert.key_pem, **kw)


def inventory_for(running: tuple[RunningEndpoint, ...], modes: list[str], tmp: Path,
                  redundancy: str = "hot-standby") -> str:
    """One pair: the first half of ``running`` on the primary, the rest on the backup."""
    half = len(running) // 2
    def ports(eps: tuple[RunningEndpoint, ...], ms: list[str]) -> str:
        return ", ".join(f'{{ id = "p{i}", port = {ep.port}, mode = "{m}"'
                         f'{", ha_sync = true" if i == 0 else ""} }}'
                         for i, (ep, m) in enumerate(zip(eps, ms, strict=True)))
    return f"""version = 1
[[pair]]
name = "pair-1"
redundancy = "{redundancy}"
[pair.primary]
host = "tsrv-a.example.test"
address = "{running[0].address}"
ports = [ {ports(running[:half], modes[:half])} ]
[pair.backup]
host = "tsrv-b.example.test"
address = "{running[half].address}"
ports = [ {ports(running[half:], modes[half:])} ]
"""


async def scan_lab(configs: list[EndpointConfig], modes: list[str], tmp: Path,
                   limits: ScanLimits, events: list[ScanEvent] | None = None,
                   ) -> tuple[list[Any], tuple[RunningEndpoint, ...]]:
    async with trio.open_nursery() as nursery:
        running = await nursery.start(serve_endpoints, configs)
        text = inventory_for(running, modes, tmp)
        inventory = parse_inventory(text, path=str(tmp / "inv.toml"), base_dir=str(tmp))
        on_event = events.append if events is not None else None
        state = await scan_inventory(inventory, limits=limits, on_event=on_event)
        nursery.cancel_scope.cancel()
    return list(observations_of(state)), running


async def test_per_address_cap_is_never_exceeded(tmp_path: Path) -> None:
    primary = [config("127.0.1.7", "tsrv-a.example.test") for _ in range(6)]
    backup = [config("127.0.2.7", "tsrv-b.example.test") for _ in range(6)]
    limits = ScanLimits(max_connections_per_host=2, connect_timeout=5, handshake_timeout=5)
    events: list[ScanEvent] = []
    observations, running = await scan_lab(primary + backup, ["secured"] * 12, tmp_path,
                                           limits, events)
    assert running[0].address_stats.peak_concurrent <= 2
    assert running[6].address_stats.peak_concurrent <= 2
    assert running[0].address_stats.accepted >= 6 * 10
    assert all(o.reachable and o.speaks_tls for o in observations)
    assert [e.kind for e in events].count("finished") == 12


MODERN = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305"


async def test_modern_endpoint_costs_few_connections(tmp_path: Path) -> None:
    configs = [config("127.0.1.8", "tsrv-a.example.test", ciphers=MODERN),
               config("127.0.2.8", "tsrv-b.example.test", ciphers=MODERN)]
    observations, _ = await scan_lab(configs, ["secured", "secured"], tmp_path, ScanLimits())
    for obs in observations:
        # issue 3: protocols + suites + groups + certificate in at most 25 connections (the
        # plaintext probe, the two fallback-SCSV hellos, the renegotiation attempt and the two
        # cipher-order hellos come on top)
        assert obs.connections - 6 <= 25, obs.connections
        assert dict(obs.protocols) == {"SSLv2": False, "SSLv3": False, "TLSv1.0": False,
                                       "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": True}
        assert obs.accepts_plaintext is False
        assert obs.certificate is not None and obs.certificate.subject.endswith(".example.test")


async def test_dead_and_hostile_ports_are_errors_not_crashes(tmp_path: Path) -> None:
    configs = [config("127.0.1.9", "tsrv-a.example.test"),
               config("127.0.1.9", "tsrv-a.example.test", mode=ListenMode.UNSECURED),
               config("127.0.2.9", "tsrv-b.example.test", fault=Fault.CLOSED),
               config("127.0.2.9", "tsrv-b.example.test", fault=Fault.GARBAGE)]
    limits = ScanLimits(connect_timeout=2, handshake_timeout=2)
    observations, _ = await scan_lab(configs, ["secured", "secured", "secured", "secured"],
                                     tmp_path, limits)
    good, plain, closed, garbage = observations
    assert good.speaks_tls and not good.errors
    assert plain.speaks_tls is False and plain.accepts_plaintext is True
    assert closed.reachable is False and closed.errors[0].kind is ErrorKind.REFUSED
    assert closed.connections == 1
    assert garbage.reachable is True and garbage.speaks_tls is False
    assert garbage.errors[0].kind is ErrorKind.NOT_TLS


# --- the scanner on trio's virtual clock, over an in-memory network -------------------------------
# The connect function is the scanner's parameter: here every connection is a memory stream whose
# peer is scripted (tests/memory_network.py), so timeouts and backoffs are exact and the peak of
# connections held open per address is counted on the peer's side of the scanner's own limiters.


def memory_inventory(servers: list[tuple[str, list[int]]]) -> Any:
    """One pair: (address, ports) for the primary, then the backup."""
    lines = ["version = 1", "[[pair]]", 'name = "pair-1"']
    for role, (address, ports) in zip(("primary", "backup"), servers, strict=False):
        listed = ", ".join(f'{{ id = "p{i}", port = {p}, mode = "secured" }}'
                           for i, p in enumerate(ports))
        lines += [f"[pair.{role}]", f'host = "tsrv-{role}.example.test"', f'address = "{address}"',
                  f"ports = [ {listed} ]"]
    return parse_inventory("\n".join(lines), path="inv.toml", base_dir=".")


async def memory_scan(network_setup: Callable[[MemoryNetwork], list[tuple[str, list[int]]]],
                      limits: ScanLimits) -> tuple[list[Any], MemoryNetwork, float]:
    async with trio.open_nursery() as nursery:
        network = MemoryNetwork(nursery=nursery)
        servers = network_setup(network)
        started = trio.current_time()
        state = await scan_inventory(memory_inventory(servers), limits=limits,
                                     connect=network.connect)
        elapsed = trio.current_time() - started
        nursery.cancel_scope.cancel()
    return list(observations_of(state)), network, elapsed


def one_port(behaviour: Behaviour) -> Callable[[MemoryNetwork], list[tuple[str, list[int]]]]:
    def setup(network: MemoryNetwork) -> list[tuple[str, list[int]]]:
        network.listen("127.0.1.20", 443, Peer(behaviour=behaviour))
        return [("127.0.1.20", [443])]
    return setup


async def test_a_refusal_costs_one_connection_and_no_time(autojump_clock: Any) -> None:
    (obs,), network, elapsed = await memory_scan(one_port(Behaviour.REFUSE),
                                                 ScanLimits(retries=3, backoff=5))
    assert elapsed == 0
    assert obs.reachable is False and obs.errors[0].kind is ErrorKind.REFUSED
    assert obs.retries == 0 and obs.connections == 1 and network.starts["127.0.1.20"] == [0]


async def test_connect_timeouts_are_retried_after_exact_backoffs(autojump_clock: Any) -> None:
    limits = ScanLimits(connect_timeout=3, retries=2, backoff=0.5)
    (obs,), network, elapsed = await memory_scan(one_port(Behaviour.BLACKHOLE), limits)
    # try at 0, time out at 3, pause 0.5; try at 3.5, out at 6.5, pause 1.0; try at 7.5, out at 10.5
    assert network.starts["127.0.1.20"] == [0, 3.5, 7.5]
    assert elapsed == 10.5
    assert obs.reachable is False and obs.errors[0].kind is ErrorKind.TIMEOUT
    assert obs.retries == 2 and obs.connections == 3


async def test_a_silent_port_costs_the_handshake_timeout_then_the_plaintext_waits(
        autojump_clock: Any) -> None:
    limits = ScanLimits(handshake_timeout=7, retries=1)
    (obs,), network, elapsed = await memory_scan(one_port(Behaviour.SILENT), limits)
    # A handshake timeout on an open connection is an answer, not retried; the plaintext probe
    # follows (TCP answered) and waits for a banner, then for an answer to its line.
    assert elapsed == 7 + BANNER_WAIT + ANSWER_WAIT
    assert network.starts["127.0.1.20"] == [0, 7]
    assert obs.reachable is True and obs.speaks_tls is False and obs.accepts_plaintext is None
    assert [(e.stage.value, e.kind) for e in obs.errors] == [
        ("handshake", ErrorKind.TIMEOUT), ("plaintext", ErrorKind.TIMEOUT)]
    assert obs.connections == 2 and obs.retries == 0


def lab_ports(addresses: list[str], ports_each: int
              ) -> Callable[[MemoryNetwork], list[tuple[str, list[int]]]]:
    def setup(network: MemoryNetwork) -> list[tuple[str, list[int]]]:
        servers = []
        for index, address in enumerate(addresses):
            host = f"tsrv-{('primary', 'backup')[index]}.example.test"
            ports = [443 + i for i in range(ports_each)]
            for port in ports:
                network.listen(address, port, Peer(behaviour=Behaviour.LAB,
                                                   config=config(address, host, ciphers=MODERN)))
            servers.append((address, ports))
        return servers
    return setup


@pytest.mark.parametrize("cap", [1, 3])
async def test_the_per_address_cap_is_reached_and_never_exceeded_in_memory(
        cap: int, autojump_clock: Any) -> None:
    observations, network, _ = await memory_scan(lab_ports(["127.0.1.21", "127.0.2.21"], 3),
                                                 ScanLimits(max_connections_per_host=cap))
    assert all(o.speaks_tls and not o.errors for o in observations)
    assert network.peak == {"127.0.1.21": cap, "127.0.2.21": cap}
    assert network.peak_total == 2 * cap
    for address in ("127.0.1.21", "127.0.2.21"):
        mine = [o for o in observations if o.address == address]
        assert len(network.starts[address]) == sum(o.connections for o in mine)


async def test_the_global_cap_holds_across_addresses_in_memory(autojump_clock: Any) -> None:
    observations, network, _ = await memory_scan(lab_ports(["127.0.1.22", "127.0.2.22"], 2),
                                                 ScanLimits(max_connections_per_host=4,
                                                            max_connections=3))
    assert all(o.speaks_tls for o in observations)
    assert network.peak_total == 3 and max(network.peak.values()) <= 3


async def test_a_delay_spaces_every_connection_start_to_one_address(autojump_clock: Any) -> None:
    (obs, _), network, _ = await memory_scan(lab_ports(["127.0.1.23", "127.0.2.23"], 1),
                                             ScanLimits(delay=0.25))
    starts = network.starts["127.0.1.23"]
    assert len(starts) == obs.connections >= 10
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.25 - 1e-9


async def test_every_raw_hello_times_out_exactly_and_alone(autojump_clock: Any) -> None:
    """A server that completes the first handshake, then answers nothing: each raw hello is its
    own connection and ends at the handshake timeout; a version's next chunk waits for that."""
    def setup(network: MemoryNetwork) -> list[tuple[str, list[int]]]:
        network.listen("127.0.1.24", 443, Peer(
            behaviour=Behaviour.LAB, connections=1,
            config=config("127.0.1.24", "tsrv-primary.example.test", ciphers=MODERN)))
        return [("127.0.1.24", [443])]

    limits = ScanLimits(handshake_timeout=7, max_connections_per_host=64)
    (obs,), network, elapsed = await memory_scan(setup, limits)
    chunks = {v: -(-len(suites_for_version(v)) // MAX_SUITES_PER_HELLO)
              for v in ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2")}
    starts = network.starts["127.0.1.24"]
    # the first handshake, then the plaintext probe and the enumeration side by side from starts[1]
    assert elapsed == starts[1] + max(BANNER_WAIT + ANSWER_WAIT, 7 * max(chunks.values()))
    hellos = [e for e in obs.errors if e.stage.value == "protocols"]
    assert len(hellos) == 2 + sum(chunks.values())   # SSLv2, TLS 1.3, and each chunk once
    assert all(e.kind is ErrorKind.TIMEOUT and "7" in e.message for e in hellos)
    assert obs.connections == len(starts) == 2 + len(hellos)
    assert obs.speaks_tls and dict(obs.protocols)["TLSv1.3"] is True   # the first handshake's
