"""Builders for the TLS rule tests: one endpoint, its inventory view and a recorded observation.

The default is a clean secured port of a hot-standby T-Server pair, observed the way the probes
record it today: TLS 1.2 and 1.3 accepted, TLS 1.0/1.1 refused, SSLv2/SSLv3 not probed (None),
the genesys-ha suites, a certificate of the fixture PKI (fixtures/certs, issued by ha-ca). A test
changes one thing through keywords (observation fields, or ``mode=``, ``tls=``, ``policy=`` …),
so each test reads as the defect it shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any

from fixture_pki import NOW, certs, chain_facts

from hatls.catalog import rule_info
from hatls.findings import Finding, Status
from hatls.inventory import Mode, Pair, PortSpec, Redundancy, Role, Server, TlsExpectations
from hatls.observations import (
    ClientAuth,
    EndpointObservation,
    ErrorKind,
    Expected,
    Features,
    KeyExchange,
    ProbeError,
    Stage,
)
from hatls.policy import Policy, load_policy
from hatls.rules import EndpointContext, EndpointRule, Trust
from hatls.tls.protocol import ProtocolVersion

HOST = "tsrv-a.example.test"
GOOD_CIPHERS = (("TLSv1.2", ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                             "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")),
                ("TLSv1.3", ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")))
GOOD_FEATURES = Features(secure_renegotiation=True, client_renegotiation=False, compression=False,
                         fallback_scsv=True, extended_master_secret=True, encrypt_then_mac=None)
NOTHING_PROBED = tuple((v, None) for v in ProtocolVersion)


def ca_name(name: str) -> str:
    """The RFC 4514 subject of a fixture CA, as a CertificateRequest's CA names list it."""
    return certs(name)[0].subject.rfc4514_string()


@cache
def policy(name: str = "genesys-ha") -> Policy:
    return load_policy(name)


def protocols(*accepted: str, unprobed: tuple[str, ...] = ("SSLv2", "SSLv3")
              ) -> tuple[tuple[str, bool | None], ...]:
    """Versions as the report lists them: ``accepted`` True, ``unprobed`` None, the rest False."""
    return tuple((v, True if v in accepted else None if v in unprobed else False)
                 for v in ProtocolVersion)


def error(stage: Stage, kind: ErrorKind, message: str | None = None) -> ProbeError:
    return ProbeError(stage=stage, kind=kind, message=message or f"{kind.value} at {stage.value}")


def observe(spec: PortSpec, *, host: str = HOST, cert: str | None = "tsrv-a",
            role: Role = Role.PRIMARY, **changes: Any) -> EndpointObservation:
    """What a healthy port of its Listening Mode looks like; keywords change what was seen."""
    tls = spec.mode is not Mode.UNSECURED
    chain = chain_facts(cert) if tls and cert else ()
    base = EndpointObservation(
        pair="tsrv", role=role.value, port_id=spec.id, host=host, address="127.0.0.1",
        port=spec.port, configured_mode=spec.mode.value, ha_sync=spec.ha_sync,
        expected=Expected(tls_mutual=spec.tls.tls_mutual, name_check=spec.tls.name_check,
                          min_days_valid=spec.tls.min_days_valid),
        reachable=True, accepts_plaintext=spec.mode is not Mode.SECURED,
        plaintext_evidence="answered with a TLS record: b'\\x15\\x03\\x03'"
        if spec.mode is Mode.SECURED else "answered in plaintext: b'PONG'",
        speaks_tls=tls, negotiated_version="TLSv1.3" if tls else None,
        negotiated_cipher="TLS_AES_256_GCM_SHA384" if tls else None,
        protocols=protocols("TLSv1.2", "TLSv1.3") if tls else protocols(),
        ciphers=GOOD_CIPHERS if tls else None, groups=("x25519", "secp256r1") if tls else None,
        key_exchange=KeyExchange(ecdh_min_bits=256) if tls else KeyExchange(),
        features=GOOD_FEATURES if tls else Features(), connections=6,
        client_auth=ClientAuth(requested=spec.tls.tls_mutual, required=spec.tls.tls_mutual,
                               ca_names=(ca_name("ha-ca"),) if spec.tls.tls_mutual else ())
        if tls else None,
        certificate=chain[0] if chain else None, chain=chain)
    return replace(base, **changes)


def context(*, mode: Mode = Mode.SECURED, tls: TlsExpectations | None = None,
            role: Role = Role.PRIMARY, redundancy: Redundancy = Redundancy.HOT_STANDBY,
            host: str = HOST, thumbprint: str | None = None, policy_name: str = "genesys-ha",
            custom_policy: Policy | None = None, scan_ca: tuple[str, ...] = ("ha-ca",),
            pair_ca: tuple[str, ...] = (), cert: str | None = "tsrv-a",
            observation: Callable[[EndpointObservation], EndpointObservation] | None = None,
            **changes: Any) -> EndpointContext:
    """One endpoint as a rule sees it. ``changes`` alter the recorded observation."""
    spec = PortSpec(id="secure", port=3001, mode=mode, ha_sync=True,
                    tls=tls or TlsExpectations())
    server = Server(role=role, host=host, thumbprint=thumbprint, ports=(spec,))
    partner = Server(role=Role.PRIMARY if role is Role.BACKUP else Role.BACKUP,
                     host="tsrv-b.example.test", ports=(spec,))
    primary, backup = (server, partner) if role is Role.PRIMARY else (partner, server)
    pair = Pair(name="tsrv", app_type="T-Server", redundancy=redundancy, primary=primary,
                backup=backup)
    obs = observe(spec, host=host, cert=cert, role=role, **changes)
    obs = replace(obs, expected=replace(obs.expected, thumbprint=thumbprint))
    if observation is not None:
        obs = observation(obs)
    scan = tuple(c for name in scan_ca for c in certs(name))
    own = tuple(c for name in pair_ca for c in certs(name))
    return EndpointContext(pair=pair, server=server, port=spec, observation=obs,
                           policy=custom_policy or policy(policy_name),
                           trust=Trust(scan=scan, pair=own or scan), now=NOW)


def refused(obs: EndpointObservation) -> EndpointObservation:
    """A port nobody listens on."""
    return replace(obs, reachable=False, speaks_tls=None, accepts_plaintext=None,
                   plaintext_evidence=None, certificate=None, chain=(), negotiated_version=None,
                   negotiated_cipher=None, client_auth=None, ciphers=None, groups=None,
                   protocols=NOTHING_PROBED, key_exchange=KeyExchange(), features=Features(),
                   errors=(error(Stage.CONNECT, ErrorKind.REFUSED, "connection refused"),))


def judge(rule_fn: EndpointRule, ctx: EndpointContext, expected: Status) -> Finding:
    """Run one rule and check what every endpoint finding must be (docs/report.md)."""
    found = rule_fn(ctx)
    rule_id = rule_fn.id
    assert found.rule == rule_id
    assert found.status is expected, (found.status, found.message, dict(found.evidence))
    obs = ctx.observation
    assert (found.pair, found.role, found.port_id, found.address) == \
        (obs.pair, obs.role, obs.port_id, obs.address)
    assert found.severity is rule_info(rule_id).severity
    assert found.message and found.remediation and found.reference
    json.dumps(dict(found.evidence))  # evidence is JSON-ready
    return found


def depends_on(found: Finding) -> str | None:
    value = found.evidence.get("depends_on")
    return None if value is None else str(value)
