"""Drift between two reports (``hatls diff OLD NEW``, ``hatls scan --baseline OLD``): pure.

``diff_reports`` reads two saved reports and nothing else (no network, no clock, no inventory
file), so yesterday's report compared with today's gives the same answer tomorrow. ``worse`` is
the exit status's question: did anything regress? A finding that newly fails or errors (or warns
where it passed), a protocol version or suite that came back and the new report's own findings
object to, or a port that stopped answering. A rotated certificate, even one that expires earlier,
is not worse in itself: the expiry rules judge that.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from hatls.drift._endpoints import (
    NO_OBJECTIONS,
    EndpointKey,
    certificate_drift,
    objections,
    port_drift,
    protocol_drift,
    suite_drift,
)
from hatls.drift._findings import findings_drift
from hatls.observations import EndpointObservation
from hatls.report import (
    CertificateDrift,
    Drift,
    DriftSummary,
    FindingChange,
    FindingDrift,
    ItemChange,
    PortChange,
    PortDrift,
    ProtocolDrift,
    Report,
    ScanSide,
    ScanStatus,
    SuiteDrift,
    compliant_of,
    decode,
    encode,
)
from hatls.rules import unfold


def _side(report: Report) -> ScanSide:
    scan = report.scan
    return ScanSide(
        started=scan.started, finished=scan.finished, inventory=scan.inventory,
        inventory_sha256=scan.inventory_sha256, policy=scan.policy.name,
        policy_sha256=scan.policy.sha256, status=scan.status, compliant=compliant_of(report),
        tool_version=report.tool_version)


def _notes(old: Report, new: Report) -> tuple[str, ...]:
    """Caveats a reader needs before trusting a change to mean the servers changed."""
    notes = []
    if old.scan.policy.sha256 != new.scan.policy.sha256:
        notes.append(f"The reports were judged against different policies ({old.scan.policy.name} "
                     f"→ {new.scan.policy.name}): some changes may come from the policy, not the "
                     "servers.")
    if old.scan.inventory_sha256 != new.scan.inventory_sha256:
        notes.append("The inventories differ: ports added to or removed from it show as appeared "
                     "or vanished.")
    for label, report in (("old", old), ("new", new)):
        if report.scan.status is ScanStatus.INTERRUPTED:
            notes.append(f"The {label} scan was interrupted, so it is incomplete (no verdict): ports "
                         "it did not reach are compared "
                         "as not probed.")
    if new.scan.started < old.scan.started:
        notes.append("The 'new' report is older than the 'old' one: were the arguments swapped?")
    return tuple(notes)


def _by_key(endpoints: Iterable[EndpointObservation]) -> dict[EndpointKey, EndpointObservation]:
    return {e.key: e for e in endpoints}


def _summary(findings: tuple[FindingDrift, ...], certificates: tuple[CertificateDrift, ...],
             protocols: tuple[ProtocolDrift, ...], suites: tuple[SuiteDrift, ...],
             ports: tuple[PortDrift, ...]) -> DriftSummary:
    def count(items: Iterable[Any], attribute: str, value: object) -> int:
        return sum(1 for i in items if getattr(i, attribute) == value)

    every: tuple[Any, ...] = (*findings, *certificates, *protocols, *suites, *ports)
    return DriftSummary(
        findings_appeared=count(findings, "change", FindingChange.APPEARED),
        findings_resolved=count(findings, "change", FindingChange.RESOLVED),
        findings_changed=count(findings, "change", FindingChange.CHANGED),
        certificates_changed=len(certificates),
        protocols_added=count(protocols, "change", ItemChange.ADDED),
        protocols_removed=count(protocols, "change", ItemChange.REMOVED),
        suites_added=count(suites, "change", ItemChange.ADDED),
        suites_removed=count(suites, "change", ItemChange.REMOVED),
        ports_appeared=count(ports, "change", PortChange.APPEARED),
        ports_vanished=count(ports, "change", PortChange.VANISHED),
        ports_moved=count(ports, "change", PortChange.MOVED),
        worse=sum(1 for i in every if i.worse),
    )


def diff_reports(old: Report, new: Report) -> Drift:
    """What changed from ``old`` to ``new``, per pair and role, and whether anything got worse."""
    before, after = _by_key(old.endpoints), _by_key(new.endpoints)
    both = [(before[k], after[k]) for k in after if k in before]
    flags = objections(new.findings)
    keys = list(before) + [k for k in after if k not in before]
    # Compared as listed before folding (rules/_fold.py), so a port that closed reads as its
    # checks turning skipped, as it did before skips were folded.
    findings = findings_drift(unfold(old.findings), unfold(new.findings))
    certificates = tuple(c for o, n in both if (c := certificate_drift(o, n)) is not None)
    protocols = tuple(p for o, n in both for p in protocol_drift(o, n, flags.get(n.key, NO_OBJECTIONS)))
    suites = tuple(s for o, n in both for s in suite_drift(o, n, flags.get(n.key, NO_OBJECTIONS)))
    ports = tuple(p for k in keys if (p := port_drift(before.get(k), after.get(k))) is not None)
    summary = _summary(findings, certificates, protocols, suites, ports)
    return Drift(
        old=_side(old), new=_side(new), worse=summary.worse > 0, summary=summary,
        notes=_notes(old, new), findings=findings, certificates=certificates,
        protocols=protocols, suites=suites, ports=_ordered(ports))


def _ordered(ports: tuple[PortDrift, ...]) -> tuple[PortDrift, ...]:
    return tuple(sorted(ports, key=lambda p: (p.pair, p.role, p.port_id, p.address)))


def drift_to_json(drift: Drift) -> dict[str, Any]:
    """The drift as JSON data (drift.schema.json); ``drift_from_json`` reads it back."""
    data: dict[str, Any] = encode(drift)
    return data


def drift_from_json(data: Mapping[str, Any]) -> Drift:
    value: Drift = decode(Drift, dict(data))
    return value


def attach_drift(report: Report, drift: Drift) -> Report:
    """``report`` carrying its drift from a baseline (``hatls scan --baseline``)."""
    return dataclasses.replace(report, drift=drift_to_json(drift))


def drift_of(report: Report) -> Drift | None:
    """The drift a report carries (from ``--baseline``), or None."""
    return None if report.drift is None else drift_from_json(report.drift)
