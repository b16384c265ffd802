"""The report's packages keep their layers: the report core (``hatls.report``) and the drift
(``hatls.drift``) are light, the HTML (``hatls.report.html``) is the only one that brings Jinja.

``hatls.load_report``, every export and ``hatls diff`` without ``--html`` import the light faces;
a Jinja, trio or HTML import slipped into them would cost every one of them its start-up time.
Each case runs in a fresh interpreter, so what another test imported does not count.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# What a light face must not load: the template engine, the async runtime, the PDF engine, the
# HTML view, and (for the report core) the drift computation that sits above it.
_HTML = ("jinja2", "hatls.report.html", "weasyprint", "trio")

_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(module: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, module], capture_output=True, text=True,
                          check=True, timeout=120)
    return set(json.loads(done.stdout))


@pytest.mark.parametrize(("module", "forbidden"), [
    ("hatls.report", (*_HTML, "hatls.drift")),
    ("hatls.drift", _HTML),
    # Every command's error handling needs OutputError: a leaf, not the report core.
    ("hatls.output", (*_HTML, "hatls.report", "hatls.inventory")),
])
def test_a_light_face_loads_no_html(module: str, forbidden: tuple[str, ...]) -> None:
    loaded = loaded_by(module)
    assert not [name for name in forbidden if name in loaded]


def test_the_public_load_report_loads_no_html() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, hatls; hatls.load_report; "
                           "print(' '.join(sorted(sys.modules)))"],
                          capture_output=True, text=True, check=True, timeout=120)
    loaded = set(done.stdout.split())
    assert "hatls.report" in loaded
    assert not [name for name in _HTML if name in loaded]


def test_the_html_face_is_where_jinja_comes_in() -> None:
    # The check above must be able to fail: the HTML face does load what the others must not.
    assert {"jinja2", "hatls.report.html", "hatls.drift"} <= loaded_by("hatls.report.html")


@pytest.mark.parametrize("face", ["hatls.report", "hatls.drift", "hatls.report.html"])
def test_a_face_lists_every_public_name_it_imports(face: str) -> None:
    package = __import__(face, fromlist=["__all__"])
    public = {name for name in vars(package) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(package, name)).__name__ == "module"}
    assert sorted(public - modules) == sorted(package.__all__)
    assert all(hasattr(package, name) for name in package.__all__)
