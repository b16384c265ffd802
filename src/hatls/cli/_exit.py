"""The exit statuses of the ``hatls`` commands (docs/report.md "Exit status"), and the one way a
command stops with a message.

One table for every command, so a status means the same everywhere: 2 is always "usage: nothing
was done", 3 always "could not run or write", 4 always "interrupted". What 0 and 1 mean depends on
the command (a verdict, a drift, a signature); each has its own names below.
"""

from __future__ import annotations

import typer

# scan, merge, demo: the verdict.
EXIT_COMPLIANT = 0
EXIT_NOT_COMPLIANT = 1
# diff: the drift.
EXIT_NOTHING_WORSE = 0
EXIT_WORSE = 1
# verify: the signature.
EXIT_VALID = 0
EXIT_INVALID = 1
# Every command.
EXIT_USAGE = 2          # bad input or usage: nothing was scanned or written
EXIT_CANNOT_RUN = 3     # the work could not run (nothing reachable) or an output cannot be written
EXIT_INTERRUPTED = 4    # Ctrl-C or SIGTERM (hatls.launch repeats 4: it runs before any import)


def fail(message: str, status: int) -> typer.Exit:
    """``hatls: message`` on standard error; raise the result to end the command with ``status``."""
    typer.echo(f"hatls: {message}", err=True)
    return typer.Exit(status)
