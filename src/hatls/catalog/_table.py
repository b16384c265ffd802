"""The rule catalogue (docs/rules.md): one table, IDs and default severities are the contract."""

from __future__ import annotations

from collections.abc import Mapping

from hatls.catalog._gha import GHA_RULES
from hatls.catalog._info import RuleInfo
from hatls.catalog._tls import TLS_RULES


def _build() -> Mapping[str, RuleInfo]:
    table: dict[str, RuleInfo] = {}
    for info in (*GHA_RULES, *TLS_RULES):
        if info.id in table:
            raise ValueError(f"duplicate rule id {info.id}")
        table[info.id] = info
    return dict(sorted(table.items()))


RULES: Mapping[str, RuleInfo] = _build()


def rule_info(rule_id: str) -> RuleInfo:
    return RULES[rule_id]
