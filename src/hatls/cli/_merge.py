"""``hatls merge ZONE.json …``: join zone reports into one judged report (zone_merge.py).

Exit status as ``scan``: 0 compliant, 1 not compliant or no verdict (a zone missing, a conflict),
2 usage (unreadable report, reports of different inventories or policies), 3 could not run
(outputs not writable, an internal error, no endpoint reachable in any zone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hatls.cli._clock import utc_now
from hatls.cli._exit import EXIT_CANNOT_RUN, EXIT_USAGE, fail
from hatls.cli._options import HtmlOut, JunitAlso, MetricsAlso, PdfAlso, SarifAlso, TemplateDir
from hatls.cli._outputs import ExportPaths, ReportFiles, require_pdf
from hatls.cli._scan import exit_status
from hatls.files import ReportFileError, UsagePlanError, plan_files, read_report
from hatls.inventory import InventoryError
from hatls.output import OutputError
from hatls.report import summary_lines
from hatls.report.html import HtmlTemplateError, check_templates
from hatls.scanning import zone_notes
from hatls.waivers import load_waivers
from hatls.zone_merge import MergeError, ZoneReport, merge_zone_reports


def _read(path: Path) -> ZoneReport:
    """A zone report is untrusted input like any saved report: read and validated by files.py."""
    try:
        report, digest = read_report(path)
    except ReportFileError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    return ZoneReport(file=str(path), sha256=digest, report=report)


def merge_command(
    reports: Annotated[list[Path], typer.Argument(
        metavar="ZONE.json...", help="Zone reports of one inventory (hatls scan --zone).")],
    json_out: Annotated[str | None, typer.Option(
        "--json", metavar="PATH",
        help="Write the merged JSON report here ('-' = standard output).")] = None,
    html_out: HtmlOut = None,
    junit: JunitAlso = None,
    sarif: SarifAlso = None,
    metrics: MetricsAlso = None,
    waivers: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="Accepted risks (TOML) for the merged verdict. Default: those the zone scans "
             "were given (they must agree).")] = None,
    pdf_out: PdfAlso = None,
    template_dir: TemplateDir = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No summary on standard error.")] = False,
) -> None:
    """Merge the zone reports of one inventory and policy and judge every pair once. Exit: 0
    compliant, 1 not compliant or incomplete (a zone missing, a conflict), 2 bad input, 3 could
    not run."""
    files = ReportFiles(json=json_out, html=html_out, pdf=pdf_out, template_dir=template_dir,
                        exports=ExportPaths(junit=junit, sarif=sarif, metrics=metrics))
    require_pdf(pdf_out)
    try:
        plan_files(inputs=(*(("ZONE.json", path) for path in reports), ("--waivers", waivers)),
                   outputs=files.named())
    except UsagePlanError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    parts = [_read(path) for path in reports]
    try:
        check_templates(template_dir)
        accepted = None if waivers is None else load_waivers(
            waivers, today=utc_now().date(),
            pairs=(p.name for p in parts[0].report.inputs.inventory.pairs) if parts else None)
        merged = merge_zone_reports(parts, waivers=accepted)
    except (MergeError, InventoryError, HtmlTemplateError) as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    try:
        files.check()
        files.write(merged)
    except OutputError as exc:
        raise fail(str(exc), EXIT_CANNOT_RUN) from None
    except HtmlTemplateError as exc:  # found only when rendering; the other outputs are written
        raise fail(f"{html_out or pdf_out}: not written: {exc}", EXIT_CANNOT_RUN) from None
    if not quiet:
        for line in (*summary_lines(merged), *zone_notes(merged)):
            typer.echo(line, err=True)
    raise typer.Exit(exit_status(merged))
