"""The hatls command line: a thin layer over the public API (REPORT.md "Command line")."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import trio
import typer

from hatls._version import __version__
from hatls.cli_diff import ReportFileError, load_report_file
from hatls.cli_diff import register as register_diff
from hatls.cli_evidence import register as register_evidence
from hatls.cli_outputs import ExportPaths, check_exports, usage_problem
from hatls.cli_outputs import register as register_outputs
from hatls.identity import load_identities
from hatls.inventory import InventoryError, load_inventory
from hatls.policy import BUILTIN_POLICIES, PolicyError, load_policy
from hatls.probe.scanner import ScanLimits
from hatls.report.output import OutputError, check_writable
from hatls.rules.catalog import RULES
from hatls.rules.model import Severity
from hatls.scan_cli import EXIT_CANNOT_RUN, EXIT_USAGE, ScanRequest, run_scan

app = typer.Typer(
    name="hatls", no_args_is_help=True, add_completion=True,
    help="Live TLS probe and compliance scanner for high-availability server pairs.",
)


def _fail(message: str, status: int) -> typer.Exit:
    typer.echo(f"hatls: {message}", err=True)
    return typer.Exit(status)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hatls {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """hatls reads an inventory of primary/backup pairs, probes every port over TLS, and judges
    each pair side by side against the Genesys HA guide and a TLS policy."""


@app.command()
def scan(
    inventory: Annotated[Path, typer.Argument(help="The inventory file (TOML).")],
    json_out: Annotated[
        str | None, typer.Option("--json", help="Write the JSON report here ('-' = stdout).")] = None,
    html_out: Annotated[str | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    policy: Annotated[str | None, typer.Option(help="Built-in policy name or a policy file.")] = None,
    fail_on: Annotated[
        Severity, typer.Option(help="Lowest severity that breaks compliance.")] = Severity.HIGH,
    max_connections_per_host: Annotated[int | None, typer.Option(min=1, max=64)] = None,
    timeout: Annotated[float | None, typer.Option(min=0.1, help="Seconds for one TLS exchange.")] = None,
    connect_timeout: Annotated[float | None, typer.Option(min=0.1, help="Seconds for TCP connect.")] = None,
    delay: Annotated[float, typer.Option(
        min=0.0, help="Least time between two connection starts to one address.")] = 0.0,
    retries: Annotated[int, typer.Option(
        min=0, max=5, help="Retries of an endpoint's first handshake after a reset or timeout.")] = 1,
    backoff: Annotated[float, typer.Option(min=0.0, help="Seconds before the first retry; doubles.")] = 0.5,
    template_dir: Annotated[str | None, typer.Option(help="Folder with your own report templates.")] = None,
    junit: Annotated[str | None, typer.Option(help="Write a JUnit XML report here.")] = None,
    sarif: Annotated[str | None, typer.Option(help="Write a SARIF 2.1.0 log here.")] = None,
    metrics: Annotated[str | None, typer.Option(help="Write Prometheus textfile metrics here.")] = None,
    baseline: Annotated[Path | None, typer.Option(
        help="A saved JSON report; what changed since then goes into the new report.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")] = False,
) -> None:
    """Scan every pair of INVENTORY and write the reports. Exit: 0 compliant, 1 not, 2 bad input,
    3 could not run, 4 interrupted."""
    try:
        inv = load_inventory(inventory)
        chosen = load_policy(policy or inv.scan.policy)
        identities = load_identities(inv, os.environ)
        older = load_report_file(baseline) if baseline is not None else None
    except ReportFileError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except InventoryError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except PolicyError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    exports = ExportPaths(junit=junit, sarif=sarif, metrics=metrics)
    if (problem := usage_problem(exports, stdout_taken=json_out == "-")) is not None:
        raise _fail(problem, EXIT_USAGE)
    try:
        for path in (json_out, html_out):
            if path:
                check_writable(path)
        check_exports(exports)
    except OutputError as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
    if template_dir is not None:
        from hatls.report.html import HtmlTemplateError, environment

        try:
            environment(template_dir)
        except HtmlTemplateError as exc:
            raise _fail(str(exc), EXIT_USAGE) from None
    base = ScanLimits.from_inventory(inv)
    limits = ScanLimits(
        connect_timeout=connect_timeout or base.connect_timeout,
        handshake_timeout=timeout or base.handshake_timeout,
        max_connections_per_host=max_connections_per_host or base.max_connections_per_host,
        max_connections=base.max_connections, delay=delay, retries=retries, backoff=backoff)
    request = ScanRequest(inventory=inv, policy=chosen, fail_on=fail_on, limits=limits,
                          json_path=json_out, html_path=html_out, template_dir=template_dir,
                          quiet=quiet, identities=identities, exports=exports, baseline=older)
    try:
        report, status = trio.run(run_scan, request)
    except OutputError as exc:  # e.g. the disk filled up while the report was written
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
    if not quiet:
        from hatls.report.text import summary_lines

        for line in summary_lines(report):
            typer.echo(line, err=True)
    raise typer.Exit(status)


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option(help="Folder for the lab inventory and the reports.")] = Path("hatls-demo"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Start the built-in loopback lab of HA pairs, scan it, write the reports to OUT."""
    from hatls.demo_cli import run_demo

    raise typer.Exit(run_demo(out, quiet=quiet))


@app.command()
def render(
    report_path: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A saved JSON report.")],
    html_out: Annotated[str, typer.Option("--html", help="Write the HTML report here.")],
    template_dir: Annotated[str | None, typer.Option(help="Folder with your own report templates.")] = None,
) -> None:
    """Render a saved JSON report as HTML again: no network, no inventory file needed."""
    from hatls.report.codec import read_report
    from hatls.report.html import HtmlTemplateError, iter_html
    from hatls.report.output import write_atomic

    try:
        # Parsed piece by piece through a memory map, never held whole (report/json_stream.py).
        with report_path.open("rb") as handle:
            report, digest = read_report(handle)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _fail(f"{report_path}: not a readable hatls report: {exc}"[:500], EXIT_USAGE) from None
    try:
        check_writable(html_out)
        # Streamed: the page goes to its file piece by piece, never held whole.
        write_atomic(html_out, iter_html(report, template_dir=template_dir, json_sha256=digest))
    except HtmlTemplateError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except OutputError as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None


@app.command()
def validate(inventory: Annotated[Path, typer.Argument(help="The inventory file (TOML).")]) -> None:
    """Check an inventory without connecting to anything."""
    try:
        inv = load_inventory(inventory)
        load_policy(inv.scan.policy)
        load_identities(inv, os.environ)
    except (InventoryError, PolicyError) as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    ports = sum(len(s.ports) for p in inv.pairs for s in p.servers())
    typer.echo(f"{inventory}: valid — {len(inv.pairs)} pair(s), {ports} port(s)")


@app.command()
def rules(rule_id: Annotated[str | None, typer.Argument(help="A rule ID such as GHA-005.")] = None) -> None:
    """List the rules, or explain one."""
    if rule_id is None:
        for listed in RULES.values():
            typer.echo(f"{listed.id}  {listed.severity.value:<8}  {listed.title}")
        return
    info = RULES.get(rule_id.upper())
    if info is None:
        raise _fail(f"no rule {rule_id!r}; `hatls rules` lists them", EXIT_USAGE)
    typer.echo(f"{info.id} ({info.severity.value}, {info.scope.value}) — {info.title}")
    for label, text in (("rule", info.statement), ("checked", info.check),
                        ("remediation", info.remediation), ("reference", info.reference)):
        typer.echo(f"\n{label}: {text}")


@app.command()
def policies() -> None:
    """List the built-in policies with their sources."""
    for name in BUILTIN_POLICIES:
        p = load_policy(name)
        typer.echo(f"{p.name:<22} {p.title} — {p.source_version}\n{'':<22} {p.source}")
        if p.notes:
            typer.echo(f"{'':<22} {p.notes}")


@app.command()
def schema(what: Annotated[str, typer.Argument(help="report | drift | inventory")]) -> None:
    """Print a JSON Schema: the report's, the drift output's, or the inventory's data model."""
    from hatls.report.diff import drift_schema
    from hatls.report.schema import inventory_schema, report_schema

    schemas = {"report": report_schema, "drift": drift_schema, "inventory": inventory_schema}
    if what not in schemas:
        raise _fail("schema takes 'report', 'drift' or 'inventory'", EXIT_USAGE)
    typer.echo(json.dumps(schemas[what](), indent=2))


register_outputs(app)
register_diff(app)
register_evidence(app)


def main() -> None:
    # SIGTERM before the scan's own handler is up (or after) ends like Ctrl-C: exit 4, not 143.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(4)
