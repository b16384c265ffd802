"""The pair rules GHA-001 … GHA-009, in ID order, as the engine runs them.

Each rule takes a PairContext and returns its findings: one per pair, or one per HA link port where
RULES.md says each is judged (GHA-001/004/007/009). The engine derives a rule's ID from its function
name (gha_005 -> GHA-005), applies the policy's overrides, and turns an exception into an internal
error finding. The rules live by theme in rules/pair_*.py.
"""

from __future__ import annotations

from collections.abc import Callable

from hatls.rules.model import Finding, PairContext
from hatls.rules.pair_certs import gha_005, gha_006
from hatls.rules.pair_cs import gha_008
from hatls.rules.pair_link import gha_001, gha_003, gha_004
from hatls.rules.pair_rehearsal import gha_009
from hatls.rules.pair_twins import gha_002, gha_007

PairRule = Callable[[PairContext], tuple[Finding, ...]]

PAIR_RULES: tuple[PairRule, ...] = (
    gha_001, gha_002, gha_003, gha_004, gha_005, gha_006, gha_007, gha_008, gha_009,
)

__all__ = [
    "PAIR_RULES", "PairRule", "gha_001", "gha_002", "gha_003", "gha_004", "gha_005", "gha_006",
    "gha_007", "gha_008", "gha_009",
]
