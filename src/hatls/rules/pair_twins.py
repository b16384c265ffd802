"""GHA-002 and GHA-007: primary and backup side by side — port IDs and Listening Modes, then the TLS
settings on the HA link. Every difference is listed as {"field", "primary", "backup"}."""

from __future__ import annotations

from typing import Any

from hatls.inventory import Mode, Redundancy, Server
from hatls.observations import PROTOCOL_VERSIONS, EndpointObservation
from hatls.rules.model import Finding, PairContext, Status
from hatls.rules.pair_common import (
    NOT_PROBED,
    SideVerdict,
    bad,
    first_observation,
    fold,
    ha_link_ids,
    ha_tls_gate,
    not_probed,
    ok,
    reach_gate,
    single,
    skip,
    standalone,
)

# What each Listening Mode should look like from outside (TLS-002): a live difference between twins
# where one side does not look like its own mode is TLS-002's defect, not a second one here.
_FITS_MODE = {Mode.SECURED: {"tls-only"}, Mode.UNSECURED: {"plaintext-only"},
              Mode.AUTO_DETECT: {"plaintext-only", "both"}}


def observed_mode(obs: EndpointObservation) -> str | None:
    if obs.speaks_tls is None or obs.accepts_plaintext is None:
        return None
    return {(True, False): "tls-only", (False, True): "plaintext-only", (True, True): "both",
            (False, False): "neither"}[(obs.speaks_tls, obs.accepts_plaintext)]


def gha_002(ctx: PairContext) -> tuple[Finding, ...]:
    if (skipped := standalone("GHA-002", ctx)) is not None:
        return skipped
    primary, backup = ctx.pair.primary, ctx.pair.backup
    assert backup is not None
    differences = _configured_differences(primary, backup)
    live, not_compared = _live_differences(ctx, primary, backup)
    differences += live
    evidence = {"differences": differences, "not_compared": not_compared,
                "redundancy": ctx.pair.redundancy.value}
    return (single("GHA-002", ctx, _judge_002(ctx, differences, not_compared, evidence)),)


def _configured_differences(primary: Server, backup: Server) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ids = dict.fromkeys([p.id for p in primary.ports] + [p.id for p in backup.ports])
    for port_id in ids:
        mine, twin = primary.port(port_id), backup.port(port_id)
        if mine is None or twin is None:
            out.append({"port_id": port_id, "field": "port_id", "primary": mine is not None,
                        "backup": twin is not None})
        elif mine.mode is not twin.mode:
            out.append({"port_id": port_id, "field": "mode", "primary": mine.mode.value,
                        "backup": twin.mode.value})
    return out


def _live_differences(ctx: PairContext, primary: Server,
                      backup: Server) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Observed modes of twins configured alike (a configured difference is listed once)."""
    differences: list[dict[str, Any]] = []
    not_compared: list[dict[str, Any]] = []
    for port in primary.ports:
        twin = backup.port(port.id)
        if twin is None or twin.mode is not port.mode:
            continue
        gate = reach_gate(ctx, primary, port) or reach_gate(ctx, backup, twin)
        modes = None if gate else (observed_mode(first_observation(ctx, primary, port.id)),
                                   observed_mode(first_observation(ctx, backup, port.id)))
        if gate is not None or modes is None or None in modes:
            not_compared.append({"port_id": port.id, "reason": gate.reason if gate else NOT_PROBED,
                                 "depends_on": gate.depends_on if gate else None})
        elif modes[0] != modes[1]:
            entry = {"port_id": port.id, "field": "observed_mode", "primary": modes[0],
                     "backup": modes[1]}
            if not all(m in _FITS_MODE[port.mode] for m in modes):
                entry["explained_by"] = "TLS-002"
            differences.append(entry)
    return differences, not_compared


def _judge_002(ctx: PairContext, differences: list[dict[str, Any]],
               not_compared: list[dict[str, Any]], evidence: dict[str, Any]) -> SideVerdict:
    counted = [d for d in differences if "explained_by" not in d]
    if counted:
        return bad(_difference_status(ctx, counted), "primary and backup differ: " + "; ".join(
            f"{d['port_id']!r} {d['field']} {d['primary']} vs {d['backup']}" for d in counted),
            **evidence)
    if differences:
        return skip("twins differ only where a side does not behave as its Listening Mode says",
                    depends_on="TLS-002", **evidence)
    if not_compared:
        # Never pass by omission: the live half could not be made (RULES.md "When rules apply").
        first = not_compared[0]
        return SideVerdict(
            status=Status.SKIPPED, evidence=evidence, reason=first["reason"],
            depends_on=first["depends_on"],
            message=f"configured alike; observed modes not compared on port "
                    f"{first['port_id']!r}: {first['reason']}")
    return ok("same port IDs and Listening Modes, configured and observed", **evidence)


def _difference_status(ctx: PairContext, counted: list[dict[str, Any]]) -> Status:
    # Guide, Warning: "in a Hot Standby redundancy pair, their IDs and the Select Listening Mode
    # settings … must match"; Configuration Server: "Configuration of both instances … must be
    # identical". Other warm-standby pairs: only the HA link must match (warn elsewhere).
    if ctx.pair.redundancy is Redundancy.HOT_STANDBY or ctx.pair.is_configuration_server:
        return Status.FAIL
    link = set(ha_link_ids(ctx))
    return Status.FAIL if any(d["port_id"] in link for d in counted) else Status.WARN


def gha_007(ctx: PairContext) -> tuple[Finding, ...]:
    if (skipped := standalone("GHA-007", ctx)) is not None:
        return skipped
    return tuple(_compare_link_port(ctx, port_id) for port_id in ha_link_ids(ctx))


def _compare_link_port(ctx: PairContext, port_id: str) -> Finding:
    primary, backup = ctx.pair.primary, ctx.pair.backup
    assert backup is not None
    mine, twin = primary.port(port_id), backup.port(port_id)
    if mine is None or twin is None:
        missing = "backup" if twin is None else "primary"
        return single("GHA-007", ctx, skip(f"port {port_id!r} does not exist on the {missing}",
                                           depends_on="GHA-002"), port_id=port_id)
    gates = {"primary": ha_tls_gate(ctx, primary, mine), "backup": ha_tls_gate(ctx, backup, twin)}
    if any(gates.values()):
        return fold("GHA-007", ctx, {role: g or ok("TLS data observed") for role, g in
                                     gates.items()}, port_id=port_id)
    observed = (first_observation(ctx, primary, port_id), first_observation(ctx, backup, port_id))
    # Groups compare per version where both sides were probed so (a server may take other groups
    # in TLS 1.2 than in 1.3); reports from before groups_by_version compare the union.
    per_version = all(o.groups_by_version is not None for o in observed)
    settings = (_settings(observed[0], per_version), _settings(observed[1], per_version))
    return single("GHA-007", ctx, _judge_007(*settings), port_id=port_id)


def _settings(obs: EndpointObservation, per_version: bool) -> dict[str, Any]:
    """The comparable TLS settings of one port; None = not probed there."""
    known = {v: accepted for v, accepted in obs.protocols if accepted is not None}
    auth = obs.client_auth
    groups: Any = None if obs.groups is None else sorted(obs.groups)
    if per_version and obs.groups is not None:
        groups = {v: sorted(names) for v, names in obs.groups_by_version or ()}
    return {
        "protocols": known or None,
        "ciphers": None if obs.ciphers is None else {v: sorted(n) for v, n in obs.ciphers},
        "groups": groups,
        "client_auth.requested": None if auth is None else auth.requested,
        "client_auth.required": None if auth is None else auth.required,
    }


def _judge_007(mine: dict[str, Any], twin: dict[str, Any]) -> SideVerdict:
    # The guide has both servers configured alike ("create a new port with the same ID" on both;
    # "Configuration of both instances in HA pair must be identical"): after a failover the former
    # primary is the client, so a version, suite or group only one side takes can break the link.
    differences: list[dict[str, Any]] = []
    not_compared: list[dict[str, str]] = []
    for name in mine:
        a, b = mine[name], twin[name]
        if a is None or b is None:
            where = "either side" if a is None and b is None else ("primary" if a is None
                                                                   else "backup")
            not_compared.append({"field": name, "reason": f"not probed on {where}"})
        else:
            differences += _field_differences(name, a, b)
    compared = [n for n in mine if n not in {e["field"] for e in not_compared}]
    evidence = {"compared": compared, "differences": differences, "not_compared": not_compared}
    if not compared:
        verdict = not_probed("protocols, cipher suites, groups and client-certificate request")
        return SideVerdict(status=verdict.status, message=verdict.message, reason=verdict.reason,
                           evidence={**verdict.evidence, **evidence})
    if differences:
        return bad(Status.FAIL, "TLS settings differ on the HA link: " + ", ".join(
            d["field"] for d in differences), **evidence)
    return ok(f"identical on the HA link ({', '.join(compared)})", **evidence)


def _field_differences(name: str, a: Any, b: Any) -> list[dict[str, Any]]:
    if name == "protocols":
        common = [v for v in PROTOCOL_VERSIONS if v in a and v in b]
        mine = [v for v in common if a[v]]
        twin = [v for v in common if b[v]]
        return [] if mine == twin else [{"field": name, "primary": mine, "backup": twin}]
    if name == "ciphers" or (name == "groups" and isinstance(a, dict)):
        # Only versions both accept: a version accepted on one side is the protocols difference.
        return [{"field": f"{name} {v}", "primary": a[v], "backup": b[v]}
                for v in PROTOCOL_VERSIONS if v in a and v in b and a[v] != b[v]]
    return [] if a == b else [{"field": name, "primary": a, "backup": b}]
