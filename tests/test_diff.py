"""Drift between two reports: ``hatls diff`` and ``scan --baseline`` (issue 6).

The end-to-end part scans the demo lab twice (fresh certificates each run: rotated) and builds a
"fixed" variant of the second scan by re-judging it with statserver-legacy's backup no longer
accepting TLS 1.0 / 1.1. The rest works on the sample report, changed one fact at a time.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from hatls.cli import app as hatls_app
from hatls.cli._demo import run_demo
from hatls.cli._diff import with_baseline
from hatls.drift import attach_drift, diff_reports, drift_from_json, drift_lines, drift_to_json
from hatls.drift._findings import classify, got_worse
from hatls.files import read_report
from hatls.findings import Finding, Severity, Status
from hatls.observations import EndpointObservation
from hatls.report import (
    Drift,
    FindingChange,
    ItemChange,
    PortChange,
    Report,
    ScanStatus,
    drift_schema,
    dumps,
    loads,
    report_schema,
    report_to_json,
)
from hatls.report.html import build_drift_view, render_diff_html, render_html
from hatls.scanning import rejudge
from tests.report_fixtures import HOSTILE_SUBJECT, T_SERVER, sample_report

LEGACY_BACKUP = ("statserver-legacy", "backup", "secure", "127.0.2.3")
OLD_VERSIONS = ("TLSv1.0", "TLSv1.1")
T_BACKUP_SECURE = (T_SERVER, "backup", "secure", "10.1.2.4")
CS_PRIMARY_DEFAULT = ("confserv-01", "primary", "default", "10.2.0.5")


# --- two real scans of the demo lab --------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("scan1"), tmp_path_factory.mktemp("scan2")
    for out in (first, second):
        assert run_demo(out, quiet=True) == 1        # the demo lab has seeded faults
    return first / "report.json", second / "report.json"


def without_old_versions(obs: EndpointObservation) -> EndpointObservation:
    return replace(
        obs, protocols=tuple((v, False if v in OLD_VERSIONS else ok) for v, ok in obs.protocols),
        ciphers=tuple((v, s) for v, s in obs.ciphers or () if v not in OLD_VERSIONS))


@pytest.fixture(scope="module")
def fixed(demo: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The second scan as it would be once the legacy backup stops accepting TLS 1.0 / 1.1."""
    report = loads(demo[1].read_text())
    endpoints = tuple(without_old_versions(e) if e.key == LEGACY_BACKUP else e
                      for e in report.endpoints)
    # An hour later, so "which scan is newer" never hangs on two demo runs in the same second.
    later = replace(report.scan, started=report.scan.started + timedelta(hours=1),
                    finished=report.scan.finished + timedelta(hours=1))
    path = tmp_path_factory.mktemp("fixed") / "report.json"
    path.write_text(dumps(rejudge(replace(report, endpoints=endpoints, scan=later))))
    return path


@functools.cache
def load(path: Path) -> Report:
    """Each saved report parsed once: reports are immutable values."""
    return read_report(path)[0]


def finding(drift: Drift, rule: str, key: tuple[str, ...]) -> Any:
    return next(f for f in drift.findings if f.rule == rule and
                (f.pair, f.role, f.port_id, f.address) == key)


def test_a_fixed_fault_shows_as_resolved_and_the_certificates_as_rotated(
        demo: tuple[Path, Path], fixed: Path) -> None:
    old, new = load(demo[0]), load(fixed)
    drift = diff_reports(old, new)
    tls010 = finding(drift, "TLS-010", LEGACY_BACKUP)
    assert (tls010.change, tls010.old_status, tls010.new_status, tls010.worse) == (
        FindingChange.RESOLVED, Status.FAIL, Status.PASS, False)
    assert [f.rule for f in drift.findings] == ["TLS-010"]
    # Every TLS endpoint got a fresh certificate from a fresh demo CA.
    rotated = {(c.pair, c.role, c.port_id) for c in drift.certificates}
    assert len(rotated) == sum(e.certificate is not None for e in new.endpoints) == 8
    assert all(c.old_sha256 != c.new_sha256 and "fingerprint" in c.changed and not c.worse
               for c in drift.certificates)
    assert {(p.version, p.change) for p in drift.protocols} == {
        ("TLSv1.0", ItemChange.REMOVED), ("TLSv1.1", ItemChange.REMOVED)}
    assert {s.version for s in drift.suites} == set(OLD_VERSIONS)
    assert all(p.change is PortChange.MOVED for p in drift.ports)   # the lab picks new ports
    assert not drift.worse and drift.summary.worse == 0


def test_the_same_change_the_other_way_round_is_worse(demo: tuple[Path, Path], fixed: Path) -> None:
    drift = diff_reports(load(fixed), load(demo[0]))
    tls010 = finding(drift, "TLS-010", LEGACY_BACKUP)
    assert (tls010.change, tls010.new_status, tls010.worse) == (
        FindingChange.APPEARED, Status.FAIL, True)
    assert {(p.version, p.flagged_by, p.worse) for p in drift.protocols} == {
        ("TLSv1.0", ("TLS-010",), True), ("TLSv1.1", ("TLS-010",), True)}
    assert drift.suites and all(s.change is ItemChange.ADDED and "TLS-020" in s.flagged_by
                                and s.worse for s in drift.suites)
    assert drift.worse and drift.summary.worse == 1 + 2 + len(drift.suites)
    assert any("swapped" in note for note in drift.notes)


def test_two_scans_of_an_unchanged_lab_differ_only_in_certificates_and_ports(
        demo: tuple[Path, Path]) -> None:
    drift = diff_reports(load(demo[0]), load(demo[1]))
    assert not (drift.findings or drift.protocols or drift.suites)
    assert len(drift.certificates) == 8 and len(drift.ports) == 14
    assert not drift.worse


def test_the_drift_follows_its_schema_and_reads_back(demo: tuple[Path, Path], fixed: Path) -> None:
    drift = diff_reports(load(fixed), load(demo[0]))
    data = json.loads(json.dumps(drift_to_json(drift)))
    jsonschema.Draft202012Validator.check_schema(drift_schema())
    jsonschema.validate(data, drift_schema())
    assert data["schema"] == "hatls-drift/1" and data["worse"] is True
    assert drift_from_json(data) == drift


def test_a_report_scanned_with_a_baseline_carries_the_drift(demo: tuple[Path, Path],
                                                             fixed: Path) -> None:
    old, new = load(demo[0]), load(fixed)
    report = with_baseline(new, old)
    text = dumps(report)
    jsonschema.validate(json.loads(text), report_schema())
    jsonschema.validate(json.loads(text)["drift"], drift_schema())
    assert loads(text) == report
    assert report.drift == diff_reports(old, new)
    assert "drift" not in report_to_json(new) and new.drift is None


# --- the command line ----------------------------------------------------------------------------

def cli(*args: str) -> Any:
    return CliRunner().invoke(hatls_app, list(args))


def test_diff_exits_0_when_nothing_got_worse_and_names_the_changes(
        demo: tuple[Path, Path], fixed: Path, tmp_path: Path) -> None:
    out_json, out_html = tmp_path / "drift.json", tmp_path / "drift.html"
    result = cli("diff", str(demo[0]), str(fixed), "--json", str(out_json), "--html", str(out_html))
    assert result.exit_code == 0, result.output
    assert "nothing got worse" in result.output
    assert re.search(r"finding resolved +TLS-010 \(high\) fail → pass +statserver-legacy backup",
                     result.output)
    assert result.output.count("certificate rotated") == 8
    jsonschema.validate(json.loads(out_json.read_text()), drift_schema())
    page = out_html.read_text()
    assert "Nothing got worse" in page and "TLS-010" in page and "rotated" in page


def test_diff_exits_1_when_something_got_worse(demo: tuple[Path, Path], fixed: Path) -> None:
    result = cli("diff", str(fixed), str(demo[0]))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "something got worse" in lines[0]
    items = [line for line in lines[1:] if not line.startswith(("  findings:", "  note:"))]
    assert items[0].startswith("WORSE finding appeared TLS-010")
    marks = [line.startswith("WORSE") for line in items]
    assert marks == sorted(marks, reverse=True) and marks.count(True) == 7   # worse lines first


def test_json_to_stdout_is_the_only_thing_there(demo: tuple[Path, Path], fixed: Path) -> None:
    result = cli("diff", str(demo[0]), str(fixed), "--json", "-")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["findings_resolved"] == 1
    assert "nothing got worse" in result.stderr


def test_usage_errors_exit_2(demo: tuple[Path, Path], tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text('{"schema": "nope"}')
    for args in (("diff", str(demo[0]), str(junk)),
                 ("diff", str(demo[0]), str(tmp_path / "missing.json")),
                 ("diff", str(demo[0]), str(demo[1]), "--html", str(tmp_path / "x.html"),
                  "--template-dir", str(tmp_path / "absent")),
                 ("diff", str(demo[0]))):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
    assert not (tmp_path / "x.html").exists()


def test_an_output_that_cannot_be_written_exits_3_not_1(demo: tuple[Path, Path], tmp_path: Path) -> None:
    # Exit 1 means "something got worse"; a diff that could not write its output says 3.
    result = cli("diff", str(demo[0]), str(demo[1]), "--html", str(tmp_path / "no" / "x.html"))
    assert result.exit_code == 3, result.output


# --- the rules of "worse", on the sample report --------------------------------------------------

P, F, W, E, S = Status.PASS, Status.FAIL, Status.WARN, Status.ERROR, Status.SKIPPED


@pytest.mark.parametrize(("old", "new", "change", "worse"), [
    (None, F, FindingChange.APPEARED, True), (None, E, FindingChange.APPEARED, True),
    (None, W, FindingChange.APPEARED, False), (P, F, FindingChange.APPEARED, True),
    (S, E, FindingChange.APPEARED, True), (P, W, FindingChange.APPEARED, True),
    (S, W, FindingChange.APPEARED, False), (W, F, FindingChange.CHANGED, True),
    (F, E, FindingChange.CHANGED, False), (F, W, FindingChange.CHANGED, False),
    (F, P, FindingChange.RESOLVED, False), (W, P, FindingChange.RESOLVED, False),
    (F, S, FindingChange.CHANGED, False), (F, None, FindingChange.CHANGED, False),
    (P, S, FindingChange.CHANGED, False), (None, P, None, False), (P, None, None, False),
    (F, F, None, False),
])
def test_status_changes(old: Status | None, new: Status | None, change: FindingChange | None,
                        worse: bool) -> None:
    assert classify(old, new) == change
    assert got_worse(old, new) is worse


def with_endpoint(report: Report, key: tuple[str, ...], **changes: Any) -> Report:
    return replace(report, endpoints=tuple(replace(e, **changes) if e.key == key else e
                                           for e in report.endpoints))


def test_an_identical_report_has_no_drift() -> None:
    drift = diff_reports(sample_report(), sample_report())
    assert not drift.worse and not drift.notes
    assert not any((drift.findings, drift.certificates, drift.protocols, drift.suites, drift.ports))
    assert "Nothing changed between the two scans." in render_diff_html(drift)


def test_a_port_that_left_the_scan_or_stopped_answering_vanished() -> None:
    old = sample_report()
    gone = replace(old, endpoints=tuple(e for e in old.endpoints if e.key != T_BACKUP_SECURE))
    dead = with_endpoint(old, T_BACKUP_SECURE, reachable=False)
    for new, detail in ((gone, "not in the new scan"), (dead, "no longer reachable")):
        drift = diff_reports(old, new)
        assert [(p.change, p.detail, p.worse) for p in drift.ports] == [
            (PortChange.VANISHED, detail, True)]
        assert drift.worse
    back = diff_reports(dead, old)
    assert [(p.change, p.worse) for p in back.ports] == [(PortChange.APPEARED, False)]


def test_an_unprobed_port_of_an_interrupted_scan_is_no_claim() -> None:
    old = sample_report()
    new = with_endpoint(replace(old, scan=replace(old.scan, status=ScanStatus.INTERRUPTED)),
                        T_BACKUP_SECURE, reachable=None, protocols=tuple(
                            (v, None) for v, _ in old.endpoints[3].protocols), ciphers=None,
                        certificate=None)
    drift = diff_reports(old, new)
    assert not (drift.ports or drift.protocols or drift.suites or drift.certificates)
    assert any("interrupted" in note for note in drift.notes)


def test_an_earlier_expiry_is_shown_but_not_worse() -> None:
    old = sample_report()
    leaf = old.endpoints[0].certificate
    assert leaf is not None
    sooner = replace(leaf, sha256="e" * 64, not_after=leaf.not_after - timedelta(days=300))
    drift = diff_reports(old, with_endpoint(old, old.endpoints[0].key, certificate=sooner))
    [cert] = drift.certificates
    assert cert.changed == ("fingerprint", "expiry") and cert.expires_earlier and not cert.worse
    assert not drift.worse


def test_a_suite_added_is_worse_only_when_the_new_report_objects_to_it() -> None:
    old = sample_report()
    cbc = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
    obs = old.endpoints[1]
    added = with_endpoint(old, obs.key, ciphers=(("TLSv1.2", (*dict(obs.ciphers or ())["TLSv1.2"],
                                                               cbc)), ("TLSv1.3", ())))
    quiet = diff_reports(old, added)
    assert [(s.suite, s.change, s.worse) for s in quiet.suites if s.change is ItemChange.ADDED] == [
        (cbc, ItemChange.ADDED, False)]
    objection = Finding(rule="TLS-020", status=Status.FAIL, severity=Severity.HIGH, pair=obs.pair,
                        role=obs.role, port_id=obs.port_id, address=obs.address, message="cbc",
                        evidence={"offending": [{"version": "TLSv1.2", "suite": cbc}]})
    flagged = diff_reports(old, replace(added, findings=(*added.findings, objection)))
    assert [s.flagged_by for s in flagged.suites if s.change is ItemChange.ADDED] == [("TLS-020",)]
    assert flagged.worse


def test_a_version_not_probed_before_is_not_added() -> None:
    old = with_endpoint(sample_report(), T_BACKUP_SECURE, protocols=tuple(
        (v, None if v == "TLSv1.0" else ok) for v, ok in sample_report().endpoints[3].protocols))
    new = with_endpoint(old, T_BACKUP_SECURE, protocols=tuple(
        (v, True if v == "TLSv1.0" else ok) for v, ok in old.endpoints[3].protocols))
    assert diff_reports(old, new).protocols == ()


def test_a_pair_finding_is_drift_of_both_servers() -> None:
    old = sample_report()
    new = replace(old, findings=tuple(f for f in old.findings if f.rule != "GHA-007"))
    drift = diff_reports(old, new)
    [gha007] = drift.findings
    assert (gha007.role, gha007.new_status, gha007.change) == (None, None, FindingChange.CHANGED)
    view = build_drift_view(drift)
    assert [g.label for g in view.pairs[0].groups] == ["both servers"]


# --- what people see -----------------------------------------------------------------------------

def hostile_rotation() -> Drift:
    old = sample_report()
    leaf = old.endpoints[4].certificate
    assert leaf is not None
    return diff_reports(old, with_endpoint(old, CS_PRIMARY_DEFAULT,
                                           certificate=replace(leaf, sha256="d" * 64)))


def test_the_page_is_self_contained_and_escapes_server_text() -> None:
    page = render_diff_html(hostile_rotation())
    # The subject as the scan wrote it (RFC 4514: "CN=\\<script\\>…"), shown as text.
    assert HOSTILE_SUBJECT not in page and "CN=\\&lt;script\\&gt;alert(1)\\&lt;/script\\&gt;" in page
    assert "<script" not in page.lower()
    assert not re.search(r"(?:src|href)=\"(?!#)", page)            # only in-page links
    assert "default-src 'none'" in page
    for anchor in re.findall(r'href="#([^"]+)"', page):
        assert f'id="{anchor}"' in page


def test_terminal_lines_escape_hidden_characters() -> None:
    old = sample_report()
    leaf = old.endpoints[0].certificate
    assert leaf is not None
    evil = replace(leaf, sha256="f" * 64, issuer="CN=evil\x1b[2J\u202e")
    lines = drift_lines(diff_reports(old, with_endpoint(old, old.endpoints[0].key, certificate=evil)))
    assert not any("\x1b" in line or "\u202e" in line for line in lines)


def test_the_report_shows_the_drift_section_when_the_report_carries_drift() -> None:
    report = attach_drift(sample_report(), hostile_rotation())
    page = render_html(report)
    assert 'id="drift"' in page and "Drift since the scan of 2026-11-24 10:00:00 UTC" in page
    assert ".chg-table" in page and "&lt;script&gt;" in page
    assert 'id="drift"' not in render_html(sample_report())
