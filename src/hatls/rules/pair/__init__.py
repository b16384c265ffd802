"""The pair rules GHA-001 … GHA-009 of docs/rules.md, in ID order, as the engine runs them.

Each rule takes a PairContext and returns its findings: one per pair, or one per HA link port where
docs/rules.md says each is judged (GHA-001/004/007/009). Each is a ``Rule`` made by ``@rule("GHA-00x")``
at its definition; the engine applies the policy's overrides and turns an exception into an
internal error finding. The rules live by theme in the ``_*.py`` modules here.
"""

from __future__ import annotations

from hatls.rules._rule import PairRule
from hatls.rules.pair._certs import gha_005, gha_006
from hatls.rules.pair._cs import gha_008
from hatls.rules.pair._link import gha_001, gha_003, gha_004
from hatls.rules.pair._rehearsal import gha_009
from hatls.rules.pair._twins import gha_002, gha_007

PAIR_RULES: tuple[PairRule, ...] = tuple(sorted((
    gha_001, gha_002, gha_003, gha_004, gha_005, gha_006, gha_007, gha_008, gha_009,
), key=lambda r: r.id))

__all__ = [
    "PAIR_RULES", "gha_001", "gha_002", "gha_003", "gha_004", "gha_005", "gha_006",
    "gha_007", "gha_008", "gha_009",
]
