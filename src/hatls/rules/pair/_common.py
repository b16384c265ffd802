"""What every pair rule shares: side verdicts, the live gates, and folding sides into one finding.

A pair rule judges each *side* (a server's port, or the server itself) to a `SideVerdict`, then
folds the sides into one finding. The fold takes the worst status (fail > error > warn > skipped >
pass), so a pair never reads `pass` while one side could not be judged, and the chosen skipped
side's reason and `depends_on` surface in the evidence, so a report reads from the root cause
(docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hatls.findings import Finding, Status
from hatls.inventory import Mode, PortSpec, Server
from hatls.observations import EndpointObservation
from hatls.rules._common import is_idle_warm_backup, pair_finding
from hatls.rules._context import EndpointContext, PairContext
from hatls.rules.endpoint import tls_002

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
    # fail/error only: the endpoint rule that already reported the same defect (docs/rules.md: the GHA
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


def fold(ctx: PairContext, sides: Mapping[str, SideVerdict], *,
         port_id: str | None = None, **extra: Any) -> Finding:
    """One finding from named sides ("primary", "backup", …): the worst status, every side shown."""
    chosen = worst(tuple(sides.values()))
    evidence: dict[str, Any] = {name: side_evidence(v) for name, v in sides.items()}
    evidence.update(extra)
    evidence.update(_why(chosen))
    return with_port(pair_finding(ctx, chosen.status,
                                  _where(port_id) + _sides_message(sides, chosen.status),
                                  evidence), port_id)


def _sides_message(sides: Mapping[str, SideVerdict], status: Status) -> str:
    """"primary, backup: <message>" — sides that say the same thing are named together."""
    by_message: dict[str, list[str]] = {}
    for name, verdict in sides.items():
        if verdict.status is status:
            by_message.setdefault(verdict.message, []).append(name)
    return "; ".join(f"{' and '.join(names)}: {message}" for message, names in by_message.items())


def _why(verdict: SideVerdict) -> dict[str, str]:
    """The verdict's reason, the rule it depends on and its cause, where it has them."""
    named = {"reason": verdict.reason, "depends_on": verdict.depends_on, "cause": verdict.cause}
    return {key: value for key, value in named.items() if value is not None}


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


def single(ctx: PairContext, verdict: SideVerdict, *,
           port_id: str | None = None) -> Finding:
    """A finding about the pair as a whole (no sides)."""
    evidence = dict(verdict.evidence) | _why(verdict)
    return with_port(pair_finding(ctx, verdict.status,
                                  _where(port_id) + verdict.message, evidence), port_id)


def standalone(ctx: PairContext) -> tuple[Finding, ...] | None:
    """docs/inventory.md: "A standalone server (no backup) … pair rules then report skipped, never
    pass"."""
    if ctx.pair.backup is not None:
        return None
    return (single(ctx, skip(STANDALONE, primary_host=ctx.pair.primary.host)),)


def sides(ctx: PairContext) -> tuple[tuple[str, Server], ...]:
    return tuple((server.role.value, server) for server in ctx.pair.servers())


def partner(ctx: PairContext, server: Server) -> Server | None:
    return next((s for s in ctx.pair.servers() if s.role is not server.role), None)


def ha_link_ids(ctx: PairContext) -> tuple[str, ...]:
    """The HA link port IDs of both servers, primary's first: each is judged (docs/rules.md)."""
    seen: dict[str, None] = {}
    for server in ctx.pair.servers():
        seen.update(dict.fromkeys(ctx.pair.ha_link_port_ids(server)))
    return tuple(seen)


def endpoint_context(ctx: PairContext, server: Server, port: PortSpec,
                     obs: EndpointObservation) -> EndpointContext:
    return EndpointContext(pair=ctx.pair, server=server, port=port, observation=obs,
                           policy=ctx.policy, trust=ctx.trust, now=ctx.now)


def _reach_problem(ctx: PairContext, server: Server, port: PortSpec,
                   obs: EndpointObservation) -> SideVerdict | None:
    """Why this one address gave no live data, or None: it answered."""
    # docs/rules.md: "a warm-standby backup that is not serving … every other rule that needs its
    # live data is skipped with that reason".
    if is_idle_warm_backup(endpoint_context(ctx, server, port, obs)):
        return skip("warm-standby backup is not serving", depends_on="TLS-001",
                    address=obs.address)
    if obs.reachable is None:
        verdict = not_probed(f"{server.role.value} port {port.id!r}")
        return replace(verdict, evidence={**verdict.evidence, "address": obs.address})
    if not obs.reachable:
        return skip("port is unreachable", depends_on="TLS-001", address=obs.address)
    return None


def _tls_problem(ctx: PairContext, server: Server, port: PortSpec, obs: EndpointObservation, *,
                 no_tls: Status = Status.FAIL) -> SideVerdict | None:
    """Why this one address gave no TLS data (reach first), or None.

    A link whose handshake failed is TLS-002's defect, and the GHA rule says so too (docs/rules.md): it
    gets `no_tls` -- `fail` where a link without TLS breaks the control itself (trust, identical
    settings, the rehearsal), `error` where the control is about a certificate nobody saw -- and
    `error` whenever TLS-002 itself could not decide (a timeout)."""
    problem = _reach_problem(ctx, server, port, obs)
    if problem is not None:
        return problem
    if upgrade_port(ctx, port) and obs.speaks_tls is not True:
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


def _problem(tls: bool) -> Callable[[PairContext, Server, PortSpec, EndpointObservation],
                                    SideVerdict | None]:
    return _tls_problem if tls else _reach_problem


def reach_gate(ctx: PairContext, server: Server, port: PortSpec) -> SideVerdict | None:
    """Skipped when a port's live data is missing or its unreachability is TLS-001's; else None.

    A port on several addresses (a name resolving to several) is judged with every address that
    answered: only when none did is the rule skipped (docs/rules.md). One dead address of four must not
    hide what the other three show; `silent` names it."""
    observed = ctx.of(server, port.id)
    if not observed:
        return not_probed(f"{server.role.value} port {port.id!r}")
    problems = [_reach_problem(ctx, server, port, obs) for obs in observed]
    if all(p is not None for p in problems):
        return problems[0]
    return None


def answered(ctx: PairContext, server: Server, port: PortSpec, *,
             tls: bool) -> tuple[EndpointObservation, ...]:
    """The observations of the addresses that gave live data (``tls``: a completed handshake).
    Call after the matching gate said there is some."""
    problem = _problem(tls)
    return tuple(obs for obs in ctx.of(server, port.id) if problem(ctx, server, port, obs) is None)


def silent(ctx: PairContext, server: Server, port: PortSpec, *, tls: bool) -> list[dict[str, Any]]:
    """The addresses of a port that gave no live data while another did: the rule judged without
    them, and says so. Empty when every address answered, or none did (then the gate skips)."""
    problem = _problem(tls)
    problems = [(obs, problem(ctx, server, port, obs)) for obs in ctx.of(server, port.id)]
    if all(p is not None for _, p in problems):
        return []
    # A no-TLS address carries its cause (TLS-002) rather than a skip reason: the silent list
    # names the rule that reports it either way.
    return [{"role": server.role.value, "port_id": port.id, "address": obs.address,
             "reason": p.reason or p.message, "depends_on": p.depends_on or p.cause}
            for obs, p in problems if p is not None]


def naming_silent(verdict: SideVerdict, quiet: Sequence[Mapping[str, Any]]) -> SideVerdict:
    """``verdict`` with the addresses it was judged without named in its evidence and message."""
    if not quiet:
        return verdict
    names = ", ".join(f"{q['role']} {q['address']} ({q['reason']})" for q in quiet)
    return replace(verdict, message=f"{verdict.message} [judged without {names}]",
                   evidence={**verdict.evidence, "silent": [dict(q) for q in quiet]})


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
    GHA-008 already judge, then "no TLS handshake completed" on every address that was reached
    (`_tls_problem`; the worst of them when none has the data). None = at least one address has
    the data (`answered(..., tls=True)`)."""
    gate = reach_gate(ctx, server, port)
    if gate is not None:
        return gate
    if port.mode is not Mode.SECURED and not upgrade_port(ctx, port):
        return skip(f"HA link port is configured {port.mode.value}", depends_on="GHA-001")
    reached = [obs for obs in ctx.of(server, port.id)
               if _reach_problem(ctx, server, port, obs) is None]
    problems = [_tls_problem(ctx, server, port, obs, no_tls=no_tls) for obs in reached]
    found = [p for p in problems if p is not None]
    if len(found) == len(problems):
        return worst(found)
    return None


def first_observation(ctx: PairContext, server: Server, port_id: str, *,
                      tls: bool = False) -> EndpointObservation:
    """The first answering address's observation (call after a gate said the port has some)."""
    port = server.port(port_id)
    assert port is not None
    return answered(ctx, server, port, tls=tls)[0]
