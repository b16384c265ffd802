"""The report model (REPORT.md): one scan, self-sufficient, renderable and re-judgeable later."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hatls.observations import EndpointObservation, ErrorKind
from hatls.rules.fold import folded_count
from hatls.rules.model import Finding, Severity, Status

SCHEMA_ID = "hatls-report/1"


class ScanStatus(StrEnum):
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyRef:
    name: str
    source_version: str
    sha256: str
    not_checked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanMeta:
    started: datetime
    finished: datetime
    inventory: str
    inventory_sha256: str
    policy: PolicyRef
    fail_on: Severity
    status: ScanStatus = ScanStatus.COMPLETE


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
    compliant: bool
    by_severity: Mapping[str, int] = field(default_factory=dict)   # failing findings per severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    tool_version: str
    scan: ScanMeta
    inputs: Mapping[str, Any]
    summary: Summary
    endpoints: tuple[EndpointObservation, ...]
    findings: tuple[Finding, ...]
    schema: str = SCHEMA_ID
    tool_name: str = "hatls"
    # The drift from a baseline report (``hatls scan --baseline``) as drift.schema.json data;
    # kept as data, not the Drift model, so the report model does not depend on the diff.
    drift: Mapping[str, Any] | None = None


def breaks_compliance(finding: Finding, fail_on: Severity) -> bool:
    """REPORT.md: a fail or error at or above ``fail_on`` breaks compliance; warn never does."""
    return finding.status in (Status.FAIL, Status.ERROR) and finding.severity.rank >= fail_on.rank


def summarize(
    *,
    pairs: int,
    endpoints: Sequence[EndpointObservation],
    findings: Sequence[Finding],
    fail_on: Severity,
    internal_errors: int,
) -> Summary:
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
        compliant=not any(breaks_compliance(f, fail_on) for f in findings),
        by_severity=by_severity,
    )
