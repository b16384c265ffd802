"""The scanner against real lab servers: limits, errors as data, connections per endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from hatls.inventory import parse_inventory
from hatls.lab.endpoint import EndpointConfig, Fault, ListenMode, RunningEndpoint
from hatls.lab.server import serve_endpoints
from hatls.observations import ErrorKind
from hatls.probe.scanner import ScanLimits, scan_inventory
from hatls.scanning import ScanEvent, observations_of
from tests.labkit import leaf


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
