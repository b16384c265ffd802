"""The drift's HTML view model: everything the drift templates show, decided and bounded here.

Pure, like the report's view model (_view): the drift in, plain frozen values out. It imports
nothing of the HTML machinery, so the report's own view model can carry a drift section
(``drift_view_of``) without an import cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from hatls.report import Drift, Report, ScanSide, verdict_for
from hatls.report.html._drift_rows import (
    ChangeRow,
    Tone,
    certificate_row,
    finding_row,
    port_row,
    protocol_row,
    suite_row,
)
from hatls.report.html._text import MetaLine, moment, plural, shown

_TOPIC_ORDER = ("Port", "Finding", "Certificate", "Protocol", "Cipher suite")


@dataclass(frozen=True, slots=True, kw_only=True)
class CountView:
    label: str
    count: int
    tone: Tone


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleGroup:
    label: str              # "primary", "backup", or "both servers" for pair findings
    rows: tuple[ChangeRow, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PairDriftView:
    name: str
    anchor: str
    changes: int            # rows of this pair
    worse: int              # of which got worse
    groups: tuple[RoleGroup, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftView:
    title: str
    worse: bool
    verdict: str
    verdict_detail: str
    since: str              # "since the scan of …": the section's heading in a report
    counts: tuple[CountView, ...]
    meta: tuple[MetaLine, ...]
    notes: tuple[str, ...]
    pairs: tuple[PairDriftView, ...]
    footer: str


def _rows(drift: Drift) -> list[tuple[str, ChangeRow]]:
    return [
        *((i.pair, port_row(i)) for i in drift.ports),
        *((i.pair, finding_row(i)) for i in drift.findings),
        *((i.pair, certificate_row(i)) for i in drift.certificates),
        *((i.pair, protocol_row(i)) for i in drift.protocols),
        *((i.pair, suite_row(i)) for i in drift.suites),
    ]


def _role_rank(role: str | None) -> tuple[int, str]:
    return ({None: 0, "primary": 1, "backup": 2}.get(role, 3), role or "")


def _groups(rows: Iterable[ChangeRow]) -> tuple[RoleGroup, ...]:
    by_role: dict[str | None, list[ChangeRow]] = defaultdict(list)
    for row in rows:
        by_role[row.role].append(row)
    return tuple(
        RoleGroup(label="both servers" if role is None else shown(role, 40),
                  rows=tuple(sorted(by_role[role],
                                    key=lambda r: (r.where, _TOPIC_ORDER.index(r.topic)))))
        for role in sorted(by_role, key=_role_rank))


def _pairs(drift: Drift) -> tuple[PairDriftView, ...]:
    by_pair: dict[str, list[ChangeRow]] = defaultdict(list)
    for pair, row in _rows(drift):
        by_pair[pair].append(row)
    return tuple(
        PairDriftView(name=shown(name, 120), anchor=f"drift-pair-{index}", changes=len(rows),
                      worse=sum(r.tone is Tone.WORSE for r in rows), groups=_groups(rows))
        for index, (name, rows) in enumerate(sorted(by_pair.items()), start=1))


def _counts(drift: Drift) -> tuple[CountView, ...]:
    s = drift.summary
    return tuple(CountView(label=label, count=count, tone=tone) for label, count, tone in (
        ("findings appeared", s.findings_appeared, Tone.WORSE),
        ("findings resolved", s.findings_resolved, Tone.BETTER),
        ("findings changed status", s.findings_changed, Tone.CHANGED),
        ("certificates rotated", s.certificates_changed, Tone.CHANGED),
        ("protocols added", s.protocols_added, Tone.CHANGED),
        ("protocols removed", s.protocols_removed, Tone.CHANGED),
        ("suites added", s.suites_added, Tone.CHANGED),
        ("suites removed", s.suites_removed, Tone.CHANGED),
        ("ports appeared", s.ports_appeared, Tone.CHANGED),
        ("ports vanished", s.ports_vanished, Tone.WORSE),
        ("ports moved", s.ports_moved, Tone.CHANGED),
    ))


def _side(label: str, side: ScanSide) -> tuple[MetaLine, ...]:
    verdict = verdict_for(side.status, side.compliant).value
    status = "" if side.status.value == "complete" else f", scan {side.status.value}"
    return (
        MetaLine(label=f"{label} scan", value=f"{moment(side.started)} — {verdict}{status}"),
        MetaLine(label=f"{label} inventory", value=shown(side.inventory)),
        MetaLine(label=f"{label} policy", value=shown(side.policy, 80)),
    )


def build_drift_view(drift: Drift) -> DriftView:
    """Pure: the drift in, plain bounded values out."""
    worse = drift.summary.worse
    detail = (f"{plural(worse, 'change')} made things worse: look for the red rows."
              if worse else "No check newly fails, no objectionable version or suite came back, "
                            "no port stopped answering.")
    return DriftView(
        title=f"TLS drift — {shown(drift.new.inventory, 120)} — {moment(drift.old.started)} → "
              f"{moment(drift.new.started)}",
        worse=drift.worse,
        verdict="Something got worse" if drift.worse else "Nothing got worse",
        verdict_detail=detail,
        since=f"Drift since the scan of {moment(drift.old.started)}",
        counts=_counts(drift),
        meta=(*_side("Old", drift.old), *_side("New", drift.new)),
        notes=tuple(shown(n, 400) for n in drift.notes),
        pairs=_pairs(drift),
        footer=f"hatls {shown(drift.new.tool_version, 40)} · drift from the scan of "
               f"{moment(drift.old.started)} to the scan of {moment(drift.new.started)}",
    )


def drift_view_of(report: Report) -> DriftView | None:
    """For the report's own view model: the drift section of a report scanned with a baseline."""
    drift = report.drift
    return None if drift is None else build_drift_view(drift)
