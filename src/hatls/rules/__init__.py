"""The rules of RULES.md: pure functions from observations, inventory and policy to findings.

``judge`` runs every rule (``rules.endpoint``, ``rules.pair``) and applies the policy; ``rule``
binds a check to its ID in the catalogue (``rules.catalog``); the fold helpers put the skips of an
unreachable port into its TLS-001 finding and back.

The names are imported when first used. The catalogue sits *below* the policy and the inventory
(the policy checks the rule IDs it names against it) while the engine sits *above* them (it judges
an inventory under a policy). A package's ``__init__`` runs before any of its subpackages, so an
eager face here would load the engine, hence the policy, whenever the policy loads the catalogue:
the layers would import each other. Lazy, ``hatls.rules.catalog`` stays a leaf.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_PUBLIC = {
    "EndpointContext": "hatls.rules._context",
    "PairContext": "hatls.rules._context",
    "Trust": "hatls.rules._context",
    "INTERNAL_MARK": "hatls.rules._engine",
    "is_internal": "hatls.rules._engine",
    "judge": "hatls.rules._engine",
    "pair_trust": "hatls.rules._engine",
    "scan_trust": "hatls.rules._engine",
    "REASON_KEY": "hatls.rules._fold",
    "ROOT_RULE": "hatls.rules._fold",
    "RULES_KEY": "hatls.rules._fold",
    "fold_endpoint": "hatls.rules._fold",
    "folded_count": "hatls.rules._fold",
    "folded_rules": "hatls.rules._fold",
    "unfold": "hatls.rules._fold",
    "EndpointRule": "hatls.rules._rule",
    "PairRule": "hatls.rules._rule",
    "Rule": "hatls.rules._rule",
    "rule": "hatls.rules._rule",
}


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'hatls.rules' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


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
