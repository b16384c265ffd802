"""The HTML report's view model: everything the templates show, decided and bounded here.

``build_view`` is pure (the report in, plain frozen values out): it reads no clock, no file and
no network, and every string a server could have chosen is already escaped of hidden characters
and bounded in length, so the templates (ours or a user's) only lay it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hatls.report.diff_html_view import DriftView, drift_view_of
from hatls.report.html_compare import TONE_MEANING, Tone
from hatls.report.html_findings import (
    SEVERITIES,
    SettledRule,
    SeverityGroup,
    finding_views,
    settled_by_rule,
    severity_groups,
)
from hatls.report.html_pairs import PairView, pair_views
from hatls.report.html_text import day, duration, moment, plural, shown, shown_list
from hatls.report.model import Report, ScanStatus
from hatls.report.verdict import verdict_of
from hatls.rules.model import Severity
from hatls.zones import zone_notes


@dataclass(frozen=True, slots=True, kw_only=True)
class MetaLine:
    label: str
    value: str
    mono: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SeverityCount:
    severity: Severity
    count: int          # fail + error findings of this severity
    breaks: bool        # at or above fail-on: these decide the verdict


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportView:
    title: str
    compliant: bool
    verdict: str
    verdict_detail: str
    notices: tuple[str, ...]
    severity_counts: tuple[SeverityCount, ...]
    status_counts: Mapping[str, int]
    meta: tuple[MetaLine, ...]
    not_checked: tuple[str, ...]
    pairs: tuple[PairView, ...]
    groups: tuple[SeverityGroup, ...]
    settled: tuple[SettledRule, ...]
    legend: tuple[tuple[str, str], ...]
    footer: str
    drift: DriftView | None = None   # `scan --baseline`: what changed since the older report


# The tones a reader meets in the side-by-side tables, in the order the legend explains them.
_LEGEND = (Tone.DRIFT, Tone.SHARED, Tone.NOTED, Tone.UNCOMPARED, Tone.ALONE)


def _notices(report: Report) -> tuple[str, ...]:
    s = report.summary
    notes = []
    if report.scan.status is ScanStatus.INTERRUPTED:
        notes.append("The scan was interrupted: this report is partial. Ports it did not reach "
                     "show as not probed, and their checks as skipped.")
    notes += zone_notes(report)
    if s.internal_errors:
        notes.append(f"hatls hit {plural(s.internal_errors, 'internal error')}: a fault in hatls "
                     "itself, not in the servers. Results may be incomplete; please report it.")
    if s.not_checked:
        notes.append(f"{plural(s.not_checked, 'check')} could not be made (skipped, not probed): "
                     "the verdict makes no claim about them.")
    return tuple(notes)


def _verdict_detail(report: Report, breaking: int) -> str:
    fail_on = report.scan.fail_on.value
    if breaking == 0:
        return f"No fail or error finding at or above severity {fail_on}."
    return (f"{plural(breaking, 'fail or error finding')} at or above severity {fail_on} "
            "break compliance.")


def _meta(report: Report, json_sha256: str | None) -> tuple[MetaLine, ...]:
    scan, s = report.scan, report.summary
    tool = f"{shown(report.tool_name, 40)} {shown(report.tool_version, 40)}"
    scope = (f"{plural(s.pairs, 'pair')}, {plural(s.endpoints, 'endpoint')}, "
             f"{plural(s.connections, 'connection')}")
    policy = report.inputs.get("policy")
    title = policy.get("title") if isinstance(policy, Mapping) else None
    return (
        MetaLine(label="Tool", value=tool),
        MetaLine(label="Scan started", value=moment(scan.started)),
        MetaLine(label="Scan finished",
                 value=f"{moment(scan.finished)} ({duration(scan.started, scan.finished)})"),
        MetaLine(label="Scan status", value=scan.status.value),
        MetaLine(label="Scope", value=scope),
        MetaLine(label="Inventory", value=shown(scan.inventory)),
        MetaLine(label="Inventory SHA-256", value=shown(scan.inventory_sha256, 100), mono=True),
        MetaLine(label="Policy",
                 value=shown(scan.policy.name) + (f": {shown(title)}" if title else "")),
        MetaLine(label="Policy source", value=shown(scan.policy.source_version)),
        MetaLine(label="Policy SHA-256", value=shown(scan.policy.sha256, 100), mono=True),
        MetaLine(label="Fails on", value=f"fail or error findings of severity {scan.fail_on.value} "
                                         "or worse"),
        # The hash of the JSON file's exact bytes, so a reader can match this page to the JSON
        # report and its signature (`hatls verify`, `sha256sum`); absent when no JSON was written.
        *((MetaLine(label="JSON report SHA-256", value=shown(json_sha256, 100), mono=True),)
          if json_sha256 else ()),
    )


def build_view(report: Report, *, json_sha256: str | None = None) -> ReportView:
    findings = finding_views(report)
    breaking = sum(f.breaks_compliance for f in findings)
    s = report.summary
    by_severity = {sev: s.by_severity.get(sev.value, 0) for sev in SEVERITIES}
    return ReportView(
        title=f"TLS compliance report — {shown(report.scan.inventory, 120)} — "
              f"{day(report.scan.started)}",
        compliant=s.compliant is True,
        verdict=verdict_of(report).value.capitalize(),
        verdict_detail=_verdict_detail(report, breaking),
        notices=_notices(report),
        severity_counts=tuple(
            SeverityCount(severity=sev, count=count, breaks=sev.rank >= report.scan.fail_on.rank)
            for sev, count in by_severity.items()),
        status_counts={"pass": s.passed, "fail": s.failed, "warn": s.warned, "error": s.errored,
                       "skipped": s.skipped, "not probed": s.not_checked},
        meta=_meta(report, json_sha256),
        not_checked=shown_list(report.scan.policy.not_checked),
        pairs=pair_views(report, findings),
        groups=severity_groups(findings),
        settled=settled_by_rule(findings),
        legend=tuple((tone.value, TONE_MEANING[tone]) for tone in _LEGEND),
        footer=f"{shown(report.tool_name, 40)} {shown(report.tool_version, 40)} · scan of "
               f"{moment(report.scan.started)} · policy {shown(report.scan.policy.name, 80)}",
        drift=drift_view_of(report),
    )
