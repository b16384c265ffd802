"""``hatls merge ZONE.json …``: join zone reports into one judged report (zone_merge.py).

Exit status as ``scan``: 0 compliant, 1 not compliant or no verdict (a zone missing, a conflict),
2 usage (unreadable report, reports of different inventories or policies), 3 could not run
(outputs not writable, an internal error, no endpoint reachable in any zone).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from hatls.cli_outputs import ExportPaths, check_exports, usage_problem, write_exports
from hatls.report.codec import iter_json, loads
from hatls.report.html import render_html
from hatls.report.model import Report
from hatls.report.output import OutputError, check_writable, write_atomic
from hatls.report.text import summary_lines
from hatls.scan_cli import EXIT_CANNOT_RUN, EXIT_USAGE, exit_status
from hatls.zone_merge import MergeError, ZoneReport, merge_zone_reports
from hatls.zones import zone_notes


def _fail(message: str, status: int) -> typer.Exit:
    typer.echo(f"hatls: {message}", err=True)
    return typer.Exit(status)


def _read(path: Path) -> ZoneReport:
    try:
        data = path.read_bytes()
        report = loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise _fail(f"{path}: not a readable hatls report: {exc}"[:500], EXIT_USAGE) from None
    return ZoneReport(file=str(path), sha256=hashlib.sha256(data).hexdigest(), report=report)


def merge_command(
    reports: Annotated[list[Path], typer.Argument(metavar="ZONE.json…",
                                                  help="Zone reports (hatls scan --zone).")],
    json_out: Annotated[
        str | None, typer.Option("--json", help="Write the merged JSON report here ('-' = stdout).")] = None,
    html_out: Annotated[str | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    junit: Annotated[str | None, typer.Option(help="Write a JUnit XML report here.")] = None,
    sarif: Annotated[str | None, typer.Option(help="Write a SARIF 2.1.0 log here.")] = None,
    metrics: Annotated[str | None, typer.Option(help="Write Prometheus textfile metrics here.")] = None,
    template_dir: Annotated[str | None, typer.Option(help="Folder with your own report templates.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
) -> None:
    """Merge the zone reports of one inventory and policy and judge every pair once. Exit: 0
    compliant, 1 not compliant or incomplete (a zone missing, a conflict), 2 bad input, 3 could
    not run."""
    parts = [_read(path) for path in reports]
    exports = ExportPaths(junit=junit, sarif=sarif, metrics=metrics)
    if (problem := usage_problem(exports, stdout_taken=json_out == "-")) is not None:
        raise _fail(problem, EXIT_USAGE)
    try:
        merged = merge_zone_reports(parts)
    except MergeError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    try:
        for path in (json_out, html_out):
            if path:
                check_writable(path)
        check_exports(exports)
        _write(merged, json_out, html_out, template_dir, exports)
    except OutputError as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
    if not quiet:
        for line in (*summary_lines(merged), *zone_notes(merged)):
            typer.echo(line, err=True)
    raise typer.Exit(exit_status(merged))


def _write(report: Report, json_out: str | None, html_out: str | None, template_dir: str | None,
           exports: ExportPaths) -> None:
    """The same files ``scan`` writes, from the merged report (scan_cli.write_outputs' order)."""
    digest: str | None = None
    if json_out == "-":
        hasher = hashlib.sha256()
        for piece in iter_json(report):
            sys.stdout.write(piece)
            hasher.update(piece.encode("utf-8"))
        sys.stdout.flush()
        digest = hasher.hexdigest()
    elif json_out:
        digest = write_atomic(json_out, iter_json(report))
    if html_out:
        write_atomic(html_out, render_html(report, template_dir=template_dir, json_sha256=digest))
    write_exports(report, exports)


def register(app: typer.Typer) -> None:
    app.command(name="merge")(merge_command)
