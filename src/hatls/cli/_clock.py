"""The clock of the command line: the one place hatls reads the time (DESIGN: time is an input)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, in UTC, to the second (reports show whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)
