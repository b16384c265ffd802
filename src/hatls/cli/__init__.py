"""The ``hatls`` command line: a thin layer over the public API (docs/report.md "Command line").

The face is ``app`` (the typer application, for tests and embedding) and ``main`` (the entry point
``hatls.launch`` calls). Each command lives in its own private module and is imported only when it
runs, so ``hatls --version`` and ``hatls --help`` load typer and nothing of the scanner.
"""

from __future__ import annotations

from hatls.cli._app import app, main

__all__ = ["app", "main"]
