"""Folding the skipped checks of a port that could not be reached into its TLS-001 finding.

A port nobody answers on gets TLS-001 ``error`` (or ``warn``: an idle warm-standby backup), and
every other endpoint rule says the same thing about it: ``skipped``, "port is unreachable",
``depends_on: TLS-001``. Listed one by one that is 22 findings per port carrying their rule's
remediation text, ~17 KB of JSON a port, and a 5,000-port inventory with its ports closed makes a
100 MB report that says one thing 110,000 times.

So the engine folds them: such a finding is left out of the findings list and its rule ID goes to
``evidence.skipped_rules`` of the same endpoint's TLS-001 finding, with the shared reason in
``evidence.skipped_reason``. Only findings that ``unfold`` rebuilds exactly are folded (message
``not checked: <reason>``, the catalogue's severity, remediation and reference, no other
evidence), so folding loses nothing: ``unfold(fold(x)) == x``, and ``summary.skipped`` still
counts them (``folded_count``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from hatls.catalog import RULES
from hatls.findings import Finding, Status

ROOT_RULE = "TLS-001"
RULES_KEY = "skipped_rules"
REASON_KEY = "skipped_reason"
# TLS-001 says the port could not be used: error (unreachable) or warn (idle warm standby).
_ROOT_STATUSES = frozenset({Status.ERROR, Status.WARN})


def _place(f: Finding) -> tuple[str, str | None, str | None, str | None]:
    return (f.pair, f.role, f.port_id, f.address)


def _rebuilt(root: Finding, rule_id: str, reason: str) -> Finding:
    """The skipped finding ``rule_id`` as the rule itself states it (rules/_common.skipped)."""
    info = RULES[rule_id]
    return Finding(rule=rule_id, status=Status.SKIPPED, severity=info.severity, pair=root.pair,
                   role=root.role, port_id=root.port_id, address=root.address,
                   message=f"not checked: {reason}",
                   evidence={"reason": reason, "depends_on": ROOT_RULE},
                   remediation=info.remediation, reference=info.reference)


def _foldable(f: Finding, root: Finding) -> bool:
    reason = f.evidence.get("reason")
    return (f.status is Status.SKIPPED and f.rule != ROOT_RULE and f.rule in RULES
            and _place(f) == _place(root) and isinstance(reason, str)
            and f == _rebuilt(root, f.rule, reason))


def fold_endpoint(findings: Sequence[Finding]) -> list[Finding]:
    """One endpoint's findings with the skips that only repeat TLS-001 folded into it."""
    root = next((f for f in findings if f.rule == ROOT_RULE and f.status in _ROOT_STATUSES
                 and RULES_KEY not in f.evidence), None)
    if root is None:
        return list(findings)
    candidates = [f for f in findings if _foldable(f, root)]
    if not candidates:
        return list(findings)
    reason = candidates[0].evidence["reason"]
    folded = {id(f) for f in candidates if f.evidence["reason"] == reason}
    rules = [f.rule for f in findings if id(f) in folded]
    evidence = {**root.evidence, RULES_KEY: rules, REASON_KEY: reason}
    # replace(), not a new Finding: every other field (a waiver among them) stays as it was.
    new_root = replace(root, evidence=evidence)
    return [new_root if f is root else f for f in findings if id(f) not in folded]


def folded_rules(f: Finding) -> tuple[str, ...]:
    """The rule IDs folded into ``f`` (a TLS-001 finding), or ()."""
    if f.rule != ROOT_RULE:
        return ()
    rules = f.evidence.get(RULES_KEY)
    return tuple(r for r in rules if isinstance(r, str)) if isinstance(rules, list | tuple) else ()


def folded_count(findings: Iterable[Finding]) -> int:
    """How many skipped findings the list holds folded (counted in ``summary.skipped``)."""
    return sum(len(folded_rules(f)) for f in findings)


def unfold(findings: Iterable[Finding]) -> Iterator[Finding]:
    """The findings as listed before folding: each folded skip back in its place (rule order
    within its endpoint, as the engine sorts), the TLS-001 finding without the two keys."""
    run: list[Finding] = []
    for f in findings:
        if run and _place(f) != _place(run[0]):
            yield from _unfold_run(run)
            run = []
        run.append(f)
    yield from _unfold_run(run)


def _unfold_run(run: list[Finding]) -> list[Finding]:
    if not any(folded_rules(f) for f in run):
        return run
    out: list[Finding] = []
    for f in run:
        rules = folded_rules(f)
        reason = f.evidence.get(REASON_KEY)
        if not rules or not isinstance(reason, str):
            out.append(f)
            continue
        evidence = {k: v for k, v in f.evidence.items() if k not in (RULES_KEY, REASON_KEY)}
        out.append(replace(f, evidence=evidence))
        out += (_rebuilt(f, r, reason) for r in rules if r in RULES)
    # Endpoint findings are sorted by rule within their place (_engine._order_key).
    return sorted(out, key=lambda f: f.rule)
