"""``hatls merge``: zone reports of one inventory and policy -> one ordinary report (issue 16).

Each zone scan observed only its own zone's endpoints. The merge unions those observations and
judges every rule again over the whole inventory through the same path as ``scan``
(``run.build_report``), so a pair split across two zones is judged exactly as if one scanner had
reached both sides. Nothing is guessed: a zone no report covers stays not probed and makes the
report partial (no verdict), and an endpoint two reports both observed is a conflict, listed and
kept as not probed rather than silently chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography import x509

from hatls.inventory import Inventory, ReportLabels, inventory_from_dict
from hatls.observations import EndpointObservation
from hatls.policy import policy_from_dict
from hatls.report import Report, ScanStatus, ZoneConflict, ZoneCoverage, ZoneSource
from hatls.scanning import Endpoint, build_report, merge, port_targets
from hatls.waivers import Waiver, waivers_from_data
from hatls.x509 import load_pem_certificates

EndpointKey = tuple[str, str, str, str]   # pair, role, port id, address


class MergeError(Exception):
    """Reports that cannot be merged (different inventory or policy, not zone reports): exit 2."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneReport:
    file: str
    sha256: str      # of the file's bytes, recorded in the merged report's scan.zones.sources
    report: Report


def _key(obs: EndpointObservation) -> EndpointKey:
    return (obs.pair, obs.role, obs.port_id, obs.address)


def _check_same_inputs(parts: Sequence[ZoneReport]) -> None:
    first = parts[0]
    for part in parts:
        if part.report.scan.zones is None:
            raise MergeError(f"{part.file}: not a zone report (it was scanned without --zone)")
        if part.report.scan.zones.sources:
            raise MergeError(f"{part.file}: already a merged report; merge the zone reports")
    facts: dict[str, Callable[[Report], str]] = {"inventory": lambda r: r.scan.inventory_sha256,
             "policy": lambda r: r.scan.policy.sha256,
             "fail-on": lambda r: r.scan.fail_on.value}
    for what, value in facts.items():
        differ = [p for p in parts if value(p.report) != value(first.report)]
        if differ:
            raise MergeError(
                f"{first.file} and {differ[0].file} were scanned with a different {what} "
                f"({value(first.report)[:16]} vs {value(differ[0].report)[:16]}); "
                "only zone reports of the same inventory and policy merge")


def _check_in_zone(part: ZoneReport, inventory: Inventory) -> None:
    """A zone report holds only servers of the zones it says it covers (else it was not written
    by a zone scan of this inventory, and its observations cannot be placed)."""
    covered = set(part.report.scan.zones.covered if part.report.scan.zones else ())
    zone_of = {(p.name, s.role.value): s.zone for p in inventory.pairs for s in p.servers()}
    for obs in part.report.endpoints:
        zone = zone_of.get((obs.pair, obs.role), "")
        if zone not in covered:
            raise MergeError(f"{part.file}: holds {obs.pair} {obs.role}, which is not in the "
                             f"zone(s) it covers ({', '.join(sorted(covered))})")


def _anchors(parts: Sequence[ZoneReport]) -> tuple[x509.Certificate, ...] | None:
    """The system anchors every zone scan recorded (TLS-031 without [scan].trusted_ca), joined,
    so the merge judges with what the scanners trusted, not with the merging machine's store."""
    recorded = [p.report.inputs.get("system_anchors") for p in parts]
    if all(pems is None for pems in recorded):
        return None
    unique = dict.fromkeys(pem for pems in recorded for pem in (pems or ()))
    return tuple(cert for pem in unique for cert in load_pem_certificates(pem))


def _accepted_risks(parts: Sequence[ZoneReport]) -> tuple[Waiver, ...]:
    """The waivers the zone scans were given (kept in their inputs): the merged verdict honours
    the same accepted risks, or none when the zones disagree (then the merge refuses)."""
    given = [p.report.inputs.get("waivers") or [] for p in parts]
    if any(g != given[0] for g in given):
        differ = next(p for p, g in zip(parts, given, strict=True) if g != given[0])
        raise MergeError(f"{parts[0].file} and {differ.file} were scanned with different waivers; "
                         "give the merge its own with --waivers")
    return waivers_from_data(given[0])


def _labels(parts: Sequence[ZoneReport]) -> ReportLabels | None:
    """The report's title, change and author as the zone scans were given them (the first set)."""
    return next((p.report.scan.report for p in parts if p.report.scan.report is not None), None)


def merge_zone_reports(parts: Sequence[ZoneReport], *,
                       waivers: tuple[Waiver, ...] | None = None) -> Report:
    """One judged report from zone reports. ``waivers``: the merge's own accepted risks; None =
    those the zone scans carried."""
    if not parts:
        raise MergeError("merge needs at least one zone report")
    _check_same_inputs(parts)
    accepted = _accepted_risks(parts) if waivers is None else waivers
    first = parts[0].report
    inventory = inventory_from_dict(dict(first.inputs["inventory"]))
    policy = policy_from_dict(dict(first.inputs["policy"]))
    for part in parts:
        _check_in_zone(part, inventory)

    observed: dict[EndpointKey, EndpointObservation] = {}
    seen_in: dict[EndpointKey, list[str]] = {}
    for part in parts:
        for obs in part.report.endpoints:
            observed.setdefault(_key(obs), obs)
            seen_in.setdefault(_key(obs), []).append(part.file)
    conflicts = tuple(
        ZoneConflict(pair=k[0], role=k[1], port_id=k[2], address=k[3], files=tuple(files))
        for k, files in seen_in.items() if len(files) > 1)
    conflicted = {(c.pair, c.role, c.port_id, c.address) for c in conflicts}

    endpoints: list[EndpointObservation] = []
    for target in port_targets(inventory):
        port_key = (target.pair.name, target.server.role.value, target.port.id)
        addresses = [k[3] for k in seen_in if k[:3] == port_key]
        if not addresses:   # in no report: a zone not covered (or a report that lost it)
            endpoints.append(merge(Endpoint(target=target, address=target.connect_host), []))
        for address in addresses:
            key = (*port_key, address)
            endpoints.append(merge(Endpoint(target=target, address=address), [])
                             if key in conflicted else observed[key])

    covered = tuple(sorted({z for p in parts if p.report.scan.zones
                            for z in p.report.scan.zones.covered}))
    missing = tuple(z for z in inventory.zones() if z not in covered)
    # A zone scan that ran to its end is "partial" by design (it judges no pair); one that was
    # interrupted did not see all of its zone.
    complete = (not missing and not conflicts
                and all(p.report.scan.status is ScanStatus.PARTIAL for p in parts))
    zones = ZoneCoverage(
        covered=covered, missing=missing, conflicts=conflicts,
        sources=tuple(ZoneSource(file=p.file, sha256=p.sha256, status=p.report.scan.status,
                                 zones=p.report.scan.zones.covered if p.report.scan.zones else ())
                      for p in parts))
    return build_report(
        inventory=inventory, policy=policy, endpoints=tuple(endpoints),
        started=min(p.report.scan.started for p in parts),
        finished=max(p.report.scan.finished for p in parts),
        fail_on=first.scan.fail_on,
        status=ScanStatus.COMPLETE if complete else ScanStatus.PARTIAL,
        scan_anchors=_anchors(parts), zones=zones, waivers=accepted, labels=_labels(parts))
