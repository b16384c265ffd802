"""The HTML report: one self-contained file rendered from a Report (REPORT.md), for people.

The view model (html_view) decides everything; Jinja templates only lay it out. The built-in
templates live in the repository's ``reports/templates/`` and ship as the package data
``hatls.templates``. ``template_dir`` puts a user's folder in front of them, so one can override
a single part (say ``_style.css.j2`` for a house style) and keep the rest.

Whatever the templates, autoescape is on and undefined names are errors: a certificate subject
``<script>…</script>`` shows as text, and a typo in a template fails loudly instead of printing
nothing. The page loads nothing: CSS is inline, there is no script, and its Content-Security-Policy
forbids every fetch, so even a template mistake cannot make it call out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import jinja2

from hatls.report.html_view import build_view
from hatls.report.model import Report

TEMPLATE_PACKAGE = "hatls.templates"
MAIN_TEMPLATE = "report.html.j2"


class HtmlTemplateError(Exception):
    """A template folder or template that cannot be used (missing, unreadable, invalid)."""


def _builtin_source(name: str) -> tuple[str, str | None, Callable[[], bool]] | None:
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    entry = resources.files(TEMPLATE_PACKAGE).joinpath(name)
    if not entry.is_file():
        return None
    return entry.read_text(encoding="utf-8"), None, lambda: True


def builtin_template_names() -> tuple[str, ...]:
    """The templates hatls ships (what a ``--template-dir`` may override)."""
    return tuple(sorted(e.name for e in resources.files(TEMPLATE_PACKAGE).iterdir()
                        if e.name.endswith(".j2")))


def _loader(template_dir: str | None) -> jinja2.BaseLoader:
    builtin = jinja2.FunctionLoader(_builtin_source)
    if template_dir is None:
        return builtin
    if not Path(template_dir).is_dir():
        raise HtmlTemplateError(f"{template_dir}: template folder not found")
    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(template_dir), builtin])


def environment(template_dir: str | None = None) -> jinja2.Environment:
    # autoescape=True, not select_autoescape: a user's template named *.txt is escaped as well.
    return jinja2.Environment(
        loader=_loader(template_dir), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render_html(
    report: Report, *, template_dir: str | None = None, json_sha256: str | None = None
) -> str:
    """The report as one self-contained HTML page (inline CSS, no script, nothing fetched).

    ``json_sha256``: the SHA-256 of the JSON report file's bytes, shown so a reader can match the
    two; the page is rendered from the report object, which cannot know how it was serialized.
    """
    return "".join(iter_html(report, template_dir=template_dir, json_sha256=json_sha256))


# Template output pieces joined per chunk handed to the writer: a few KB, not one call per token.
_CHUNK_ITEMS = 512


def iter_html(
    report: Report, *, template_dir: str | None = None, json_sha256: str | None = None
) -> Iterator[str]:
    """``render_html`` in pieces, for a writer that takes them as they come (output.write_atomic):
    the page is never held whole. The template is loaded (and a syntax error raised) at the call,
    before the first piece; an error while rendering is raised as HtmlTemplateError by the
    iterator, and write_atomic then leaves no file behind."""
    env = environment(template_dir)
    with _template_errors():
        template = env.get_template(MAIN_TEMPLATE)
    return _pieces(template, build_view(report, json_sha256=json_sha256))


def _pieces(template: jinja2.Template, view: object) -> Iterator[str]:
    with _template_errors():
        stream = template.stream(view=view)
        stream.enable_buffering(_CHUNK_ITEMS)
        yield from stream


@contextlib.contextmanager
def _template_errors() -> Iterator[None]:
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        raise HtmlTemplateError(f"report template error ({where}): {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise HtmlTemplateError(f"report template error: {exc}") from exc
