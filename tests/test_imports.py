"""Every module of hatls imports on its own, in a fresh interpreter.

An import cycle that works only because some other module happened to be imported first (the order
``hatls/__init__`` or a test imposes) fails here: each module is the first thing a new interpreter
imports. The interpreters run in parallel, one per core.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hatls

SOURCE = Path(hatls.__file__).parent
# Run, never imported: importing hatls.__main__ would start the command.
NOT_IMPORTED = frozenset({"hatls.__main__"})


def module_names() -> list[str]:
    names = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return [name for name in names if name not in NOT_IMPORTED]


def import_alone(module: str) -> str | None:
    """None when ``module`` imports in a fresh interpreter, else the end of its traceback."""
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, timeout=120, check=False)
    return None if proc.returncode == 0 else proc.stderr.strip()[-2000:]


def test_the_module_list_is_complete() -> None:
    names = module_names()
    assert {"hatls", "hatls.findings", "hatls.rules", "hatls.catalog", "hatls.policy",
            "hatls.rules.endpoint._reach", "hatls.inventory._build"} <= set(names)
    assert "hatls.__main__" not in names and len(names) > 100


def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    names = module_names()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures = {name: error for name, error in zip(names, pool.map(import_alone, names),
                                                        strict=True) if error is not None}
    assert not failures, "\n\n".join(f"{name}:\n{error}" for name, error in failures.items())


def test_a_broken_import_is_reported() -> None:
    # The check must be able to fail: a module that does not exist is reported with its error.
    error = import_alone("hatls.no_such_module")
    assert error is not None and "ModuleNotFoundError" in error
