"""Messages speak the user's words: hints for typos, readable durations, no Python reprs, and the
summary says why the exit status is 3 and what changed since a baseline."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from report_fixtures import sample_report

from hatls.cli._diff import with_baseline
from hatls.probe.errors import classify
from hatls.report import render_junit, render_metrics, rfc3339, summary_lines
from hatls.report._text import duration

TYPOS = """version = 1

[scan]
timeout = 5

[[pairs]]
name = "x"

[[pair]]
name = "tserver"
redundancy = "hot-standbye"

[pair.primary]
host = "a.example.com"
certificate_level = "aplication"
ports = [ { id = "default", port = 3000, mdoe = "unsecured" },
          { id = "secure", port = 3001, mode = "secure", ha_synch = true } ]
"""


def hatls(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatls", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_every_unknown_key_and_value_gets_a_hint_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "inventory.toml").write_text(TYPOS)
    result = hatls("validate", "inventory.toml", cwd=tmp_path)

    assert result.returncode == 2
    for expected in (
        "inventory.toml:4: scan.timeout: unknown key 'timeout' (did you mean 'handshake_timeout'?)",
        "inventory.toml:6: pairs: unknown key 'pairs' (did you mean 'pair'?)",
        "pair[1].redundancy: 'hot-standbye' is not one of hot-standby, warm-standby: "
        "did you mean 'hot-standby'?",
        "did you mean 'application'?",
        "inventory.toml:16: pair[1].primary.ports[1].mdoe: unknown key 'mdoe' (did you mean 'mode'?)",
        "(did you mean 'ha_sync'?)",
        "'secure' is not one of unsecured, secured, auto-detect: did you mean 'secured'?",
    ):
        assert expected in result.stderr, (expected, result.stderr)


def test_durations_keep_useful_precision() -> None:
    assert [duration(s) for s in (0.423, 1.34, 47.4, 725.0)] == ["0.42 s", "1.3 s", "47 s", "12 min 5 s"]


def test_summary_junit_and_metrics_show_the_measured_duration() -> None:
    report = sample_report()
    report = replace(report, scan=replace(report.scan, duration_seconds=1.3,
                                          finished=report.scan.started))

    assert " in 1.3 s" in summary_lines(report)[1]
    assert 'time="1.300"' in render_junit(report)
    assert "hatls_scan_duration_seconds 1.3\n" in render_metrics(report)


def test_a_refused_connection_names_no_python_tuple() -> None:
    refused = OSError(111, "Error connecting to ('127.0.20.1', 5999): Connection refused")
    _, message = classify(refused)

    assert message == "connection refused: Connection refused"


def test_no_endpoint_reachable_says_why_exit_3(tmp_path: Path) -> None:
    (tmp_path / "inventory.toml").write_text(
        'version = 1\n[[pair]]\nname = "gone"\n[pair.primary]\nhost = "gone.test"\n'
        'address = "127.0.20.1"\nports = [{ id = "secure", port = 5999, mode = "secured" }]\n')
    result = hatls("scan", "inventory.toml", "--connect-timeout", "1", "--timeout", "1", cwd=tmp_path)

    assert result.returncode == 3, result.stderr
    assert "no endpoint was reachable (0 of 1): exit 3" in result.stderr
    assert "('127" not in result.stderr and "b'" not in result.stderr
    assert "Traceback" not in result.stderr


def test_with_a_baseline_the_summary_has_the_drift_line() -> None:
    report = sample_report()
    better = [f for f in report.findings if f.status.value != "fail"]
    older = replace(report, findings=(*report.findings,))
    newer = with_baseline(replace(report, findings=tuple(better)), older)

    (line,) = [x for x in summary_lines(newer) if "since the baseline" in x]
    assert line.startswith(f"  since the baseline of {rfc3339(older.scan.started)}: nothing got worse")
    fixed = len(report.findings) - len(better)
    assert newer.drift is not None
    counts = newer.drift.summary
    assert fixed and counts.findings_resolved + counts.findings_changed == fixed
    assert (f"findings 0 appeared, {counts.findings_resolved} resolved, "
            f"{counts.findings_changed} changed;") in line
    assert not any("since the baseline" in x for x in summary_lines(report))


def test_a_report_missing_a_field_is_named_not_a_bare_key_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"schema": "hatls-report/1"}\n')
    (tmp_path / "list.json").write_text("[1]\n")
    missing = hatls("render", "bad.json", "--html", "bad.html", cwd=tmp_path)
    listed = hatls("render", "list.json", "--html", "list.html", cwd=tmp_path)

    assert missing.returncode == listed.returncode == 2
    # The JSON path and the field by name, in the user's words: no bare KeyError('summary').
    assert "not a readable hatls report: $: required field 'tool' is missing" in missing.stderr
    assert "$: expected an object, got an array" in listed.stderr
    assert "Traceback" not in missing.stderr + listed.stderr
