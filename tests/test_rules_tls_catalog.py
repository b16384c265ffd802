"""The TLS rule catalogue against the reference (docs/rules.md): IDs and default severities."""

from __future__ import annotations

import re
from pathlib import Path

from hatls.catalog import RULES, Scope
from hatls.catalog._tls import TLS_RULES

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def contract_rows() -> dict[str, str]:
    rows = re.findall(r"^\| (TLS-\d{3}) \| (\w+) \|", CONTRACT.read_text(), re.MULTILINE)
    return dict(rows)


def test_every_contract_id_with_its_severity() -> None:
    expected = contract_rows()
    assert len(expected) == 23
    assert {info.id: info.severity.value for info in TLS_RULES} == expected


def test_every_rule_is_complete_and_registered() -> None:
    for info in TLS_RULES:
        assert info.scope is Scope.ENDPOINT
        assert all((info.title, info.statement, info.check, info.remediation, info.reference))
        assert RULES[info.id] is info
    assert [info.id for info in TLS_RULES] == sorted(info.id for info in TLS_RULES)


def test_remediation_names_genesys_options_where_they_apply() -> None:
    by_id = {info.id: info for info in TLS_RULES}
    assert "sec-protocol" in by_id["TLS-010"].remediation
    assert "SChannel" in by_id["TLS-011"].remediation
    assert "cipher-list" in by_id["TLS-020"].remediation
    assert "tls-mutual" in by_id["TLS-040"].remediation
    assert "tls-crl" in by_id["TLS-038"].remediation
