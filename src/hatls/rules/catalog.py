"""The rule catalogue (RULES.md): one table, IDs and default severities are the contract."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from hatls.rules.model import Severity


class Scope(StrEnum):
    ENDPOINT = "endpoint"
    PAIR = "pair"


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleInfo:
    id: str
    severity: Severity
    scope: Scope
    title: str            # one line: what must hold
    statement: str        # the rule as RULES.md states it
    check: str            # how hatls checks it
    remediation: str      # what to change, in Genesys terms where they apply
    reference: str        # guide step / note or standard section


def _build() -> Mapping[str, RuleInfo]:
    from hatls.rules.catalog_gha import GHA_RULES
    from hatls.rules.catalog_tls import TLS_RULES

    table: dict[str, RuleInfo] = {}
    for info in (*GHA_RULES, *TLS_RULES):
        if info.id in table:
            raise ValueError(f"duplicate rule id {info.id}")
        table[info.id] = info
    return dict(sorted(table.items()))


RULES: Mapping[str, RuleInfo] = _build()


def rule(rule_id: str) -> RuleInfo:
    return RULES[rule_id]
