"""Findings drift: which checks appeared, were resolved or changed status between two reports.

A finding is keyed (rule, pair, role, port_id, address), the key docs/report.md gives every finding. A
"finding" in the everyday sense is a problem (fail, error, warn); passes and skips of checks that
only one report made (a port added to the inventory) are not news and stay out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from hatls.findings import Finding, Status
from hatls.report import FindingChange, FindingDrift

PROBLEMS = frozenset({Status.FAIL, Status.ERROR, Status.WARN})
_BROKEN = frozenset({Status.FAIL, Status.ERROR})

FindingKey = tuple[str, str, str | None, str | None, str | None, int]


def finding_keys(findings: Iterable[Finding]) -> dict[FindingKey, Finding]:
    """Findings by key; a rule that (unusually) reports twice at one place is told apart by order."""
    seen: Counter[tuple[str, str, str | None, str | None, str | None]] = Counter()
    keyed: dict[FindingKey, Finding] = {}
    for f in findings:
        base = (f.rule, f.pair, f.role, f.port_id, f.address)
        keyed[(*base, seen[base])] = f
        seen[base] += 1
    return keyed


def got_worse(old: Status | None, new: Status | None) -> bool:
    """The issue's definition: a fail / error that is new or was pass, skipped or warn; or a warn
    that was a pass. Fail <-> error is the same trouble in other words, not a regression."""
    if new in _BROKEN:
        return old not in _BROKEN
    return new is Status.WARN and old is Status.PASS


def classify(old: Status | None, new: Status | None) -> FindingChange | None:
    """None when there is nothing to tell (same status, or a non-problem only one side has)."""
    if old == new:
        return None
    if new in PROBLEMS and old not in PROBLEMS:
        return FindingChange.APPEARED
    if old in PROBLEMS and new is Status.PASS:
        return FindingChange.RESOLVED
    if old is None or (new is None and old not in PROBLEMS):
        return None
    return FindingChange.CHANGED


def _drift(old: Finding | None, new: Finding | None) -> FindingDrift | None:
    old_status = old.status if old is not None else None
    new_status = new.status if new is not None else None
    change = classify(old_status, new_status)
    shown = new if new is not None else old
    if change is None or shown is None:
        return None
    return FindingDrift(
        rule=shown.rule, pair=shown.pair, role=shown.role, port_id=shown.port_id,
        address=shown.address, change=change, old_status=old_status, new_status=new_status,
        severity=shown.severity, message=shown.message, worse=got_worse(old_status, new_status))


def _order(item: FindingDrift) -> tuple[str, ...]:
    return (item.pair, item.role or "", item.port_id or "", item.address or "", item.rule)


def findings_drift(old: Iterable[Finding], new: Iterable[Finding]) -> tuple[FindingDrift, ...]:
    before, after = finding_keys(old), finding_keys(new)
    keys = list(before) + [k for k in after if k not in before]
    items = (_drift(before.get(k), after.get(k)) for k in keys)
    return tuple(sorted((i for i in items if i is not None), key=_order))
