"""Text helpers for the HTML view model: every string a server could have chosen passes here.

Bounding happens in the view, not the templates, so a user's own templates (``--template-dir``)
get the same protection: hidden characters (controls, bidi overrides) written as escapes, and
no value longer than a screen line or two. HTML escaping stays Jinja's (autoescape is always on).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hatls.x509 import bounded_text

# One value in a table cell: long enough for any real subject or suite name, short enough that a
# hostile 64 KiB subject cannot bury the report.
MAX_VALUE_CHARS = 300
# Finding messages are written by hatls but quote server data; they may run a little longer.
MAX_MESSAGE_CHARS = 800
# Lists (SANs, suites, evidence items) beyond this many entries end in "… and N more".
MAX_LIST_ITEMS = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class MetaLine:
    """One labelled fact in a page's heading block (the report's scan facts, the drift's sides)."""

    label: str
    value: str
    mono: bool = False



def shown(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """``value`` as display text: hidden characters escaped, at most ``limit`` characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= _CACHED_CHARS:
        return _bounded(text, limit)
    return bounded_text(text, limit)


# A report repeats the same texts thousands of times (remediations, references, pair names,
# reasons): remembered, each is one string in the view model rather than one per finding. Short
# texts only (remediations run to ~370 characters), so the cache stays within a few MB even when
# every entry is a hostile server's text.
_CACHED_CHARS = 600
_bounded = functools.lru_cache(maxsize=4096)(bounded_text)


def shown_list(values: Iterable[object], limit: int = MAX_LIST_ITEMS) -> tuple[str, ...]:
    """Each value bounded; past ``limit`` entries, one closing "… and N more" entry."""
    texts = [shown(v) for v in values]
    if len(texts) <= limit:
        return tuple(texts)
    return (*texts[:limit], f"… and {len(texts) - limit} more")


def moment(at: datetime) -> str:
    """RFC 3339 moments read better with a space and an explicit zone on paper."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def day(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d")


def days_between(start: datetime, end: datetime) -> int:
    """Whole days from ``start`` to ``end``, rounded toward zero (negative when ``end`` is past)."""
    return int((end - start).total_seconds() / 86400)


def expiry(not_after: datetime, now: datetime) -> str:
    """The expiry date and how far it was from the scan (the scan's start is "now")."""
    left = days_between(now, not_after)
    if not_after <= now:
        return f"{day(not_after)} (expired {-left} days before the scan)"
    return f"{day(not_after)} ({left} days after the scan)"


def duration(start: datetime, end: datetime) -> str:
    seconds = max(0, int((end - start).total_seconds()))
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def fingerprint(hex_digits: str) -> str:
    """Hex in groups of four: legible, wraps on paper, and pastes back as a thumbprint
    (hatls and Genesys both drop the spaces)."""
    clean = shown(hex_digits, 200)
    return " ".join(clean[i:i + 4] for i in range(0, len(clean), 4))


def flag(value: bool | None, yes: str = "yes", no: str = "no") -> str | None:
    """None stays None (not probed), never "no": docs/report.md's null is not false."""
    if value is None:
        return None
    return yes if value else no


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def evidence_text(value: Any) -> tuple[str, ...]:
    """One evidence value as display lines: scalars as one line, lists item by item, objects as
    ``key: value`` lines; anything deeper as bounded JSON."""
    if value is None:
        return ("—",)
    if isinstance(value, bool):
        return ("yes" if value else "no",)
    if isinstance(value, str | int | float):
        return (shown(value),)
    if isinstance(value, list | tuple):
        return shown_list(_one_line(v) for v in value) if value else ("(none)",)
    if isinstance(value, dict):
        if not value:
            return ("(none)",)
        return shown_list(f"{k}: {_one_line(v)}" for k, v in value.items())
    return (shown(value),)


def _one_line(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "—"
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)
