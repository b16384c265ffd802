"""The drift as terminal lines: what ``hatls diff`` prints. One line per change, worse ones first.

Server-chosen text (subjects, issuers, host names) is bounded and its hidden characters escaped,
so a hostile certificate cannot rewrite the operator's terminal.
"""

from __future__ import annotations

from hatls.report import Drift, FindingDrift, ItemChange, PortChange
from hatls.x509 import bounded_text


def _t(value: object, limit: int = 120) -> str:
    return bounded_text(str(value), limit)


def _at(pair: str, role: str | None, port_id: str | None, address: str | None) -> str:
    return " ".join(_t(p, 80) for p in (pair, role, port_id, address) if p)


def _status(finding: FindingDrift) -> str:
    def name(s: object) -> str:
        return "absent" if s is None else str(s)

    return f"{name(finding.old_status)} → {name(finding.new_status)}"


def _mark(worse: bool) -> str:
    return "WORSE " if worse else "      "


def _counts(drift: Drift) -> str:
    s = drift.summary
    return (f"  findings: {s.findings_appeared} appeared, {s.findings_resolved} resolved, "
            f"{s.findings_changed} changed status; certificates rotated: {s.certificates_changed}; "
            f"protocols +{s.protocols_added} −{s.protocols_removed}; suites +{s.suites_added} "
            f"−{s.suites_removed}; ports: {s.ports_appeared} appeared, {s.ports_vanished} vanished, "
            f"{s.ports_moved} moved")


def drift_lines(drift: Drift) -> tuple[str, ...]:
    verdict = (f"something got worse ({drift.summary.worse} change(s))" if drift.worse
               else "nothing got worse")
    head = [f"hatls diff: {verdict}", _counts(drift), *(f"  note: {_t(n, 400)}" for n in drift.notes)]
    lines: list[str] = []
    for f in drift.findings:
        lines.append(f"{_mark(f.worse)}finding {f.change.value:<8} {_t(f.rule, 40)} "
                     f"({f.severity.value}) {_status(f)}  {_at(f.pair, f.role, f.port_id, f.address)}")
    for p in drift.ports:
        if p.change is not PortChange.MOVED:
            lines.append(f"{_mark(p.worse)}port    {p.change.value:<8} "
                         f"{_at(p.pair, p.role, p.port_id, p.address)} ({_t(p.detail)})")
    for c in drift.certificates:
        earlier = ", expires earlier" if c.expires_earlier else ""
        lines.append(f"{_mark(c.worse)}certificate rotated {_at(c.pair, c.role, c.port_id, c.address)}"
                     f": {c.old_sha256[:16]}… → {c.new_sha256[:16]}…, issuer {_t(c.new_issuer)}, "
                     f"expires {c.new_not_after:%Y-%m-%d}{earlier}")
    for v in drift.protocols:
        flagged = f" (objected to by {', '.join(v.flagged_by)})" if v.flagged_by else ""
        lines.append(f"{_mark(v.worse)}protocol {v.change.value:<7} {v.version}  "
                     f"{_at(v.pair, v.role, v.port_id, v.address)}{flagged}")
    for s in drift.suites:
        sign = "+" if s.change is ItemChange.ADDED else "−"
        flagged = f" (objected to by {', '.join(s.flagged_by)})" if s.flagged_by else ""
        lines.append(f"{_mark(s.worse)}suite   {sign} {_t(s.suite)} ({s.version})  "
                     f"{_at(s.pair, s.role, s.port_id, s.address)}{flagged}")
    # Worse lines first (each starts with its mark); otherwise the sections' own order.
    return (*head, *sorted(lines, key=lambda line: not line.startswith("WORSE")))
