"""The PDF report: the HTML report laid out on A4 by WeasyPrint (the optional extra ``hatls[pdf]``).

The PDF is made from the very HTML page ``render_html`` writes, so the two never disagree. Its
page footer (page numbers, the JSON report's SHA-256) comes from the page's own print CSS, and its
document metadata (title, author, subject, keywords) from the page's ``<title>`` and ``<meta>``
tags, which hold the report's title, author and change-request id.

WeasyPrint needs Pango (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``) and some fonts
(``fonts-dejavu-core``). It fetches nothing here: every URL it would resolve is refused, the page
names none anyway (its Content-Security-Policy forbids every fetch in a browser too).
"""

from __future__ import annotations

from typing import Any

import weasyprint


class PdfError(Exception):
    """The PDF could not be made (WeasyPrint failed): the HTML and JSON are still written."""


def _refuse(url: str, *_: Any, **__: Any) -> Any:
    # The report page is self-contained; anything it tried to load would be a template bug or
    # server text that escaped, never something to fetch. WeasyPrint leaves the resource out.
    raise _REFUSAL(f"the PDF report loads nothing (refused {url[:80]!r})")


# WeasyPrint 68+ takes a URLFetcher object; older releases a function. Both refuse everything.
_URLS: Any = getattr(weasyprint, "urls", None)
_REFUSAL: type[Exception] = getattr(_URLS, "URLFetchingError", ValueError)
if hasattr(_URLS, "URLFetcher"):
    class _RefuseAll(_URLS.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            return _refuse(url)

    _FETCHER: Any = _RefuseAll()
else:  # pragma: no cover - the older API
    _FETCHER = _refuse


def render_pdf(html: str) -> bytes:
    """The report page as PDF bytes (A4, as its print CSS lays it out)."""
    try:
        document = weasyprint.HTML(string=html, url_fetcher=_FETCHER, media_type="print")
        data: bytes = document.write_pdf()
    except Exception as exc:  # WeasyPrint's failures have no common base class
        raise PdfError(f"the PDF could not be made: {type(exc).__name__}: {exc}"[:500]) from exc
    return data
