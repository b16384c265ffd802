"""Helpers the TLS endpoint rules share: locations, times, the leaf gate, version facts.

Each keeps a rule body down to the check it makes; none opens a socket or reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hatls.findings import Finding, Status
from hatls.observations import EndpointObservation, Stage
from hatls.rules._common import endpoint_finding, skipped, tls_gate
from hatls.rules._context import EndpointContext
from hatls.tls.protocol import OPENSSL_VERSIONS, ProtocolVersion
from hatls.tls.suites import lookup
from hatls.x509 import CertificateFacts

TLS13 = ProtocolVersion.TLS1_3
_BELOW_TLS13 = OPENSSL_VERSIONS[:-1]


def where(ctx: EndpointContext) -> str:
    """host:port, with the address when it differs: the "where" of every message."""
    obs = ctx.observation
    at = f" ({obs.address})" if obs.address and obs.address != obs.host else ""
    return f"{obs.host}:{obs.port}{at}"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def finding(ctx: EndpointContext, status: Status, message: str,
            evidence: Mapping[str, Any] | None = None) -> Finding:
    """A finding whose message starts with where it was seen."""
    return endpoint_finding(ctx, status, f"{where(ctx)}: {message}", evidence)


def not_probed_with(ctx: EndpointContext, what: str,
                    evidence: Mapping[str, Any] | None = None) -> Finding:
    """common.not_probed, keeping the partial evidence gathered so far."""
    return endpoint_finding(ctx, Status.SKIPPED, f"not checked: {what} was not probed",
                            {**(evidence or {}), "reason": "not-probed", "missing": what})


def missing_observation(ctx: EndpointContext, what: str, stage: Stage,
                        evidence: Mapping[str, Any] | None = None) -> Finding:
    """A needed field is None: an error when its probe failed, else not probed."""
    error = ctx.observation.first_error(stage)
    if error is None:
        return not_probed_with(ctx, what, evidence)
    return finding(ctx, Status.ERROR, f"{what} could not be observed: {error.message}",
                   {**(evidence or {}), "stage": error.stage.value, "kind": error.kind.value,
                    "error": error.message})


def leaf_or_finding(ctx: EndpointContext) -> CertificateFacts | Finding:
    """The served leaf, or the finding that says why the rule cannot look at one."""
    gated = tls_gate(ctx)
    if gated is not None:
        return gated
    obs = ctx.observation
    if obs.certificate is not None:
        return obs.certificate
    if obs.chain_problems:
        return finding(ctx, Status.ERROR, "the certificate sent could not be decoded",
                       {"chain_problems": list(obs.chain_problems)})
    return skipped(ctx, "no certificate was presented (anonymous or PSK handshake)")


def certificate_summary(facts: CertificateFacts) -> dict[str, Any]:
    return {"subject": facts.subject, "issuer": facts.issuer, "sha256": facts.sha256}


def accepts_only_tls13(obs: EndpointObservation) -> bool:
    """TLS 1.3 accepted and TLS 1.0–1.2 observed refused (SSLv3 is TLS-010's business)."""
    return obs.protocol(TLS13) is True and all(obs.protocol(v) is False for v in _BELOW_TLS13)


def tls12_suites(obs: EndpointObservation) -> tuple[tuple[str, str], ...]:
    """(version, IANA name) of every accepted suite below TLS 1.3; () when none (or unknown)."""
    return tuple((version, iana(name)) for version, names in obs.ciphers or ()
                 if version != TLS13 for name in names)


def iana(name: str) -> str:
    """The IANA name of a suite the report names (already IANA, but an OpenSSL name is mapped)."""
    suite = lookup(name)
    return suite.iana_name if suite is not None else name
