"""``hatls merge ZONE.json …``: join zone reports into one judged report (zone_merge.py).

Exit status as ``scan``: 0 compliant, 1 not compliant or no verdict (a zone missing, a conflict),
2 usage (unreadable report, reports of different inventories or policies), 3 could not run
(outputs not writable, an internal error, no endpoint reachable in any zone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hatls.cli._diff import ReportFileError
from hatls.cli._outputs import ExportPaths, check_exports
from hatls.cli._scan import (
    EXIT_CANNOT_RUN,
    EXIT_USAGE,
    exit_status,
    pdf_unavailable,
    utc_now,
    write_report_files,
)
from hatls.files import UsagePlanError, check_output, plan_files, read_report
from hatls.inventory import InventoryError
from hatls.report.html import HtmlTemplateError, check_templates
from hatls.report.output import OutputError
from hatls.report.text import summary_lines
from hatls.waivers import load_waivers
from hatls.zone_merge import MergeError, ZoneReport, merge_zone_reports
from hatls.zones import zone_notes


def _fail(message: str, status: int) -> typer.Exit:
    typer.echo(f"hatls: {message}", err=True)
    return typer.Exit(status)


def _read(path: Path) -> ZoneReport:
    """A zone report is untrusted input like any saved report: read and validated by files.py."""
    try:
        report, digest = read_report(path)
    except ReportFileError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    return ZoneReport(file=str(path), sha256=digest, report=report)


def merge_command(
    reports: Annotated[list[Path], typer.Argument(
        metavar="ZONE.json...", help="Zone reports of one inventory (hatls scan --zone).")],
    json_out: Annotated[str | None, typer.Option(
        "--json", metavar="PATH",
        help="Write the merged JSON report here ('-' = standard output).")] = None,
    html_out: Annotated[str | None, typer.Option(
        "--html", metavar="PATH", help="Write the HTML report here.")] = None,
    junit: Annotated[str | None, typer.Option(
        metavar="PATH", help="Also write a JUnit XML report here (one test per finding).")] = None,
    sarif: Annotated[str | None, typer.Option(
        metavar="PATH", help="Also write a SARIF 2.1.0 log here (code-scanning tools).")] = None,
    metrics: Annotated[str | None, typer.Option(
        metavar="PATH", help="Also write Prometheus textfile metrics here.")] = None,
    waivers: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="Accepted risks (TOML) for the merged verdict. Default: those the zone scans "
             "were given (they must agree).")] = None,
    pdf_out: Annotated[str | None, typer.Option(
        "--pdf", metavar="PATH",
        help="Also write the report as PDF here (needs WeasyPrint: hatls[pdf]).")] = None,
    template_dir: Annotated[str | None, typer.Option(
        metavar="DIR", help="Folder with your own HTML report templates.")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No summary on standard error.")] = False,
) -> None:
    """Merge the zone reports of one inventory and policy and judge every pair once. Exit: 0
    compliant, 1 not compliant or incomplete (a zone missing, a conflict), 2 bad input, 3 could
    not run."""
    exports = ExportPaths(junit=junit, sarif=sarif, metrics=metrics)
    if pdf_out is not None and (problem := pdf_unavailable()) is not None:
        raise _fail(problem, EXIT_USAGE)
    try:
        plan_files(inputs=(*(("ZONE.json", path) for path in reports), ("--waivers", waivers)),
                   outputs=(("--json", json_out), ("--html", html_out), ("--pdf", pdf_out),
                            ("--junit", junit), ("--sarif", sarif), ("--metrics", metrics)))
    except UsagePlanError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    parts = [_read(path) for path in reports]
    try:
        check_templates(template_dir)
        accepted = None if waivers is None else load_waivers(
            waivers, today=utc_now().date(),
            pairs=(p["name"] for p in parts[0].report.inputs["inventory"]["pairs"]) if parts else None)
        merged = merge_zone_reports(parts, waivers=accepted)
    except (MergeError, InventoryError, HtmlTemplateError) as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    try:
        for path in (json_out, html_out, pdf_out):
            check_output(path)
        check_exports(exports)
        write_report_files(merged, json_path=json_out, html_path=html_out, pdf_path=pdf_out,
                           template_dir=template_dir, exports=exports)
    except OutputError as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
    except HtmlTemplateError as exc:  # found only when rendering; the other outputs are written
        raise _fail(f"{html_out or pdf_out}: not written: {exc}", EXIT_CANNOT_RUN) from None
    if not quiet:
        for line in (*summary_lines(merged), *zone_notes(merged)):
            typer.echo(line, err=True)
    raise typer.Exit(exit_status(merged))

