"""The safety net of every refactoring: the sample report re-judges, renders, exports and diffs to
exactly the golden files (tests/golden.py says how they are made and renewed)."""

from __future__ import annotations

import difflib

import pytest

from tests.golden import GOLDEN, masked, outputs

_OUTPUTS = dict(outputs())


@pytest.mark.parametrize("name", sorted(_OUTPUTS))
def test_output_is_golden(name: str) -> None:
    expected = (GOLDEN / name).read_text("utf-8")
    got = masked(_OUTPUTS[name])
    if got != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                            got.splitlines(keepends=True),
                                            f"golden/{name}", "now", n=2))
        pytest.fail(f"{name} differs from its golden file:\n{diff[:6000]}")


def test_every_golden_file_is_produced() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(_OUTPUTS)
