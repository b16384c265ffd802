"""The drift between two reports of the same estate: what ``hatls diff`` and ``--baseline`` show.

Plain frozen values, JSON-ready through ``hatls.report.encode``; the published shape is
``drift.schema.json``. Every item names its endpoint the way a report does (pair, role, port_id,
address), so a reader can find it in either report, and carries its own ``worse`` so a scheduler
can tell a regression from a change without re-deriving the rules here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hatls.findings import Severity, Status
from hatls.report._model import ScanStatus

DRIFT_SCHEMA_ID = "hatls-drift/1"


class FindingChange(StrEnum):
    APPEARED = "appeared"    # a fail / error / warn that was not there (new, or pass / skipped before)
    RESOLVED = "resolved"    # a fail / error / warn that now passes
    CHANGED = "changed"      # any other change of status, including "no longer checked"


class ItemChange(StrEnum):
    ADDED = "added"
    REMOVED = "removed"


class PortChange(StrEnum):
    APPEARED = "appeared"    # reachable now; absent or unreachable before
    VANISHED = "vanished"    # reachable before; absent or unreachable now
    MOVED = "moved"          # the same endpoint on another port number


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanSide:
    """One of the two reports, in as many words as a reader needs to tell them apart."""

    started: datetime
    finished: datetime
    inventory: str
    inventory_sha256: str
    policy: str
    policy_sha256: str
    status: ScanStatus
    compliant: bool | None      # None: the scan is incomplete, it has no verdict
    tool_version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingDrift:
    rule: str
    pair: str
    role: str | None
    port_id: str | None
    address: str | None
    change: FindingChange
    old_status: Status | None     # None: the finding is not in the old report
    new_status: Status | None     # None: not in the new report
    severity: Severity
    message: str                  # the new report's words where there are any, else the old's
    worse: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateDrift:
    """A leaf certificate that changed at an endpoint both scans reached."""

    pair: str
    role: str
    port_id: str
    address: str
    changed: tuple[str, ...]      # of "fingerprint", "subject", "issuer", "expiry"
    old_sha256: str
    new_sha256: str
    old_subject: str
    new_subject: str
    old_issuer: str
    new_issuer: str
    old_not_after: datetime
    new_not_after: datetime
    expires_earlier: bool
    # A rotation is routine; an earlier expiry is for the expiry rules to judge, not for the diff.
    worse: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtocolDrift:
    pair: str
    role: str
    port_id: str
    address: str
    version: str
    change: ItemChange
    flagged_by: tuple[str, ...]   # rules of the new report that object to this version here
    worse: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SuiteDrift:
    pair: str
    role: str
    port_id: str
    address: str
    version: str
    suite: str
    change: ItemChange
    flagged_by: tuple[str, ...]
    worse: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PortDrift:
    pair: str
    role: str
    port_id: str
    address: str
    host: str
    change: PortChange
    old_port: int | None
    new_port: int | None
    detail: str
    worse: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftSummary:
    findings_appeared: int
    findings_resolved: int
    findings_changed: int
    certificates_changed: int
    protocols_added: int
    protocols_removed: int
    suites_added: int
    suites_removed: int
    ports_appeared: int
    ports_vanished: int
    ports_moved: int
    worse: int                    # items that got worse, over every section


@dataclass(frozen=True, slots=True, kw_only=True)
class Drift:
    old: ScanSide
    new: ScanSide
    worse: bool
    summary: DriftSummary
    notes: tuple[str, ...]        # caveats about the comparison itself (other policy, partial scan)
    findings: tuple[FindingDrift, ...]
    certificates: tuple[CertificateDrift, ...]
    protocols: tuple[ProtocolDrift, ...]
    suites: tuple[SuiteDrift, ...]
    ports: tuple[PortDrift, ...]
    schema: str = DRIFT_SCHEMA_ID
