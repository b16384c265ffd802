"""Observations + inventory + policy -> findings, in a deterministic order.

The engine is where a policy's severity overrides and ``off`` switches apply, so rules stay about what
they mean. A rule that raises is a bug in hatls: it becomes an ``error`` finding marked internal, and
the scan goes on (the summary counts it apart, exit status 3).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from cryptography import x509

from hatls.catalog import RULES
from hatls.findings import Finding, Severity, Status
from hatls.inventory import Inventory, Pair, PemFile, Role
from hatls.observations import EndpointObservation
from hatls.policy import Policy
from hatls.rules._context import EndpointContext, PairContext, Trust
from hatls.rules._fold import fold_endpoint
from hatls.rules.endpoint import ENDPOINT_RULES
from hatls.rules.pair import PAIR_RULES
from hatls.x509 import load_pem_certificates

INTERNAL_MARK = "internal_error"


def _certificates(files: Iterable[PemFile]) -> tuple[x509.Certificate, ...]:
    return tuple(cert for pem in files for cert in _pem_certificates(pem.text))


@functools.lru_cache(maxsize=64)
def _pem_certificates(text: str) -> tuple[x509.Certificate, ...]:
    """Parsed once per distinct file: every pair of a large inventory names the same CA bundle."""
    try:
        return load_pem_certificates(text)
    except ValueError:
        return ()  # the inventory loader already refused unreadable files; a replayed report may not


def scan_trust(inventory: Inventory,
               system_store: Callable[[], tuple[x509.Certificate, ...]]) -> tuple[x509.Certificate, ...]:
    """TLS-031's anchors: the inventory's [scan].trusted_ca, else what ``system_store`` reads (the
    caller's I/O, so the engine itself never touches the file system)."""
    return _certificates(inventory.scan.trusted_ca) if inventory.scan.trusted_ca else system_store()


def pair_trust(pair: Pair, scan_anchors: tuple[x509.Certificate, ...]) -> Trust:
    files: dict[str, PemFile] = {}
    for server in pair.servers():
        for port in server.ports:
            for pem in port.tls.trusted_ca:
                files.setdefault(pem.text, pem)
    own = _certificates(files.values())
    return Trust(scan=scan_anchors, pair=own or scan_anchors)


def _internal(rule_id: str, pair: str, exc: Exception, obs: EndpointObservation | None) -> Finding:
    return Finding(
        rule=rule_id, status=Status.ERROR, severity=RULES[rule_id].severity, pair=pair,
        role=obs.role if obs else None, port_id=obs.port_id if obs else None,
        address=obs.address if obs else None,
        message=f"hatls could not evaluate this rule (a bug in hatls): {type(exc).__name__}",
        evidence={INTERNAL_MARK: f"{type(exc).__name__}: {exc}"[:500]},
    )


def _apply_policy(finding: Finding, policy: Policy) -> Finding | None:
    override = policy.rule_severity.get(finding.rule)
    if override is None:
        return finding
    if override == "off":
        return None
    return replace(finding, severity=Severity(override))


def _endpoint_findings(ctx: EndpointContext) -> list[Finding]:
    out: list[Finding] = []
    for endpoint_rule in ENDPOINT_RULES:
        try:
            out.append(endpoint_rule(ctx))
        except Exception as exc:
            out.append(_internal(endpoint_rule.id, ctx.pair.name, exc, ctx.observation))
    return out


def _pair_findings(ctx: PairContext) -> list[Finding]:
    out: list[Finding] = []
    for pair_rule in PAIR_RULES:
        try:
            out += pair_rule(ctx)
        except Exception as exc:
            out.append(_internal(pair_rule.id, ctx.pair.name, exc, None))
    return out


def judge(
    inventory: Inventory,
    observations: Sequence[EndpointObservation],
    policy: Policy,
    *,
    now: datetime,
    scan_anchors: tuple[x509.Certificate, ...],
) -> tuple[Finding, ...]:
    anchors = scan_anchors
    by_pair: dict[str, list[EndpointObservation]] = defaultdict(list)
    for obs in observations:
        by_pair[obs.pair].append(obs)
    findings: list[Finding] = []
    for pair in inventory.pairs:
        trust = pair_trust(pair, anchors)
        grouped: dict[tuple[str, str], list[EndpointObservation]] = defaultdict(list)
        for obs in by_pair.get(pair.name, []):
            server = pair.primary if obs.role == Role.PRIMARY.value else pair.backup
            port = server.port(obs.port_id) if server else None
            if server is None or port is None:
                continue
            grouped[(obs.role, obs.port_id)].append(obs)
            # Folded per endpoint, after the policy (an "off" rule is not listed as skipped
            # either): a closed port's 22 repeated skips never pile up (rules/_fold.py).
            findings += fold_endpoint(_kept(_endpoint_findings(EndpointContext(
                pair=pair, server=server, port=port, observation=obs, policy=policy,
                trust=trust, now=now)), policy))
        findings += _kept(_pair_findings(PairContext(
            pair=pair, observations={k: tuple(v) for k, v in grouped.items()}, policy=policy,
            trust=trust, now=now, inventory=inventory)), policy)
    return tuple(sorted(findings, key=_order_key(inventory)))


def _kept(findings: Iterable[Finding], policy: Policy) -> list[Finding]:
    return [f for f in (_apply_policy(f, policy) for f in findings) if f is not None]


def _order_key(inventory: Inventory) -> Callable[[Finding], tuple[int, int, str, str, str]]:
    pair_index = {p.name: i for i, p in enumerate(inventory.pairs)}
    role_index = {None: 0, Role.PRIMARY.value: 1, Role.BACKUP.value: 2}

    def key(f: Finding) -> tuple[int, int, str, str, str]:
        return (pair_index.get(f.pair, 10**6), role_index.get(f.role, 3), f.port_id or "",
                f.address or "", f.rule)

    return key


def is_internal(finding: Finding) -> bool:
    return INTERNAL_MARK in finding.evidence
