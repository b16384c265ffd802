"""``hatls diff OLD.json NEW.json``, and the pieces ``hatls scan --baseline OLD.json`` needs.

Exit status (docs/report.md): 0 nothing got worse, 1 something got worse, 2 usage error (a report that
cannot be read, an output that is an input, a bad template folder), 3 an output cannot be written.
``--json -`` (or ``--html -``) writes to standard output and nothing else goes there; the summary
lines then go to standard error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hatls.cli._exit import EXIT_CANNOT_RUN, EXIT_NOTHING_WORSE, EXIT_USAGE, EXIT_WORSE, fail
from hatls.drift import attach_drift, diff_reports, drift_lines, drift_to_json
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
from hatls.report import Report
from hatls.report.html import HtmlTemplateError, check_templates, render_diff_html


def with_baseline(report: Report, baseline: Report) -> Report:
    """``report`` carrying its drift since ``baseline``: what ``hatls scan --baseline`` writes."""
    return attach_drift(report, diff_reports(baseline, report))


def diff(
    old_path: Annotated[Path, typer.Argument(metavar="OLD.json", help="The earlier JSON report.")],
    new_path: Annotated[Path, typer.Argument(metavar="NEW.json", help="The later JSON report.")],
    json_out: Annotated[str | None, typer.Option(
        "--json", metavar="PATH", help="Write the drift as JSON here ('-' = standard output).")] = None,
    html_out: Annotated[str | None, typer.Option(
        "--html", metavar="PATH", help="Write the drift as HTML here.")] = None,
    template_dir: Annotated[str | None, typer.Option(
        metavar="DIR", help="Folder with your own HTML templates.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no summary of the changes.")] = False,
) -> None:
    """Compare two saved reports: findings appeared, resolved or changed; certificates rotated;
    protocols and suites added or removed; ports appeared or vanished — per pair and role.
    Exit: 0 nothing got worse, 1 something got worse, 2 usage error, 3 output not writable."""
    try:
        plan_files(inputs=(("OLD.json", old_path), ("NEW.json", new_path)),
                   outputs=(("--json", json_out), ("--html", html_out)))
        check_templates(template_dir)
        old, new = read_report(old_path)[0], read_report(new_path)[0]
    except (UsagePlanError, ReportFileError, HtmlTemplateError) as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    try:
        for path in (json_out, html_out):
            check_output(path)
        drift = diff_reports(old, new)
        page = render_diff_html(drift, template_dir=template_dir) if html_out else None
    except HtmlTemplateError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    except OutputError as exc:
        raise fail(str(exc), EXIT_CANNOT_RUN) from None
    text = json.dumps(drift_to_json(drift), indent=2, ensure_ascii=False) + "\n"
    try:
        if json_out:
            write_output(json_out, text)
        if html_out and page is not None:
            write_output(html_out, page)
    except OutputError as exc:
        raise fail(str(exc), EXIT_CANNOT_RUN) from None
    if not quiet:
        lines = "".join(f"{line}\n" for line in drift_lines(drift))
        if STDOUT in (json_out, html_out):
            typer.echo(lines, err=True, nl=False)
        else:
            try:
                write_output(STDOUT, lines)
            except OutputError as exc:   # exit 1 would read as "something got worse"
                raise fail(str(exc), EXIT_CANNOT_RUN) from None
    raise typer.Exit(EXIT_WORSE if drift.worse else EXIT_NOTHING_WORSE)
