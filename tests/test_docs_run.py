"""Docs that run as written: every ```sh block of README.md and docs/operations.md, in order, in one
temporary folder (a reader's working folder beside a copy of examples/), exactly as printed.

Blocks marked `<!-- needs: demo-lab -->` get the lab a reader starts in another terminal
(`hatls demo --serve --out lab`), `--fixed` the same lab with its faults fixed. Blocks marked
`<!-- run-by: FILE -->` are run by that file (tests/test_install.py, .ci/run)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from docblocks import ROOT, Block, Lab, blocks, run_block

from hatls.inventory import load_inventory

DOCS = ("README.md", "docs/operations.md")
NOT_RUN_HERE = {
    # Creates a system user and installs units: needs root on a host booted with systemd.
    "needs: root, systemd",
}


def lab_variant(block: Block) -> str | None:
    match = re.fullmatch(r"needs: demo-lab(?P<variant>(?: --fixed)?)", block.marker)
    return None if match is None else match.group("variant").strip()


def test_every_command_block_is_marked_with_something_the_tests_know() -> None:
    for doc in DOCS:
        assert blocks(doc), doc
        for block in blocks(doc):
            assert block.commands, f"{block.name} has no command"
            known = (block.marker == "" or lab_variant(block) is not None
                     or block.marker in NOT_RUN_HERE or block.marker.startswith("run-by: "))
            assert known, f"{block.name}: unknown marker {block.marker!r}"
            if block.marker.startswith("run-by: "):
                runner = block.marker.removeprefix("run-by: ")
                assert (ROOT / runner).is_file(), f"{block.name}: no {runner}"


def test_the_readme_first_lines_are_what_ci_runs() -> None:
    first = blocks("README.md")[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert first.marker == "run-by: .ci/run"
    install_and_demo, install_and_test = (c.text for c in first.commands)
    assert f'test_command="{install_and_test}"' in ci
    assert install_and_demo.endswith("pip install -q -e . && hatls demo")


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS)
def test_the_doc_runs_as_printed(doc: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    lab = Lab(tmp_path)
    ran = 0
    try:
        for block in blocks(doc):
            if block.marker.startswith("run-by: ") or block.marker in NOT_RUN_HERE:
                continue
            variant = lab_variant(block)
            if variant is not None:
                lab.ensure(variant)
            result = run_block(block, tmp_path)
            assert result.returncode == 0, (
                f"{block.name} failed\n--- stdout\n{result.stdout[-3000:]}"
                f"\n--- stderr\n{result.stderr[-3000:]}")
            assert "Traceback" not in result.stderr, result.stderr
            ran += 1
    finally:
        lab.stop()
    assert ran >= 1


def test_the_readme_minimal_inventory_is_valid(tmp_path: Path) -> None:
    (toml,) = re.findall(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    (tmp_path / "inventory.toml").write_text(toml)
    inventory = load_inventory(tmp_path / "inventory.toml")
    assert [p.name for p in inventory.pairs] == ["tserver-sip-01"]
