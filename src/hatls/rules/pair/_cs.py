"""GHA-008: a Configuration Server pair — both default ports in auto-upgrade mode, configured
identically, in warm standby, and seen from outside to take plaintext alike."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hatls.findings import Finding, Status
from hatls.inventory import Mode, PortSpec, Redundancy, Server
from hatls.observations import EndpointObservation, Stage
from hatls.rules._context import PairContext
from hatls.rules._rule import rule
from hatls.rules.pair._common import (
    DEFAULT_PORT_ID,
    SideVerdict,
    answered,
    bad,
    caused,
    fold,
    naming_silent,
    not_probed,
    ok,
    reach_gate,
    sides,
    silent,
    single,
    skip,
    standalone,
)
from hatls.rules.pair._twins import observed_modes, shown_modes


@rule("GHA-008")
def gha_008(ctx: PairContext) -> tuple[Finding, ...]:
    if not ctx.pair.is_configuration_server:
        return (single(ctx, skip("not a Configuration Server pair",
                                            app_type=ctx.pair.app_type)),)
    if (skipped := standalone(ctx)) is not None:
        return skipped
    verdicts: dict[str, SideVerdict] = {role: _default_port(ctx, server)
                                        for role, server in sides(ctx)}
    verdicts["redundancy"] = _redundancy(ctx)
    verdicts["identical"] = _identical(ctx)
    verdicts["observed_alike"] = _observed_alike(ctx)
    return (fold(ctx, verdicts, port_id=DEFAULT_PORT_ID),)


def _redundancy(ctx: PairContext) -> SideVerdict:
    # Framework Deployment Guide: "Redundant Configuration Servers support only the Warm Standby
    # redundancy type" — hot-standby loads, but cannot be what runs.
    if ctx.pair.redundancy is Redundancy.HOT_STANDBY:
        return bad(Status.WARN, "redundancy is hot-standby; Configuration Server supports only "
                   "warm standby", redundancy=ctx.pair.redundancy.value)
    return ok("warm standby", redundancy=ctx.pair.redundancy.value)


def _default_port(ctx: PairContext, server: Server) -> SideVerdict:
    port = server.port(DEFAULT_PORT_ID)
    # Guide: "Configuration Servers can only communicate securely when both configured with their
    # default ports in auto-upgrade mode."
    if port is None:
        return bad(Status.FAIL, "no 'default' port", ports=[p.id for p in server.ports])
    if port.mode is not Mode.AUTO_DETECT:
        return bad(Status.FAIL, f"default port Listening Mode is {port.mode.value}, not "
                   "auto-detect (auto-upgrade)", mode=port.mode.value)
    live = _default_port_live(ctx, server)
    return replace(live, evidence={"mode": port.mode.value, "port": port.port, **live.evidence})


def _default_port_live(ctx: PairContext, server: Server) -> SideVerdict:
    port = server.port(DEFAULT_PORT_ID)
    assert port is not None
    gate = reach_gate(ctx, server, port)
    if gate is not None:
        return gate
    return naming_silent(_default_port_seen(server, answered(ctx, server, port, tls=False)),
                         silent(ctx, server, port, tls=False))


def _default_port_seen(server: Server, observed: tuple[EndpointObservation, ...]) -> SideVerdict:
    for obs in observed:
        seen = {"address": obs.address, "accepts_plaintext": obs.accepts_plaintext,
                "speaks_tls": obs.speaks_tls}
        if obs.accepts_plaintext is None:
            error = obs.first_error(Stage.PLAINTEXT)
            if error is not None:
                return bad(Status.ERROR, "the plaintext probe on the default port could not be "
                           f"made: {error.message}", **seen)
            return not_probed(f"the plaintext probe on {server.role.value} port 'default'")
        if not obs.accepts_plaintext:
            # An auto-detect port that refuses plaintext contradicts its Listening Mode (TLS-002)
            # and is not in auto-upgrade mode: the guide's control fails too and names TLS-002.
            return caused(Status.FAIL, "the default port refuses plaintext: not in auto-upgrade "
                          f"mode ({obs.plaintext_evidence})", "TLS-002", **seen,
                          plaintext_evidence=obs.plaintext_evidence)
        if obs.speaks_tls is None:
            return not_probed(f"the TLS handshake on {server.role.value} port 'default'")
        if not obs.speaks_tls:
            # docs/rules.md: "never pass" — the upgrade may happen inside the Genesys protocol.
            return bad(Status.WARN, "takes plaintext but refuses an immediate TLS handshake (the "
                       "upgrade may happen inside the Genesys protocol, which hatls cannot see)",
                       **seen)
    return ok("takes plaintext and an immediate TLS handshake")


def _identical(ctx: PairContext) -> SideVerdict:
    # Guide: "Configuration of both instances in HA pair must be identical."
    ports = [server.port(DEFAULT_PORT_ID) for _, server in sides(ctx)]
    mine, twin = ports
    if mine is None or twin is None:
        return ok("not compared: a default port is missing (see the per-server verdicts)")
    differences: list[dict[str, Any]] = []
    for name in ("mode", "tls_mutual", "sec_protocol", "cipher_list", "min_days_valid",
                 "trusted_ca", "tls_crl"):
        a, b = (_setting(port, name) for port in (mine, twin))
        if a != b:
            differences.append({"field": name, "primary": a, "backup": b})
    if differences:
        return bad(Status.FAIL, "the two default ports are configured differently: " + ", ".join(
            d["field"] for d in differences), differences=differences)
    return ok("both default ports configured alike")


def _setting(port: PortSpec, name: str) -> Any:
    """A default port's setting as JSON-ready text (PEM files by path and a digest of content)."""
    if name == "mode":
        return port.mode.value
    value = getattr(port.tls, name)
    if name == "sec_protocol":
        return None if value is None else value.value
    if name == "cipher_list":
        return None if value is None else value.text
    if name == "trusted_ca":
        return sorted(pem.path for pem in value) if value else []
    if name == "tls_crl":
        return None if value is None else value.path
    return value


def _observed_alike(ctx: PairContext) -> SideVerdict:
    seen: dict[str, frozenset[str] | None] = {}
    for role, server in sides(ctx):
        port = server.port(DEFAULT_PORT_ID)
        if port is None or reach_gate(ctx, server, port) is not None:
            return ok("not compared (see the per-server verdicts)")
        seen[role] = observed_modes(answered(ctx, server, port, tls=False))
    modes = {role: None if m is None else shown_modes(m) for role, m in seen.items()}
    # A side refusing plaintext is already TLS-002's (skipped above): compare only auto-detect-like.
    if not all(m is not None and m <= {"both", "plaintext-only"} for m in seen.values()):
        return ok("not compared (see the per-server verdicts)", **modes)
    if modes["primary"] == modes["backup"]:
        return ok("both default ports behave alike", **modes)
    return bad(Status.FAIL, f"the default ports behave differently: primary "
               f"{modes['primary']}, backup {modes['backup']}", **modes)
