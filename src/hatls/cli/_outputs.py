"""The files of a judged report, and ``hatls export``: JUnit, SARIF and Prometheus metrics from a
saved JSON report.

``scan`` and ``merge`` write the same files (``ReportFiles``): each path is checked before the work
(an unwritable path fails in a second, not after a ten-minute scan), the files are written after.
``export`` writes the CI outputs alone. Every output is rendered from the report model alone, so a
report exported today and the outputs a scan wrote then are the same text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hatls.cli._exit import EXIT_CANNOT_RUN, EXIT_USAGE, fail
from hatls.cli._options import JunitOut, MetricsOut, SarifOut
from hatls.files import (
    STDOUT,
    ReportFileError,
    UsagePlanError,
    check_output,
    plan_files,
    read_report,
    write_output,
)
from hatls.output import OutputError
from hatls.report import Report, iter_json, render_junit, render_metrics, render_sarif
from hatls.report.html import iter_html, render_html


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFiles:
    """Every file ``scan`` and ``merge`` write of one judged report; None = not written."""

    json: str | None = None
    html: str | None = None
    pdf: str | None = None
    template_dir: str | None = None
    exports: ExportPaths = field(default_factory=ExportPaths)

    def named(self) -> tuple[tuple[str, str | None], ...]:
        """Each output with its option, for ``hatls.files.plan_files``."""
        return (("--json", self.json), ("--html", self.html), ("--pdf", self.pdf),
                ("--junit", self.exports.junit), ("--sarif", self.exports.sarif),
                ("--metrics", self.exports.metrics))

    def check(self) -> None:
        """Raise OutputError (exit 3) now for any path that cannot be written."""
        for path in (self.json, self.html, self.pdf):
            check_output(path)
        check_exports(self.exports)

    def write(self, report: Report) -> None:
        """Every file, in one order.

        The JSON is streamed piece by piece (a 10,000-endpoint report is never held as one string);
        its SHA-256 is taken on the way, for the HTML to name. The HTML goes last: a user template
        that fails only while rendering costs the HTML alone, not the JSON, JUnit, SARIF or metrics."""
        digest = write_output(self.json, iter_json(report)) if self.json else None
        write_exports(report, self.exports)
        if self.pdf:
            # The PDF is made from the whole page, so it is held once, for both files.
            html = render_html(report, template_dir=self.template_dir, json_sha256=digest)
            if self.html:
                write_output(self.html, html)
            write_pdf(self.pdf, html)
        elif self.html:
            # Streamed: the page goes to its file piece by piece, never held whole.
            write_output(self.html, iter_html(report, template_dir=self.template_dir,
                                              json_sha256=digest))


def pdf_unavailable() -> str | None:
    """Why --pdf cannot work here (WeasyPrint is an optional extra), or None."""
    try:
        import hatls.report.pdf  # noqa: F401, PLC0415  (the import is the check: an optional extra)
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint found no Pango library
        return (f"--pdf needs WeasyPrint: pip install 'hatls[pdf]' (Debian also needs "
                f"libpango-1.0-0 libpangoft2-1.0-0): {exc}"[:500])
    return None


def require_pdf(pdf_path: str | None) -> None:
    """With --pdf, WeasyPrint must be there: asked before any work (exit 2), so a scan is not run
    only to fail at its last step."""
    if pdf_path is not None and (problem := pdf_unavailable()) is not None:
        raise fail(problem, EXIT_USAGE)


def write_pdf(path: str, html: str) -> None:
    """The PDF from the same HTML; a PDF that cannot be made is an output that cannot be
    written (exit 3), after the JSON and HTML are safe on disk."""
    # Imported here: WeasyPrint is an optional extra (pdf_unavailable has checked it is there).
    from hatls.report.pdf import PdfError, render_pdf  # noqa: PLC0415

    try:
        data = render_pdf(html)
    except PdfError as exc:
        raise OutputError(f"{path}: {exc}") from None
    write_output(path, data)


def export(
    report_path: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A saved JSON report.")],
    junit: JunitOut = None,
    sarif: SarifOut = None,
    metrics: MetricsOut = None,
) -> None:
    """Write CI and monitoring outputs (JUnit, SARIF, Prometheus metrics) from a saved report:
    no network, no inventory file needed. Exit: 0 written, 2 bad input, 3 output not writable."""
    paths = ExportPaths(junit=junit, sarif=sarif, metrics=metrics)
    if not paths.targets():
        raise fail("export needs at least one of --junit, --sarif, --metrics", EXIT_USAGE)
    try:
        plan_files(inputs=(("REPORT.json", report_path),),
                   outputs=tuple((f"--{fmt.value}", path) for fmt, path in paths.targets()))
        report, _ = read_report(report_path)
    except (UsagePlanError, ReportFileError) as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    try:
        check_exports(paths)
        write_exports(report, paths)
    except OutputError as exc:
        raise fail(str(exc), EXIT_CANNOT_RUN) from None
