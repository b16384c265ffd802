"""``hatls scan``, and the scan as the command line runs it: signals, progress, outputs, exit status.

The scan itself is the public ``hatls.scan``; this module adds what a command needs around it:
Ctrl-C and SIGTERM end the probes and still write the report, a progress bar, the baseline's drift,
the files, the exit status. Shared by ``hatls scan`` and ``hatls demo`` so the demo goes through
exactly the path users run. The command line is the only place that reads the clock.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import trio
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

import hatls
from hatls.cli._clock import utc_now
from hatls.cli._diff import with_baseline
from hatls.cli._exit import (
    EXIT_CANNOT_RUN,
    EXIT_COMPLIANT,
    EXIT_INTERRUPTED,
    EXIT_NOT_COMPLIANT,
    EXIT_USAGE,
    fail,
)
from hatls.cli._options import (
    HtmlOut,
    JunitAlso,
    MetricsAlso,
    PdfAlso,
    SarifAlso,
    TemplateDir,
    report_labels,
)
from hatls.cli._outputs import ExportPaths, ReportFiles, require_pdf
from hatls.files import ReportFileError, UsagePlanError, inventory_inputs, plan_files, read_report
from hatls.findings import Severity
from hatls.identity import ClientIdentityMaterial, load_identities
from hatls.inventory import ClientIdentity, Inventory, InventoryError, ReportLabels, load_inventory
from hatls.output import OutputError
from hatls.policy import BUILTIN_POLICIES, Policy, PolicyError, load_policy
from hatls.probe.scanner import ScanLimits
from hatls.report import Report, ScanStatus, breaks_compliance, summary_lines
from hatls.report.html import HtmlTemplateError, check_templates, render_html
from hatls.scanning import ScanEvent, ZoneError, build_report, check_zone, endpoints_for, merge, port_targets
from hatls.waivers import Waiver, load_waivers
from hatls.workers import in_workers


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanRequest:
    inventory: Inventory
    policy: Policy
    fail_on: Severity
    limits: ScanLimits
    files: ReportFiles = field(default_factory=ReportFiles)
    quiet: bool = False
    identities: Mapping[ClientIdentity, ClientIdentityMaterial] = field(default_factory=dict)
    baseline: Report | None = None     # `--baseline`: its drift goes into the new report
    waivers: tuple[Waiver, ...] = ()   # accepted risks (`--waivers`, `[scan] waivers`)
    labels: ReportLabels = field(default_factory=ReportLabels)  # `--title` etc. over `[report]`
    zone: str | None = None            # `--zone`: probe that zone's servers only (hatls.scanning)
    workers: int | None = None         # `--workers`; None: the cores, for large plans (workers.py)


def scan(
    inventory: Annotated[Path, typer.Argument(metavar="INVENTORY", help="The inventory file (TOML).")],
    json_out: Annotated[str | None, typer.Option(
        "--json", metavar="PATH", help="Write the JSON report here ('-' = standard output).")] = None,
    html_out: HtmlOut = None,
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
    template_dir: TemplateDir = None,
    junit: JunitAlso = None,
    sarif: SarifAlso = None,
    metrics: MetricsAlso = None,
    baseline: Annotated[Path | None, typer.Option(
        metavar="REPORT.json",
        help="An earlier JSON report: what changed since then goes into the new report and "
             "the summary.")] = None,
    pdf_out: PdfAlso = None,
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
    labels = report_labels(title, change, prepared_by)
    require_pdf(pdf_out)
    try:
        inv = load_inventory(inventory)
        chosen = load_policy(policy or inv.scan.policy)
        identities = load_identities(inv, os.environ)
        older = read_report(baseline)[0] if baseline is not None else None
        waiver_file = str(waivers) if waivers is not None else inv.scan.waivers
        # The clock is read here (DESIGN: time is an input); the scan starts a moment later.
        accepted = () if waiver_file is None else load_waivers(
            waiver_file, today=utc_now().date(), pairs=(p.name for p in inv.pairs))
        if zone is not None:
            check_zone(inv, zone)
    except (ZoneError, ReportFileError, InventoryError, PolicyError) as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    files = ReportFiles(json=json_out, html=html_out, pdf=pdf_out, template_dir=template_dir,
                        exports=ExportPaths(junit=junit, sarif=sarif, metrics=metrics))
    policy_file = policy if policy is not None and policy not in BUILTIN_POLICIES else None
    try:
        plan_files(inputs=(("INVENTORY", inventory), ("--baseline", baseline), ("--policy", policy_file),
                           ("--waivers", waiver_file), *inventory_inputs(inv)),
                   outputs=files.named())
        check_templates(template_dir)
        if template_dir is not None:
            rehearse_templates(inv, chosen, fail_on, template_dir)
    except (UsagePlanError, HtmlTemplateError) as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    try:
        files.check()
    except OutputError as exc:
        raise fail(str(exc), EXIT_CANNOT_RUN) from None
    base = ScanLimits.from_inventory(inv)
    limits = ScanLimits(
        connect_timeout=connect_timeout or base.connect_timeout,
        handshake_timeout=timeout or base.handshake_timeout,
        max_connections_per_host=max_connections_per_host or base.max_connections_per_host,
        max_connections=base.max_connections, delay=delay, retries=retries, backoff=backoff)
    request = ScanRequest(inventory=inv, policy=chosen, fail_on=fail_on, limits=limits, files=files,
                          quiet=quiet, identities=identities, baseline=older, waivers=accepted,
                          labels=labels, zone=zone, workers=workers)
    try:
        report, status = trio.run(run_scan, request)
    except OutputError as exc:  # e.g. the disk filled up while the report was written
        raise fail(str(exc), EXIT_CANNOT_RUN) from None
    except HtmlTemplateError as exc:  # found only when rendering; the other outputs are written
        raise fail(f"{html_out}: not written: {exc}", EXIT_CANNOT_RUN) from None
    if not quiet:
        for line in summary_lines(report):
            typer.echo(line, err=True)
    raise typer.Exit(status)


class _ProgressView:
    """Draws the scanner's events as a progress bar with ETA on standard error."""

    def __init__(self, quiet: bool) -> None:
        self.progress: Progress | None = None
        self.task: object = None
        if not quiet and sys.stderr.isatty():
            self.progress = Progress(
                TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True)

    def __enter__(self) -> Callable[[ScanEvent], None]:
        if self.progress is not None:
            self.progress.start()
        return self.on_event

    def __exit__(self, *_: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def on_event(self, event: ScanEvent) -> None:
        if self.progress is None:
            return
        if event.kind == "planned":
            self.task = self.progress.add_task("scan", total=event.total)
        elif event.kind == "finished" and self.task is not None:
            self.progress.update(self.task, completed=event.total)  # type: ignore[arg-type]


async def _stop_on_signal(signals: AsyncIterator[int], stop: trio.Event) -> None:
    async for _ in signals:
        stop.set()
        return


async def run_scan(request: ScanRequest) -> tuple[Report, int]:
    """Scan (``hatls.scan``), judge and write the files. SIGINT/SIGTERM stop the probes and still
    write the report, as interrupted."""
    stop = trio.Event()
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals, \
            _ProgressView(request.quiet) as on_event:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_stop_on_signal, signals, stop)
            report = await hatls.scan(
                request.inventory, now=utc_now, policy=request.policy, fail_on=request.fail_on,
                limits=request.limits, on_event=on_event, identities=request.identities,
                waivers=request.waivers, labels=request.labels.over(request.inventory.report),
                zone=request.zone, stop=stop,
                prober=None if request.workers == 1 else in_workers(request.workers))
            nursery.cancel_scope.cancel()
        # Still inside the signal receiver: a second Ctrl-C while the report is written is
        # absorbed here instead of abandoning the partial report half way.
        if request.baseline is not None:
            report = with_baseline(report, request.baseline)
        request.files.write(report)
    return report, exit_status(report)


def rehearse_templates(inventory: Inventory, policy: Policy, fail_on: Severity,
                       template_dir: str) -> None:
    """Render the user's templates once, before the scan, on what the scan of the first pair would
    report if nothing answered (no connection is made): a template that names something the view
    does not have fails now (HtmlTemplateError, exit 2), not after a ten-minute scan."""
    first = dataclasses.replace(inventory, pairs=inventory.pairs[:1])
    unanswered = tuple(merge(endpoint, []) for target in port_targets(first)
                       for endpoint in endpoints_for(target, (target.connect_host,)))
    now = utc_now()
    render_html(build_report(inventory=first, policy=policy, endpoints=unanswered, started=now,
                             finished=now, fail_on=fail_on, scan_anchors=()),
                template_dir=template_dir)


def exit_status(report: Report) -> int:
    if report.scan.status is ScanStatus.INTERRUPTED:
        return EXIT_INTERRUPTED
    if report.summary.internal_errors:
        return EXIT_CANNOT_RUN
    if report.endpoints and not any(e.reachable for e in report.endpoints):
        return EXIT_CANNOT_RUN
    if report.scan.zones is not None and not report.scan.zones.sources:
        # A zone scan has no verdict by design (its pairs wait for `hatls merge`): 1 only when
        # an endpoint finding already breaks compliance, so a scheduler still sees it early.
        broken = any(breaks_compliance(f, report.scan.fail_on) for f in report.findings)
        return EXIT_NOT_COMPLIANT if broken else EXIT_COMPLIANT
    return EXIT_COMPLIANT if report.summary.compliant else EXIT_NOT_COMPLIANT
