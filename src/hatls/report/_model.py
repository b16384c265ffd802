"""The report model (docs/report.md): one scan, self-sufficient, renderable and re-judgeable later."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hatls.findings import Finding, Severity, Status
from hatls.inventory import Inventory, ReportLabels
from hatls.json_shape import shaped
from hatls.observations import EndpointObservation, ErrorKind
from hatls.policy import Policy
from hatls.report._drift import Drift
from hatls.report._scan_status import ScanStatus as ScanStatus  # a leaf: the drift model names it
from hatls.rules import folded_count
from hatls.waivers import Waiver, WaiverOutcome

SCHEMA_ID = "hatls-report/1"


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyRef:
    name: str
    source_version: str
    sha256: str
    not_checked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneSource:
    """One zone report a merge joined."""

    file: str
    sha256: str            # of the file's bytes
    zones: tuple[str, ...]
    status: ScanStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneConflict:
    """An endpoint two zone reports both observed: neither observation is kept."""

    pair: str
    role: str
    port_id: str
    address: str
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneCoverage:
    """Which network zones a zone scan or a merge covers (``scan.zones``)."""

    covered: tuple[str, ...]
    missing: tuple[str, ...]          # zones of the inventory this report holds nothing of
    sources: tuple[ZoneSource, ...] = ()
    conflicts: tuple[ZoneConflict, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanMeta:
    started: datetime
    finished: datetime
    inventory: str
    inventory_sha256: str
    policy: PolicyRef
    fail_on: Severity
    status: ScanStatus = ScanStatus.COMPLETE
    # Measured on the scan's monotonic clock: started/finished are whole seconds (RFC 3339 as
    # docs/report.md shows it), too coarse for a scan that takes 1.3 s. None in reports from before.
    duration_seconds: float | None = None

    @property
    def seconds(self) -> float:
        """How long the scan took: the measured duration, else finished − started."""
        if self.duration_seconds is not None:
            return self.duration_seconds
        return max(0.0, (self.finished - self.started).total_seconds())
    # Title, change-request id and author for the report's heading (``[report]``, ``--title`` …).
    report: ReportLabels | None = None
    zones: ZoneCoverage | None = None   # None: a scan of the whole inventory


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    pairs: int
    endpoints: int
    passed: int
    failed: int
    warned: int
    errored: int
    skipped: int
    not_checked: int
    internal_errors: int
    connections: int
    # None: no verdict. Only a complete scan of at least one pair can be compliant (docs/report.md).
    compliant: bool | None
    by_severity: Mapping[str, int] = field(default_factory=dict)   # failing findings per severity
    waived: int = 0       # findings a live waiver covers (they keep their status, break nothing)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportInputs:
    """Everything the verdict was judged from, so a saved report is judged again without the
    network or the inventory file (``hatls.rejudge``)."""

    inventory: Inventory          # resolved: every port carries its expectations
    policy: Policy                # with its TOML text
    # The waivers the scan was given (none: left out, as reports before waivers).
    waivers: tuple[Waiver, ...] = field(default=(), metadata=shaped(omit_default=True))
    # The PEM of the machine's own CA store anchors that built a served chain's path (TLS-031
    # without ``[scan] trusted_ca``), so the report re-judges the same anywhere; None: the
    # inventory named its CAs.
    system_anchors: tuple[str, ...] | None = field(default=None,
                                                   metadata=shaped(omit_default=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    tool_version: str
    scan: ScanMeta
    inputs: ReportInputs
    summary: Summary
    endpoints: tuple[EndpointObservation, ...]
    findings: tuple[Finding, ...]
    schema: str = SCHEMA_ID
    tool_name: str = "hatls"
    # The drift from a baseline report (``hatls scan --baseline``); drift.schema.json.
    drift: Drift | None = None
    # Every waiver of ``inputs.waivers`` and what became of it (used, expired, unused).
    waivers: tuple[WaiverOutcome, ...] = ()


def breaks_compliance(finding: Finding, fail_on: Severity) -> bool:
    """docs/report.md: a fail or error at or above ``fail_on`` breaks compliance; warn never does;
    nor does a finding a live waiver covers (an accepted risk, shown as such)."""
    return (finding.status in (Status.FAIL, Status.ERROR) and finding.severity.rank >= fail_on.rank
            and finding.waiver is None)


def summarize(
    *,
    pairs: int,
    endpoints: Sequence[EndpointObservation],
    findings: Sequence[Finding],
    fail_on: Severity,
    internal_errors: int,
    complete: bool = True,
) -> Summary:
    """``complete``: the scan ran to its end. A partial scan gets no verdict (``compliant`` None),
    whatever it found so far, and neither does a scan of no pair: nothing is compliant by omission."""
    def count(status: Status) -> int:
        return sum(1 for f in findings if f.status is status)

    internal = internal_errors + sum(
        1 for e in endpoints for err in e.errors if err.kind is ErrorKind.INTERNAL)
    by_severity = {s.value: sum(1 for f in findings if f.severity is s and f.status in
                                (Status.FAIL, Status.ERROR)) for s in Severity}
    return Summary(
        pairs=pairs,
        endpoints=len(endpoints),
        passed=count(Status.PASS),
        failed=count(Status.FAIL),
        warned=count(Status.WARN),
        errored=count(Status.ERROR),
        # Skips folded into their port's TLS-001 finding count as the skips they are.
        skipped=count(Status.SKIPPED) + folded_count(findings),
        not_checked=sum(1 for f in findings if f.not_probed),
        internal_errors=internal,
        connections=sum(e.connections for e in endpoints),
        compliant=(not any(breaks_compliance(f, fail_on) for f in findings)
                   if complete and pairs else None),
        by_severity=by_severity,
        waived=sum(1 for f in findings if f.waiver is not None),
    )
