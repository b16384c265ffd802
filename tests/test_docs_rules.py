"""docs/rules.md and `hatls rules` cannot drift apart: the page quotes the command's output, and its
tables give every rule of the catalogue with the catalogue's default severity."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from hatls.catalog import RULES
from hatls.cli import app

PAGE = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
QUOTED = re.compile(r"<!-- output of: hatls rules -->\n```text\n(.*?)```", re.DOTALL)
ROW = re.compile(r"^\| ((?:GHA|TLS)-\d{3}) \| (\w+) \|", re.MULTILINE)


def test_the_page_quotes_hatls_rules_word_for_word() -> None:
    result = CliRunner().invoke(app, ["rules"])
    match = QUOTED.search(PAGE.read_text(encoding="utf-8"))

    assert result.exit_code == 0 and match is not None
    assert match.group(1) == result.output, (
        "docs/rules.md's 'At a glance' block differs from `hatls rules`: paste its output there")


def test_the_tables_name_every_rule_with_its_severity() -> None:
    rows = ROW.findall(PAGE.read_text(encoding="utf-8"))

    assert len(rows) == len(set(rows)) == len(RULES)
    assert dict(rows) == {info.id: info.severity.value for info in RULES.values()}


def test_each_rule_explained_by_hatls_rules_id_is_in_the_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for rule_id, info in RULES.items():
        result = CliRunner().invoke(app, ["rules", rule_id])
        assert result.exit_code == 0 and result.output.startswith(f"{rule_id} ({info.severity.value}")
        assert f"| {rule_id} | {info.severity.value} |" in text
