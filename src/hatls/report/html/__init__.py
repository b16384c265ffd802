"""The HTML report (docs/report.md): one self-contained page per report, and the drift's page.

A view model decides and bounds everything a page shows (``build_view``, ``build_drift_view``:
pure, the report in, plain frozen values out); Jinja templates, ours or a user's
(``--template-dir``), only lay it out, with autoescape on and undefined names as errors. The
only part of hatls that imports Jinja, so the report core (``hatls.report``) stays light.
"""

from hatls.report.html._drift import render_diff_html
from hatls.report.html._drift_view import DriftView, build_drift_view
from hatls.report.html._render import (
    HtmlTemplateError,
    builtin_template_names,
    check_templates,
    environment,
    iter_html,
    render_html,
)
from hatls.report.html._view import ReportView, build_view

__all__ = [
    "DriftView",
    "HtmlTemplateError",
    "ReportView",
    "build_drift_view",
    "build_view",
    "builtin_template_names",
    "check_templates",
    "environment",
    "iter_html",
    "render_diff_html",
    "render_html",
]
