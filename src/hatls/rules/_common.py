"""Small helpers every rule uses, so each rule body reads as the check it makes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography import x509

from hatls.catalog import RuleInfo, rule_info
from hatls.findings import Finding, Status
from hatls.inventory import Mode, Redundancy, Role
from hatls.observations import UNREACHABLE_KINDS, EndpointObservation, ErrorKind
from hatls.rules._context import EndpointContext, PairContext
from hatls.x509 import certificate_of


def served_chain(obs: EndpointObservation) -> tuple[x509.Certificate, ...]:
    """The certificates of ``obs.served_chain``, parsed."""
    return tuple(certificate_of(f) for f in obs.served_chain)


def endpoint_finding(
    ctx: EndpointContext,
    status: Status,
    message: str,
    evidence: Mapping[str, Any] | None = None,
    *,
    remediation: str | None = None,
) -> Finding:
    info: RuleInfo = rule_info(ctx.rule)
    obs = ctx.observation
    return Finding(
        rule=ctx.rule, status=status, severity=info.severity, pair=obs.pair, role=obs.role,
        port_id=obs.port_id, address=obs.address, message=message, evidence=dict(evidence or {}),
        remediation=info.remediation if remediation is None else remediation,
        reference=info.reference,
    )


def pair_finding(
    ctx: PairContext,
    status: Status,
    message: str,
    evidence: Mapping[str, Any] | None = None,
    *,
    remediation: str | None = None,
) -> Finding:
    info = rule_info(ctx.rule)
    return Finding(
        rule=ctx.rule, status=status, severity=info.severity, pair=ctx.pair.name, message=message,
        evidence=dict(evidence or {}), remediation=info.remediation if remediation is None else remediation,
        reference=info.reference,
    )


def skipped(ctx: EndpointContext, reason: str, *, depends_on: str | None = None) -> Finding:
    evidence: dict[str, Any] = {"reason": reason}
    if depends_on:
        evidence["depends_on"] = depends_on
    return endpoint_finding(ctx, Status.SKIPPED, f"not checked: {reason}", evidence)


def not_probed(ctx: EndpointContext, what: str) -> Finding:
    """A rule whose observation hatls did not collect: never reads as compliant (docs/rules.md)."""
    return endpoint_finding(ctx, Status.SKIPPED, f"not checked: {what} was not probed",
                            {"reason": "not-probed", "missing": what})


def is_idle_warm_backup(ctx: EndpointContext) -> bool:
    """docs/rules.md: a warm-standby backup that is not serving (refused, or closed before any byte)."""
    obs = ctx.observation
    if ctx.server.role is not Role.BACKUP or ctx.pair.redundancy is not Redundancy.WARM_STANDBY:
        return False
    first = obs.first_error()
    if obs.reachable is False:
        return first is not None and first.kind is ErrorKind.REFUSED
    return obs.accepts_plaintext is False and obs.speaks_tls is False and first is not None and \
        first.kind is ErrorKind.CLOSED and (obs.plaintext_evidence or "").startswith("closed before")


def expects_tls(ctx: EndpointContext) -> bool:
    """TLS-010 … TLS-045 apply to secured ports, and auto-detect ports where a handshake succeeded."""
    mode = ctx.port.mode
    return mode is Mode.SECURED or (mode is Mode.AUTO_DETECT and ctx.observation.speaks_tls is True)


def tls_gate(ctx: EndpointContext) -> Finding | None:
    """The shared "when rules apply" of docs/rules.md for the TLS-01x … TLS-04x rules.

    Returns the skipped finding when the rule does not apply, None when the rule should judge.
    """
    obs = ctx.observation
    if ctx.port.mode is Mode.UNSECURED:
        return skipped(ctx, "port is configured unsecured")
    if is_idle_warm_backup(ctx):
        return skipped(ctx, "warm-standby backup is not serving", depends_on="TLS-001")
    if obs.reachable is None:
        return not_probed(ctx, "the port")
    if not obs.reachable:
        return skipped(ctx, "port is unreachable", depends_on="TLS-001")
    if ctx.port.mode is Mode.AUTO_DETECT and obs.speaks_tls is not True:
        return skipped(ctx, "auto-detect port did not take an immediate TLS handshake",
                       depends_on="GHA-008")
    if obs.certificate is None and obs.negotiated_version is None:
        return skipped(ctx, "no TLS handshake completed", depends_on="TLS-002")
    return None


def unreachable(obs: EndpointObservation) -> bool:
    first = obs.first_error()
    return obs.reachable is False and (first is None or first.kind in UNREACHABLE_KINDS)
