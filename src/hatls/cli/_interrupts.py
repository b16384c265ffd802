"""Ctrl-C that a library swallowed: kept, so the command it was meant for does not start.

Some libraries call Python from native code that cannot pass an exception on: typer reads option
values through pydantic-core, and a Ctrl-C that lands there is printed as "Exception ignored in:
'Path'" with a traceback, and then lost — the command would run on as if nothing was pressed. The
interpreter hands such exceptions to ``sys.unraisablehook``; this one keeps a KeyboardInterrupt
(printing nothing) and gives every other exception to the default hook. A command checks before
it starts (``unless_interrupted``), so the swallowed Ctrl-C ends hatls like any other: exit 4.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

_swallowed: list[BaseException] = []   # the process's one record; the CLI is one per process


def _keep_interrupts(unraisable: Any) -> None:
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        _swallowed.append(unraisable.exc_value)
        return
    sys.__unraisablehook__(unraisable)


def keep_swallowed_interrupts() -> None:
    """Install the hook (at the start of ``hatls.cli.main``)."""
    sys.unraisablehook = _keep_interrupts


def unless_interrupted(command: Callable[..., None]) -> Callable[..., None]:
    """``command``, which raises KeyboardInterrupt instead of starting once a Ctrl-C was swallowed.
    The signature stays the command's (typer reads its options from it)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        if _swallowed:
            raise KeyboardInterrupt
        command(*args, **kwargs)

    return run
