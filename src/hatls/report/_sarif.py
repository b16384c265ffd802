"""SARIF 2.1.0 from a report, for code-scanning dashboards (GitHub, Azure DevOps, SARIF viewers).

The rules are the whole catalogue (``tool.driver.rules``); results are the findings that need
attention: ``fail`` (level error), ``warn`` (warning) and ``error`` (note: the check could not be
made). A TLS endpoint is not a file, so each result points at the inventory file as its artifact
and names the endpoint as a logical location ``pair/role/port_id`` (``pair[/port_id]`` for a pair
finding). The tests validate the output against the official OASIS schema.

Messages and evidence quote what servers sent: every such string passes ``bounded_text``, so a bidi
override or a control character reaches a dashboard as a visible escape, never as itself.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from hatls.catalog import RULES, RuleInfo
from hatls.findings import Finding, Severity, Status
from hatls.report._codec import rfc3339
from hatls.report._model import Report, ScanStatus
from hatls.report._verdict import Verdict, compliant_of, incomplete_reason, verdict_of
from hatls.x509 import bounded_text

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
FINGERPRINT_KEY = "hatlsFinding/v1"
MAX_TEXT_CHARS = 2000

LEVELS: Mapping[Status, str] = {Status.FAIL: "error", Status.WARN: "warning", Status.ERROR: "note"}

# GitHub code scanning ranks security results by this score (9.0+ critical, 7.0+ high, 4.0+
# medium, below that low); informational rules get none, so they are not ranked as security issues.
SECURITY_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}


def render_sarif(report: Report) -> str:
    """The report as a SARIF 2.1.0 log (one run), indented JSON text."""
    log = {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [sarif_run(report)]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def sarif_run(report: Report) -> dict[str, Any]:
    rule_index = {rule_id: index for index, rule_id in enumerate(RULES)}
    uri = inventory_uri(report.scan.inventory)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": report.tool_name, "version": report.tool_version,
                            "rules": [rule_descriptor(info) for info in RULES.values()]}},
        "invocations": [_invocation(report)],
        "results": [_result(f, rule_index, uri) for f in report.findings if f.status in LEVELS],
        "properties": _run_properties(report),
    }
    if uri is not None:
        artifact: dict[str, Any] = {"location": {"uri": uri}, "roles": ["analysisTarget"]}
        if report.scan.inventory_sha256:
            artifact["hashes"] = {"sha-256": report.scan.inventory_sha256}
        run["artifacts"] = [artifact]
    return run


def rule_descriptor(info: RuleInfo) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "severity": info.severity.value, "scope": info.scope.value, "reference": info.reference,
        "check": info.check, "tags": sorted({"security", "tls", info.id.split("-")[0].lower()})}
    if info.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[info.severity]
    return {
        "id": info.id,
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.statement},
        "help": {"text": info.remediation},
        "defaultConfiguration": {"level": "error"},
        "properties": properties,
    }


def inventory_uri(path: str) -> str | None:
    """The inventory path as a URI reference: absolute paths as ``file:`` URIs, relative ones
    percent-encoded (so a drive letter or a colon is never read as a scheme)."""
    if not path:
        return None
    if PurePosixPath(path).is_absolute():
        return PurePosixPath(path).as_uri()
    if PureWindowsPath(path).is_absolute():
        return PureWindowsPath(path).as_uri()
    return quote(path.replace("\\", "/"), safe="/")


def logical_name(finding: Finding) -> str:
    """``pair/role/port_id`` for an endpoint finding, ``pair`` or ``pair/port_id`` for a pair's."""
    return "/".join(part for part in (finding.pair, finding.role, finding.port_id) if part)


def fingerprint(finding: Finding) -> str:
    """Stable across scans: the same rule at the same place is the same result."""
    where = "\x1f".join((finding.rule, finding.pair, finding.role or "", finding.port_id or "",
                         finding.address or ""))
    return hashlib.sha256(where.encode("utf-8", "surrogatepass")).hexdigest()


def _result(finding: Finding, rule_index: Mapping[str, int], uri: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.status],
        "message": {"text": _text(finding.message)},
        "locations": [_location(finding, uri)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        "properties": _result_properties(finding),
    }
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    if finding.waiver is not None:
        # An accepted risk (hatls scan --waivers): code-scanning views hide it, the log keeps it.
        w = finding.waiver
        result["suppressions"] = [{
            "kind": "external", "status": "accepted",
            "justification": _text(f"{w.ticket}: {w.reason} (until {w.expires})"),
            "properties": {"ticket": _text(w.ticket), "expires": w.expires}}]
    return result


def _location(finding: Finding, uri: str | None) -> dict[str, Any]:
    name = logical_name(finding)
    location: dict[str, Any] = {"logicalLocations": [{
        "name": _text(finding.port_id or finding.pair),
        "fullyQualifiedName": _text(name),
        "kind": "resource" if finding.port_id else "module",
    }]}
    if uri is not None:
        location["physicalLocation"] = {"artifactLocation": {"uri": uri, "index": 0}}
    return location


def _result_properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "status": finding.status.value, "severity": finding.severity.value,
        "pair": _text(finding.pair), "role": _clean(finding.role), "port_id": _clean(finding.port_id),
        "address": _clean(finding.address), "evidence": _clean(dict(finding.evidence)),
    }
    if finding.remediation:
        properties["remediation"] = _text(finding.remediation)
    if finding.reference:
        properties["reference"] = _text(finding.reference)
    return properties


def _invocation(report: Report) -> dict[str, Any]:
    incomplete = verdict_of(report) is Verdict.INCOMPLETE
    invocation: dict[str, Any] = {
        "executionSuccessful": (report.scan.status is ScanStatus.COMPLETE and not incomplete
                                and report.summary.internal_errors == 0),
        "startTimeUtc": rfc3339(report.scan.started),
        "endTimeUtc": rfc3339(report.scan.finished),
    }
    if incomplete:
        # A dashboard shows no result for what was never probed: the notification says so.
        invocation["toolExecutionNotifications"] = [{
            "level": "error", "descriptor": {"id": "hatls-incomplete-scan"},
            "message": {"text": _text(f"Incomplete: {incomplete_reason(report)}.")}}]
    return invocation


def _run_properties(report: Report) -> dict[str, Any]:
    scan, summary = report.scan, report.summary
    return {
        "policy": {"name": scan.policy.name, "source_version": scan.policy.source_version,
                   "sha256": scan.policy.sha256},
        "fail_on": scan.fail_on.value, "scan_status": scan.status.value,
        "compliant": compliant_of(report),
        "summary": {"pairs": summary.pairs, "endpoints": summary.endpoints,
                    "pass": summary.passed, "fail": summary.failed, "warn": summary.warned,
                    "error": summary.errored, "skipped": summary.skipped,
                    "internal_errors": summary.internal_errors, "waived": summary.waived},
        **({"report": _clean({"title": scan.report.title, "change": scan.report.change,
                              "prepared_by": scan.report.prepared_by})}
           if scan.report is not None else {}),
        **({"waivers": [_clean({"rule": w.rule, "pair": w.pair, "role": w.role,
                                "port_id": w.port_id, "ticket": w.ticket, "expires": w.expires,
                                "reason": w.reason, "state": w.state.value,
                                "findings": w.findings}) for w in report.waivers]}
           if report.waivers else {}),
    }


def _text(text: str) -> str:
    return bounded_text(text, MAX_TEXT_CHARS)


def _clean(value: Any) -> Any:
    """Evidence as JSON with every string (keys too) made visible and bounded."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Mapping):
        return {_text(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return _text(str(value))
