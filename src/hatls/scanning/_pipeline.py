"""Observations -> findings -> Report: the judging half of a scan, and the re-judgement of a report.

Pure: no socket and no trio. The probing half (probe/scanner.py) fills a ScanState; ``scan`` there
hands its observations to ``build_report`` here, and ``rejudge`` does the same from a saved report.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hatls._version import __version__
from hatls.findings import Severity
from hatls.inventory import Inventory, ReportLabels
from hatls.observations import EndpointObservation
from hatls.policy import Policy
from hatls.report import (
    PolicyRef,
    Report,
    ReportInputs,
    ScanMeta,
    ScanStatus,
    ZoneCoverage,
    summarize,
)
from hatls.rules import is_internal, judge, scan_trust
from hatls.scanning._jobs import Endpoint
from hatls.scanning._merge import merge
from hatls.scanning._state import ScanState
from hatls.scanning._zones import zone_scan_findings
from hatls.waivers import Waiver, apply_waivers
from hatls.x509 import load_pem_certificates, sha256_hex, system_trust_store, validate_chain


def observations_of(state: ScanState) -> tuple[EndpointObservation, ...]:
    """Every planned endpoint, in plan order; one the scan never reached is a not-probed observation.
    A port whose addresses were never resolved (the scan stopped first) is one not-probed
    observation at the address it would have resolved."""
    planned = {e.key[:3] for e in state.endpoints}
    unresolved = tuple(Endpoint(target=t, address=t.connect_host) for t in state.targets
                       if (t.pair.name, t.server.role.value, t.port.id) not in planned)
    return tuple(state.observations.get(e.key) or merge(e, [])
                 for e in (*state.endpoints, *unresolved))


def build_report(
    *,
    inventory: Inventory,
    policy: Policy,
    endpoints: tuple[EndpointObservation, ...],
    started: datetime,
    finished: datetime,
    fail_on: Severity,
    status: ScanStatus = ScanStatus.COMPLETE,
    scan_anchors: tuple[x509.Certificate, ...] | None = None,
    duration_seconds: float | None = None,
    waivers: tuple[Waiver, ...] = (),
    labels: ReportLabels | None = None,
    zones: ZoneCoverage | None = None,
) -> Report:
    """Judge ``endpoints`` and build the report. ``waivers`` are judged live or expired as of
    ``started`` (UTC day); ``labels`` head the report (default: the inventory's ``[report]``)."""
    anchors = scan_trust(inventory, system_trust_store) if scan_anchors is None else scan_anchors
    judged = judge(inventory, endpoints, policy, now=started, scan_anchors=anchors)
    if zones is not None and not zones.sources:
        judged = zone_scan_findings(judged)   # a zone scan: its pairs wait for the merge
    findings, outcomes = apply_waivers(judged, waivers, today=started.astimezone(UTC).date())
    # The waivers are kept, so a re-judgement of this report gives the same verdict. Where the
    # machine's own CA store judged TLS-031, the anchors that built a path are kept, so the report
    # re-judges the same anywhere (docs/report.md: the report is self-sufficient).
    inputs = ReportInputs(
        inventory=inventory, policy=policy, waivers=tuple(waivers),
        system_anchors=None if inventory.scan.trusted_ca else anchors_used(endpoints, anchors,
                                                                             at=started))
    chosen = labels or inventory.report
    return Report(
        tool_version=__version__,
        scan=ScanMeta(
            started=started, finished=finished, inventory=inventory.path,
            inventory_sha256=inventory.sha256,
            policy=PolicyRef(name=policy.name, source_version=policy.source_version,
                             sha256=policy.sha256, not_checked=policy.not_checked),
            fail_on=fail_on, status=status, zones=zones,
            duration_seconds=None if duration_seconds is None else round(duration_seconds, 3),
            report=None if chosen == ReportLabels() else chosen,
        ),
        inputs=inputs,
        summary=summarize(pairs=len(inventory.pairs), endpoints=endpoints, findings=findings,
                          fail_on=fail_on, internal_errors=sum(map(is_internal, findings)),
                          complete=status is ScanStatus.COMPLETE),
        endpoints=endpoints,
        findings=findings,
        waivers=outcomes,
    )


def anchors_used(endpoints: tuple[EndpointObservation, ...], anchors: tuple[x509.Certificate, ...],
                 *, at: datetime) -> tuple[str, ...]:
    """PEM of every certificate of ``anchors`` that a served chain's verified path went through."""
    by_sha256 = {sha256_hex(a): a for a in anchors}
    used: dict[str, str] = {}
    for chain in {e.chain for e in endpoints if e.chain}:
        try:
            served = tuple(load_pem_certificates(facts.pem)[0] for facts in chain)
        except ValueError:
            continue
        for fingerprint in validate_chain(served, anchors, at=at).path:
            if fingerprint in by_sha256 and fingerprint not in used:
                used[fingerprint] = by_sha256[fingerprint].public_bytes(Encoding.PEM).decode()
    return tuple(used[k] for k in sorted(used))


def _recorded_anchors(report: Report) -> tuple[x509.Certificate, ...] | None:
    pems = report.inputs.system_anchors
    if pems is None:
        return None
    return tuple(cert for pem in pems for cert in load_pem_certificates(pem))


def rejudge(report: Report) -> Report:
    """Judge a saved report again from its own inputs: no network, no inventory file."""
    return build_report(
        inventory=report.inputs.inventory, policy=report.inputs.policy, endpoints=report.endpoints,
        started=report.scan.started, finished=report.scan.finished,
        fail_on=report.scan.fail_on, status=report.scan.status,
        scan_anchors=_recorded_anchors(report), duration_seconds=report.scan.duration_seconds,
        waivers=report.inputs.waivers,
        labels=report.scan.report, zones=report.scan.zones,
    )
