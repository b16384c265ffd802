"""Endpoint drift: certificates, protocol versions, cipher suites and ports between two reports.

An endpoint is keyed (pair, role, port_id, address), as in a report. Only facts both scans
observed are compared: ``None`` means "not probed", never "no" (docs/report.md), so a version that was
not probed before and is accepted now is not "added" — nobody knows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hatls.drift._findings import PROBLEMS
from hatls.findings import Finding
from hatls.objections import objected
from hatls.observations import EndpointObservation
from hatls.report import CertificateDrift, ItemChange, PortChange, PortDrift, ProtocolDrift, SuiteDrift
from hatls.rules.endpoint import iana

EndpointKey = tuple[str, str, str, str]

@dataclass(frozen=True, slots=True, kw_only=True)
class Objections:
    """What the new report's fail / error / warn findings hold against one endpoint."""

    versions: Mapping[str, tuple[str, ...]]               # version -> rules
    suites: Mapping[tuple[str, str], tuple[str, ...]]     # (version, IANA suite) -> rules

    def of_version(self, version: str) -> tuple[str, ...]:
        return self.versions.get(version, ())

    def of_suite(self, version: str, suite: str) -> tuple[str, ...]:
        return self.suites.get((version, suite), ())


NO_OBJECTIONS = Objections(versions={}, suites={})


def objections(findings: Iterable[Finding]) -> dict[EndpointKey, Objections]:
    versions: dict[EndpointKey, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    suites: dict[EndpointKey, dict[tuple[str, str], set[str]]] = defaultdict(lambda: defaultdict(set))
    for f in findings:
        if f.status not in PROBLEMS or f.role is None or f.port_id is None or f.address is None:
            continue
        key = (f.pair, f.role, f.port_id, f.address)
        # What the rules name in their evidence, as typed values (hatls.objections).
        objects_to = objected(f.evidence)
        for version in objects_to.versions:
            versions[key][version].add(f.rule)
        for suite in objects_to.suites:
            suites[key][(suite.version, iana(suite.suite))].add(f.rule)
    keys = set(versions) | set(suites)
    return {k: Objections(versions={v: tuple(sorted(r)) for v, r in versions[k].items()},
                          suites={s: tuple(sorted(r)) for s, r in suites[k].items()})
            for k in keys}


def certificate_drift(old: EndpointObservation, new: EndpointObservation) -> CertificateDrift | None:
    was, now = old.certificate, new.certificate
    if was is None or now is None or was.sha256 == now.sha256:
        return None
    changed = tuple(name for name, differs in (
        ("fingerprint", True), ("subject", was.subject != now.subject),
        ("issuer", was.issuer != now.issuer), ("expiry", was.not_after != now.not_after)) if differs)
    return CertificateDrift(
        pair=new.pair, role=new.role, port_id=new.port_id, address=new.address, changed=changed,
        old_sha256=was.sha256, new_sha256=now.sha256, old_subject=was.subject,
        new_subject=now.subject, old_issuer=was.issuer, new_issuer=now.issuer,
        old_not_after=was.not_after, new_not_after=now.not_after,
        expires_earlier=now.not_after < was.not_after)


def protocol_drift(old: EndpointObservation, new: EndpointObservation,
                   flags: Objections) -> tuple[ProtocolDrift, ...]:
    before = dict(old.protocols)
    items = []
    for version, now in new.protocols:
        was = before.get(version)
        if was is None or now is None or was == now:
            continue
        change = ItemChange.ADDED if now else ItemChange.REMOVED
        flagged = flags.of_version(version) if now else ()
        items.append(ProtocolDrift(
            pair=new.pair, role=new.role, port_id=new.port_id, address=new.address, version=version,
            change=change, flagged_by=flagged, worse=bool(flagged)))
    return tuple(items)


def _suites(obs: EndpointObservation) -> dict[tuple[str, str], None]:
    # A dict keeps the server's order, which is how the report lists them.
    return {(version, iana(name)): None for version, names in obs.ciphers or () for name in names}


def suite_drift(old: EndpointObservation, new: EndpointObservation,
                flags: Objections) -> tuple[SuiteDrift, ...]:
    if old.ciphers is None or new.ciphers is None:
        return ()
    before, after = _suites(old), _suites(new)
    removed = [(s, ItemChange.REMOVED) for s in before if s not in after]
    added = [(s, ItemChange.ADDED) for s in after if s not in before]
    items = []
    for (version, suite), change in removed + added:
        flagged = flags.of_suite(version, suite) if change is ItemChange.ADDED else ()
        items.append(SuiteDrift(
            pair=new.pair, role=new.role, port_id=new.port_id, address=new.address, version=version,
            suite=suite, change=change, flagged_by=flagged, worse=bool(flagged)))
    return tuple(sorted(items, key=lambda i: (i.version, i.change, i.suite)))


def _answering(obs: EndpointObservation | None) -> bool | None:
    """True: the port answered; False: absent or unreachable; None: not probed (unknown)."""
    return False if obs is None else obs.reachable


def port_drift(old: EndpointObservation | None, new: EndpointObservation | None) -> PortDrift | None:
    was, now = _answering(old), _answering(new)
    shown = new or old
    if shown is None or was is None or now is None:
        return None
    old_port = old.port if old is not None else None
    new_port = new.port if new is not None else None
    if was and not now:
        change = PortChange.VANISHED
        detail = "not in the new scan" if new is None else "no longer reachable"
    elif now and not was:
        change = PortChange.APPEARED
        detail = "new in the scan" if old is None else "reachable now, was not before"
    elif was and now and old_port != new_port:
        change, detail = PortChange.MOVED, f"port {old_port} → {new_port}"
    else:
        return None
    return PortDrift(
        pair=shown.pair, role=shown.role, port_id=shown.port_id, address=shown.address,
        host=shown.host, change=change, old_port=old_port, new_port=new_port, detail=detail,
        worse=change is PortChange.VANISHED)
