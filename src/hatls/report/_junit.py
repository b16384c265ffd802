"""JUnit XML from a report, for CI test viewers: one test suite per pair, one test case per finding.

The dialect is the one Jenkins, GitLab and Azure DevOps read (Ant's, as the Jenkins xunit plugin's
junit-10.xsd describes it; the tests validate against that schema). A ``fail`` finding is a
``<failure>``, ``error`` an ``<error>`` (the check could not be made), ``skipped`` a ``<skipped>``;
``pass`` and ``warn`` are passing test cases (warn never breaks compliance), the warning shown in
``<system-out>`` next to the evidence.

Messages and evidence quote what servers sent, so every string passes ``bounded_text``: control
characters (which XML 1.0 cannot carry at all), bidi overrides and lone surrogates are written as
visible escapes, and a hostile 64 KiB subject cannot bury the file.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any

from hatls.catalog import RULES
from hatls.findings import Finding, Status
from hatls.report._model import Report
from hatls.report._verdict import Verdict, compliant_of, incomplete_reason, verdict_of
from hatls.waivers import WaiverState
from hatls.x509 import bounded_text

MAX_MESSAGE_CHARS = 2000
MAX_LINE_CHARS = 2000
MAX_EVIDENCE_LINES = 400

# The element that marks a test case as not passed, by finding status.
_OUTCOME_ELEMENT: Mapping[Status, str] = {
    Status.FAIL: "failure", Status.ERROR: "error", Status.SKIPPED: "skipped"}


# The suite and case that stand for the scan itself when it did not run to its end.
SCAN_SUITE = "hatls scan"
SCAN_CASE = "scan completed"


def render_junit(report: Report) -> str:
    """The report as a JUnit XML document (UTF-8 text, declaration included)."""
    by_pair: dict[str, list[tuple[Finding, str]]] = {name: [] for name in _pair_order(report)}
    for finding, name in zip(report.findings, case_names(report.findings), strict=True):
        by_pair[finding.pair].append((finding, name))
    # An incomplete scan is one more test case, in error: a CI job reading only the JUnit file
    # must not turn green on a scan that saw part of the servers (docs/report.md).
    incomplete = verdict_of(report) is Verdict.INCOMPLETE
    root = ET.Element("testsuites", {
        "name": "hatls",
        "tests": str(len(report.findings) + incomplete),
        "failures": str(_count(report.findings, Status.FAIL)),
        "errors": str(_count(report.findings, Status.ERROR) + incomplete),
        "time": f"{report.scan.seconds:.3f}",
    })
    if incomplete:
        root.append(_scan_suite(report))
    for index, (pair, findings) in enumerate(by_pair.items(), start=incomplete):
        root.append(_suite(report, index, pair, findings))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def classname(finding: Finding) -> str:
    """``pair.role.port_id``; a pair finding (no role) reads ``pair.pair[.port_id]``."""
    parts = (finding.pair, finding.role or "pair", finding.port_id)
    return ".".join(_line(part, 200) for part in parts if part)


def case_names(findings: Sequence[Finding]) -> tuple[str, ...]:
    """Each finding's test case name: rule ID and title, plus the address where one port
    resolved to several addresses (CI viewers merge cases with the same class and name)."""
    plain = [_line(f"{f.rule} {_title(f.rule)}".strip(), 300) for f in findings]
    seen = Counter((classname(f), name) for f, name in zip(findings, plain, strict=True))
    return tuple(
        name if seen[(classname(f), name)] == 1 or not f.address
        else f"{name} [{_line(f.address, 100)}]"
        for f, name in zip(findings, plain, strict=True))


def evidence_json(evidence: Mapping[str, Any]) -> str:
    """Evidence as indented JSON, each line bounded and free of hidden characters."""
    text = json.dumps(dict(evidence), indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return _block(text)


def _suite(report: Report, index: int, pair: str,
           cases: list[tuple[Finding, str]]) -> ET.Element:
    findings = [finding for finding, _ in cases]
    suite = ET.Element("testsuite", {
        "name": _line(pair, 300),
        "tests": str(len(findings)),
        "failures": str(_count(findings, Status.FAIL)),
        "errors": str(_count(findings, Status.ERROR)),
        "skipped": str(_count(findings, Status.SKIPPED)),
        # Ant's schema wants a local time without a zone; Ant writes UTC, and so does hatls.
        "timestamp": report.scan.started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "id": str(index),
    })
    suite.append(_properties(report))
    for finding, name in cases:
        suite.append(_case(finding, name))
    return suite


def _scan_suite(report: Report) -> ET.Element:
    suite = ET.Element("testsuite", {
        "name": SCAN_SUITE, "tests": "1", "failures": "0", "errors": "1", "skipped": "0",
        "timestamp": report.scan.started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "id": "0",
    })
    suite.append(_properties(report))
    case = ET.SubElement(suite, "testcase", {"classname": "hatls.scan", "name": SCAN_CASE})
    reason = _line(incomplete_reason(report), MAX_MESSAGE_CHARS)
    error = ET.SubElement(case, "error", {"message": reason, "type": "incomplete"})
    error.text = f"Incomplete, no verdict: {reason}.\n"
    return suite


def _properties(report: Report) -> ET.Element:
    scan = report.scan
    values = (("hatls.version", report.tool_version), ("inventory", scan.inventory),
              ("policy", scan.policy.name), ("fail_on", scan.fail_on.value),
              ("scan.status", scan.status.value),
              ("compliant", {True: "true", False: "false", None: "null"}[compliant_of(report)]),
              *report_properties(report))
    element = ET.Element("properties")
    for name, value in values:
        ET.SubElement(element, "property", {"name": name, "value": _line(value, 1000)})
    return element


def report_properties(report: Report) -> tuple[tuple[str, str], ...]:
    """The report's labels, the waived count and every expired or unused waiver, as properties."""
    labels = report.scan.report
    named = () if labels is None else tuple(
        (f"report.{key}", value) for key, value in
        (("title", labels.title), ("change", labels.change), ("prepared_by", labels.prepared_by))
        if value)
    waivers = tuple(
        (f"waiver.{w.state.value}", f"{w.rule} {w.pair}{'/' + w.role if w.role else ''}"
                                    f"{'/' + w.port_id if w.port_id else ''} {w.ticket} "
                                    f"expires {w.expires}: {w.reason}")
        for w in report.waivers if w.state is not WaiverState.USED)
    counted = (("waived", str(report.summary.waived)),) if report.waivers else ()
    return named + counted + waivers


def _case(finding: Finding, name: str) -> ET.Element:
    case = ET.Element("testcase", {"classname": classname(finding), "name": name})
    message = _line(finding.message, MAX_MESSAGE_CHARS)
    tag = _OUTCOME_ELEMENT.get(finding.status)
    if finding.waiver is not None:
        # An accepted risk: shown, but not a failure that turns the CI job red.
        w = finding.waiver
        ET.SubElement(case, "skipped", {"message": _line(
            f"waived ({finding.status.value}) under {w.ticket} until {w.expires}: {w.reason} — "
            f"{finding.message}", MAX_MESSAGE_CHARS)})
    elif tag == "skipped":
        ET.SubElement(case, tag, {"message": message})
    elif tag is not None:
        outcome = ET.SubElement(case, tag, {"message": message, "type": finding.severity.value})
        outcome.text = _outcome_text(finding, message)
    out = ET.SubElement(case, "system-out")
    out.text = _system_out(finding, message)
    return case


def _outcome_text(finding: Finding, message: str) -> str:
    lines = [f"{finding.rule} {finding.status.value} ({finding.severity.value}): {message}"]
    if finding.address:
        lines.append(f"address: {_line(finding.address, 100)}")
    if finding.remediation:
        lines.append(f"remediation: {_line(finding.remediation, MAX_MESSAGE_CHARS)}")
    if finding.reference:
        lines.append(f"reference: {_line(finding.reference, 500)}")
    if finding.evidence:
        lines.append("evidence: " + evidence_json(finding.evidence))
    return "\n".join(lines) + "\n"


def _system_out(finding: Finding, message: str) -> str:
    head = f"{finding.status.value} ({finding.severity.value}): {message}\n"
    return head + (evidence_json(finding.evidence) + "\n" if finding.evidence else "")


def _pair_order(report: Report) -> tuple[str, ...]:
    """Pairs as the report lists its endpoints, then any that only findings name."""
    names = [e.pair for e in report.endpoints] + [f.pair for f in report.findings]
    return tuple(dict.fromkeys(names))


def _title(rule_id: str) -> str:
    info = RULES.get(rule_id)
    return info.title if info is not None else ""


def _count(findings: Iterable[Finding], status: Status) -> int:
    return sum(1 for f in findings if f.status is status)


def _line(text: str, limit: int) -> str:
    return bounded_text(text, limit)


def _block(text: str) -> str:
    lines = text.split("\n")
    kept = [_line(line, MAX_LINE_CHARS) for line in lines[:MAX_EVIDENCE_LINES]]
    if len(lines) > MAX_EVIDENCE_LINES:
        kept.append(f"… and {len(lines) - MAX_EVIDENCE_LINES} more lines")
    return "\n".join(kept)
