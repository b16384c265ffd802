"""The command-line options that several commands share, declared once.

``scan`` and ``merge`` write the same report files (``--html``, ``--pdf``, ``--junit``,
``--sarif``, ``--metrics``, ``--template-dir``); ``export`` writes the three CI outputs alone, where
``-`` (standard output) is the usual target. Each command says what its own ``--json`` holds.
``report_labels`` checks the labels ``scan`` and ``render`` put over a report.
"""

from __future__ import annotations

from typing import Annotated

import typer

from hatls.cli._exit import EXIT_USAGE, fail
from hatls.inventory import MAX_LABEL_CHARS, ReportLabels

HtmlOut = Annotated[str | None, typer.Option(
    "--html", metavar="PATH", help="Write the HTML report here.")]
PdfAlso = Annotated[str | None, typer.Option(
    "--pdf", metavar="PATH", help="Also write the report as PDF here (needs WeasyPrint: hatls[pdf]).")]
TemplateDir = Annotated[str | None, typer.Option(
    "--template-dir", metavar="DIR", help="Folder with your own HTML report templates.")]

# Beside a report (scan, merge).
JunitAlso = Annotated[str | None, typer.Option(
    "--junit", metavar="PATH", help="Also write a JUnit XML report here (one test per finding).")]
SarifAlso = Annotated[str | None, typer.Option(
    "--sarif", metavar="PATH", help="Also write a SARIF 2.1.0 log here (code-scanning tools).")]
MetricsAlso = Annotated[str | None, typer.Option(
    "--metrics", metavar="PATH", help="Also write Prometheus textfile metrics here.")]

# On their own, from a saved report (export).
JunitOut = Annotated[str | None, typer.Option(
    "--junit", metavar="PATH", help="Write JUnit XML here ('-' = standard output).")]
SarifOut = Annotated[str | None, typer.Option(
    "--sarif", metavar="PATH", help="Write SARIF 2.1.0 here ('-' = standard output).")]
MetricsOut = Annotated[str | None, typer.Option(
    "--metrics", metavar="PATH", help="Write Prometheus text format here ('-' = standard output).")]


def report_labels(title: str | None, change: str | None, prepared_by: str | None) -> ReportLabels:
    """``--title``, ``--change``, ``--prepared-by`` (scan, render): one printable line each."""
    for option, value in (("--title", title), ("--change", change), ("--prepared-by", prepared_by)):
        if value is not None and (len(value) > MAX_LABEL_CHARS or not value.isprintable()):
            raise fail(f"{option}: must be one line of at most {MAX_LABEL_CHARS} characters",
                       EXIT_USAGE)
    return ReportLabels(title=title or None, change=change or None, prepared_by=prepared_by or None)
