"""GHA-001, GHA-003, GHA-004: the HA link itself — is it there, is it secured, is it flagged alike,
and is its certificate configured where Genesys supports it."""

from __future__ import annotations

from typing import Any

from hatls.findings import Finding, Status
from hatls.inventory import CertificateLevel, Mode, PortSpec, Server
from hatls.observations import EndpointObservation, Stage
from hatls.rules._context import PairContext
from hatls.rules._rule import rule
from hatls.rules.pair._common import (
    SideVerdict,
    answered,
    bad,
    caused,
    fold,
    ha_link_ids,
    ha_tls_gate,
    naming_silent,
    no_tls_on_link,
    not_probed,
    ok,
    reach_gate,
    sides,
    silent,
    single,
    skip,
    standalone,
    tls_002_defect,
    upgrade_port,
)


@rule("GHA-001")
def gha_001(ctx: PairContext) -> tuple[Finding, ...]:
    """The HA link is secured: one finding per HA link port, and one for a missing or split link."""
    if (skipped := standalone(ctx)) is not None:
        return skipped
    structure = {role: _link_structure(ctx, server) for role, server in sides(ctx)}
    out: list[Finding] = []
    if any(v.status is not Status.PASS for v in structure.values()):
        out.append(fold(ctx, structure))
    for port_id in ha_link_ids(ctx):
        judged, others = _link_sides(ctx, port_id)
        out.append(fold(ctx, {role: _secured(ctx, server, server.port(port_id))
                                         for role, server in judged}, port_id=port_id, **others))
    return tuple(out)


def _link_structure(ctx: PairContext, server: Server) -> SideVerdict:
    link = ctx.pair.ha_link_port_ids(server)
    # Guide: "If the HA sync check box is not selected, the former primary server will connect to
    # the default port of the new primary server." Neither one: the partner has nothing to reach.
    if not link:
        return bad(Status.FAIL, "no port is flagged HA sync and there is no 'default' port",
                   ports=[p.id for p in server.ports])
    # Guide step 4 selects HA sync on "the port that you just created": one port per server.
    if len(link) > 1:
        return bad(Status.WARN, f"{len(link)} ports are flagged HA sync ({', '.join(link)})",
                   ha_link=list(link))
    return ok(f"HA link is port {link[0]!r}", ha_link=list(link))


def _link_sides(ctx: PairContext, port_id: str) -> tuple[list[tuple[str, Server]], dict[str, Any]]:
    """The servers whose HA link includes `port_id`; the others are noted (GHA-003 judges that)."""
    judged = [(role, s) for role, s in sides(ctx) if port_id in ctx.pair.ha_link_port_ids(s)]
    others = {role: {"note": f"{port_id!r} is not this server's HA link port (see GHA-003)"}
              for role, s in sides(ctx) if port_id not in ctx.pair.ha_link_port_ids(s)}
    return judged, others


def _secured(ctx: PairContext, server: Server, port: PortSpec | None) -> SideVerdict:
    assert port is not None  # ha_link_port_ids names only ports the server has
    facts = {"mode": port.mode.value, "port": port.port}
    if upgrade_port(ctx, port):
        return ok("Configuration Server default port in auto-detect (GHA-008 judges it)", **facts)
    # Guide step 1: "create a new port with the same ID, and with Select Listening Mode set to
    # Secured."
    if port.mode is not Mode.SECURED:
        return bad(Status.FAIL, f"HA link port {port.id!r} has Listening Mode {port.mode.value}",
                   **facts)
    return _secured_live(ctx, server, port, facts)


def _secured_live(ctx: PairContext, server: Server, port: PortSpec,
                  facts: dict[str, Any]) -> SideVerdict:
    """Live: a handshake completes and plaintext is refused. A secured port that behaves otherwise
    contradicts its Listening Mode, which TLS-002 reports; the HA link control fails too and names
    it (docs/rules.md: "a plaintext HA link is GHA-001 fail"). Every address that answered is judged;
    one that did not is named (`silent`)."""
    gate = reach_gate(ctx, server, port)
    if gate is not None:
        return gate
    observed = answered(ctx, server, port, tls=False)
    return naming_silent(_secured_seen(ctx, server, port, observed, facts),
                         silent(ctx, server, port, tls=False))


def _secured_seen(ctx: PairContext, server: Server, port: PortSpec,
                  observed: tuple[EndpointObservation, ...], facts: dict[str, Any]) -> SideVerdict:
    for obs in observed:
        live = {**facts, "address": obs.address, "speaks_tls": obs.speaks_tls,
                "accepts_plaintext": obs.accepts_plaintext,
                "plaintext_case": None if obs.plaintext_case is None else obs.plaintext_case.value,
                "plaintext_evidence": obs.plaintext_evidence}
        if obs.speaks_tls is None:
            return not_probed(f"the TLS handshake on {server.role.value} port {port.id!r}")
        if not obs.speaks_tls:
            defect = tls_002_defect(ctx, server, port, obs)
            if defect is None:  # TLS-002 always speaks on a secured port without TLS; be safe
                return bad(Status.ERROR, "secured HA link port: no TLS handshake", **live)
            return no_tls_on_link(defect, port, obs, **live)
        if obs.accepts_plaintext is None:
            error = obs.first_error(Stage.PLAINTEXT)
            if error is not None:
                return bad(Status.ERROR, "the plaintext probe on the HA link could not be "
                           f"made: {error.message}", **live)
            return not_probed(f"the plaintext probe on {server.role.value} port {port.id!r}")
        if obs.accepts_plaintext:
            return caused(Status.FAIL, "secured HA link port also accepts plaintext "
                          f"({obs.plaintext_evidence})", "TLS-002", **live)
    return ok("secured: TLS handshake completed and plaintext refused", **facts,
              addresses=[o.address for o in observed],
              plaintext=[o.plaintext_evidence for o in observed])


@rule("GHA-003")
def gha_003(ctx: PairContext) -> tuple[Finding, ...]:
    """Guide steps 1 and 4: the port created "with the same ID" on both is flagged HA sync."""
    if (skipped := standalone(ctx)) is not None:
        return skipped
    flagged = {role: [p.id for p in server.ports if p.ha_sync] for role, server in sides(ctx)}
    evidence: dict[str, Any] = {"primary_ha_sync": flagged["primary"],
                                "backup_ha_sync": flagged["backup"]}
    if not flagged["primary"] and not flagged["backup"]:
        return (single(ctx, skip(
            "no port is flagged HA sync on either server (the partner connects to 'default')",
            **evidence)),)
    if set(flagged["primary"]) == set(flagged["backup"]):
        named = ", ".join(repr(port_id) for port_id in flagged["primary"])
        return (single(ctx, ok(f"both servers flag {named} HA sync", **evidence)),)
    differences = [_flag_states(ctx, port_id) for port_id in
                   sorted(set(flagged["primary"]) ^ set(flagged["backup"]))]
    text = "; ".join(f"{d['port_id']!r}: primary {d['primary']}, backup {d['backup']}"
                     for d in differences)
    return (single(ctx, bad(Status.FAIL, f"HA sync flags differ: {text}",
                                       differences=differences, **evidence)),)


def _flag_states(ctx: PairContext, port_id: str) -> dict[str, str]:
    out = {"port_id": port_id}
    for role, server in sides(ctx):
        port = server.port(port_id)
        out[role] = "absent" if port is None else ("HA sync" if port.ha_sync else "not flagged")
    return out


@rule("GHA-004")
def gha_004(ctx: PairContext) -> tuple[Finding, ...]:
    """One finding per HA link port: the certificate level, from the inventory or inferred live."""
    if (skipped := standalone(ctx)) is not None:
        return skipped
    out: list[Finding] = []
    for port_id in ha_link_ids(ctx):
        judged, others = _link_sides(ctx, port_id)
        out.append(fold(ctx, {role: _certificate_level(ctx, server, port_id)
                                         for role, server in judged}, port_id=port_id, **others))
    return tuple(out)


def _certificate_level(ctx: PairContext, server: Server, port_id: str) -> SideVerdict:
    port = server.port(port_id)
    assert port is not None
    level = server.effective_certificate_level(port)
    # Guide, Important note 2: "Genesys does not support using the ports with the port-level
    # assigned certificates for an HA synchronization connection between redundant servers."
    if level is CertificateLevel.PORT:
        return bad(Status.FAIL, f"HA link port {port_id!r} uses a port-level certificate",
                   certificate_level=level.value)
    if level is not None:
        return ok(f"certificate set at {level.value} level", certificate_level=level.value)
    return _level_from_live(ctx, server, port)


def _level_from_live(ctx: PairContext, server: Server, port: PortSpec) -> SideVerdict:
    """certificate_level unknown: a certificate only the HA link presents, while every other secured
    port of the server presents one shared certificate, looks port-level."""
    # No TLS on the link says nothing about where its certificate is set: could not be checked.
    gate = ha_tls_gate(ctx, server, port, no_tls=Status.ERROR)
    if gate is not None:
        return gate
    link = sorted({o.certificate.sha256 for o in answered(ctx, server, port, tls=True)
                   if o.certificate})
    others = {other.id: sorted({o.certificate.sha256 for o in ctx.of(server, other.id)
                                if o.certificate})
              for other in server.ports if other.id != port.id}
    others = {pid: leaves for pid, leaves in others.items() if leaves}
    evidence: dict[str, Any] = {"certificate_level": None, "ha_link_sha256": link,
                                "other_ports_sha256": others}
    quiet = silent(ctx, server, port, tls=True)
    if not others:
        return naming_silent(skip(
            "certificate_level is not given and no other port of this server presents a "
            "certificate to compare with", **evidence), quiet)
    distinct = {leaf for leaves in others.values() for leaf in leaves}
    if len(distinct) == 1 and not distinct & set(link):
        return naming_silent(bad(
            Status.WARN, "the HA link presents a certificate no other secured port presents, "
            "while those share one: looks like a port-level certificate", **evidence), quiet)
    return naming_silent(ok("no sign of a port-level certificate on the HA link", **evidence),
                         quiet)
