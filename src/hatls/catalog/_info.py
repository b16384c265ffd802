"""What the catalogue says of one rule (docs/rules.md): its ID, default severity, scope and texts.

A leaf over hatls.findings: the policy reads the catalogue, and the rules are defined against it,
so nothing here may import either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hatls.findings import Severity


class Scope(StrEnum):
    ENDPOINT = "endpoint"
    PAIR = "pair"


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleInfo:
    id: str
    severity: Severity
    scope: Scope
    title: str            # one line: what must hold
    statement: str        # the rule as docs/rules.md states it
    check: str            # how hatls checks it
    remediation: str      # what to change, in Genesys terms where they apply
    reference: str        # guide step / note or standard section
