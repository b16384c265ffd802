"""``hatls render REPORT.json``: the HTML and/or PDF of a saved report again, without the network.

Exit status: 0 written, 2 usage (a report that cannot be read, a bad template folder), 3 an output
cannot be written.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from hatls.cli._exit import EXIT_CANNOT_RUN, EXIT_USAGE, fail
from hatls.cli._options import TemplateDir, report_labels
from hatls.cli._outputs import require_pdf, write_pdf
from hatls.evidence import DetachedSignature, EvidenceError, signature_from_text
from hatls.files import (
    ReportFileError,
    UsagePlanError,
    check_output,
    plan_files,
    read_report,
    write_output,
)
from hatls.inventory import ReportLabels
from hatls.output import OutputError
from hatls.report.html import HtmlTemplateError, check_templates, iter_html, render_html


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
    template_dir: TemplateDir = None,
    title: Annotated[str | None, typer.Option(
        metavar="TEXT", help="The report's title (over the saved one).")] = None,
    change: Annotated[str | None, typer.Option(
        metavar="ID", help="The change-request id, e.g. CHG0012345.")] = None,
    prepared_by: Annotated[str | None, typer.Option(
        metavar="NAME", help="Who prepared the report.")] = None,
) -> None:
    """Render a saved JSON report as HTML and/or PDF again: no network, no inventory file needed."""
    if html_out is None and pdf_out is None:
        raise fail("render needs --html PATH or --pdf PATH (or both)", EXIT_USAGE)
    labels = report_labels(title, change, prepared_by)
    require_pdf(pdf_out)
    try:
        plan_files(inputs=(("REPORT.json", report_path),),
                   outputs=(("--html", html_out), ("--pdf", pdf_out)))
        check_templates(template_dir)
        # Validated as it is parsed piece by piece through a memory map, never held whole;
        # the SHA-256 from the same open file (hatls.files.read_report).
        report, digest = read_report(report_path)
    except (UsagePlanError, HtmlTemplateError, ReportFileError) as exc:
        raise fail(str(exc), EXIT_USAGE) from None
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
        raise fail(str(exc), EXIT_USAGE) from None
    except OutputError as exc:
        raise fail(str(exc), EXIT_CANNOT_RUN) from None
