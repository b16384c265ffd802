"""The `hatls` command's entry point, kept free of imports so Ctrl-C is handled from the start.

Importing the program (trio, cryptography, typer, the rules) takes a noticeable moment; Ctrl-C in
that moment must end hatls like Ctrl-C at any later one: "interrupted", exit 4, no traceback. So
the import happens inside the guard, and the package's ``__init__`` imports nothing heavy itself.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 4


def main() -> None:
    try:
        # Inside the guard on purpose (see the module docstring), not to break an import cycle.
        from hatls.cli import main as run  # noqa: PLC0415 (lazy: start-up time)
    except KeyboardInterrupt:
        sys.stderr.write("hatls: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    run()
