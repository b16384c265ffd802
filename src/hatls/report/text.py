"""A short plain-text summary of a report, for the terminal (standard error)."""

from __future__ import annotations

from hatls.report.model import Report
from hatls.rules.model import Status
from hatls.waivers import WaiverState

_SHOWN = (Status.FAIL, Status.ERROR, Status.WARN)


def summary_lines(report: Report, *, limit: int = 40) -> list[str]:
    s = report.summary
    verdict = ("INCOMPLETE" if s.compliant is None else "COMPLIANT" if s.compliant
               else "NOT COMPLIANT")
    seconds = (report.scan.finished - report.scan.started).total_seconds()
    lines = [
        f"hatls {report.tool_version}: {verdict} (policy {report.scan.policy.name}, "
        f"fail-on {report.scan.fail_on.value}, scan {report.scan.status.value})",
        f"  {s.pairs} pair(s), {s.endpoints} endpoint(s), {s.connections} connection(s) "
        f"in {seconds:.0f} s",
        f"  findings: {s.passed} pass, {s.failed} fail, {s.warned} warn, {s.errored} error, "
        f"{s.skipped} skipped ({s.not_checked} not probed)",
    ]
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


def _printable(text: str, width: int = 160) -> str:
    """Network-derived text reaches the terminal: no control characters, bounded length."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= width else clean[: width - 1] + "…"
