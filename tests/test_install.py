"""Install like real software: the README's wheel and offline (wheelhouse, --no-index) install
commands, run as printed in a copy of the repository, end with a working `hatls demo` in a fresh
venv that pip filled from the local wheelhouse alone."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from docblocks import ROOT, blocks, run_block

MARKER = "run-by: tests/test_install.py"


def clone(into: Path) -> Path:
    """The repository's files as a fresh clone has them (tracked and new, not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


@pytest.mark.slow
def test_the_wheel_installs_offline_from_a_wheelhouse_and_runs_the_demo(tmp_path: Path) -> None:
    repo = clone(tmp_path / "hatls")
    steps = [b for b in blocks("README.md") if b.marker == MARKER]
    assert len(steps) == 3, "README.md: the wheel, wheelhouse and offline blocks"
    for block in steps:
        result = run_block(block, repo, timeout=240)
        assert result.returncode == 0, f"{block.name}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"

    (wheel,) = (repo / "dist").glob("hatls-*.whl")
    assert (repo / "wheelhouse" / wheel.name).is_file()
    offline = repo / "hatls-offline"
    assert (offline / "bin" / "hatls").is_file()
    report = json.loads((repo / "hatls-demo" / "report.json").read_text())
    assert report["summary"]["compliant"] is False and report["summary"]["fail"] == 5
    # The offline venv runs the installed wheel, not the clone's sources.
    where = subprocess.run([offline / "bin" / "python", "-c", "import hatls; print(hatls.__file__)"],
                           capture_output=True, text=True, check=True).stdout
    assert "site-packages" in where and str(repo / "src") not in where
