"""Builders for the GHA rule tests: inventory values and recorded observations, made in the test.

The default scenario is a clean hot-standby T-Server pair as the guide wants it: a `default` port
(unsecured) and a `secure` port (secured, HA sync) on two hosts, each server with its own
certificate from the fixture PKI (fixtures/certs, issued by ha-ca). Tests change one thing with
`replace(...)` and the keyword arguments below, so each test reads as the defect it shows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cache
from typing import Any

from fixture_pki import NOW, certs, chain_facts, pem_text

from hatls.findings import Finding, Status
from hatls.inventory import (
    CertificateLevel,
    ClientIdentity,
    Inventory,
    Mode,
    Pair,
    PemFile,
    PortSpec,
    Redundancy,
    Role,
    ScanSettings,
    Server,
    TlsExpectations,
)
from hatls.observations import (
    ClientAuth,
    EndpointObservation,
    ErrorKind,
    Expected,
    ProbeError,
    Rehearsal,
    Stage,
)
from hatls.policy import load_policy
from hatls.rules import PairContext, PairRule, Trust
from hatls.tls.protocol import ProtocolVersion

HOST_A = "tsrv-a.example.test"
HOST_B = "tsrv-b.example.test"
MODERN = (("TLSv1.2", ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                       "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")),
          ("TLSv1.3", ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")))


def port(port_id: str, number: int, mode: Mode = Mode.SECURED, *, ha_sync: bool = False,
         mutual: bool = False, level: CertificateLevel | None = None) -> PortSpec:
    return PortSpec(id=port_id, port=number, mode=mode, ha_sync=ha_sync, certificate_level=level,
                    tls=TlsExpectations(tls_mutual=mutual))


def standard_ports(*, mutual: bool = False) -> tuple[PortSpec, ...]:
    return (port("default", 3000, Mode.UNSECURED),
            port("secure", 3001, Mode.SECURED, ha_sync=True, mutual=mutual))


def identity(name: str) -> ClientIdentity:
    return ClientIdentity(certificate=PemFile(path=f"{name}.pem", text=pem_text(name)),
                          key_path=f"{name}.key.pem")


def server(role: Role, host: str, ports: tuple[PortSpec, ...] | None = None,
           **kw: Any) -> Server:
    return Server(role=role, host=host, ports=ports or standard_ports(), **kw)


def make_pair(*, primary: Server | None = None, backup: Server | bool = True,
              **kw: Any) -> Pair:
    """A pair named "tsrv"; backup=False makes a standalone server."""
    if backup is True:
        backup = server(Role.BACKUP, HOST_B)
    return Pair(name="tsrv", app_type=kw.pop("app_type", "T-Server"),
                primary=primary or server(Role.PRIMARY, HOST_A),
                backup=backup or None, **kw)


def cs_pair(*, redundancy: Redundancy = Redundancy.WARM_STANDBY, **kw: Any) -> Pair:
    ports = (port("default", 2020, Mode.AUTO_DETECT),)
    return Pair(name="confserv", app_type="Configuration Server", redundancy=redundancy,
                primary=kw.pop("primary", server(Role.PRIMARY, HOST_A, ports)),
                backup=kw.pop("backup", server(Role.BACKUP, HOST_B, ports)), **kw)


def observe(pair: Pair, role: Role, port_id: str, **kw: Any) -> EndpointObservation:
    """What a healthy port of its Listening Mode looks like; keywords change what was seen."""
    srv = pair.primary if role is Role.PRIMARY else pair.backup
    assert srv is not None
    spec = srv.port(port_id)
    assert spec is not None
    tls = spec.mode is not Mode.UNSECURED
    cert = kw.pop("cert", "tsrv-a" if role is Role.PRIMARY else "tsrv-b")
    chain = chain_facts(cert) if tls and cert else ()
    base = EndpointObservation(
        pair=pair.name, role=role.value, port_id=port_id, host=srv.host,
        address="127.0.0.1" if role is Role.PRIMARY else "127.0.0.2", port=spec.port,
        configured_mode=spec.mode.value, ha_sync=spec.ha_sync,
        expected=Expected(tls_mutual=spec.tls.tls_mutual), reachable=True,
        accepts_plaintext=spec.mode is not Mode.SECURED, speaks_tls=tls,
        negotiated_version="TLSv1.3" if tls else None,
        protocols=tuple((v, tls and v in ("TLSv1.2", "TLSv1.3")) for v in ProtocolVersion),
        ciphers=MODERN if tls else None, groups=("secp256r1", "x25519") if tls else None,
        client_auth=ClientAuth(requested=spec.tls.tls_mutual, required=spec.tls.tls_mutual)
        if tls else None,
        certificate=chain[0] if chain else None, chain=chain)
    return replace(base, **kw)


def refused(obs: EndpointObservation) -> EndpointObservation:
    """A port nobody listens on (a warm-standby backup that is not serving looks like this)."""
    return replace(obs, reachable=False, speaks_tls=None, accepts_plaintext=None, certificate=None,
                   chain=(), negotiated_version=None, client_auth=None, ciphers=None, groups=None,
                   protocols=tuple((v, None) for v in ProtocolVersion),
                   errors=(ProbeError(stage=Stage.CONNECT, kind=ErrorKind.REFUSED,
                                      message="connection refused"),))


def rehearsal(ok: bool = True, *, kind: ErrorKind = ErrorKind.TLS_ALERT,
              subject: str = "CN=tsrv-a.example.test") -> Rehearsal:
    if ok:
        return Rehearsal(client_subject=subject, succeeded=True, version="TLSv1.3")
    return Rehearsal(client_subject=subject, succeeded=False, error=ProbeError(
        stage=Stage.REHEARSAL, kind=kind, message=f"{kind.value}: handshake failed"))


def healthy(pair: Pair, **changes: Callable[[EndpointObservation], EndpointObservation]
            ) -> list[EndpointObservation]:
    """Every port of the pair observed healthy; `changes["backup_secure"] = fn` alters one."""
    out = []
    for srv in pair.servers():
        for spec in srv.ports:
            obs = observe(pair, srv.role, spec.id)
            change = changes.get(f"{srv.role.value}_{spec.id}")
            out.append(change(obs) if change else obs)
    return out


def context(pair: Pair, observations: Iterable[EndpointObservation] | None = None, *,
            pair_ca: tuple[str, ...] = ("ha-ca",), scan_ca: tuple[str, ...] = ("ha-ca",),
            client: ClientIdentity | None = None) -> PairContext:
    grouped: dict[tuple[str, str], list[EndpointObservation]] = defaultdict(list)
    for obs in healthy(pair) if observations is None else observations:
        grouped[(obs.role, obs.port_id)].append(obs)
    scan = tuple(c for name in scan_ca for c in certs(name))
    own = tuple(c for name in pair_ca for c in certs(name))
    inventory = Inventory(version=1, path="inventory.toml", sha256="0" * 64, scan=ScanSettings(),
                          client=client, pairs=(pair,))
    return PairContext(pair=pair, observations={k: tuple(v) for k, v in grouped.items()},
                       policy=policy(), trust=Trust(scan=scan, pair=own or scan), now=NOW,
                       inventory=inventory)


@cache
def policy() -> Any:
    return load_policy("genesys-ha")


def judge(rule: PairRule, ctx: PairContext) -> tuple[Finding, ...]:
    """Run a pair rule and check what every pair finding must be (docs/report.md)."""
    findings = rule(ctx)
    assert findings, "a pair rule always says something"
    for f in findings:
        assert f.rule == rule.id
        assert f.pair == ctx.pair.name and f.role is None and f.address is None
        assert f.message and f.remediation and f.reference
        json.dumps(f.evidence)  # JSON-ready
        if f.status is Status.SKIPPED:
            assert f.evidence.get("reason"), f
    return findings


def one(rule: Callable[[PairContext], tuple[Finding, ...]], ctx: PairContext,
        port_id: str | None = None) -> Finding:
    """The single finding a rule gives for `port_id` (None: the pair-wide one)."""
    found = [f for f in judge(rule, ctx) if f.port_id == port_id]
    assert len(found) == 1, found
    return found[0]
