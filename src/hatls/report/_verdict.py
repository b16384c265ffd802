"""The verdict every output shows: compliant, not compliant, or incomplete (docs/report.md).

Only a complete scan can be compliant. The verdict is decided here, once, from the scan's status
and the summary together, so a partial report saved by an older hatls (whose summary said
``compliant: true``) or edited by hand is still read as incomplete by ``render``, ``export`` and
``diff``: no output can show a partial scan as compliant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hatls.report._model import Report, ScanStatus


class Verdict(StrEnum):
    COMPLIANT = "compliant"
    NOT_COMPLIANT = "not compliant"
    INCOMPLETE = "incomplete"


def verdict_for(status: ScanStatus, compliant: bool | None) -> Verdict:
    if status is not ScanStatus.COMPLETE or compliant is None:
        return Verdict.INCOMPLETE
    return Verdict.COMPLIANT if compliant else Verdict.NOT_COMPLIANT


def verdict_of(report: Report) -> Verdict:
    return verdict_for(report.scan.status, report.summary.compliant)


def compliant_of(report: Report) -> bool | None:
    """``summary.compliant`` as the outputs print it: None (no verdict) for an incomplete scan."""
    verdict = verdict_of(report)
    return None if verdict is Verdict.INCOMPLETE else verdict is Verdict.COMPLIANT


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """How much of the plan the scan saw."""

    endpoints: int
    not_probed: int        # endpoints the scan never got a first answer from (or never tried)
    checks_not_made: int   # findings skipped because an observation was not collected


def coverage(report: Report) -> Coverage:
    return Coverage(endpoints=len(report.endpoints),
                    not_probed=sum(1 for e in report.endpoints if e.reachable is None),
                    checks_not_made=report.summary.not_checked)


def incomplete_reason(report: Report) -> str:
    """Why the report has no verdict, and how much it did not see, in one sentence."""
    seen = coverage(report)
    if report.scan.status is not ScanStatus.COMPLETE:
        why = f"the scan was {report.scan.status.value}"
    elif report.summary.pairs == 0:
        why = "the scan judged no pair"
    else:
        why = "the report carries no verdict"
    return (f"{why}: {seen.not_probed} of {seen.endpoints} endpoint(s) not probed, "
            f"{seen.checks_not_made} check(s) not made; a partial scan is never compliant")
