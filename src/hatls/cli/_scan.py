"""The scan as the command line runs it: signals, progress, outputs, exit status.

Shared by ``hatls scan`` and ``hatls demo`` so the demo goes through exactly the path users run. This
module and cli.py are the only ones that read the clock.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import trio
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from hatls.cli._diff import with_baseline
from hatls.cli._outputs import ExportPaths, write_exports
from hatls.files import write_output
from hatls.inventory import ClientIdentity, Inventory, ReportLabels
from hatls.merge import merge
from hatls.plan import endpoints_for, port_targets
from hatls.policy import Policy
from hatls.probe.handshake import ClientIdentityMaterial
from hatls.probe.scanner import ScanEvent, ScanLimits, ScanState, scan_inventory
from hatls.report.codec import iter_json
from hatls.report.model import Report, ScanStatus, breaks_compliance
from hatls.report.output import OutputError
from hatls.rules.model import Severity
from hatls.run import build_report, observations_of
from hatls.waivers import Waiver
from hatls.workers import DEFAULT_MIN_SHARE, default_workers, scan_in_workers
from hatls.zones import zone_scan_coverage, zone_selector

EXIT_COMPLIANT = 0
EXIT_NOT_COMPLIANT = 1
EXIT_USAGE = 2
EXIT_CANNOT_RUN = 3
EXIT_INTERRUPTED = 4


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanRequest:
    inventory: Inventory
    policy: Policy
    fail_on: Severity
    limits: ScanLimits
    json_path: str | None = None
    html_path: str | None = None
    template_dir: str | None = None
    quiet: bool = False
    identities: Mapping[ClientIdentity, ClientIdentityMaterial] = field(default_factory=dict)
    exports: ExportPaths = field(default_factory=ExportPaths)
    baseline: Report | None = None     # `--baseline`: its drift goes into the new report
    pdf_path: str | None = None
    waivers: tuple[Waiver, ...] = ()   # accepted risks (`--waivers`, `[scan] waivers`)
    labels: ReportLabels = field(default_factory=ReportLabels)  # `--title` etc. over `[report]`
    zone: str | None = None            # `--zone`: probe that zone's servers only (zones.py)
    workers: int | None = None         # `--workers`; None: the cores, for large plans (workers.py)


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


async def run_scan(request: ScanRequest) -> tuple[Report, int]:
    """Scan, judge and write outputs. SIGINT/SIGTERM stop the probes and still write the report."""
    started, clock = utc_now(), trio.current_time()
    state = ScanState()
    interrupted = False
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals, \
            _ProgressView(request.quiet) as on_event:
        async with trio.open_nursery() as nursery:
            async def watch() -> None:
                nonlocal interrupted
                async for _ in signals:
                    interrupted = True
                    nursery.cancel_scope.cancel()
                    return

            nursery.start_soon(watch)
            select = zone_selector(request.zone) if request.zone else None
            if request.workers is None or request.workers > 1:
                await scan_in_workers(
                    request.inventory, workers=request.workers or default_workers(),
                    limits=request.limits, state=state, on_event=on_event, select=select,
                    identities=request.identities,
                    min_share=1 if request.workers else DEFAULT_MIN_SHARE)
            else:
                await scan_inventory(request.inventory, limits=request.limits, state=state,
                                     on_event=on_event, identities=request.identities,
                                     select=select)
            nursery.cancel_scope.cancel()
        # Still inside the signal receiver: a second Ctrl-C while the report is written is
        # absorbed here instead of abandoning the partial report half way.
        report = build_report(
            inventory=request.inventory, policy=request.policy, endpoints=observations_of(state),
            started=started, finished=utc_now(), fail_on=request.fail_on,
            status=(ScanStatus.INTERRUPTED if interrupted else
                    ScanStatus.PARTIAL if request.zone else ScanStatus.COMPLETE),
            zones=zone_scan_coverage(request.inventory, request.zone) if request.zone else None,
            duration_seconds=trio.current_time() - clock,
            waivers=request.waivers, labels=request.labels.over(request.inventory.report),
        )
        if request.baseline is not None:
            report = with_baseline(report, request.baseline)
        write_outputs(report, request)
    return report, exit_status(report)


def write_outputs(report: Report, request: ScanRequest) -> None:
    write_report_files(report, json_path=request.json_path, html_path=request.html_path,
                       pdf_path=request.pdf_path, template_dir=request.template_dir,
                       exports=request.exports)


def write_report_files(report: Report, *, json_path: str | None, html_path: str | None,
                       pdf_path: str | None, template_dir: str | None,
                       exports: ExportPaths) -> None:
    """Every file of a judged report (`scan`, `merge`), in one order.

    The JSON is streamed piece by piece (a 10,000-endpoint report is never held as one string);
    its SHA-256 is taken on the way, for the HTML to name. The HTML goes last: a user template
    that fails only while rendering costs the HTML alone, not the JSON, JUnit, SARIF or metrics."""
    digest = write_output(json_path, iter_json(report)) if json_path else None
    write_exports(report, exports)
    if pdf_path:
        from hatls.report.html import render_html

        # The PDF is made from the whole page, so it is held once, for both files.
        html = render_html(report, template_dir=template_dir, json_sha256=digest)
        if html_path:
            write_output(html_path, html)
        write_pdf(pdf_path, html)
    elif html_path:
        from hatls.report.html import iter_html

        # Streamed: the page goes to its file piece by piece, never held whole.
        write_output(html_path, iter_html(report, template_dir=template_dir, json_sha256=digest))


def pdf_unavailable() -> str | None:
    """Why --pdf cannot work here (WeasyPrint is an optional extra), or None: asked before any
    work, so a scan is not run only to fail at its last step."""
    try:
        import hatls.report.pdf  # noqa: F401  (the import is the check: optional extra)
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint found no Pango library
        return (f"--pdf needs WeasyPrint: pip install 'hatls[pdf]' (Debian also needs "
                f"libpango-1.0-0 libpangoft2-1.0-0): {exc}"[:500])
    return None


def rehearse_templates(inventory: Inventory, policy: Policy, fail_on: Severity,
                       template_dir: str) -> None:
    """Render the user's templates once, before the scan, on what the scan of the first pair would
    report if nothing answered (no connection is made): a template that names something the view
    does not have fails now (HtmlTemplateError, exit 2), not after a ten-minute scan."""
    from hatls.report.html import render_html

    first = dataclasses.replace(inventory, pairs=inventory.pairs[:1])
    unanswered = tuple(merge(endpoint, []) for target in port_targets(first)
                       for endpoint in endpoints_for(target, (target.connect_host,)))
    now = utc_now()
    render_html(build_report(inventory=first, policy=policy, endpoints=unanswered, started=now,
                             finished=now, fail_on=fail_on, scan_anchors=()),
                template_dir=template_dir)


def write_pdf(path: str, html: str) -> None:
    """The PDF from the same HTML; a PDF that cannot be made is an output that cannot be
    written (exit 3), after the JSON and HTML are safe on disk."""
    from hatls.report.pdf import PdfError, render_pdf

    try:
        data = render_pdf(html)
    except PdfError as exc:
        raise OutputError(f"{path}: {exc}") from None
    write_output(path, data)


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
