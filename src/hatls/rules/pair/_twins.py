"""GHA-002 and GHA-007: primary and backup side by side — port IDs and Listening Modes, then the TLS
settings on the HA link. Every difference is listed as {"field", "primary", "backup"}."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hatls.findings import Finding, Status
from hatls.inventory import Mode, Redundancy, Server
from hatls.observations import EndpointObservation
from hatls.rules._context import PairContext
from hatls.rules._rule import rule
from hatls.rules.pair._common import (
    NOT_PROBED,
    SideVerdict,
    answered,
    bad,
    fold,
    ha_link_ids,
    ha_tls_gate,
    naming_silent,
    not_probed,
    ok,
    reach_gate,
    silent,
    single,
    skip,
    standalone,
)
from hatls.twins import TWIN_SETTINGS, compare_twins

# What each Listening Mode should look like from outside (TLS-002): a live difference between twins
# where one side does not look like its own mode is TLS-002's defect, not a second one here.
_FITS_MODE = {Mode.SECURED: {"tls-only"}, Mode.UNSECURED: {"plaintext-only"},
              Mode.AUTO_DETECT: {"plaintext-only", "both"}}


def observed_mode(obs: EndpointObservation) -> str | None:
    if obs.speaks_tls is None or obs.accepts_plaintext is None:
        return None
    return {(True, False): "tls-only", (False, True): "plaintext-only", (True, True): "both",
            (False, False): "neither"}[(obs.speaks_tls, obs.accepts_plaintext)]


def observed_modes(observed: Sequence[EndpointObservation]) -> frozenset[str] | None:
    """What a port's answering addresses look like together (one mode when they agree); None when
    one of them was not fully probed."""
    modes = [observed_mode(o) for o in observed]
    return None if not modes or None in modes else frozenset(m for m in modes if m is not None)


def shown_modes(modes: frozenset[str]) -> str:
    return ", ".join(sorted(modes))


@rule("GHA-002")
def gha_002(ctx: PairContext) -> tuple[Finding, ...]:
    if (skipped := standalone(ctx)) is not None:
        return skipped
    primary, backup = ctx.pair.primary, ctx.pair.backup
    assert backup is not None
    differences = _configured_differences(primary, backup)
    live, not_compared, quiet = _live_differences(ctx, primary, backup)
    differences += live
    evidence = {"differences": differences, "not_compared": not_compared,
                "redundancy": ctx.pair.redundancy.value}
    return (single(ctx, naming_silent(
        _judge_002(ctx, differences, not_compared, evidence), quiet)),)


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


def _live_differences(ctx: PairContext, primary: Server, backup: Server
                      ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Observed modes of twins configured alike (a configured difference is listed once), over
    every address that answered; the third list names the addresses that did not."""
    differences: list[dict[str, Any]] = []
    not_compared: list[dict[str, Any]] = []
    quiet: list[dict[str, Any]] = []
    for port in primary.ports:
        twin = backup.port(port.id)
        if twin is None or twin.mode is not port.mode:
            continue
        gate = reach_gate(ctx, primary, port) or reach_gate(ctx, backup, twin)
        modes = None if gate else (observed_modes(answered(ctx, primary, port, tls=False)),
                                   observed_modes(answered(ctx, backup, twin, tls=False)))
        if gate is not None or modes is None or modes[0] is None or modes[1] is None:
            not_compared.append({"port_id": port.id, "reason": gate.reason if gate else NOT_PROBED,
                                 "depends_on": gate.depends_on if gate else None})
            continue
        quiet += silent(ctx, primary, port, tls=False) + silent(ctx, backup, twin, tls=False)
        if modes[0] != modes[1]:
            entry = {"port_id": port.id, "field": "observed_mode",
                     "primary": shown_modes(modes[0]), "backup": shown_modes(modes[1])}
            if not modes[0] | modes[1] <= _FITS_MODE[port.mode]:
                entry["explained_by"] = "TLS-002"
            differences.append(entry)
    return differences, not_compared, quiet


def _judge_002(ctx: PairContext, differences: list[dict[str, Any]],
               not_compared: list[dict[str, Any]], evidence: dict[str, Any]) -> SideVerdict:
    if differences:
        # A live difference where a side does not behave as its Listening Mode says is TLS-002's
        # defect too: the twins still differ, so the control fails and names TLS-002 (docs/rules.md).
        explained = all("explained_by" in d for d in differences)
        return SideVerdict(
            status=_difference_status(ctx, differences), evidence=evidence,
            cause="TLS-002" if explained else None,
            message="primary and backup differ: " + "; ".join(
                f"{d['port_id']!r} {d['field']} {d['primary']} vs {d['backup']}"
                + (" (TLS-002)" if "explained_by" in d else "") for d in differences))
    if not_compared:
        # Never pass by omission: the live half could not be made (docs/rules.md "When rules apply").
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


@rule("GHA-007")
def gha_007(ctx: PairContext) -> tuple[Finding, ...]:
    if (skipped := standalone(ctx)) is not None:
        return skipped
    return tuple(_compare_link_port(ctx, port_id) for port_id in ha_link_ids(ctx))


def _compare_link_port(ctx: PairContext, port_id: str) -> Finding:
    primary, backup = ctx.pair.primary, ctx.pair.backup
    assert backup is not None
    mine, twin = primary.port(port_id), backup.port(port_id)
    if mine is None or twin is None:
        missing = "backup" if twin is None else "primary"
        return single(ctx, skip(f"port {port_id!r} does not exist on the {missing}",
                                           depends_on="GHA-002"), port_id=port_id)
    gates = {"primary": ha_tls_gate(ctx, primary, mine), "backup": ha_tls_gate(ctx, backup, twin)}
    if any(gates.values()):
        return fold(ctx, {role: g or ok("TLS data observed") for role, g in
                                     gates.items()}, port_id=port_id)
    # Every answering address of one side against every one of the other: a host whose addresses
    # differ among themselves differs from its twin on some of them.
    couples = [(p, b) for p in answered(ctx, primary, mine, tls=True)
               for b in answered(ctx, backup, twin, tls=True)]
    quiet = silent(ctx, primary, mine, tls=True) + silent(ctx, backup, twin, tls=True)
    return single(ctx, naming_silent(_judge_007(couples), quiet), port_id=port_id)


def _judge_007(couples: Sequence[tuple[EndpointObservation, EndpointObservation]]) -> SideVerdict:
    # What must match and how it compares is the twin table's (hatls.twins), which the HTML's
    # side-by-side view reads too: a red row there is a difference counted here.
    differences: dict[str, dict[str, Any]] = {}
    not_compared: dict[str, dict[str, str]] = {}
    fields = tuple(setting.value for setting, _, _ in TWIN_SETTINGS) if couples else ()
    for p, b in couples:
        comparison = compare_twins(p, b)
        for setting, where in comparison.not_probed.items():
            entry = {"field": setting.value, "reason": f"not probed on {where}"}
            not_compared.setdefault(repr(entry), entry)
        for found in comparison.differences:
            d = {"field": found.key.field, "primary": found.primary, "backup": found.backup}
            # Couples that differ alike are one entry naming all their addresses.
            held = differences.setdefault(repr(d), {**d, "primary_addresses": [],
                                                    "backup_addresses": []})
            for role, address in (("primary", p.address), ("backup", b.address)):
                if address not in held[f"{role}_addresses"]:
                    held[f"{role}_addresses"].append(address)
    skipped = {e["field"] for e in not_compared.values()}
    compared = [n for n in fields if n not in skipped]
    evidence = {"compared": compared, "differences": list(differences.values()),
                "not_compared": list(not_compared.values()),
                "addresses": {"primary": sorted({p.address for p, _ in couples}),
                              "backup": sorted({b.address for _, b in couples})}}
    if not compared:
        verdict = not_probed("protocols, cipher suites, groups and client-certificate request")
        return SideVerdict(status=verdict.status, message=verdict.message, reason=verdict.reason,
                           evidence={**verdict.evidence, **evidence})
    if differences:
        named = dict.fromkeys(d["field"] for d in differences.values())
        return bad(Status.FAIL, "TLS settings differ on the HA link: " + ", ".join(named),
                   **evidence)
    return ok(f"identical on the HA link ({', '.join(compared)})", **evidence)
