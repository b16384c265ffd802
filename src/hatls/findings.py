"""A finding: what a rule concluded about one endpoint or pair, with its status and severity.

A leaf: it imports nothing from hatls, so the catalogue, the policy, the report and the rules all
build on it without importing one another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"
    SKIPPED = "skipped"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: critical = 4 … info = 0."""
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


@dataclass(frozen=True, slots=True, kw_only=True)
class WaiverRef:
    """The accepted risk that covers a finding (``hatls scan --waivers``): who accepted it, why,
    until when. Set after judgement (``hatls.waivers``); a rule never sets it."""

    ticket: str
    reason: str
    expires: str  # ISO date (YYYY-MM-DD), the last day the waiver holds


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    rule: str
    status: Status
    severity: Severity
    pair: str
    role: str | None = None
    port_id: str | None = None
    address: str | None = None
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    remediation: str = ""
    reference: str = ""
    waiver: WaiverRef | None = None   # a live waiver: the finding keeps its status, breaks nothing

    @property
    def not_probed(self) -> bool:
        return self.status is Status.SKIPPED and self.evidence.get("reason") == "not-probed"
