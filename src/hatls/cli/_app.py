"""The hatls command line: a thin layer over the public API (REPORT.md "Command line")."""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import trio
import typer

from hatls._version import __version__
from hatls.cli._diff import ReportFileError, diff, load_report_file
from hatls.cli._evidence import init, sign, verify
from hatls.cli._import import import_inventory
from hatls.cli._merge import merge_command
from hatls.cli._outputs import ExportPaths, check_exports, export
from hatls.cli._scan import (
    EXIT_CANNOT_RUN,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ScanRequest,
    pdf_unavailable,
    rehearse_templates,
    run_scan,
    utc_now,
    write_pdf,
)
from hatls.evidence import DetachedSignature, EvidenceError, signature_from_text
from hatls.files import (
    UsagePlanError,
    check_output,
    inventory_inputs,
    plan_files,
    read_report,
    write_output,
)
from hatls.identity import load_identities
from hatls.inventory import InventoryError, ReportLabels, load_inventory
from hatls.inventory.build import MAX_LABEL_CHARS
from hatls.policy import BUILTIN_POLICIES, PolicyError, load_policy
from hatls.probe.scanner import ScanLimits
from hatls.report.html import HtmlTemplateError, check_templates
from hatls.report.output import OutputError
from hatls.rules.catalog import RULES
from hatls.rules.model import Severity
from hatls.waivers import load_waivers
from hatls.zones import ZoneError, check_zone

# Typer turns a KeyboardInterrupt during a command into exit 130; hatls's status for it is 4.
_TYPER_INTERRUPTED = 130

app = typer.Typer(
    name="hatls", no_args_is_help=True, add_completion=True, rich_markup_mode=None,
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


def scan(
    inventory: Annotated[Path, typer.Argument(metavar="INVENTORY", help="The inventory file (TOML).")],
    json_out: Annotated[str | None, typer.Option(
        "--json", metavar="PATH", help="Write the JSON report here ('-' = standard output).")] = None,
    html_out: Annotated[str | None, typer.Option(
        "--html", metavar="PATH", help="Write the HTML report here.")] = None,
    policy: Annotated[str | None, typer.Option(
        metavar="NAME|FILE",
        help="A built-in policy (`hatls policies` lists them) or a policy file. "
             "Default: the inventory's [scan] policy, else genesys-ha.")] = None,
    fail_on: Annotated[Severity, typer.Option(
        metavar="SEVERITY",
        help="The lowest severity whose fail or error breaks compliance: critical, high, "
             "medium, low or info.")] = Severity.HIGH,
    max_connections_per_host: Annotated[int | None, typer.Option(
        min=1, max=64, metavar="N",
        help="At most N connections at once to one address. "
             "Default: the inventory's, else 4.")] = None,
    timeout: Annotated[float | None, typer.Option(
        min=0.1, metavar="SECONDS",
        help="Time allowed for one TLS exchange. Default: the inventory's handshake_timeout, "
             "else 10.")] = None,
    connect_timeout: Annotated[float | None, typer.Option(
        min=0.1, metavar="SECONDS",
        help="Time allowed for a TCP connect. Default: the inventory's, else 5.")] = None,
    delay: Annotated[float, typer.Option(
        min=0.0, metavar="SECONDS",
        help="Least time between two connection starts to one address.")] = 0.0,
    retries: Annotated[int, typer.Option(
        min=0, max=5, metavar="N",
        help="Retries of an endpoint's first handshake after a reset or timeout.")] = 1,
    backoff: Annotated[float, typer.Option(
        min=0.0, metavar="SECONDS", help="Wait before the first retry; doubles for each next.")] = 0.5,
    template_dir: Annotated[str | None, typer.Option(
        metavar="DIR", help="Folder with your own HTML report templates.")] = None,
    junit: Annotated[str | None, typer.Option(
        metavar="PATH", help="Also write a JUnit XML report here (one test per finding).")] = None,
    sarif: Annotated[str | None, typer.Option(
        metavar="PATH", help="Also write a SARIF 2.1.0 log here (code-scanning tools).")] = None,
    metrics: Annotated[str | None, typer.Option(
        metavar="PATH", help="Also write Prometheus textfile metrics here.")] = None,
    baseline: Annotated[Path | None, typer.Option(
        metavar="REPORT.json",
        help="An earlier JSON report: what changed since then goes into the new report and "
             "the summary.")] = None,
    pdf_out: Annotated[str | None, typer.Option(
        "--pdf", metavar="PATH",
        help="Also write the report as PDF here (needs WeasyPrint: hatls[pdf]).")] = None,
    waivers: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="Accepted risks (TOML): findings a live waiver covers no longer break compliance. "
             "Default: the inventory's [scan] waivers.")] = None,
    title: Annotated[str | None, typer.Option(
        metavar="TEXT", help="The report's title (else the inventory's [report] title).")] = None,
    change: Annotated[str | None, typer.Option(
        metavar="ID", help="The change-request id the report belongs to, e.g. CHG0012345.")] = None,
    prepared_by: Annotated[str | None, typer.Option(
        metavar="NAME", help="Who prepared the report.")] = None,
    zone: Annotated[str | None, typer.Option(
        metavar="ZONE",
        help="Probe only this zone's servers; the report has no verdict until `hatls merge`.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, metavar="N",
        help="Probing processes (default: the cores, at most 8, one per 64 endpoints).")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress or summary on standard error.")] = False,
) -> None:
    """Probe every pair of INVENTORY over TLS, judge it, and write the reports.

    Exit status: 0 compliant, 1 not compliant, 2 usage or inventory error (nothing scanned),
    3 the scan could not run (no endpoint reachable, an output not writable), 4 interrupted."""
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
        if zone is not None:
            check_zone(inv, zone)
    except ZoneError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except ReportFileError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except InventoryError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except PolicyError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    exports = ExportPaths(junit=junit, sarif=sarif, metrics=metrics)
    policy_file = policy if policy is not None and policy not in BUILTIN_POLICIES else None
    try:
        plan_files(inputs=(("INVENTORY", inventory), ("--baseline", baseline), ("--policy", policy_file),
                           ("--waivers", waiver_file), *inventory_inputs(inv)),
                   outputs=(("--json", json_out), ("--html", html_out), ("--pdf", pdf_out),
                            ("--junit", junit), ("--sarif", sarif), ("--metrics", metrics)))
        check_templates(template_dir)
        if template_dir is not None:
            rehearse_templates(inv, chosen, fail_on, template_dir)
    except (UsagePlanError, HtmlTemplateError) as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    try:
        for path in (json_out, html_out, pdf_out):
            check_output(path)
        check_exports(exports)
    except OutputError as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
    base = ScanLimits.from_inventory(inv)
    limits = ScanLimits(
        connect_timeout=connect_timeout or base.connect_timeout,
        handshake_timeout=timeout or base.handshake_timeout,
        max_connections_per_host=max_connections_per_host or base.max_connections_per_host,
        max_connections=base.max_connections, delay=delay, retries=retries, backoff=backoff)
    request = ScanRequest(inventory=inv, policy=chosen, fail_on=fail_on, limits=limits,
                          json_path=json_out, html_path=html_out, template_dir=template_dir,
                          quiet=quiet, identities=identities, exports=exports, baseline=older,
                          pdf_path=pdf_out, waivers=accepted, labels=labels,
                          zone=zone, workers=workers)
    try:
        report, status = trio.run(run_scan, request)
    except OutputError as exc:  # e.g. the disk filled up while the report was written
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
    except HtmlTemplateError as exc:  # found only when rendering; the other outputs are written
        raise _fail(f"{html_out}: not written: {exc}", EXIT_CANNOT_RUN) from None
    if not quiet:
        from hatls.report.text import summary_lines

        for line in summary_lines(report):
            typer.echo(line, err=True)
    raise typer.Exit(status)


def demo(
    out: Annotated[
        Path, typer.Option(metavar="DIR", help="Folder for the lab inventory, its PKI and the reports.")
    ] = Path("hatls-demo"),
    serve: Annotated[bool, typer.Option(
        "--serve", help="Start the lab, write its inventory to OUT and keep it up until Ctrl-C, "
                        "without scanning it: scan it yourself.")] = False,
    fixed: Annotated[bool, typer.Option(
        "--fixed", help="With --serve: the lab with its planted faults fixed (to see a diff).")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress or summary on standard error.")] = False,
) -> None:
    """Start the built-in loopback lab of HA pairs, scan it, write the reports to OUT. Exit 1 is
    the normal result: the lab has faults planted on purpose."""
    from hatls.cli._demo import run_demo

    if fixed and not serve:
        raise _fail("--fixed goes with --serve", EXIT_USAGE)
    try:
        status = run_demo(out, quiet=quiet, serve=serve, fixed=fixed)
    except OutputError as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
    except OSError as exc:  # the folder or the lab inventory could not be written
        raise _fail(f"{out}: cannot write: {exc.strerror or exc}", EXIT_CANNOT_RUN) from None
    raise typer.Exit(status)


def _labels(title: str | None, change: str | None, prepared_by: str | None) -> ReportLabels:
    for option, value in (("--title", title), ("--change", change), ("--prepared-by", prepared_by)):
        if value is not None and (len(value) > MAX_LABEL_CHARS or not value.isprintable()):
            raise _fail(f"{option}: must be one line of at most {MAX_LABEL_CHARS} characters",
                        EXIT_USAGE)
    return ReportLabels(title=title or None, change=change or None, prepared_by=prepared_by or None)


def _require_pdf() -> None:
    if (problem := pdf_unavailable()) is not None:
        raise _fail(problem, EXIT_USAGE)


def _signature_beside(report_path: Path) -> DetachedSignature | None:
    """REPORT.json.sig, when there is a readable one: page 1 names it (unverified, see there)."""
    sig = Path(f"{report_path}.sig")
    try:
        with sig.open("rb") as handle:
            return signature_from_text(handle.read(1 << 20).decode("utf-8", errors="replace"))
    except (OSError, EvidenceError):
        return None


def render(
    report_path: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A saved JSON report.")],
    html_out: Annotated[str | None, typer.Option(
        "--html", metavar="PATH", help="Write the HTML report here ('-' = standard output).")] = None,
    pdf_out: Annotated[str | None, typer.Option(
        "--pdf", metavar="PATH", help="Write the report as PDF here (needs hatls[pdf]).")] = None,
    template_dir: Annotated[str | None, typer.Option(
        metavar="DIR", help="Folder with your own HTML report templates.")] = None,
    title: Annotated[str | None, typer.Option(
        metavar="TEXT", help="The report's title (over the saved one).")] = None,
    change: Annotated[str | None, typer.Option(
        metavar="ID", help="The change-request id, e.g. CHG0012345.")] = None,
    prepared_by: Annotated[str | None, typer.Option(
        metavar="NAME", help="Who prepared the report.")] = None,
) -> None:
    """Render a saved JSON report as HTML and/or PDF again: no network, no inventory file needed."""
    from hatls.report.html import iter_html, render_html

    if html_out is None and pdf_out is None:
        raise _fail("render needs --html PATH or --pdf PATH (or both)", EXIT_USAGE)
    labels = _labels(title, change, prepared_by)
    if pdf_out is not None:
        _require_pdf()
    try:
        plan_files(inputs=(("REPORT.json", report_path),),
                   outputs=(("--html", html_out), ("--pdf", pdf_out)))
        check_templates(template_dir)
        # Validated as it is parsed piece by piece through a memory map, never held whole;
        # the SHA-256 from the same open file (hatls.files.read_report).
        report, digest = read_report(report_path)
    except (UsagePlanError, HtmlTemplateError, ReportFileError) as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    if labels != ReportLabels():
        # Shown on the page only: the JSON (and its SHA-256 the page names) stays as it was.
        report = replace(report, scan=replace(report.scan, report=labels.over(report.scan.report)))
    try:
        for path in (html_out, pdf_out):
            check_output(path)
        signature = _signature_beside(report_path)
        if pdf_out:
            # The PDF is made from the whole page: held once, for both files.
            html = render_html(report, template_dir=template_dir, json_sha256=digest,
                               signature=signature)
            if html_out:
                write_output(html_out, html)
            write_pdf(pdf_out, html)
        elif html_out:
            # Streamed: the page goes to its file piece by piece, never held whole.
            write_output(html_out, iter_html(report, template_dir=template_dir,
                                             json_sha256=digest, signature=signature))
    except HtmlTemplateError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except OutputError as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None


def validate(inventory: Annotated[Path, typer.Argument(
        metavar="INVENTORY", help="The inventory file (TOML).")]) -> None:
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


def rules(rule_id: Annotated[str | None, typer.Argument(
        metavar="[ID]", help="A rule ID such as GHA-005: explain that rule.")] = None) -> None:
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
    from hatls.report.diff import drift_schema
    from hatls.report.schema import inventory_schema, report_schema

    schemas = {"report": report_schema, "drift": drift_schema, "inventory": inventory_schema}
    if what not in schemas:
        raise _fail("schema takes 'report', 'drift' or 'inventory'", EXIT_USAGE)
    typer.echo(json.dumps(schemas[what](), indent=2))


# The commands in the order people use them: write an inventory, check it, scan, look at the
# report, compare, feed CI, sign, verify; then the demo and the reference. `--help` lists them so.
COMMANDS: tuple[tuple[str, Callable[..., None], str], ...] = (
    ("init", init, "Write a commented inventory template to fill in."),
    ("import", import_inventory, "Draft an inventory from Genesys configuration data."),
    ("validate", validate, "Check an inventory; connects to nothing."),
    ("scan", scan, "Probe every pair of an inventory and write the reports."),
    ("merge", merge_command, "Join the zone reports of one inventory and judge every pair once."),
    ("render", render, "Render a saved JSON report as HTML again, without the network."),
    ("diff", diff, "Compare two saved reports: what got better or worse."),
    ("export", export, "Write JUnit, SARIF or Prometheus metrics from a saved report."),
    ("sign", sign, "Sign a file: the JSON, HTML or PDF report (detached signature)."),
    ("verify", verify, "Check a signed file against its signature."),
    ("demo", demo, "Start a built-in loopback lab of HA pairs and scan it."),
    ("rules", rules, "List the rules, or explain one."),
    ("policies", policies, "List the built-in policies with their sources."),
    ("schema", schema, "Print the JSON Schema of the report, the drift or the inventory."),
)
for _name, _function, _short in COMMANDS:
    app.command(name=_name, short_help=_short)(_function)


def _interrupted() -> None:
    typer.echo("hatls: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _only_interrupts(group: BaseExceptionGroup[BaseException]) -> bool:
    _, rest = group.split(KeyboardInterrupt)
    return rest is None


# A full disk, a closed pipe or a failing device behind standard output: a write failure.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT, errno.EFBIG})


def main() -> None:
    # SIGTERM before the scan's own handler is up (or after) ends like Ctrl-C: exit 4, not 143.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        app()
    except SystemExit as done:
        if done.code == _TYPER_INTERRUPTED:
            _interrupted()
        # The command has finished and chosen its status, which is what a scheduler acts on: a
        # Ctrl-C between here and the process's end (interpreter shutdown) must not replace it
        # with a death by signal.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise
    except KeyboardInterrupt:
        _interrupted()
    except BaseExceptionGroup as group:
        # Ctrl-C inside a trio nursery (a lab starting up) arrives wrapped in a group.
        if _only_interrupts(group):
            _interrupted()
        raise
    except OSError as exc:
        # A message line on standard output that could not be written (the outputs themselves
        # report their own failures): one line and exit 3, like every other write failure.
        if exc.errno not in _OUTPUT_ERRNOS:
            raise
        sys.stderr.write(f"hatls: standard output: cannot write: {exc.strerror or exc}\n")
        sys.exit(EXIT_CANNOT_RUN)
