"""Findings for the HTML report: grouped by severity, worst first, with evidence as lines.

Fail, error and warn findings get a full card (evidence, remediation, reference), except that
TLS-001 findings saying the same of many ports share one card listing them (``BundleKey``);
pass and skipped ones one line per rule naming where it passed and why it was skipped elsewhere,
so a reviewer sees what was checked without wading through hundreds of rows.
Anchors are positions in the report's findings list: stable, and never built from server text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hatls.catalog import RULES
from hatls.findings import Finding, Severity, Status
from hatls.report._model import Report, breaks_compliance
from hatls.report.html._text import MAX_MESSAGE_CHARS, evidence_text, shown
from hatls.rules import REASON_KEY, ROOT_RULE, folded_rules

ACTIONABLE = (Status.FAIL, Status.ERROR, Status.WARN)
SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
_STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.SKIPPED)


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceLine:
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BundleKey:
    """What TLS-001 findings must share to be told once: all but the place and its message."""

    rule: str
    status: Status
    severity: Severity
    reason: str                     # the error kind
    skipped_rules: tuple[str, ...]  # the checks it made impossible (rules/_fold.py)
    skipped_reason: str
    remediation: str
    reference: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingView:
    anchor: str
    rule: str
    title: str
    status: Status
    severity: Severity
    pair: str
    role: str | None
    port_id: str | None
    address: str | None
    where: str
    spot: str              # role · port (or "pair"), for the compact per-rule table
    message: str
    evidence: tuple[EvidenceLine, ...]
    remediation: str
    reference: str
    reason: str            # why a skipped finding was skipped ("not-probed", "depends on TLS-002")
    breaks_compliance: bool
    waiver: str = ""       # an accepted risk: "CHG0012345 until 2027-01-31: reason"
    folded: int = 0        # skipped checks folded into this TLS-001 finding (rules/_fold.py)
    bundle: BundleKey | None = None   # a TLS-001 error / warn: shares a card with its like

    @property
    def actionable(self) -> bool:
        return self.status in ACTIONABLE


@dataclass(frozen=True, slots=True, kw_only=True)
class SkipGroup:
    reason: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SettledRule:
    """One rule's pass and skipped findings on one line."""

    rule: str
    title: str
    severity: Severity
    passed: tuple[FindingView, ...]
    skipped: tuple[SkipGroup, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingBundle:
    """TLS-001 findings that differ only in where (and their message): one card, a line each."""

    anchor: str
    key: BundleKey
    title: str
    findings: tuple[FindingView, ...]
    breaking: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SeverityGroup:
    severity: Severity
    findings: tuple[FindingView, ...]   # all of them (a template may show each as a card)
    breaking: int          # how many of them break compliance
    cards: tuple[FindingView, ...] = ()        # those shown as their own card ...
    bundles: tuple[FindingBundle, ...] = ()    # ... and those bundled (the built-in template)


def finding_anchor(index: int) -> str:
    return f"finding-{index + 1}"


def _where(f: Finding) -> str:
    parts = [f.pair, f.role or "pair", f.port_id, f.address]
    return " · ".join(shown(p, 120) for p in parts if p)


def _spot(f: Finding) -> str:
    return " · ".join(shown(p, 120) for p in (f.role or "pair", f.port_id) if p)


def _reason(f: Finding) -> str:
    if f.status is not Status.SKIPPED:
        return ""
    depends = f.evidence.get("depends_on")
    reason = f.evidence.get("reason")
    texts = [shown(reason, 120) if reason else "",
             f"depends on {shown(depends, 60)}" if depends else ""]
    return "; ".join(t for t in texts if t)


def _bundle_key(f: Finding) -> BundleKey | None:
    # A waived finding keeps its own card: its waiver (ticket, expiry, reason) is its own.
    if f.rule != ROOT_RULE or f.status not in (Status.ERROR, Status.WARN) or f.waiver is not None:
        return None
    kind = f.evidence.get("kind")
    reason = f.evidence.get(REASON_KEY)
    return BundleKey(rule=shown(f.rule, 40), status=f.status, severity=f.severity,
                     reason=shown(kind, 60) if isinstance(kind, str) else "no error recorded",
                     skipped_rules=tuple(shown(r, 40) for r in folded_rules(f)),
                     skipped_reason=shown(reason, 120) if isinstance(reason, str) else "",
                     remediation=shown(f.remediation, MAX_MESSAGE_CHARS * 2),
                     reference=shown(f.reference, MAX_MESSAGE_CHARS))


def finding_view(index: int, f: Finding, report: Report) -> FindingView:
    info = RULES.get(f.rule)
    return FindingView(
        anchor=finding_anchor(index), rule=shown(f.rule, 40),
        title="" if info is None else info.title, status=f.status, severity=f.severity,
        pair=shown(f.pair), role=None if f.role is None else shown(f.role, 40),
        port_id=None if f.port_id is None else shown(f.port_id),
        address=None if f.address is None else shown(f.address), where=_where(f),
        spot=_spot(f),
        message=shown(f.message, MAX_MESSAGE_CHARS),
        # Only cards show evidence: a pass or skip is a line of the per-rule table.
        evidence=tuple(EvidenceLine(key=shown(k, 80), values=evidence_text(v))
                       for k, v in f.evidence.items()) if f.status in ACTIONABLE else (),
        remediation=shown(f.remediation, MAX_MESSAGE_CHARS * 2),
        reference=shown(f.reference, MAX_MESSAGE_CHARS),
        reason=_reason(f), breaks_compliance=breaks_compliance(f, report.scan.fail_on),
        waiver="" if f.waiver is None else
        f"{shown(f.waiver.ticket, 100)} until {shown(f.waiver.expires, 20)}: "
        f"{shown(f.waiver.reason, 300)}",
        folded=len(folded_rules(f)), bundle=_bundle_key(f),
    )


def finding_views(report: Report) -> tuple[FindingView, ...]:
    """One view per finding, in the report's order (so anchors match positions)."""
    return tuple(finding_view(i, f, report) for i, f in enumerate(report.findings))


def _ordered(views: Iterable[FindingView]) -> list[FindingView]:
    return sorted(views, key=lambda v: (-v.severity.rank, _STATUS_ORDER.index(v.status), v.pair,
                                        v.rule, v.role or "", v.port_id or "", v.address or ""))


def severity_groups(views: Iterable[FindingView]) -> tuple[SeverityGroup, ...]:
    """Fail, error and warn findings by severity, worst first; empty severities left out."""
    actionable = _ordered(v for v in views if v.actionable)
    groups = []
    for severity in SEVERITIES:
        members = tuple(v for v in actionable if v.severity is severity)
        if members:
            cards, bundles = _bundled(members)
            groups.append(SeverityGroup(severity=severity, findings=members,
                                        breaking=sum(v.breaks_compliance for v in members),
                                        cards=cards, bundles=bundles))
    return tuple(groups)


def _bundled(views: Sequence[FindingView]) -> tuple[tuple[FindingView, ...],
                                                    tuple[FindingBundle, ...]]:
    """Two or more findings with the same bundle key share a card; the rest keep their own."""
    alike: dict[BundleKey, list[FindingView]] = {}
    for view in views:
        if view.bundle is not None:
            alike.setdefault(view.bundle, []).append(view)
    shared = {key: members for key, members in alike.items() if len(members) > 1}
    cards = tuple(v for v in views if v.bundle not in shared)
    bundles = tuple(FindingBundle(anchor=f"{members[0].anchor}-group", key=key,
                                  title=members[0].title, findings=tuple(members),
                                  breaking=sum(m.breaks_compliance for m in members))
                    for key, members in shared.items())
    return cards, bundles


def settled_by_rule(views: Iterable[FindingView]) -> tuple[SettledRule, ...]:
    """Pass and skipped findings, one entry per rule (in rule order), skips grouped by reason."""
    by_rule: dict[str, list[FindingView]] = {}
    for view in _ordered(v for v in views if not v.actionable):
        by_rule.setdefault(view.rule, []).append(view)
    rules = []
    for rule, members in sorted(by_rule.items()):
        reasons: dict[str, list[FindingView]] = {}
        for view in members:
            if view.status is Status.SKIPPED:
                reasons.setdefault(view.reason or "no reason given", []).append(view)
        rules.append(SettledRule(
            rule=rule, title=members[0].title,
            severity=max((m.severity for m in members), key=lambda s: s.rank),
            passed=tuple(m for m in members if m.status is Status.PASS),
            skipped=tuple(SkipGroup(reason=r, findings=tuple(fs)) for r, fs in reasons.items())))
    return tuple(rules)


def status_counts(views: Iterable[FindingView]) -> dict[str, int]:
    counted = {s.value: 0 for s in _STATUS_ORDER}
    for v in views:
        counted[v.status.value] += 1
        counted[Status.SKIPPED.value] += v.folded   # as summary.skipped counts them
    return counted
