"""Every package with a face keeps it (trio's way): its ``__init__`` lists the public names in
``__all__`` over ``_``-prefixed private modules, and code outside the package uses only the face.

Read from the source (``ast``) so a package is checked the moment it exists, then imported to
check that ``__all__`` names real objects.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE_ROOT = SRC / "hatls"
# The packages docs/design.md says have a face; each must exist and declare __all__.
FACES = (
    "hatls.catalog",
    "hatls.cli",
    "hatls.drift",
    "hatls.importer",
    "hatls.policy",
    "hatls.report",
    "hatls.report.html",
    "hatls.rules",
    "hatls.rules.endpoint",
    "hatls.rules.pair",
    "hatls.scanning",
    "hatls.x509",
)

# Public modules beside a face, each for a reason the face cannot serve.
BESIDE_THE_FACE = {
    # WeasyPrint is the optional extra hatls[pdf]: the module is imported on its own, only to make
    # a PDF, so that the report face never needs it.
    "hatls.report.pdf",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _declared_all(init: Path) -> tuple[str, ...] | None:
    for node in ast.parse(init.read_text("utf-8")).body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                 for t in node.targets)):
            value = ast.literal_eval(node.value)
            return tuple(value)
    return None


def _faces() -> dict[str, tuple[str, ...]]:
    """Every package of src/hatls whose __init__ declares __all__ -> that __all__."""
    found = {}
    for init in sorted(PACKAGE_ROOT.rglob("__init__.py")):
        names = _declared_all(init)
        if names is not None and init.parent != PACKAGE_ROOT:
            found[_module_name(init)] = names
    return found


def _imports(path: Path) -> list[tuple[str, tuple[str, ...], int]]:
    """(imported module, names imported from it, line) for every import in ``path``."""
    found: list[tuple[str, tuple[str, ...], int]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, tuple(a.name for a in node.names), node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((a.name, (), node.lineno) for a in node.names)
    return found


FACE_NAMES = _faces()


def test_the_designed_faces_exist() -> None:
    assert sorted(set(FACES) - set(FACE_NAMES)) == []


@pytest.mark.parametrize("package", sorted(FACE_NAMES))
def test_all_names_real_objects(package: str) -> None:
    names = FACE_NAMES[package]
    assert len(names) == len(set(names)), f"{package}.__all__ repeats a name"
    module = importlib.import_module(package)
    missing = [name for name in names if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("package", sorted(FACE_NAMES))
def test_modules_behind_a_face_are_private(package: str) -> None:
    folder = SRC.joinpath(*package.split("."))
    public = sorted(p.name for p in folder.glob("*.py")
                    if p.name != "__init__.py" and not p.name.startswith("_")
                    and f"{package}.{p.stem}" not in BESIDE_THE_FACE)
    assert public == [], f"{package} has a face; its modules are private (_name.py)"


@pytest.mark.parametrize("package", sorted(FACE_NAMES))
def test_code_outside_a_package_uses_only_its_face(package: str) -> None:
    folder = SRC.joinpath(*package.split("."))
    exported = set(FACE_NAMES[package])
    wrong = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        if folder in path.parents:
            continue
        for module, names, line in _imports(path):
            where = f"{path.relative_to(SRC)}:{line}"
            if module.startswith(f"{package}._"):
                wrong.append(f"{where} imports the private {module}")
            elif module == package:
                wrong.extend(f"{where} imports {name}, not in {package}.__all__"
                             for name in names if name not in exported)
    assert wrong == []
