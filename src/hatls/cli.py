"""The hatls command line: a thin layer over the public API (REPORT.md "Command line")."""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import replace
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
from hatls.evidence import DetachedSignature, EvidenceError, signature_from_text
from hatls.identity import load_identities
from hatls.inventory import InventoryError, ReportLabels, load_inventory
from hatls.inventory.build import MAX_LABEL_CHARS
from hatls.policy import BUILTIN_POLICIES, PolicyError, load_policy
from hatls.probe.scanner import ScanLimits
from hatls.report.output import OutputError, check_writable
from hatls.rules.catalog import RULES
from hatls.rules.model import Severity
from hatls.scan_cli import EXIT_CANNOT_RUN, EXIT_USAGE, ScanRequest, run_scan, utc_now, write_pdf
from hatls.waivers import load_waivers

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
    pdf_out: Annotated[str | None, typer.Option(
        "--pdf", help="Write the report as PDF here (needs hatls[pdf]).")] = None,
    waivers: Annotated[Path | None, typer.Option(
        help="Accepted risks (TOML): waived findings no longer break compliance.")] = None,
    title: Annotated[str | None, typer.Option(help="The report's title.")] = None,
    change: Annotated[str | None, typer.Option(help="The change-request id, e.g. CHG0012345.")] = None,
    prepared_by: Annotated[str | None, typer.Option(help="Who prepared the report.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")] = False,
) -> None:
    """Scan every pair of INVENTORY and write the reports. Exit: 0 compliant, 1 not, 2 bad input,
    3 could not run, 4 interrupted."""
    labels = _labels(title, change, prepared_by)
    if pdf_out is not None:
        _require_pdf()
    try:
        inv = load_inventory(inventory)
        chosen = load_policy(policy or inv.scan.policy)
        identities = load_identities(inv, os.environ)
        older = load_report_file(baseline) if baseline is not None else None
        waiver_file = str(waivers) if waivers is not None else inv.scan.waivers
        # The clock is read here (DESIGN: time is an input); the scan starts a moment later.
        accepted = () if waiver_file is None else load_waivers(
            waiver_file, today=utc_now().date(), pairs=(p.name for p in inv.pairs))
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
        for path in (json_out, html_out, pdf_out):
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
                          quiet=quiet, identities=identities, exports=exports, baseline=older,
                          pdf_path=pdf_out, waivers=accepted, labels=labels)
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


def _labels(title: str | None, change: str | None, prepared_by: str | None) -> ReportLabels:
    for option, value in (("--title", title), ("--change", change), ("--prepared-by", prepared_by)):
        if value is not None and (len(value) > MAX_LABEL_CHARS or not value.isprintable()):
            raise _fail(f"{option}: must be one line of at most {MAX_LABEL_CHARS} characters",
                        EXIT_USAGE)
    return ReportLabels(title=title or None, change=change or None, prepared_by=prepared_by or None)


def _require_pdf() -> None:
    """--pdf needs the optional WeasyPrint: say so before any work, not after the scan."""
    try:
        import hatls.report.pdf  # noqa: F401  (the import is the check)
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint found no Pango library
        raise _fail(f"--pdf needs WeasyPrint: pip install 'hatls[pdf]' (Debian also needs "
                    f"libpango-1.0-0 libpangoft2-1.0-0): {exc}"[:500], EXIT_USAGE) from None


def _signature_beside(report_path: Path) -> DetachedSignature | None:
    """REPORT.json.sig, when there is a readable one: page 1 names it (unverified, see there)."""
    sig = Path(f"{report_path}.sig")
    try:
        with sig.open("rb") as handle:
            return signature_from_text(handle.read(1 << 20).decode("utf-8", errors="replace"))
    except (OSError, EvidenceError):
        return None


@app.command()
def render(
    report_path: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A saved JSON report.")],
    html_out: Annotated[str | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    pdf_out: Annotated[str | None, typer.Option(
        "--pdf", help="Write the report as PDF here (needs hatls[pdf]).")] = None,
    template_dir: Annotated[str | None, typer.Option(help="Folder with your own report templates.")] = None,
    title: Annotated[str | None, typer.Option(help="The report's title (over the saved one).")] = None,
    change: Annotated[str | None, typer.Option(help="The change-request id, e.g. CHG0012345.")] = None,
    prepared_by: Annotated[str | None, typer.Option(help="Who prepared the report.")] = None,
) -> None:
    """Render a saved JSON report as HTML and/or PDF again: no network, no inventory file needed."""
    from hatls.evidence import report_sha256
    from hatls.report.codec import loads
    from hatls.report.html import HtmlTemplateError, render_html
    from hatls.report.output import write_atomic

    if html_out is None and pdf_out is None:
        raise _fail("render needs --html PATH or --pdf PATH (or both)", EXIT_USAGE)
    labels = _labels(title, change, prepared_by)
    if pdf_out is not None:
        _require_pdf()
    try:
        data = report_path.read_bytes()
        report = loads(data.decode("utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _fail(f"{report_path}: not a readable hatls report: {exc}"[:500], EXIT_USAGE) from None
    if labels != ReportLabels():
        # Shown on the page only: the JSON (and its SHA-256 the page names) stays as it was.
        report = replace(report, scan=replace(report.scan, report=labels.over(report.scan.report)))
    try:
        for path in (html_out, pdf_out):
            if path:
                check_writable(path)
        html = render_html(report, template_dir=template_dir, json_sha256=report_sha256(data),
                           signature=_signature_beside(report_path))
        if html_out:
            write_atomic(html_out, html)
        if pdf_out:
            write_pdf(pdf_out, html)
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
        if inv.scan.waivers is not None:
            load_waivers(inv.scan.waivers, today=utc_now().date(), pairs=(p.name for p in inv.pairs))
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
