"""What every pair rule shares: side verdicts, the live gates, and folding sides into one finding.

A pair rule judges each *side* (a server's port, or the server itself) to a `SideVerdict`, then
folds the sides into one finding. The fold takes the worst status (fail > error > warn > skipped >
pass), so a pair never reads `pass` while one side could not be judged, and the chosen skipped
side's reason and `depends_on` surface in the evidence, so a report reads from the root cause
(RULES.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hatls.inventory import Mode, PortSpec, Server
from hatls.observations import EndpointObservation
from hatls.rules.common import is_idle_warm_backup, pair_finding
from hatls.rules.endpoint_reach import tls_002
from hatls.rules.model import EndpointContext, Finding, PairContext, Status

NOT_PROBED = "not-probed"
DEFAULT_PORT_ID = "default"
STANDALONE = "standalone server: the pair has no backup"

# Worst first: the fold keeps the first status of this order that any side has.
_PRECEDENCE = (Status.FAIL, Status.ERROR, Status.WARN, Status.SKIPPED, Status.PASS)


@dataclass(frozen=True, slots=True, kw_only=True)
class SideVerdict:
    status: Status
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None        # skipped only: why
    depends_on: str | None = None    # skipped only: the rule that carries the defect
    # fail/error only: the endpoint rule that already reported the same defect (RULES.md: the GHA
    # rule "fails too and names it", never skipped because an endpoint rule spoke first).
    cause: str | None = None


def ok(message: str, **evidence: Any) -> SideVerdict:
    return SideVerdict(status=Status.PASS, message=message, evidence=evidence)


def bad(status: Status, message: str, **evidence: Any) -> SideVerdict:
    return SideVerdict(status=status, message=message, evidence=evidence)


def skip(reason: str, *, depends_on: str | None = None, **evidence: Any) -> SideVerdict:
    return SideVerdict(status=Status.SKIPPED, message=f"not checked: {reason}", evidence=evidence,
                       reason=reason, depends_on=depends_on)


def caused(status: Status, message: str, cause: str, **evidence: Any) -> SideVerdict:
    return SideVerdict(status=status, message=message, evidence=evidence, cause=cause)


def not_probed(what: str) -> SideVerdict:
    return SideVerdict(status=Status.SKIPPED, message=f"not checked: {what} was not probed",
                       evidence={"missing": what}, reason=NOT_PROBED)


def worst(verdicts: Sequence[SideVerdict]) -> SideVerdict:
    return min(verdicts, key=lambda v: _PRECEDENCE.index(v.status))


def fold(rule_id: str, ctx: PairContext, sides: Mapping[str, SideVerdict], *,
         port_id: str | None = None, **extra: Any) -> Finding:
    """One finding from named sides ("primary", "backup", …): the worst status, every side shown."""
    chosen = worst(tuple(sides.values()))
    evidence: dict[str, Any] = {name: side_evidence(v) for name, v in sides.items()}
    evidence.update(extra)
    if chosen.reason is not None:
        evidence["reason"] = chosen.reason
    if chosen.depends_on is not None:
        evidence["depends_on"] = chosen.depends_on
    if chosen.cause is not None:
        evidence["cause"] = chosen.cause
    return with_port(pair_finding(rule_id, ctx.pair.name, chosen.status,
                                  _where(port_id) + _sides_message(sides, chosen.status),
                                  evidence), port_id)


def _sides_message(sides: Mapping[str, SideVerdict], status: Status) -> str:
    """"primary, backup: <message>" — sides that say the same thing are named together."""
    by_message: dict[str, list[str]] = {}
    for name, verdict in sides.items():
        if verdict.status is status:
            by_message.setdefault(verdict.message, []).append(name)
    return "; ".join(f"{' and '.join(names)}: {message}" for message, names in by_message.items())


def _where(port_id: str | None) -> str:
    return "" if port_id is None else f"port {port_id!r}: "


def side_evidence(verdict: SideVerdict) -> dict[str, Any]:
    out: dict[str, Any] = {"status": verdict.status.value, "message": verdict.message}
    out.update(verdict.evidence)
    if verdict.reason is not None:
        out["reason"] = verdict.reason
    if verdict.depends_on is not None:
        out["depends_on"] = verdict.depends_on
    if verdict.cause is not None:
        out["cause"] = verdict.cause
    return out


def with_port(finding: Finding, port_id: str | None) -> Finding:
    if port_id is None:
        return finding
    return replace(finding, port_id=port_id)


def single(rule_id: str, ctx: PairContext, verdict: SideVerdict, *,
           port_id: str | None = None) -> Finding:
    """A finding about the pair as a whole (no sides)."""
    evidence = dict(verdict.evidence)
    if verdict.reason is not None:
        evidence["reason"] = verdict.reason
    if verdict.depends_on is not None:
        evidence["depends_on"] = verdict.depends_on
    if verdict.cause is not None:
        evidence["cause"] = verdict.cause
    return with_port(pair_finding(rule_id, ctx.pair.name, verdict.status,
                                  _where(port_id) + verdict.message, evidence), port_id)


def standalone(rule_id: str, ctx: PairContext) -> tuple[Finding, ...] | None:
    """INVENTORY.md: "A standalone server (no backup) … pair rules then report skipped, never
    pass"."""
    if ctx.pair.backup is not None:
        return None
    return (single(rule_id, ctx, skip(STANDALONE, primary_host=ctx.pair.primary.host)),)


def sides(ctx: PairContext) -> tuple[tuple[str, Server], ...]:
    return tuple((server.role.value, server) for server in ctx.pair.servers())


def partner(ctx: PairContext, server: Server) -> Server | None:
    return next((s for s in ctx.pair.servers() if s.role is not server.role), None)


def ha_link_ids(ctx: PairContext) -> tuple[str, ...]:
    """The HA link port IDs of both servers, primary's first: each is judged (RULES.md)."""
    seen: dict[str, None] = {}
    for server in ctx.pair.servers():
        seen.update(dict.fromkeys(ctx.pair.ha_link_port_ids(server)))
    return tuple(seen)


def endpoint_context(ctx: PairContext, server: Server, port: PortSpec,
                     obs: EndpointObservation) -> EndpointContext:
    return EndpointContext(pair=ctx.pair, server=server, port=port, observation=obs,
                           policy=ctx.policy, trust=ctx.trust, now=ctx.now)


def reach_gate(ctx: PairContext, server: Server, port: PortSpec) -> SideVerdict | None:
    """Skipped when a port's live data is missing or its unreachability is TLS-001's; else None."""
    observed = ctx.of(server, port.id)
    if not observed:
        return not_probed(f"{server.role.value} port {port.id!r}")
    for obs in observed:
        # RULES.md: "a warm-standby backup that is not serving … every other rule that needs its
        # live data is skipped with that reason".
        if is_idle_warm_backup(endpoint_context(ctx, server, port, obs)):
            return skip("warm-standby backup is not serving", depends_on="TLS-001",
                        address=obs.address)
        if obs.reachable is None:
            return not_probed(f"{server.role.value} port {port.id!r}")
        if not obs.reachable:
            return skip("port is unreachable", depends_on="TLS-001", address=obs.address)
    return None


def upgrade_port(ctx: PairContext, port: PortSpec) -> bool:
    """A Configuration Server default port in Auto Detect (Upgrade): GHA-001 accepts it, GHA-008
    judges it."""
    return (ctx.pair.is_configuration_server and port.id == DEFAULT_PORT_ID
            and port.mode is Mode.AUTO_DETECT)


def tls_002_defect(ctx: PairContext, server: Server, port: PortSpec,
                   obs: EndpointObservation) -> Finding | None:
    """TLS-002's finding on this endpoint where it is a fail or an error, else None."""
    found = tls_002(endpoint_context(ctx, server, port, obs))
    return found if found.status in (Status.FAIL, Status.ERROR) else None


def no_tls_on_link(defect: Finding, port: PortSpec, obs: EndpointObservation, /, *,
                   fail_as: Status = Status.FAIL, **evidence: Any) -> SideVerdict:
    """The GHA side verdict for an HA link port whose TLS-002 failed (or could not decide)."""
    failed = defect.status is Status.FAIL
    did = "completes no" if failed else "did not complete a"
    return caused(fail_as if failed else Status.ERROR,
                  f"HA link port {port.id!r} {did} TLS handshake (TLS-002 {defect.status.value})",
                  "TLS-002", **{"address": obs.address, **evidence,
                                "tls_002": defect.status.value, "tls_002_message": defect.message})


def ha_tls_gate(ctx: PairContext, server: Server, port: PortSpec, *,
                no_tls: Status = Status.FAIL) -> SideVerdict | None:
    """For rules that need an HA link port's TLS data: `reach_gate`, then the modes GHA-001 or
    GHA-008 already judge, then "no TLS handshake completed". None = the data is there.

    A link whose handshake failed is TLS-002's defect, and the GHA rule says so too (RULES.md): it
    gets `no_tls` -- `fail` where a link without TLS breaks the control itself (trust, identical
    settings, the rehearsal), `error` where the control is about a certificate nobody saw -- and
    `error` whenever TLS-002 itself could not decide (a timeout)."""
    gate = reach_gate(ctx, server, port)
    if gate is not None:
        return gate
    upgrade = upgrade_port(ctx, port)
    if port.mode is not Mode.SECURED and not upgrade:
        return skip(f"HA link port is configured {port.mode.value}", depends_on="GHA-001")
    for obs in ctx.of(server, port.id):
        if upgrade and obs.speaks_tls is not True:
            return skip("auto-detect port did not take an immediate TLS handshake",
                        depends_on="GHA-008", address=obs.address)
        if obs.speaks_tls is None:
            return not_probed(f"the TLS handshake on {server.role.value} port {port.id!r}")
        if obs.certificate is None:
            defect = None if obs.speaks_tls else tls_002_defect(ctx, server, port, obs)
            if defect is None:  # a handshake without a certificate (anonymous): nothing to judge
                return skip("no certificate was presented", address=obs.address)
            return no_tls_on_link(defect, port, obs, fail_as=no_tls)
    return None


def first_observation(ctx: PairContext, server: Server, port_id: str) -> EndpointObservation:
    """The first address's observation (call after a gate said the port has some)."""
    return ctx.of(server, port_id)[0]
