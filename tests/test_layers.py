"""The layers of docs/design.md ("Where things live"), held to the code: a module imports only from
its own layer or the layers below it. Read from the source, every import counted (inside
functions and ``TYPE_CHECKING`` blocks too), so a new upward import fails here with its line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

# Lowest first. A unit is a top-level module or package of hatls, or one of the subpackages named.
LAYERS: tuple[tuple[str, ...], ...] = (
    # leaves: shared values that import nothing else of hatls
    ("hatls._version", "hatls.findings", "hatls._toml", "hatls.json_shape", "hatls.output"),
    # the sans-IO core: bytes and certificates
    ("hatls.tls", "hatls.x509"),
    # what was seen, and the rule catalogue
    ("hatls.observations", "hatls.twins", "hatls.catalog", "hatls.objections"),
    # inputs
    ("hatls.policy", "hatls.inventory", "hatls.waivers", "hatls.identity", "hatls.evidence",
     "hatls.importer"),
    # judging
    ("hatls.rules", "hatls.rules.endpoint", "hatls.rules.pair"),
    # the report core
    ("hatls.report", "hatls.report.pdf"),
    # the scan core, zones, drift: pure
    ("hatls.scanning", "hatls.drift"),
    # the network, and the joins over it
    ("hatls.probe", "hatls.workers", "hatls.zone_merge", "hatls.files"),
    # presentation
    ("hatls.report.html",),
    # the faces people use
    ("hatls", "hatls.__main__", "hatls.launch", "hatls.cli", "hatls.lab"),
)
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}


def _module(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    """The longest name in LAYERS that is ``module`` or a package holding it."""
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        candidate = ".".join(parts[:size])
        if candidate in LEVEL:
            return candidate
    raise AssertionError(f"{module} is in no layer of tests/test_layers.py (docs/design.md)")


def _imports(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
    return [(module, line) for module, line in found
            if module == "hatls" or module.startswith("hatls.")]


MODULES = sorted(SRC.joinpath("hatls").rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    assert {_unit(_module(path)) for path in MODULES} <= set(LEVEL)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module(p))
def test_imports_go_down_the_layers(path: Path) -> None:
    here = _unit(_module(path))
    upward = [f"{path.relative_to(SRC)}:{line} ({here}) imports {module} ({_unit(module)})"
              for module, line in _imports(path) if LEVEL[_unit(module)] > LEVEL[here]]
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    assert LEVEL[_unit("hatls.report.html._view")] > LEVEL[_unit("hatls.rules._engine")]
    assert _unit("hatls.rules.endpoint._cert") == "hatls.rules.endpoint"
    assert _unit("hatls.report._codec") == "hatls.report"
