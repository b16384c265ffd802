"""``hatls export``: JUnit, SARIF and Prometheus metrics from a saved JSON report.

The same functions serve ``hatls scan --junit/--sarif/--metrics``: ``check_exports`` before the
scan (an unwritable path fails in a second, not after a ten-minute scan), ``write_exports`` after.
Every output is rendered from the report model alone, so a report exported today and the outputs a
scan wrote then are the same text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hatls.files import (
    ReportFileError,
    UsagePlanError,
    check_output,
    plan_files,
    read_report,
    write_output,
)
from hatls.report.junit import render_junit
from hatls.report.metrics import render_metrics
from hatls.report.model import Report
from hatls.report.output import OutputError
from hatls.report.sarif import render_sarif

EXIT_USAGE = 2          # scan_cli's meanings, repeated so this module needs no trio to import
EXIT_CANNOT_RUN = 3
STDOUT = "-"


class ExportFormat(StrEnum):
    JUNIT = "junit"
    SARIF = "sarif"
    METRICS = "metrics"


RENDERERS: Mapping[ExportFormat, Callable[[Report], str]] = {
    ExportFormat.JUNIT: render_junit,
    ExportFormat.SARIF: render_sarif,
    ExportFormat.METRICS: render_metrics,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportPaths:
    """Where each output goes; None = not written, "-" = standard output."""

    junit: str | None = None
    sarif: str | None = None
    metrics: str | None = None

    def targets(self) -> tuple[tuple[ExportFormat, str], ...]:
        chosen = ((ExportFormat.JUNIT, self.junit), (ExportFormat.SARIF, self.sarif),
                  (ExportFormat.METRICS, self.metrics))
        return tuple((fmt, path) for fmt, path in chosen if path)


def usage_problem(paths: ExportPaths, *, stdout_taken: bool = False) -> str | None:
    """Why these paths cannot all be written as asked (exit 2), or None.

    ``stdout_taken``: another output (``scan --json -``) already writes to standard output."""
    to_stdout = [fmt.value for fmt, path in paths.targets() if path == STDOUT]
    if len(to_stdout) + stdout_taken > 1:
        return "only one output may go to standard output ('-')"
    return None


def check_exports(paths: ExportPaths) -> None:
    """Raise OutputError (exit 3) now for any path that cannot be written."""
    for _, path in paths.targets():
        check_output(path)


def write_exports(report: Report, paths: ExportPaths) -> None:
    for fmt, path in paths.targets():
        write_output(path, RENDERERS[fmt](report))


def _fail(message: str, status: int) -> typer.Exit:
    typer.echo(f"hatls: {message}", err=True)
    return typer.Exit(status)


def export(
    report_path: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A saved JSON report.")],
    junit: Annotated[str | None, typer.Option(
        "--junit", metavar="PATH", help="Write JUnit XML here ('-' = standard output).")] = None,
    sarif: Annotated[str | None, typer.Option(
        "--sarif", metavar="PATH", help="Write SARIF 2.1.0 here ('-' = standard output).")] = None,
    metrics: Annotated[str | None, typer.Option(
        "--metrics", metavar="PATH",
        help="Write Prometheus text format here ('-' = standard output).")] = None,
) -> None:
    """Write CI and monitoring outputs (JUnit, SARIF, Prometheus metrics) from a saved report:
    no network, no inventory file needed. Exit: 0 written, 2 bad input, 3 output not writable."""
    paths = ExportPaths(junit=junit, sarif=sarif, metrics=metrics)
    if not paths.targets():
        raise _fail("export needs at least one of --junit, --sarif, --metrics", EXIT_USAGE)
    try:
        plan_files(inputs=(("REPORT.json", report_path),),
                   outputs=tuple((f"--{fmt.value}", path) for fmt, path in paths.targets()))
        report, _ = read_report(report_path)
    except (UsagePlanError, ReportFileError) as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    try:
        check_exports(paths)
        write_exports(report, paths)
    except OutputError as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
