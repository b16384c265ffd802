"""Prometheus text exposition from a report, for node_exporter's textfile collector.

A scheduled ``hatls scan --metrics /var/lib/node_exporter/textfile/hatls.prom`` lets Prometheus
alert on what a report says: certificates close to expiry, failing rules, a scan that stopped
running (``time() - hatls_scan_timestamp_seconds``). Every family is a gauge (each file is one
scan's snapshot, nothing accumulates), names carry their unit, and no sample has a timestamp (the
textfile collector refuses them). Expiry is measured from ``scan.started``, the "now" every rule
judged by, so re-exporting an old report gives the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hatls.findings import Finding, Severity, Status
from hatls.observations import EndpointObservation
from hatls.report._model import Report
from hatls.report._verdict import compliant_of
from hatls.rules import unfold
from hatls.x509 import bounded_text

MAX_LABEL_CHARS = 300
# Where two findings share a rule and a place (they should not), the series shows the worse one:
# a label set may appear only once in a scrape.
_STATUS_PRECEDENCE = (Status.FAIL, Status.ERROR, Status.WARN, Status.SKIPPED, Status.PASS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    labels: tuple[tuple[str, str], ...] = ()
    value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Family:
    name: str
    help: str
    samples: tuple[Sample, ...]
    type: str = "gauge"


def render_metrics(report: Report) -> str:
    """The report as Prometheus text format 0.0.4 (newline-terminated)."""
    return "".join(format_family(f) for f in metric_families(report) if f.samples)


def metric_families(report: Report) -> tuple[Family, ...]:
    scan = report.scan
    # Every check as judged, skips folded into TLS-001 included: the counts match summary, and a
    # rule's series at a port does not vanish when the port closes (rules/_fold.py).
    every = tuple(unfold(report.findings))
    return (
        Family(name="hatls_scan_info", help="The scan's tool version, policy and inventory (1).",
               samples=(Sample(value=1, labels=(
                   ("version", report.tool_version), ("policy", scan.policy.name),
                   ("fail_on", scan.fail_on.value), ("inventory", scan.inventory))),)),
        Family(name="hatls_scan_timestamp_seconds",
               help="When the scan started (Unix time): the 'now' its rules judged by.",
               samples=(Sample(value=scan.started.timestamp()),)),
        Family(name="hatls_scan_duration_seconds", help="How long the scan took.",
               samples=(Sample(value=scan.seconds),)),
        Family(name="hatls_scan_complete",
               help="1 when the scan ran to its end, 0 when it is incomplete (interrupted).",
               samples=(Sample(value=_flag(compliant_of(report) is not None)),)),
        # No sample at all for an incomplete scan: 0 would read as "not compliant", 1 as a
        # verdict it did not earn; an alert on `hatls_scan_complete == 0` catches it.
        Family(name="hatls_scan_compliant",
               help="1 when no fail or error finding reaches the fail-on severity, else 0; "
                    "absent when the scan is incomplete.",
               samples=_compliant_samples(report)),
        Family(name="hatls_findings", help="Findings by severity and status.",
               samples=finding_counts(every)),
        Family(name="hatls_endpoint_reachable",
               help="1 when the endpoint could be reached, 0 when not (refused, timed out, no DNS).",
               samples=tuple(Sample(labels=_endpoint_labels(e), value=_flag(e.reachable))
                             for e in report.endpoints if e.reachable is not None)),
        Family(name="hatls_certificate_expiry_seconds",
               help="Seconds from the scan's start until the leaf certificate's notAfter "
                    "(negative: expired).",
               samples=certificate_samples(report, relative=True)),
        Family(name="hatls_certificate_not_after_timestamp_seconds",
               help="The leaf certificate's notAfter (Unix time).",
               samples=certificate_samples(report, relative=False)),
        Family(name="hatls_rule_status",
               help="1 for each rule's status at each place it was judged (status label).",
               samples=rule_status_samples(every)),
    )


def _compliant_samples(report: Report) -> tuple[Sample, ...]:
    compliant = compliant_of(report)
    return () if compliant is None else (Sample(value=_flag(compliant)),)


def finding_counts(findings: Sequence[Finding]) -> tuple[Sample, ...]:
    """Every severity × status, zeros included, so an alert sees 0 rather than no series."""
    return tuple(
        Sample(labels=(("severity", severity.value), ("status", status.value)),
               value=sum(1 for f in findings if f.severity is severity and f.status is status))
        for severity in Severity for status in Status)


def certificate_samples(report: Report, *, relative: bool) -> tuple[Sample, ...]:
    now = report.scan.started
    return tuple(
        Sample(labels=_endpoint_labels(e),
               value=(e.certificate.not_after - now).total_seconds() if relative
               else e.certificate.not_after.timestamp())
        for e in report.endpoints if e.certificate is not None)


def rule_status_samples(findings: Iterable[Finding]) -> tuple[Sample, ...]:
    worst: dict[tuple[tuple[str, str], ...], Finding] = {}
    for finding in findings:
        key = (("rule", finding.rule), ("pair", finding.pair), ("role", finding.role or ""),
               ("port_id", finding.port_id or ""), ("address", finding.address or ""))
        held = worst.get(key)
        if held is None or _rank(finding.status) < _rank(held.status):
            worst[key] = finding
    return tuple(
        Sample(labels=(*key, ("status", f.status.value), ("severity", f.severity.value)), value=1)
        for key, f in worst.items())


def format_family(family: Family) -> str:
    lines = [f"# HELP {family.name} {escape_help(family.help)}", f"# TYPE {family.name} {family.type}"]
    lines += [f"{family.name}{_labels(s.labels)} {format_value(s.value)}" for s in family.samples]
    return "\n".join(lines) + "\n"


def escape_label_value(value: str) -> str:
    """Hidden characters as visible escapes first (as in every hatls output), then the text
    format's own escapes: backslash, double quote, newline."""
    shown = bounded_text(value, MAX_LABEL_CHARS)
    return shown.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{escape_label_value(v)}"' for name, v in labels) + "}"


def _endpoint_labels(endpoint: EndpointObservation) -> tuple[tuple[str, str], ...]:
    return (("pair", endpoint.pair), ("role", endpoint.role), ("port_id", endpoint.port_id),
            ("address", endpoint.address))


def _rank(status: Status) -> int:
    return _STATUS_PRECEDENCE.index(status)


def _flag(value: bool | None) -> int:
    return 1 if value else 0
