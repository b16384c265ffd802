"""Findings and the inputs every rule reads. Rules are pure functions over these values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography import x509

from hatls.inventory import Inventory, Pair, PortSpec, Server
from hatls.observations import EndpointObservation
from hatls.policy import Policy


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Trust:
    """Parsed CA sets: ``scan`` for TLS-031 (else the system store), ``pair`` for GHA-006/009, TLS-040."""

    scan: tuple[x509.Certificate, ...]
    pair: tuple[x509.Certificate, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointContext:
    """One endpoint as a rule sees it: the inventory's view and the observation side by side."""

    pair: Pair
    server: Server
    port: PortSpec
    observation: EndpointObservation
    policy: Policy
    trust: Trust
    now: datetime          # the scan's start time: re-judging a saved report gives the same findings


@dataclass(frozen=True, slots=True, kw_only=True)
class PairContext:
    pair: Pair
    # Observations of this pair, keyed (role, port_id) -> every address's observation of that port.
    observations: Mapping[tuple[str, str], tuple[EndpointObservation, ...]]
    policy: Policy
    trust: Trust
    now: datetime
    inventory: Inventory

    def of(self, server: Server, port_id: str) -> tuple[EndpointObservation, ...]:
        return self.observations.get((server.role.value, port_id), ())
