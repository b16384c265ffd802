"""The rules of docs/rules.md: pure functions from observations, inventory and policy to findings.

``judge`` runs every rule (``rules.endpoint``, ``rules.pair``) and applies the policy; ``rule``
binds a check to its ID in the catalogue (``hatls.catalog``, a leaf below the policy); the fold
helpers put the skips of an unreachable port into its TLS-001 finding and back.
"""

from __future__ import annotations

from hatls.rules._context import EndpointContext, PairContext, Trust
from hatls.rules._engine import INTERNAL_MARK, is_internal, judge, pair_trust, scan_trust
from hatls.rules._fold import (
    REASON_KEY,
    ROOT_RULE,
    RULES_KEY,
    fold_endpoint,
    folded_count,
    folded_rules,
    unfold,
)
from hatls.rules._rule import EndpointRule, PairRule, Rule, rule

__all__ = [
    "INTERNAL_MARK",
    "REASON_KEY",
    "ROOT_RULE",
    "RULES_KEY",
    "EndpointContext",
    "EndpointRule",
    "PairContext",
    "PairRule",
    "Rule",
    "Trust",
    "fold_endpoint",
    "folded_count",
    "folded_rules",
    "is_internal",
    "judge",
    "pair_trust",
    "rule",
    "scan_trust",
    "unfold",
]
