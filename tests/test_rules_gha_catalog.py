"""The GHA catalogue entries and PAIR_RULES against the docs/rules.md contract, and whole clean pairs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders_gha import (
    context,
    cs_pair,
    healthy,
    identity,
    make_pair,
    policy,
    refused,
    rehearsal,
)
from fixture_pki import NOW, certs

from hatls.catalog import RULES, RuleInfo, Scope
from hatls.catalog._gha import GHA_RULES
from hatls.findings import Severity, Status
from hatls.inventory import Pair, Redundancy
from hatls.rules import is_internal
from hatls.rules import judge as engine_judge
from hatls.rules.pair import PAIR_RULES

# docs/rules.md: "The IDs, their meaning and their default severity are the contract".
CONTRACT = {f"GHA-00{n}": Severity.HIGH for n in range(1, 10)} | {"GHA-005": Severity.CRITICAL}


def test_the_catalogue_has_every_gha_rule_with_its_contract_severity() -> None:
    assert {info.id: info.severity for info in GHA_RULES} == CONTRACT
    assert [info.id for info in GHA_RULES] == sorted(CONTRACT)
    assert all(RULES[info.id] is info for info in GHA_RULES)


@pytest.mark.parametrize("info", GHA_RULES, ids=lambda i: i.id)
def test_each_entry_is_complete_and_cites_the_guide(info: RuleInfo) -> None:
    assert info.scope is Scope.PAIR
    assert all((info.title, info.statement, info.check, info.remediation))
    assert info.reference.startswith("Securing High Availability Connections")


def test_remediations_speak_genesys() -> None:
    text = {info.id: info.remediation for info in GHA_RULES}
    assert "Listening Mode" in text["GHA-001"] and "HA sync" in text["GHA-001"]
    assert "HA sync" in text["GHA-003"] and "Port Info" in text["GHA-003"]
    assert "Application" in text["GHA-004"] and "Host" in text["GHA-004"]
    assert "thumbprint" in text["GHA-005"] and "Windows" in text["GHA-005"]
    assert "SChannel" in text["GHA-007"]
    assert "Auto Detect" in text["GHA-008"]


def test_pair_rules_run_in_id_order_and_name_their_catalogue_entries() -> None:
    ids = [fn.id for fn in PAIR_RULES]
    assert ids == [info.id for info in GHA_RULES]


def _clean_pairs() -> list[Pair]:
    return [make_pair(client=identity("client-scanner")), cs_pair()]


@pytest.mark.parametrize("pair", _clean_pairs(), ids=["t-server", "configuration-server"])
def test_a_clean_pair_shows_only_pass_and_skipped(pair: Pair) -> None:
    # docs/rules.md: "A clean pair shows only pass and skipped."
    observations = [o if o.port_id != "secure" else replace(o, rehearsal=rehearsal())
                    for o in healthy(pair)]
    findings = [f for rule in PAIR_RULES for f in rule(context(pair, observations))]
    assert {f.status for f in findings} <= {Status.PASS, Status.SKIPPED}
    assert any(f.status is Status.PASS for f in findings)


def test_an_idle_warm_standby_backup_never_breaks_a_clean_pair() -> None:
    pair = make_pair(redundancy=Redundancy.WARM_STANDBY)
    obs = healthy(pair, backup_default=refused, backup_secure=refused)
    findings = [f for rule in PAIR_RULES for f in rule(context(pair, obs))]
    assert {f.status for f in findings} <= {Status.PASS, Status.SKIPPED}
    assert any(f.evidence.get("depends_on") == "TLS-001" for f in findings)


def test_nothing_probed_never_reads_as_pass_for_live_rules() -> None:
    findings = [f for rule in PAIR_RULES for f in rule(context(make_pair(), []))]
    live_only = {"GHA-005", "GHA-006", "GHA-007", "GHA-009"}
    assert all(f.status is not Status.PASS for f in findings if f.rule in live_only)
    assert all(f.status is not Status.PASS for f in findings if f.rule in {"GHA-001", "GHA-002"})



def test_the_engine_runs_every_pair_rule_without_internal_errors() -> None:
    pair = make_pair(redundancy=Redundancy.WARM_STANDBY)
    ctx = context(pair)
    findings = engine_judge(ctx.inventory, healthy(pair), policy(), now=NOW,
                            scan_anchors=certs("ha-ca"))
    gha = [f for f in findings if f.rule.startswith("GHA-")]
    assert not any(is_internal(f) for f in findings)
    assert sorted({f.rule for f in gha}) == [info.id for info in GHA_RULES]
    assert {f.status for f in gha} <= {Status.PASS, Status.SKIPPED}
