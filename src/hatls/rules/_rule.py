"""``@rule("TLS-030")``: a rule's ID is said once, where the rule is defined.

The decorator binds a check function to its catalogue entry (an ID the catalogue does not know
fails at import). Calling the resulting ``Rule`` runs the check with the context's ``rule`` set to
that ID, so the helpers that build its findings (``finding``, ``skipped``, ``fold`` …) read the ID
from the context and a rule body never repeats it. The engine reads ``Rule.id``; nothing derives an
ID from a function's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from hatls.catalog import RULES, RuleInfo
from hatls.findings import Finding
from hatls.rules._context import EndpointContext, PairContext

C = TypeVar("C", EndpointContext, PairContext)
R = TypeVar("R", Finding, tuple[Finding, ...])


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule(Generic[C, R]):
    info: RuleInfo
    check: Callable[[C], R]

    @property
    def id(self) -> str:
        return self.info.id

    def __call__(self, ctx: C) -> R:
        return self.check(ctx if ctx.rule == self.info.id else replace(ctx, rule=self.info.id))


EndpointRule = Rule[EndpointContext, Finding]
PairRule = Rule[PairContext, tuple[Finding, ...]]


def rule(rule_id: str) -> Callable[[Callable[[C], R]], Rule[C, R]]:
    """Register the decorated check as the rule ``rule_id`` of the catalogue."""
    info = RULES[rule_id]

    def bind(check: Callable[[C], R]) -> Rule[C, R]:
        return Rule(info=info, check=check)

    return bind
