"""Politeness, proved from the server side: caps, delay, retries, and every address of a name.

The lab serves TLS; in front of it sits a counting proxy of this file's own, so the numbers do not
come from the code under test (nor from the lab's accounting). Concurrency is read from the kernel:
at each accept, the other connections count only while their TCP state is still ESTABLISHED, so a
connection the scanner has closed but the proxy has not read to its end yet never inflates it.
"""

from __future__ import annotations

import errno
import itertools
import socket
import struct
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import trio

from hatls.inventory import parse_inventory
from hatls.lab.endpoint import RunningEndpoint
from hatls.lab.server import serve_endpoints
from hatls.observations import EndpointObservation, ErrorKind
from hatls.probe.connection import resolve
from hatls.probe.scanner import ScanLimits, scan, scan_inventory
from hatls.report import dumps, encode, loads
from hatls.scanning import (
    Endpoint,
    HandshakeOutcome,
    JobKind,
    JobResult,
    merge,
    observations_of,
    port_targets,
)
from tests.report_fixtures import sample_report
from tests.test_scanner import MODERN, config

_ESTABLISHED = b"\x01"  # tcpi_state, the first byte of Linux's struct tcp_info


@dataclass(eq=False)
class Tally:
    """What one address (or the whole proxy) saw: accepts, their times, the peak held open."""

    accepted: list[float] = field(default_factory=list)
    open: set[trio.socket.SocketType] = field(default_factory=set)
    peak: int = 0

    def opened(self, sock: trio.socket.SocketType) -> None:
        alive = sum(1 for s in self.open
                    if s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[:1] == _ESTABLISHED)
        self.open.add(sock)
        self.accepted.append(trio.current_time())
        self.peak = max(self.peak, alive + 1)


@dataclass(eq=False)
class Proxy:
    backend: tuple[str, int]
    tallies: tuple[Tally, ...]    # this address's, then the global one
    reset_first: int = 0          # answer this many connections with a TCP reset

    async def serve(self, listener: trio.socket.SocketType) -> None:
        async with trio.open_nursery() as nursery:
            while True:
                sock, _ = await listener.accept()
                for tally in self.tallies:
                    tally.opened(sock)
                nursery.start_soon(self.relay, sock)

    async def relay(self, sock: trio.socket.SocketType) -> None:
        try:
            if len(self.tallies[0].accepted) <= self.reset_first:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            client = trio.SocketStream(sock)
            async with await trio.open_tcp_stream(*self.backend) as server, trio.open_nursery() as n:
                n.start_soon(_pump, client, server, n.cancel_scope)
                n.start_soon(_pump, server, client, n.cancel_scope)
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            pass
        finally:
            for tally in self.tallies:
                tally.open.discard(sock)
            sock.close()


async def _pump(source: trio.SocketStream, sink: trio.SocketStream, done: trio.CancelScope) -> None:
    try:
        while data := await source.receive_some(65536):
            await sink.send_all(data)
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass  # either side gone: the relay is over, as for a close
    finally:
        done.cancel()


async def _bind(address: str, port: int = 0) -> trio.socket.SocketType:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = trio.socket.socket(family, socket.SOCK_STREAM)
    await sock.bind((address, port))
    sock.listen(64)
    return sock


@asynccontextmanager
async def lab(*addresses: str) -> AsyncIterator[tuple[RunningEndpoint, ...]]:
    async with trio.open_nursery() as nursery:
        running = await nursery.start(serve_endpoints, [
            config(a, "tsrv.example.test", ciphers=MODERN) for a in addresses])
        yield running
        nursery.cancel_scope.cancel()


def inventory(servers: Sequence[tuple[str, str | None, Sequence[int]]]) -> Any:
    """One pair: (host, address or None, ports) for the primary, then the backup if given."""
    lines = ["version = 1", "[[pair]]", 'name = "pair-1"']
    for role, (host, address, ports) in zip(("primary", "backup"), servers, strict=False):
        listed = ", ".join(f'{{ id = "p{i}", port = {p}, mode = "secured" }}'
                           for i, p in enumerate(ports))
        lines += [f"[pair.{role}]", f'host = "{host}"', f"ports = [ {listed} ]"]
        lines += [f'address = "{address}"'] if address else []
    return parse_inventory("\n".join(lines), path="inv.toml", base_dir=".")


async def proxied_scan(addresses: Sequence[str], ports_each: int, limits: ScanLimits,
                       reset_first: int = 0) -> tuple[list[EndpointObservation], dict[str, Tally]]:
    """Scan ``ports_each`` proxied ports on each address, all relaying to one lab endpoint."""
    async with lab("127.0.8.1") as (backend,), trio.open_nursery() as nursery:
        tallies = {a: Tally() for a in [*addresses, "all"]}
        servers = []
        for address in addresses:
            ports = []
            for _ in range(ports_each):
                listener = await _bind(address)
                ports.append(listener.getsockname()[1])
                proxy = Proxy(backend=(backend.address, backend.port),
                              tallies=(tallies[address], tallies["all"]), reset_first=reset_first)
                nursery.start_soon(proxy.serve, listener)
            servers.append(("tsrv.example.test", address, ports))
        state = await scan_inventory(inventory(servers), limits=limits)
        nursery.cancel_scope.cancel()
    return list(observations_of(state)), tallies


@pytest.mark.parametrize("cap", [1, 3])
async def test_the_per_address_cap_is_reached_and_never_exceeded(cap: int) -> None:
    observations, tallies = await proxied_scan(["127.0.8.11", "127.0.8.12"], 3,
                                               ScanLimits(max_connections_per_host=cap))
    assert all(o.speaks_tls and not o.errors for o in observations)
    assert tallies["127.0.8.11"].peak == cap and tallies["127.0.8.12"].peak == cap
    assert len(tallies["127.0.8.11"].accepted) >= 3 * 15


async def test_the_global_cap_holds_across_addresses() -> None:
    addresses = [f"127.0.8.{20 + i}" for i in range(4)]
    _, tallies = await proxied_scan(addresses, 1,
                                    ScanLimits(max_connections_per_host=4, max_connections=3))
    assert tallies["all"].peak == 3
    assert max(tallies[a].peak for a in addresses) <= 3


@pytest.mark.parametrize("delay", [0.0, 0.04])
async def test_delay_spaces_the_connections_to_one_address(delay: float) -> None:
    _, tallies = await proxied_scan(["127.0.8.31"], 1, ScanLimits(delay=delay))
    starts = tallies["127.0.8.31"].accepted
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    span = starts[-1] - starts[0]
    if delay:
        # Each start is booked one delay after the last; the proxy's accept may lag a little.
        assert span >= (len(starts) - 1) * delay * 0.95 and min(gaps) >= delay * 0.5
    else:
        assert min(gaps) < 0.01  # without a delay the starts overlap: the check above can fail


async def test_a_reset_first_connection_is_retried_after_the_backoff() -> None:
    limits = ScanLimits(retries=1, backoff=0.2)
    (obs,), tallies = await proxied_scan(["127.0.8.41"], 1, limits, reset_first=1)
    assert obs.speaks_tls and obs.retries == 1 and not obs.errors
    first, second = tallies["127.0.8.41"].accepted[:2]
    assert second - first >= 0.2
    assert obs.connections == len(tallies["127.0.8.41"].accepted)


async def test_retries_are_bounded_and_back_off_exponentially() -> None:
    limits = ScanLimits(retries=2, backoff=0.1)
    (obs,), tallies = await proxied_scan(["127.0.8.42"], 1, limits, reset_first=10**6)
    assert obs.retries == 2 and obs.speaks_tls is False
    assert obs.errors and obs.errors[0].kind is ErrorKind.RESET
    a, b, c = tallies["127.0.8.42"].accepted[:3]
    assert b - a >= 0.1 and c - b >= 0.2


async def test_a_connect_timeout_is_retried_and_recorded() -> None:
    # A listener with a zero backlog that never accepts: once one connection fills its queue,
    # the kernel drops further SYNs and a connect can only time out.
    listener = await _bind("127.0.8.51")
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = trio.socket.socket()
    await filler.connect(("127.0.8.51", port))
    limits = ScanLimits(connect_timeout=0.3, retries=1, backoff=0.1)
    started = trio.current_time()
    state = await scan_inventory(inventory([("tsrv.example.test", "127.0.8.51", [port])]),
                                 limits=limits)
    elapsed = trio.current_time() - started
    filler.close()
    listener.close()
    (obs,) = observations_of(state)
    assert obs.reachable is False and obs.errors[0].kind is ErrorKind.TIMEOUT
    assert obs.retries == 1 and obs.connections == 2 and elapsed >= 0.7


async def test_a_refusal_is_an_answer_and_not_retried() -> None:
    probe = await _bind("127.0.8.52")
    port = probe.getsockname()[1]
    probe.close()   # now nothing listens on that port
    state = await scan_inventory(inventory([("tsrv.example.test", "127.0.8.52", [port])]),
                                 limits=ScanLimits(retries=3, backoff=5))
    (obs,) = observations_of(state)
    assert obs.errors[0].kind is ErrorKind.REFUSED and obs.retries == 0 and obs.connections == 1


async def test_an_ipv6_loopback_address_is_scanned() -> None:
    async with lab("::1") as (server,):
        state = await scan_inventory(inventory([("tsrv.example.test", "::1", [server.port])]),
                                     limits=ScanLimits())
    (obs,) = observations_of(state)
    assert obs.address == "::1" and obs.speaks_tls and obs.certificate is not None
    assert server.address_stats.peak_concurrent <= 4


class TwoAddressResolver(trio.abc.HostnameResolver):
    """A name with an A and an AAAA record, both loopback (resolvers list A first, then AAAA)."""

    async def getaddrinfo(self, host: bytes | None, port: bytes | str | int | None, family: int = 0,
                          type: int = 0, proto: int = 0, flags: int = 0) -> list[Any]:
        if host != b"dual.example.test":
            raise socket.gaierror(socket.EAI_NONAME, "unknown name")
        port_number = int(port or 0)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_number)),
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port_number, 0, 0)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_number))]

    async def getnameinfo(self, sockaddr: tuple[str, int] | tuple[str, int, int, int],
                          flags: int) -> tuple[str, str]:
        raise OSError("reverse lookups are not part of this test double")  # hatls never asks


async def test_resolve_returns_every_address_once_in_resolver_order() -> None:
    trio.socket.set_custom_hostname_resolver(TwoAddressResolver())
    assert await resolve("dual.example.test", 443, timeout=1) == ("127.0.0.1", "::1")
    assert await resolve("::1", 443, timeout=1) == ("::1",)


async def _listen_on_both(nursery: trio.Nursery, proxy_for: dict[str, Proxy]) -> int:
    """One port number bound on 127.0.0.1 and on ::1 (retried if ::1 has it taken)."""
    for _ in range(20):
        v4 = await _bind("127.0.0.1")
        port: int = v4.getsockname()[1]
        try:
            v6 = await _bind("::1", port)
        except OSError as exc:
            v4.close()
            if exc.errno == errno.EADDRINUSE:
                continue
            raise
        nursery.start_soon(proxy_for["127.0.0.1"].serve, v4)
        nursery.start_soon(proxy_for["::1"].serve, v6)
        return port
    raise RuntimeError("no port free on both loopbacks")


async def test_a_name_with_two_addresses_is_scanned_and_reported_at_each() -> None:
    trio.socket.set_custom_hostname_resolver(TwoAddressResolver())
    async with lab("127.0.8.61") as (backend,), trio.open_nursery() as nursery:
        tallies = {"127.0.0.1": Tally(), "::1": Tally()}
        proxies = {a: Proxy(backend=(backend.address, backend.port), tallies=(t,))
                   for a, t in tallies.items()}
        port = await _listen_on_both(nursery, proxies)
        inv = inventory([("dual.example.test", None, [port])])
        report = await scan(inv, now=lambda: datetime(2026, 11, 1, tzinfo=UTC))
        nursery.cancel_scope.cancel()
    assert [e.address for e in report.endpoints] == ["127.0.0.1", "::1"]
    assert all(e.speaks_tls and e.host == "dual.example.test" for e in report.endpoints)
    for address, tally in tallies.items():
        assert len(tally.accepted) >= 10 and tally.peak <= 4, address
        assert any(f.address == address and f.rule == "TLS-001" for f in report.findings)


def test_retries_are_recorded_in_the_observation_and_the_report() -> None:
    inv = inventory([("tsrv.example.test", "127.0.8.71", [443])])
    endpoint = Endpoint(target=port_targets(inv)[0], address="127.0.8.71")
    reset = HandshakeOutcome(completed=False, error_kind=ErrorKind.RESET, error_message="reset")
    obs = merge(endpoint, [JobResult(kind=JobKind.HANDSHAKE, connected=True, handshake=reset,
                                     attempts=3)])
    assert obs.retries == 2 and obs.connections == 3
    assert merge(endpoint, []).retries == 0
    assert encode(obs)["retries"] == 2


def test_the_report_json_carries_retries_and_reads_back() -> None:
    report = sample_report()
    text = dumps(report)
    assert '"retries": 0' in text
    assert loads(text) == report
