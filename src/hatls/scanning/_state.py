"""What a scan has learned so far, and the events it reports on the way: plain data, so a scan
stopped half-way (or probed in worker processes) still leaves a state the report is built from."""

from __future__ import annotations

from dataclasses import dataclass, field

from hatls.observations import EndpointObservation
from hatls.scanning._jobs import Endpoint, PortTarget


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanEvent:
    kind: str          # "planned" | "started" | "finished"
    endpoint: tuple[str, str, str, str] | None = None
    total: int = 0


@dataclass(slots=True)
class ScanState:
    """What the scan has learned so far; read after an interruption, too."""

    observations: dict[tuple[str, str, str, str], EndpointObservation] = field(default_factory=dict)
    endpoints: list[Endpoint] = field(default_factory=list)
    # Every port of the inventory, known before any name is resolved: a scan stopped while it
    # resolved still lists each port as not probed, instead of a report with no endpoint at all.
    targets: list[PortTarget] = field(default_factory=list)
