"""A short plain-text summary of a report, for the terminal (standard error)."""

from __future__ import annotations

from hatls.findings import Status
from hatls.report._codec import rfc3339
from hatls.report._drift import Drift
from hatls.report._model import Report, ScanStatus
from hatls.report._verdict import Verdict, incomplete_reason, verdict_of
from hatls.waivers import WaiverState

_SHOWN = (Status.FAIL, Status.ERROR, Status.WARN)


def summary_lines(report: Report, *, limit: int = 40) -> list[str]:
    s = report.summary
    verdict = verdict_of(report)
    lines = [
        f"hatls {report.tool_version}: {verdict.value.upper()} (policy {report.scan.policy.name}, "
        f"fail-on {report.scan.fail_on.value}, scan {report.scan.status.value})",
        *([f"  {incomplete_reason(report)}"] if verdict is Verdict.INCOMPLETE else []),
        f"  {s.pairs} pair(s), {s.endpoints} endpoint(s), {s.connections} connection(s) "
        f"in {duration(report.scan.seconds)}",
        f"  findings: {s.passed} pass, {s.failed} fail, {s.warned} warn, {s.errored} error, "
        f"{s.skipped} skipped ({s.not_checked} not probed)",
    ]
    lines += _cannot_run_lines(report)
    if report.drift is not None:
        lines.append(_drift_line(report.drift))
    labels = report.scan.report
    if labels is not None and (labels.title or labels.change):
        lines.insert(1, "  " + _printable(" · ".join(
            t for t in (labels.title, labels.change and f"change {labels.change}") if t)))
    if s.waived:
        lines.append(f"  accepted risks: {s.waived} finding(s) waived (they break nothing)")
    for w in report.waivers:
        if w.state is not WaiverState.USED:
            lines.append(f"  WAIVER {w.state.value.upper()}: {w.rule} {_printable(w.pair, 80)} "
                         f"{_printable(w.ticket, 60)} (expires {w.expires})")
    notable = [f for f in report.findings if f.status in _SHOWN]
    # Accepted risks last: the lines that need action come first.
    notable.sort(key=lambda f: (f.waiver is not None, _SHOWN.index(f.status), -f.severity.rank))
    for f in notable[:limit]:
        where = f.pair if f.role is None else f"{f.pair}/{f.role}/{f.port_id}"
        waived = "" if f.waiver is None else f" [waived: {_printable(f.waiver.ticket, 60)}]"
        lines.append(f"  {f.status.value.upper():<5} {f.severity.value:<8} {f.rule}  {where}: "
                     f"{_printable(f.message)}{waived}")
    if len(notable) > limit:
        lines.append(f"  … and {len(notable) - limit} more in the report")
    return lines


def _cannot_run_lines(report: Report) -> list[str]:
    """Why the exit status is 3, in the user's words (hatls.cli._scan.exit_status decides the same)."""
    if report.scan.status is ScanStatus.INTERRUPTED:
        return []
    lines = []
    if report.endpoints and not any(e.reachable for e in report.endpoints):
        lines.append(f"  no endpoint was reachable (0 of {len(report.endpoints)}): exit 3, the scan "
                     "could not run; check the addresses, ports and firewalls between here and the servers")
    if report.summary.internal_errors:
        lines.append(f"  {report.summary.internal_errors} internal error(s) in hatls itself: exit 3; "
                     "the report's errors say where (please report them)")
    return lines


def _drift_line(drift: Drift) -> str:
    """The --baseline comparison in one line, as `hatls diff` counts it."""
    s = drift.summary
    verdict = f"something got worse ({s.worse} change(s))" if drift.worse else "nothing got worse"
    return (f"  since the baseline of {rfc3339(drift.old.started)}: {verdict}; "
            f"findings {s.findings_appeared} appeared, {s.findings_resolved} resolved, "
            f"{s.findings_changed} changed; "
            f"certificates rotated {s.certificates_changed}; "
            f"protocols +{s.protocols_added} −{s.protocols_removed}; "
            f"suites +{s.suites_added} −{s.suites_removed} (hatls diff shows each)")


def duration(seconds: float) -> str:
    """A scan's duration as people read it: 0.42 s, 1.3 s, 47 s, 12 min 5 s."""
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _printable(text: str, width: int = 160) -> str:
    """Network-derived text reaches the terminal: no control characters, bounded length."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= width else clean[: width - 1] + "…"
