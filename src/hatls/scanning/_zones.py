"""Network zones (issue 16): which servers a zone scan probes, and what its report may judge.

An HA sync port is reachable only from inside its own zone, so ``hatls scan --zone Z`` probes the
servers of zone Z alone, and its report judges their endpoints only: a pair rule needs both sides,
and a side in another zone is not missing, just out of sight. ``hatls merge`` (hatls.zone_merge)
joins the zone reports and judges the pairs once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hatls.catalog import RULES, Scope
from hatls.findings import Finding
from hatls.inventory import Inventory
from hatls.report import Report, ScanStatus, ZoneCoverage
from hatls.scanning._jobs import PortTarget


class ZoneError(Exception):
    """A zone request that cannot be served: a usage error (exit 2), nothing scanned."""


def check_zone(inventory: Inventory, zone: str) -> None:
    """``zone`` must be a zone of the inventory, and every server must have one: a server in no
    zone could never be covered by a zone scan, so a merge could never be complete."""
    zoneless = [f"{p.name} {s.role.value}" for p in inventory.pairs for s in p.servers()
                if s.zone is None]
    if zoneless:
        raise ZoneError(f"--zone {zone}: {len(zoneless)} server(s) have no zone (first: "
                        f"{zoneless[0]}); give each server a zone, or set [scan] zone")
    if zone not in inventory.zones():
        raise ZoneError(f"--zone {zone}: the inventory has no such zone "
                        f"(its zones: {', '.join(inventory.zones())})")


def zone_selector(zone: str) -> Callable[[PortTarget], bool]:
    def selected(target: PortTarget) -> bool:
        return target.server.zone == zone
    return selected


def zone_scan_coverage(inventory: Inventory, zone: str) -> ZoneCoverage:
    return ZoneCoverage(covered=(zone,), missing=tuple(z for z in inventory.zones() if z != zone))


def zone_scan_findings(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """What a zone scan reports: endpoint rules only. Its pairs are judged after the merge."""
    return tuple(f for f in findings if RULES[f.rule].scope is Scope.ENDPOINT)


def zone_notes(report: Report) -> tuple[str, ...]:
    """What a zone report or a merge lacks, one sentence each (terminal and HTML notices)."""
    zones = report.scan.zones
    if zones is None:
        return ()
    if not zones.sources:
        return (f"A zone report of {', '.join(zones.covered)}: endpoint rules only; the pairs are "
                "judged when the zone reports are merged (hatls merge).",)
    notes = [f"zone {z}: no report covers it; its endpoints are not probed" for z in zones.missing]
    notes += [f"conflict: {c.pair} {c.role} {c.port_id} at {c.address} is in "
              f"{' and '.join(c.files)}; neither observation is used" for c in zones.conflicts]
    notes += [f"{s.file}: the zone scan was {s.status.value}" for s in zones.sources
              if s.status is not ScanStatus.PARTIAL]
    return tuple(notes)
