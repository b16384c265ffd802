"""The @rule registry: each rule's ID is said once, at its definition, and names its catalogue entry."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import replace

import pytest
from builders_tls import context, judge

from hatls.catalog import RULES, Scope
from hatls.findings import Finding, Status
from hatls.inventory import Mode
from hatls.rules import EndpointContext, Rule, rule
from hatls.rules.endpoint import ENDPOINT_RULES, tls_001, tls_010
from hatls.rules.pair import PAIR_RULES

ALL_RULES: tuple[Rule, ...] = (*ENDPOINT_RULES, *PAIR_RULES)  # type: ignore[type-arg]
RULE_ID = re.compile(r"(TLS|GHA)-\d{3}")


def test_every_catalogue_entry_has_exactly_one_rule_of_its_scope() -> None:
    ids = [r.id for r in ALL_RULES]
    assert sorted(ids) == sorted(RULES) and len(set(ids)) == len(ids)
    assert all(r.info is RULES[r.id] for r in ALL_RULES)
    assert {r.info.scope for r in ENDPOINT_RULES} == {Scope.ENDPOINT}
    assert {r.info.scope for r in PAIR_RULES} == {Scope.PAIR}


def test_the_rules_run_in_id_order() -> None:
    for rules in (ENDPOINT_RULES, PAIR_RULES):
        assert [r.id for r in rules] == sorted(r.id for r in rules)


def test_an_id_the_catalogue_does_not_know_is_refused_at_definition() -> None:
    with pytest.raises(KeyError):
        rule("TLS-999")


@pytest.mark.parametrize("registered", ALL_RULES, ids=lambda r: r.id)
def test_a_rule_body_never_repeats_its_own_id(registered: Rule) -> None:  # type: ignore[type-arg]
    source = textwrap.dedent(inspect.getsource(registered.check))
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    decorator = ast.unparse(function.decorator_list[0])
    assert decorator == f"rule({registered.id!r})"
    body = [node.value for statement in function.body for node in ast.walk(statement)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert registered.id not in {text for text in body if RULE_ID.fullmatch(text)}


def test_a_rule_judges_under_its_own_id_whatever_the_context_says() -> None:
    # A pair rule hands an endpoint rule a context it built (pair/_common.tls_002_defect): the
    # finding must still carry the endpoint rule's ID, never the caller's.
    ctx = replace(context(mode=Mode.UNSECURED), rule="GHA-001")
    found = judge(tls_010, ctx, Status.SKIPPED)
    assert found.rule == "TLS-010" and found.severity is RULES["TLS-010"].severity
    assert judge(tls_001, ctx, tls_001(ctx).status).rule == "TLS-001"


def test_a_check_reads_the_id_it_is_run_under() -> None:
    seen: list[str] = []

    def check(ctx: EndpointContext) -> Finding:
        seen.append(ctx.rule)
        return tls_010.check(ctx)

    bound = rule("TLS-010")(check)
    assert bound.id == "TLS-010" and bound.info is RULES["TLS-010"]
    assert bound(context()).rule == "TLS-010" and seen == ["TLS-010"]
