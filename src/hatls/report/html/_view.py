"""The HTML report's view model: everything the templates show, decided and bounded here.

``build_view`` is pure (the report in, plain frozen values out): it reads no clock, no file and
no network, and every string a server could have chosen is already escaped of hidden characters
and bounded in length, so the templates (ours or a user's) only lay it out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hatls.evidence import DetachedSignature
from hatls.findings import Severity, Status
from hatls.inventory import ReportLabels
from hatls.report._model import Report, ScanStatus
from hatls.report._verdict import Verdict, compliant_of, coverage, verdict_of
from hatls.report.html._compare import TONE_MEANING, Tone
from hatls.report.html._drift_view import DriftView, drift_view_of
from hatls.report.html._findings import (
    SEVERITIES,
    FindingBundle,
    FindingView,
    SettledRule,
    SeverityGroup,
    finding_views,
    settled_by_rule,
    severity_groups,
)
from hatls.report.html._pairs import PairView, pair_views
from hatls.report.html._text import MetaLine, day, duration, moment, plural, shown, shown_list
from hatls.scanning import zone_notes
from hatls.waivers import WaiverState


@dataclass(frozen=True, slots=True, kw_only=True)
class SeverityCount:
    severity: Severity
    count: int          # fail + error findings of this severity
    breaks: bool        # at or above fail-on: these decide the verdict


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardLine:
    """One finding on page 1: where, which rule, what was seen, what to change."""

    anchor: str
    pair: str
    side: str           # "backup · secure", or "pair"
    rule: str
    title: str
    status: str
    severity: str
    seen: str
    change: str         # the remediation's first sentence; the card below has all of it
    breaks: bool
    waiver: str = ""    # "CHG0012345 until 2027-01-31: reason" for an accepted risk


@dataclass(frozen=True, slots=True, kw_only=True)
class WaiverLine:
    """An expired or unused waiver, named on page 1 so nobody relies on it unknowingly."""

    state: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportView:
    title: str
    subtitle: tuple[MetaLine, ...]   # change request, prepared by
    compliant: bool | None
    verdict_class: str               # ok | bad | incomplete
    scope: str
    failing: tuple[BoardLine, ...]   # fail / error findings, not waived, worst first
    accepted: tuple[BoardLine, ...]  # findings a live waiver covers
    waiver_problems: tuple[WaiverLine, ...]
    evidence_line: str               # the JSON's SHA-256 and how to check its signature
    json_sha256: str                 # hex only (it goes into the print CSS's page footer), or ""
    author: str                      # for the PDF metadata
    keywords: str
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


_HEX64 = re.compile(r"[0-9a-f]{64}")

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
    if verdict_of(report) is Verdict.INCOMPLETE:
        seen = coverage(report)
        why = (f"The scan was {report.scan.status.value}"
               if report.scan.status is not ScanStatus.COMPLETE else "No pair was judged")
        found = (f"{plural(breaking, 'fail or error finding')} at or above severity {fail_on} "
                 "so far." if breaking else "")
        return (f"{why}: {seen.not_probed} of {plural(seen.endpoints, 'endpoint')} not probed, "
                f"{plural(seen.checks_not_made, 'check')} not made. A partial scan is never "
                f"compliant. {found}").strip()
    if breaking == 0:
        return f"No fail or error finding at or above severity {fail_on}."
    return (f"{plural(breaking, 'fail or error finding')} at or above severity {fail_on} "
            "break compliance.")


def _meta(report: Report, json_sha256: str | None) -> tuple[MetaLine, ...]:
    scan, s = report.scan, report.summary
    tool = f"{shown(report.tool_name, 40)} {shown(report.tool_version, 40)}"
    scope = (f"{plural(s.pairs, 'pair')}, {plural(s.endpoints, 'endpoint')}, "
             f"{plural(s.connections, 'connection')}")
    title = report.inputs.policy.title
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


_SENTENCE_END = re.compile(r"(?<!e\.g)(?<!i\.e)\. ")


def _first_sentence(text: str, limit: int = 220) -> str:
    head = _SENTENCE_END.split(text, maxsplit=1)[0].strip()
    head = head if head.endswith(".") else head + "."
    return head if len(head) <= limit else head[: limit - 1] + "…"


def _board_line(f: FindingView) -> BoardLine:
    side = " · ".join(p for p in (f.role or "pair", f.port_id) if p)
    return BoardLine(anchor=f.anchor, pair=f.pair, side=side, rule=f.rule, title=f.title,
                     status=f.status.value, severity=f.severity.value,
                     seen=f.message if len(f.message) <= 200 else f.message[:199] + "…",
                     change=_first_sentence(f.remediation) if f.remediation else "",
                     breaks=f.breaks_compliance, waiver=f.waiver)


def _failing_lines(groups: Sequence[SeverityGroup]) -> tuple[BoardLine, ...]:
    """Page 1's fail / error lines, worst first: a line per finding, except that TLS-001 findings
    sharing a card (_findings.BundleKey: the same error, the same checks made impossible)
    share a line too: 5,000 closed ports are one line naming how many, not 5,000."""
    lines: list[BoardLine] = []
    for group in groups:
        lines += (_bundle_line(b) for b in group.bundles
                  if b.key.status in (Status.FAIL, Status.ERROR))
        lines += (_board_line(f) for f in group.cards
                  if f.status in (Status.FAIL, Status.ERROR) and not f.waiver)
    return tuple(lines)


def _bundle_line(b: FindingBundle) -> BoardLine:
    pairs = dict.fromkeys(f.pair for f in b.findings)
    return BoardLine(anchor=b.anchor,
                     pair=next(iter(pairs)) if len(pairs) == 1 else f"{len(pairs)} pairs",
                     side=f"{len(b.findings)} endpoints", rule=b.key.rule, title=b.title,
                     status=b.key.status.value, severity=b.key.severity.value,
                     seen=f"{len(b.findings)} endpoints could not be connected to ({b.key.reason})",
                     change=_first_sentence(b.key.remediation) if b.key.remediation else "",
                     breaks=b.breaking > 0)


def _waiver_lines(report: Report) -> tuple[WaiverLine, ...]:
    lines = []
    for w in report.waivers:
        if w.state is WaiverState.USED:
            continue
        where = " · ".join(shown(p, 120) for p in (w.pair, w.role, w.port_id) if p)
        what = ("expired: it waives nothing, the findings it covered break compliance again"
                if w.state is WaiverState.EXPIRED else "unused: no fail or warn finding matched it")
        lines.append(WaiverLine(state=w.state.value, text=(
            f"{shown(w.rule, 40)} on {where}, {shown(w.ticket, 100)}, expires {shown(w.expires, 20)} "
            f"— {what}. Reason given: {shown(w.reason, 300)}")))
    return tuple(lines)


def _scope(report: Report) -> str:
    scan, s = report.scan, report.summary
    return (f"{plural(s.pairs, 'pair')}, {plural(s.endpoints, 'endpoint')} · policy "
            f"{shown(scan.policy.name, 80)} · fails on {scan.fail_on.value} or worse · scanned "
            f"{moment(scan.started)} ({duration(scan.started, scan.finished)}) · "
            f"scan {scan.status.value}")


_VERDICT_CLASS = {Verdict.COMPLIANT: "ok", Verdict.NOT_COMPLIANT: "bad",
                  Verdict.INCOMPLETE: "incomplete"}


def _verdict(report: Report) -> tuple[bool | None, str, str]:
    """(compliant, words, class): only a complete scan is compliant or not (docs/report.md)."""
    verdict = verdict_of(report)
    return compliant_of(report), verdict.value.capitalize(), _VERDICT_CLASS[verdict]


def _evidence_line(json_sha256: str | None, signature: DetachedSignature | None) -> str:
    if not json_sha256:
        return "No JSON report was written with this page: nothing to match or sign."
    head = f"JSON report SHA-256 {shown(json_sha256, 100)}"
    if signature is None:
        return f"{head} — not signed yet: sign it with `hatls sign`, check with `hatls verify`."
    by = f" by {shown(signature.signer_subject, 200)}" if signature.signer_subject else ""
    if signature.report_sha256 != json_sha256:
        return (f"{head} — its signature file was made over another file "
                f"(SHA-256 {shown(signature.report_sha256, 100)}): this JSON is not the one signed.")
    # Only the hash is compared here; the signature itself needs the signer's certificate.
    return (f"{head} — a detached {signature.algorithm.value} signature{by} names this SHA-256; "
            "check it with `hatls verify`.")


def build_view(report: Report, *, json_sha256: str | None = None,
               signature: DetachedSignature | None = None) -> ReportView:
    findings = finding_views(report)
    breaking = sum(f.breaks_compliance for f in findings)
    s = report.summary
    by_severity = {sev: s.by_severity.get(sev.value, 0) for sev in SEVERITIES}
    labels = report.scan.report or ReportLabels()
    compliant, verdict, verdict_class = _verdict(report)
    ordered = severity_groups(findings)
    actionable = [f for g in ordered for f in g.findings]
    return ReportView(
        title=shown(labels.title, 200) if labels.title else
        f"TLS compliance report — {shown(report.scan.inventory, 120)} — {day(report.scan.started)}",
        subtitle=tuple(MetaLine(label=label, value=shown(value, 200)) for label, value in
                       (("Change", labels.change), ("Prepared by", labels.prepared_by)) if value),
        compliant=compliant,
        verdict_class=verdict_class,
        scope=_scope(report),
        failing=_failing_lines(ordered),
        accepted=tuple(_board_line(f) for f in actionable if f.waiver),
        waiver_problems=_waiver_lines(report),
        evidence_line=_evidence_line(json_sha256, signature),
        json_sha256=json_sha256 if json_sha256 and _HEX64.fullmatch(json_sha256) else "",
        author=shown(labels.prepared_by, 200) if labels.prepared_by else "",
        keywords=", ".join(t for t in ("hatls", "TLS compliance",
                                       labels.change and shown(labels.change, 200)) if t),
        verdict=verdict,
        verdict_detail=_verdict_detail(report, breaking),
        notices=_notices(report),
        # Waived findings are counted apart (accepted risks), not in the boxes that read as red.
        severity_counts=tuple(
            SeverityCount(severity=sev, count=count - sum(f.severity is sev and bool(f.waiver)
                                                          and f.status in (Status.FAIL, Status.ERROR)
                                                          for f in findings),
                          breaks=sev.rank >= report.scan.fail_on.rank)
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
