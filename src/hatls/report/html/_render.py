"""The HTML report: one self-contained file rendered from a Report (docs/report.md), for people.

The view model (_view) decides everything; Jinja templates only lay it out. The built-in
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
from jinja2.sandbox import SandboxedEnvironment

from hatls.evidence import DetachedSignature
from hatls.report import Report
from hatls.report.html._view import build_view

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
    # Sandboxed with a --template-dir: a user's template is someone's file, not code; it must reach
    # neither `os` nor the environment (where the client key's password may be), whatever it
    # calls. The built-in templates alone are ours, and render faster without the sandbox's checks.
    kind = jinja2.Environment if template_dir is None else SandboxedEnvironment
    return kind(
        loader=_loader(template_dir), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def check_templates(template_dir: str | None) -> None:
    """Compile every template of ``template_dir`` (and the built-ins it may extend) now, before a
    scan: a syntax error or an unknown filter is a usage error found in a second, not a traceback
    after a ten-minute scan."""
    env = environment(template_dir)
    if template_dir is None:
        return
    try:
        own = {p.name for p in Path(template_dir).iterdir() if p.name.endswith(".j2") and p.is_file()}
    except OSError as exc:
        raise HtmlTemplateError(f"{template_dir}: cannot list: {exc.strerror or exc}") from None
    names = sorted({*builtin_template_names(), *own})
    for name in names:
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            where = f"{exc.filename or exc.name}:{exc.lineno}"
            raise HtmlTemplateError(f"report template error ({where}): {exc.message}") from None
        except (jinja2.TemplateError, OSError, UnicodeDecodeError) as exc:
            raise HtmlTemplateError(f"report template error ({name}): {exc}"[:500]) from None


def render_html(
    report: Report, *, template_dir: str | None = None, json_sha256: str | None = None,
    signature: DetachedSignature | None = None,
) -> str:
    """The report as one self-contained HTML page (inline CSS, no script, nothing fetched).

    ``json_sha256``: the SHA-256 of the JSON report file's bytes, shown so a reader can match the
    two; the page is rendered from the report object, which cannot know how it was serialized.
    ``signature``: the JSON's detached signature, when one is at hand (``hatls render`` looks
    for REPORT.json.sig): page 1 says whether it names this JSON's SHA-256.
    """
    return "".join(iter_html(report, template_dir=template_dir, json_sha256=json_sha256,
                             signature=signature))


# Template output pieces joined per chunk handed to the writer: a few KB, not one call per token.
_CHUNK_ITEMS = 512


def iter_html(
    report: Report, *, template_dir: str | None = None, json_sha256: str | None = None,
    signature: DetachedSignature | None = None,
) -> Iterator[str]:
    """``render_html`` in pieces, for a writer that takes them as they come (output.write_atomic):
    the page is never held whole. The template is loaded (and a syntax error raised) at the call,
    before the first piece; an error while rendering is raised as HtmlTemplateError by the
    iterator, and write_atomic then leaves no file behind."""
    env = environment(template_dir)
    with _template_errors():
        template = env.get_template(MAIN_TEMPLATE)
    return _pieces(template, build_view(report, json_sha256=json_sha256, signature=signature))


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
    except (jinja2.TemplateError, OSError, UnicodeDecodeError) as exc:
        # SecurityError (the sandbox refused an attribute) is a TemplateError as well.
        raise HtmlTemplateError(f"report template error: {exc}"[:500]) from exc
