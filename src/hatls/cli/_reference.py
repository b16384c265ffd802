"""The reference commands: ``hatls rules [ID]``, ``hatls policies``, ``hatls schema WHAT``.

Exit status: 0 printed, 2 usage (no such rule, no such schema).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hatls.catalog import RULES
from hatls.cli._exit import EXIT_USAGE, fail
from hatls.policy import BUILTIN_POLICIES, load_policy
from hatls.report import drift_schema, inventory_schema, report_schema


def rules(rule_id: Annotated[str | None, typer.Argument(
        metavar="[ID]", help="A rule ID such as GHA-005: explain that rule.")] = None) -> None:
    """List the rules, or explain one."""
    if rule_id is None:
        for listed in RULES.values():
            typer.echo(f"{listed.id}  {listed.severity.value:<8}  {listed.title}")
        return
    info = RULES.get(rule_id.upper())
    if info is None:
        raise fail(f"no rule {rule_id!r}; `hatls rules` lists them", EXIT_USAGE)
    typer.echo(f"{info.id} ({info.severity.value}, {info.scope.value}) — {info.title}")
    for label, text in (("rule", info.statement), ("checked", info.check),
                        ("remediation", info.remediation), ("reference", info.reference)):
        typer.echo(f"\n{label}: {text}")


def policies() -> None:
    """List the built-in policies with their sources."""
    for name in BUILTIN_POLICIES:
        p = load_policy(name)
        typer.echo(f"{p.name:<22} {p.title} — {p.source_version}\n{'':<22} {p.source}")
        if p.notes:
            typer.echo(f"{'':<22} {p.notes}")


def schema(what: Annotated[str, typer.Argument(
        metavar="report|drift|inventory", help="Which schema to print.")]) -> None:
    """Print a JSON Schema: the report's, the drift output's, or the inventory's data model."""
    schemas = {"report": report_schema, "drift": drift_schema, "inventory": inventory_schema}
    if what not in schemas:
        raise fail("schema takes 'report', 'drift' or 'inventory'", EXIT_USAGE)
    typer.echo(json.dumps(schemas[what](), indent=2))
