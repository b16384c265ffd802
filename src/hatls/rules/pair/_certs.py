"""GHA-005 and GHA-006: the certificates the two servers present on their HA link — each its own,
and each trusted by the other."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cryptography import x509

from hatls.findings import Finding, Status
from hatls.inventory import Server
from hatls.observations import EndpointObservation
from hatls.rules._common import served_chain
from hatls.rules._context import PairContext
from hatls.rules._rule import rule
from hatls.rules.pair._common import (
    SideVerdict,
    answered,
    bad,
    caused,
    fold,
    ha_tls_gate,
    naming_silent,
    ok,
    sides,
    silent,
    single,
    skip,
    standalone,
)
from hatls.x509 import CertificateFacts, NameMatch, certificate_of, match_host, validate_chain

_CLIENT_AUTH_OK = frozenset({"clientAuth", "anyExtendedKeyUsage"})


def link_observations(ctx: PairContext, server: Server, *, no_tls: Status = Status.FAIL
                      ) -> tuple[tuple[EndpointObservation, ...], SideVerdict | None]:
    """Every observation of the server's HA link ports, or the gate that says why there is none."""
    port_ids = ctx.pair.ha_link_port_ids(server)
    if not port_ids:
        return (), skip("the server has no HA link port", depends_on="GHA-001")
    out: list[EndpointObservation] = []
    for port_id in port_ids:
        port = server.port(port_id)
        assert port is not None
        gate = ha_tls_gate(ctx, server, port, no_tls=no_tls)
        if gate is not None:
            return (), replace(gate, evidence={**gate.evidence, "port_id": port_id})
        out += answered(ctx, server, port, tls=True)
    return tuple(out), None


def link_silent(ctx: PairContext, server: Server) -> list[dict[str, Any]]:
    """The HA link addresses judged without: no TLS data there while another address had some."""
    return [quiet for port_id in ctx.pair.ha_link_port_ids(server)
            if (port := server.port(port_id)) is not None
            for quiet in silent(ctx, server, port, tls=True)]


@rule("GHA-005")
def gha_005(ctx: PairContext) -> tuple[Finding, ...]:
    if (skipped := standalone(ctx)) is not None:
        return skipped
    primary, backup = ctx.pair.primary, ctx.pair.backup
    assert backup is not None
    hosts = {"primary_host": primary.host, "backup_host": backup.host}
    if primary.host.casefold() == backup.host.casefold():
        return (single(ctx, ok("same host: one certificate may serve both servers",
                                          same_host=True, **hosts)),)
    leaves: dict[str, dict[str, CertificateFacts]] = {}
    for role, server in sides(ctx):
        # A side without TLS on its link shows no certificate: whose it is was not seen (error).
        observed, gate = link_observations(ctx, server, no_tls=Status.ERROR)
        if gate is not None:
            return (fold(ctx, {role: gate}, **hosts),)
        leaves[role] = {o.certificate.sha256: o.certificate for o in observed if o.certificate}
    evidence: dict[str, Any] = {**hosts, "primary_sha256": sorted(leaves["primary"]),
                                "backup_sha256": sorted(leaves["backup"])}
    quiet = [q for _, server in sides(ctx) for q in link_silent(ctx, server)]
    shared = sorted(leaves["primary"].keys() & leaves["backup"].keys())
    if not shared:
        return (single(ctx, naming_silent(
            ok("the backup presents its own certificate", **evidence), quiet)),)
    return (single(ctx, naming_silent(_shared_certificate(
        leaves["primary"][shared[0]], primary, backup, evidence), quiet)),)


def _shared_certificate(facts: CertificateFacts, primary: Server, backup: Server,
                        evidence: dict[str, Any]) -> SideVerdict:
    # Guide, Important note 1: "if the Primary and Backup application servers are located on
    # different hosts, ensure that the correct security certificate parameters are applied manually
    # in the Backup application server's object."
    cert = certificate_of(facts)
    names = {h: match_host(cert, h)[0] is not NameMatch.MISMATCH for h in (primary.host,
                                                                            backup.host)}
    evidence = {**evidence, "shared_sha256": facts.sha256, "subject": facts.subject,
                "san": list(facts.san), "names_both_hosts": all(names.values())}
    if all(names.values()):
        return bad(Status.WARN, f"primary and backup present one certificate naming both hosts "
                   f"({primary.host}, {backup.host}): one key on two hosts", **evidence)
    return bad(Status.FAIL, f"the backup on {backup.host} presents the primary's certificate "
               f"although it runs on another host than {primary.host}", **evidence)


@rule("GHA-006")
def gha_006(ctx: PairContext) -> tuple[Finding, ...]:
    if (skipped := standalone(ctx)) is not None:
        return skipped
    anchors = ctx.trust.pair or ctx.trust.scan
    own_ca = tuple(anchors) != tuple(ctx.trust.scan)
    mutual = any(port.tls.tls_mutual for server in ctx.pair.servers() for port in server.ports
                 if port.id in ctx.pair.ha_link_port_ids(server))
    verdicts = {role: _trusts(ctx, server, anchors, own_ca=own_ca, mutual=mutual)
                for role, server in sides(ctx)}
    return (fold(ctx, verdicts, tls_mutual=mutual,
                 anchors="the pair's trusted_ca" if own_ca else "the scan's trusted CAs",
                 anchor_subjects=[a.subject.rfc4514_string() for a in anchors][:20]),)


def _trusts(ctx: PairContext, server: Server, anchors: tuple[x509.Certificate, ...], *,
            own_ca: bool, mutual: bool) -> SideVerdict:
    observed, gate = link_observations(ctx, server)
    if gate is not None:
        return gate
    checks = [_side_check(ctx, obs, anchors, own_ca=own_ca, mutual=mutual) for obs in observed]
    failing = [c for c in checks if c.status is not Status.PASS]
    return naming_silent(failing[0] if failing else ok(
        "chain verifies against the pair's CA" + (" and the leaf allows clientAuth" if mutual
                                                  else ""),
        ports=[dict(c.evidence) for c in checks]), link_silent(ctx, server))


def _side_check(ctx: PairContext, obs: EndpointObservation, anchors: tuple[x509.Certificate, ...],
                *, own_ca: bool, mutual: bool) -> SideVerdict:
    leaf = obs.certificate
    assert leaf is not None  # ha_tls_gate passed
    verdict = validate_chain(served_chain(obs), anchors, at=ctx.now)
    allows_client = leaf.eku is None or bool(_CLIENT_AUTH_OK & set(leaf.eku))
    evidence = {"port_id": obs.port_id, "address": obs.address, "sha256": leaf.sha256,
                "chain": verdict.status.value, "chain_message": verdict.message,
                "eku": None if leaf.eku is None else list(leaf.eku),
                "client_auth_allowed": allows_client}
    if not verdict.builds:
        if not own_ca:
            # No [tls].trusted_ca: the pair's CA is the scan's, and TLS-031 already failed it;
            # the partner would refuse this chain too, so the control fails and names TLS-031.
            return caused(Status.FAIL, f"port {obs.port_id!r}: the chain does not verify against "
                          f"the pair's CA, the scan's ({verdict.message})", "TLS-031", **evidence)
        return bad(Status.FAIL, f"port {obs.port_id!r}: the chain does not verify against the "
                   f"pair's CA ({verdict.message})", **evidence)
    # Genesys uses one certificate as server and client certificate: after a failover the former
    # primary presents this leaf as a client, so with mutual TLS it must allow clientAuth.
    if mutual and not allows_client:
        return bad(Status.FAIL, f"port {obs.port_id!r}: mutual TLS is on but the leaf's EKU "
                   f"({', '.join(leaf.eku or ())}) does not allow clientAuth", **evidence)
    return ok("trusted", **evidence)
