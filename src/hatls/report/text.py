"""A short plain-text summary of a report, for the terminal (standard error)."""

from __future__ import annotations

from hatls.report.model import Report
from hatls.report.verdict import Verdict, incomplete_reason, verdict_of
from hatls.rules.model import Status

_SHOWN = (Status.FAIL, Status.ERROR, Status.WARN)


def summary_lines(report: Report, *, limit: int = 40) -> list[str]:
    s = report.summary
    verdict = verdict_of(report)
    seconds = (report.scan.finished - report.scan.started).total_seconds()
    lines = [
        f"hatls {report.tool_version}: {verdict.value.upper()} (policy {report.scan.policy.name}, "
        f"fail-on {report.scan.fail_on.value}, scan {report.scan.status.value})",
        *([f"  {incomplete_reason(report)}"] if verdict is Verdict.INCOMPLETE else []),
        f"  {s.pairs} pair(s), {s.endpoints} endpoint(s), {s.connections} connection(s) "
        f"in {seconds:.0f} s",
        f"  findings: {s.passed} pass, {s.failed} fail, {s.warned} warn, {s.errored} error, "
        f"{s.skipped} skipped ({s.not_checked} not probed)",
    ]
    notable = [f for f in report.findings if f.status in _SHOWN]
    notable.sort(key=lambda f: (_SHOWN.index(f.status), -f.severity.rank))
    for f in notable[:limit]:
        where = f.pair if f.role is None else f"{f.pair}/{f.role}/{f.port_id}"
        lines.append(f"  {f.status.value.upper():<5} {f.severity.value:<8} {f.rule}  {where}: "
                     f"{_printable(f.message)}")
    if len(notable) > limit:
        lines.append(f"  … and {len(notable) - limit} more in the report")
    return lines


def _printable(text: str, width: int = 160) -> str:
    """Network-derived text reaches the terminal: no control characters, bounded length."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= width else clean[: width - 1] + "…"
