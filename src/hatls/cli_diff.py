"""``hatls diff OLD.json NEW.json``, and the pieces ``hatls scan --baseline OLD.json`` needs.

Exit status (REPORT.md): 0 nothing got worse, 1 something got worse, 2 usage error (a report that
cannot be read, an output that cannot be written, a bad template folder). ``--json -`` writes the
drift to standard output and nothing else goes there; the summary lines then go to standard error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hatls.report.codec import loads
from hatls.report.diff import attach_drift, diff_reports, drift_to_json
from hatls.report.diff_text import drift_lines
from hatls.report.model import Report
from hatls.report.output import OutputError, check_writable, write_atomic

EXIT_NOTHING_WORSE = 0
EXIT_WORSE = 1
EXIT_USAGE = 2


class ReportFileError(Exception):
    """A file that is not a readable hatls report: a usage error (exit 2)."""


def load_report_file(path: Path) -> Report:
    """A saved JSON report, or ReportFileError saying why not (for ``diff`` and ``--baseline``)."""
    try:
        return loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ReportFileError(f"{path}: not a readable hatls report: {exc}"[:500]) from None


def with_baseline(report: Report, baseline: Report) -> Report:
    """``report`` carrying its drift since ``baseline``: what ``hatls scan --baseline`` writes."""
    return attach_drift(report, diff_reports(baseline, report))


def _fail(message: str) -> typer.Exit:
    typer.echo(f"hatls: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def diff(
    old_path: Annotated[Path, typer.Argument(metavar="OLD.json", help="The earlier JSON report.")],
    new_path: Annotated[Path, typer.Argument(metavar="NEW.json", help="The later JSON report.")],
    json_out: Annotated[
        str | None, typer.Option("--json", help="Write the drift as JSON here ('-' = stdout).")] = None,
    html_out: Annotated[str | None, typer.Option("--html", help="Write the drift as HTML here.")] = None,
    template_dir: Annotated[str | None, typer.Option(help="Folder with your own templates.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no summary.")] = False,
) -> None:
    """Compare two saved reports: findings appeared, resolved or changed; certificates rotated;
    protocols and suites added or removed; ports appeared or vanished — per pair and role.
    Exit: 0 nothing got worse, 1 something got worse, 2 usage error."""
    from hatls.report.diff_html import render_diff_html
    from hatls.report.html import HtmlTemplateError

    try:
        old, new = load_report_file(old_path), load_report_file(new_path)
        for path in (json_out, html_out):
            if path:
                check_writable(path)
        drift = diff_reports(old, new)
        page = render_diff_html(drift, template_dir=template_dir) if html_out else None
    except (ReportFileError, OutputError, HtmlTemplateError) as exc:
        raise _fail(str(exc)) from None
    text = json.dumps(drift_to_json(drift), indent=2, ensure_ascii=False) + "\n"
    try:
        if json_out == "-":
            typer.echo(text, nl=False)
        elif json_out:
            write_atomic(json_out, text)
        if html_out and page is not None:
            write_atomic(html_out, page)
    except OSError as exc:
        raise _fail(f"cannot write the drift: {exc}") from None
    if not quiet:
        for line in drift_lines(drift):
            typer.echo(line, err=json_out == "-")
    raise typer.Exit(EXIT_WORSE if drift.worse else EXIT_NOTHING_WORSE)


def register(app: typer.Typer) -> None:
    app.command(name="diff")(diff)
