"""The drift as HTML: ``hatls diff --html`` (a page of its own) and the drift section of a report.

Same rules as the report (hatls.report.html): the view model (_drift_view) decides and bounds
everything, the templates (``diff.html.j2``, ``diff_section.j2``) only lay it out, autoescape is
on, undefined names are errors, and the page loads nothing. The look is the report's own
stylesheet plus ``diff_style.css.j2`` for the few things only a drift has.
"""

from __future__ import annotations

import jinja2

from hatls.report import Drift
from hatls.report.html._drift_view import build_drift_view
from hatls.report.html._render import HtmlTemplateError, environment

DIFF_TEMPLATE = "diff.html.j2"


def render_diff_html(drift: Drift, *, template_dir: str | None = None) -> str:
    """The drift as one self-contained HTML page (inline CSS, no script, nothing fetched)."""
    env = environment(template_dir)
    try:
        return env.get_template(DIFF_TEMPLATE).render(view=build_drift_view(drift))
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        raise HtmlTemplateError(f"drift template error ({where}): {exc.message}") from exc
    except (jinja2.TemplateError, OSError, UnicodeDecodeError) as exc:
        raise HtmlTemplateError(f"drift template error: {exc}"[:500]) from exc
