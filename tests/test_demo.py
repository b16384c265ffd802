"""End to end: `hatls demo` starts the lab, scans it through the scan path, writes the report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hatls.report import loads, report_schema


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([sys.executable, "-m", "hatls", "demo", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    return proc, out


def findings(report: dict[str, Any], rule: str, pair: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == rule and f["pair"] == pair]


def test_demo_exits_not_compliant_and_prints_a_summary(demo_run: Any) -> None:
    proc, _ = demo_run
    assert proc.returncode == 1, proc.stderr
    assert "NOT COMPLIANT" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_demo_report_follows_the_schema_and_round_trips(demo_run: Any) -> None:
    _, out = demo_run
    text = (out / "report.json").read_text()
    data = json.loads(text)
    jsonschema.validate(data, report_schema())
    report = loads(text)
    assert report.summary.pairs == 4
    assert report.summary.endpoints == 14
    assert loads(json.dumps(data)) == report


def test_clean_pair_shows_only_pass_and_skipped(demo_run: Any) -> None:
    _, out = demo_run
    report = json.loads((out / "report.json").read_text())
    clean = [f for f in report["findings"] if f["pair"] == "tserver-clean"]
    assert clean
    assert {f["status"] for f in clean} <= {"pass", "skipped"}, [
        (f["rule"], f["status"], f["message"]) for f in clean if f["status"] not in ("pass", "skipped")]
    # Every check was made: on its mutual-TLS ports too (TLS-041 with the pair's client identity).
    assert not [f["rule"] for f in clean if f["evidence"].get("reason") == "not-probed"]
    assert {f["status"] for f in clean if f["rule"] == "TLS-041" and f["port_id"] == "secure"} == {"pass"}


def test_each_seeded_fault_is_a_fail_of_its_rule(demo_run: Any) -> None:
    _, out = demo_run
    report = json.loads((out / "report.json").read_text())
    assert [f["status"] for f in findings(report, "GHA-005", "sipserver-propagated")] == ["fail"]
    legacy = findings(report, "TLS-010", "statserver-legacy")
    assert {(f["role"], f["port_id"], f["status"]) for f in legacy} >= {("backup", "secure", "fail")}
    confserv = findings(report, "GHA-008", "confserv")
    assert [f["status"] for f in confserv] == ["pass"]
