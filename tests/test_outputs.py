"""JUnit, SARIF and Prometheus outputs, rendered from saved reports and checked by real parsers:
lxml against the Jenkins junit-10.xsd, jsonschema against the official SARIF 2.1.0 schema,
prometheus_client's text parser. The schemas live in tests/schemas/ (see its README)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from hatls.catalog import RULES
from hatls.cli import app as hatls_app
from hatls.cli._outputs import ExportPaths, usage_problem
from hatls.findings import Severity, Status
from hatls.report import Report, ScanStatus, loads, render_junit, render_metrics, render_sarif
from tests.report_fixtures import HOSTILE_SAN, HOSTILE_SAN_SHOWN, SAMPLE_PATH, TSRV_B

SCHEMAS = Path(__file__).resolve().parent / "schemas"
HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def saved() -> Report:
    return loads(SAMPLE_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def junit_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    checker = jsonschema.FormatChecker()
    # Without rfc3986-validator / rfc3339-validator these formats would pass unchecked.
    assert {"uri", "uri-reference", "date-time"} <= set(checker.checkers)
    return jsonschema.Draft4Validator(schema, format_checker=checker)


def xml_of(report: Report) -> Any:
    return etree.fromstring(render_junit(report).encode("utf-8"))


def sarif_errors(validator: jsonschema.Draft4Validator, log: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}"[:300] for e in validator.iter_errors(log)]


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def two_addresses(report: Report) -> Report:
    """The backup's HA port resolving to a second address, judged there too."""
    first = next(f for f in report.findings if f.rule == "TLS-010")
    return replace(report, findings=(*report.findings, replace(first, address="10.1.2.40")))


# JUnit ----------------------------------------------------------------------------------------


def test_junit_is_valid_against_the_jenkins_schema(saved: Report, junit_schema: Any) -> None:
    junit_schema.assertValid(xml_of(saved))


def test_the_junit_schema_rejects_a_test_case_without_a_name(junit_schema: Any) -> None:
    broken = etree.fromstring(b'<testsuites><testsuite name="p" tests="1" failures="0" errors="0">'
                              b"<testcase classname='p.primary.default'/></testsuite></testsuites>")
    assert not junit_schema.validate(broken)


def test_junit_has_a_suite_per_pair_and_a_case_per_finding(saved: Report) -> None:
    root = xml_of(saved)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["tserver-sip-01", "confserv-01"]
    for suite in suites:
        mine = [f for f in saved.findings if f.pair == suite.get("name")]
        assert len(suite.findall("testcase")) == int(suite.get("tests")) == len(mine)
        for attribute, status in (("failures", Status.FAIL), ("errors", Status.ERROR),
                                  ("skipped", Status.SKIPPED)):
            assert int(suite.get(attribute)) == sum(1 for f in mine if f.status is status)
    assert int(root.get("tests")) == len(saved.findings) == len(list(root.iter("testcase")))
    assert root.get("time") == "7.000"


def test_each_status_becomes_its_junit_element(saved: Report) -> None:
    expected = {Status.FAIL: ["failure"], Status.ERROR: ["error"], Status.SKIPPED: ["skipped"],
                Status.PASS: [], Status.WARN: []}
    cases = list(xml_of(saved).iter("testcase"))
    for finding, case in zip(saved.findings, cases, strict=True):
        outcome = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        assert outcome == expected[finding.status], finding.rule


def test_a_failure_carries_its_message_severity_and_evidence(saved: Report) -> None:
    finding = next(f for f in saved.findings if f.rule == "GHA-005")
    case = next(xml_of(saved).iter("testcase"))
    assert case.get("classname") == "tserver-sip-01.backup.secure"
    assert case.get("name") == f"GHA-005 {RULES['GHA-005'].title}"
    failure = case.find("failure")
    assert failure.get("message") == finding.message
    assert failure.get("type") == "critical"
    assert finding.evidence["backup_host"] in failure.text
    assert finding.remediation in failure.text
    out = case.find("system-out").text
    assert json.loads(out.split("\n", 1)[1]) == dict(finding.evidence)


def test_a_pair_finding_is_classed_under_the_pair(saved: Report) -> None:
    names = {c.get("name").split()[0]: c.get("classname") for c in xml_of(saved).iter("testcase")}
    assert names["GHA-007"] == "tserver-sip-01.pair"
    assert names["GHA-002"] == "confserv-01.pair"


def test_server_text_reaches_the_xml_as_visible_escapes(saved: Report, junit_schema: Any) -> None:
    text = render_junit(saved)
    assert not HIDDEN.search(text)
    # The scan (bounded_text) wrote the hostile SAN's controls and bidi override as visible
    # escapes; the evidence's JSON doubles their backslashes.
    assert HOSTILE_SAN_SHOWN == "DNS:evil\\x1b[2J\\u202egnp.exe\\x00.example.com"
    assert json.dumps(HOSTILE_SAN_SHOWN)[1:-1] in text
    assert "<script>" not in text
    case = next(c for c in xml_of(saved).iter("testcase") if c.get("name").startswith("TLS-036"))
    assert "<script>" in case.find("failure").get("message")
    assert HOSTILE_SAN not in text


def test_one_port_on_two_addresses_gives_two_distinct_cases(saved: Report,
                                                             junit_schema: Any) -> None:
    root = xml_of(two_addresses(saved))
    junit_schema.assertValid(root)
    names = [c.get("name") for c in root.iter("testcase") if c.get("name").startswith("TLS-010")]
    assert names == [f"TLS-010 {RULES['TLS-010'].title} [{a}]" for a in ("10.1.2.4", "10.1.2.40")]


# SARIF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("inventory", ["inventory.toml", "/etc/hatls/my inventory.toml",
                                       "C:\\hatls\\inventory.toml", "conf/a:b ü.toml", ""])
def test_sarif_is_valid_against_the_official_schema(saved: Report, sarif_validator: Any,
                                                    inventory: str) -> None:
    report = replace(saved, scan=replace(saved.scan, inventory=inventory))
    log = json.loads(render_sarif(report))
    assert sarif_errors(sarif_validator, log) == []
    artifacts = log["runs"][0].get("artifacts", [])
    assert [a["location"]["uri"] for a in artifacts] == {
        "inventory.toml": ["inventory.toml"],
        "/etc/hatls/my inventory.toml": ["file:///etc/hatls/my%20inventory.toml"],
        "C:\\hatls\\inventory.toml": ["file:///C:/hatls/inventory.toml"],
        "conf/a:b ü.toml": ["conf/a%3Ab%20%C3%BC.toml"],
        "": [],
    }[inventory]


def test_the_sarif_schema_rejects_an_unknown_level(saved: Report, sarif_validator: Any) -> None:
    log = json.loads(render_sarif(saved))
    log["runs"][0]["results"][0]["level"] = "critical"
    assert sarif_errors(sarif_validator, log)


def test_sarif_rules_are_the_catalogue(saved: Report) -> None:
    rules = json.loads(render_sarif(saved))["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    for described in rules:
        info = RULES[described["id"]]
        assert described["shortDescription"]["text"] == info.title
        assert described["fullDescription"]["text"] == info.statement
        assert described["help"]["text"] == info.remediation
        assert described["properties"]["severity"] == info.severity.value


def test_sarif_results_are_the_findings_that_need_attention(saved: Report) -> None:
    run = json.loads(render_sarif(saved))["runs"][0]
    wanted = [f for f in saved.findings if f.status in (Status.FAIL, Status.WARN, Status.ERROR)]
    levels = {Status.FAIL: "error", Status.WARN: "warning", Status.ERROR: "note"}
    assert len(run["results"]) == len(wanted) == 12
    for finding, result in zip(wanted, run["results"], strict=True):
        assert result["ruleId"] == finding.rule
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == finding.rule
        assert result["level"] == levels[finding.status]
        assert result["properties"]["severity"] == finding.severity.value
        where = result["locations"][0]
        expected = "/".join(p for p in (finding.pair, finding.role, finding.port_id) if p)
        assert where["logicalLocations"][0]["fullyQualifiedName"] == expected
        assert where["physicalLocation"]["artifactLocation"] == {"uri": "inventory.toml",
                                                                 "index": 0}
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["properties"]["compliant"] is False


def test_sarif_fingerprints_are_unique_and_stable(saved: Report) -> None:
    def prints(report: Report) -> list[str]:
        results = json.loads(render_sarif(report))["runs"][0]["results"]
        return [r["partialFingerprints"]["hatlsFinding/v1"] for r in results]

    first = prints(two_addresses(saved))
    assert len(set(first)) == len(first)
    assert prints(two_addresses(saved)) == first


def test_server_text_reaches_sarif_as_visible_escapes(saved: Report) -> None:
    text = render_sarif(saved)
    log = json.loads(text)
    assert not HIDDEN.search(json.dumps(log, ensure_ascii=False))
    self_signed = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "TLS-036")
    assert "\\x00" in self_signed["properties"]["evidence"]["san"][0]


def test_an_interrupted_scan_is_not_a_successful_invocation(saved: Report) -> None:
    report = replace(saved, scan=replace(saved.scan, status=ScanStatus.INTERRUPTED))
    assert json.loads(render_sarif(report))["runs"][0]["invocations"][0][
        "executionSuccessful"] is False


# Metrics --------------------------------------------------------------------------------------

METRIC_NAME = re.compile(r"^hatls_[a-z0-9_]+$")
LABEL_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def test_metrics_parse_and_follow_prometheus_conventions(saved: Report) -> None:
    text = render_metrics(saved)
    assert text.endswith("\n")
    parsed = list(text_string_to_metric_families(text))
    names = [f.name for f in parsed]
    assert len(names) == len(set(names))
    series: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    for family in parsed:
        assert METRIC_NAME.match(family.name) and family.type == "gauge" and family.documentation
        assert f"# TYPE {family.name} gauge" in text
        for sample in family.samples:
            assert sample.name == family.name and sample.timestamp is None
            assert all(LABEL_NAME.match(label) for label in sample.labels)
            series[(sample.name, tuple(sorted(sample.labels.items())))] += 1
    assert max(series.values()) == 1
    assert set(names) >= {"hatls_certificate_expiry_seconds", "hatls_findings",
                          "hatls_scan_duration_seconds", "hatls_rule_status",
                          "hatls_scan_compliant", "hatls_scan_timestamp_seconds"}


def test_certificate_expiry_is_counted_from_the_scan_start(saved: Report) -> None:
    samples = families(render_metrics(saved))["hatls_certificate_expiry_seconds"].samples
    by_place = {(s.labels["pair"], s.labels["role"], s.labels["port_id"], s.labels["address"]):
                s.value for s in samples}
    with_cert = [e for e in saved.endpoints if e.certificate is not None]
    assert len(by_place) == len(with_cert) == 6
    for endpoint in with_cert:
        assert endpoint.certificate is not None
        expected = (endpoint.certificate.not_after - saved.scan.started).total_seconds()
        assert by_place[(endpoint.pair, endpoint.role, endpoint.port_id, endpoint.address)] == expected
    backup_default = ("tserver-sip-01", "backup", "default", "10.1.2.4")
    assert TSRV_B.not_after - saved.scan.started == timedelta(days=20)
    assert by_place[backup_default] == 20 * 86400


def test_scan_gauges_say_when_how_long_and_whether_compliant(saved: Report) -> None:
    parsed = families(render_metrics(saved))

    def value(name: str) -> float:
        (sample,) = parsed[name].samples
        return float(sample.value)

    assert value("hatls_scan_timestamp_seconds") == saved.scan.started.timestamp()
    assert value("hatls_scan_duration_seconds") == 7
    assert value("hatls_scan_compliant") == 0
    assert value("hatls_scan_complete") == 1


def test_findings_are_counted_by_severity_and_status(saved: Report) -> None:
    samples = families(render_metrics(saved))["hatls_findings"].samples
    assert len(samples) == len(Severity) * len(Status)
    counted = Counter((f.severity.value, f.status.value) for f in saved.findings)
    for sample in samples:
        assert sample.value == counted[(sample.labels["severity"], sample.labels["status"])]
    assert sum(s.value for s in samples) == len(saved.findings)


def test_rule_status_has_one_series_per_rule_and_place(saved: Report) -> None:
    report = two_addresses(saved)
    worse = replace(report.findings[2], status=Status.PASS)      # TLS-010 again, same place
    samples = families(render_metrics(replace(report, findings=(*report.findings, worse))))[
        "hatls_rule_status"].samples
    assert len(samples) == len(report.findings)
    assert all(s.value == 1 for s in samples)
    tls010 = {s.labels["address"]: s.labels["status"] for s in samples
              if s.labels["rule"] == "TLS-010"}
    assert tls010 == {"10.1.2.4": "fail", "10.1.2.40": "fail"}
    gha007 = next(s for s in samples if s.labels["rule"] == "GHA-007")
    assert gha007.labels["role"] == "" and gha007.labels["severity"] == "high"


def test_label_values_are_escaped(saved: Report) -> None:
    odd = 'sip "east"\\01\nbis'
    endpoints = tuple(replace(e, pair=odd) for e in saved.endpoints)
    findings = tuple(replace(f, pair=odd) for f in saved.findings)
    text = render_metrics(replace(saved, endpoints=endpoints, findings=findings))
    assert all(line.startswith(("# HELP hatls_", "# TYPE hatls_", "hatls_"))
               for line in text.splitlines())
    samples = families(text)["hatls_certificate_expiry_seconds"].samples
    assert {s.labels["pair"] for s in samples} == {'sip "east"\\01\\x0abis'}


# Command line ---------------------------------------------------------------------------------


def cli() -> typer.Typer:
    return hatls_app


def test_export_writes_every_output_from_a_saved_report(saved: Report, tmp_path: Path) -> None:
    paths = {name: tmp_path / f"out.{name}" for name in ("junit", "sarif", "metrics")}
    result = CliRunner().invoke(cli(), ["export", str(SAMPLE_PATH),
                                        *(a for n, p in paths.items() for a in (f"--{n}", str(p)))])
    assert result.exit_code == 0, result.output
    assert paths["junit"].read_text(encoding="utf-8") == render_junit(saved)
    assert paths["sarif"].read_text(encoding="utf-8") == render_sarif(saved)
    assert paths["metrics"].read_text(encoding="utf-8") == render_metrics(saved)


def test_export_can_write_one_output_to_stdout(saved: Report) -> None:
    result = CliRunner().invoke(cli(), ["export", str(SAMPLE_PATH), "--metrics", "-"])
    assert result.exit_code == 0 and result.stdout == render_metrics(saved)


@pytest.mark.parametrize(("args", "status"), [
    ([], 2),
    (["--junit", "-", "--sarif", "-"], 2),
    (["--junit", "{tmp}/no/such/folder/out.xml"], 3),
    (["--sarif", "{tmp}"], 3),
])
def test_export_refuses_bad_outputs(tmp_path: Path, args: list[str], status: int) -> None:
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli(), ["export", str(SAMPLE_PATH), *filled])
    assert result.exit_code == status, result.output
    assert not list(tmp_path.iterdir())


def test_export_refuses_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    bogus = tmp_path / "report.json"
    bogus.write_text('{"schema": "something else"}')
    result = CliRunner().invoke(cli(), ["export", str(bogus), "--junit", str(tmp_path / "j.xml")])
    assert result.exit_code == 2 and "not a readable hatls report" in result.stderr
    assert not (tmp_path / "j.xml").exists()


def test_scan_wiring_can_tell_a_second_stdout_output() -> None:
    assert usage_problem(ExportPaths(sarif="-"), stdout_taken=True) is not None
    assert usage_problem(ExportPaths(sarif="-")) is None
    assert usage_problem(ExportPaths(sarif="s.json", junit="j.xml"), stdout_taken=True) is None


# A live report --------------------------------------------------------------------------------


def test_a_live_demo_report_exports_valid_outputs(tmp_path: Path, junit_schema: Any,
                                                  sarif_validator: Any) -> None:
    proc = subprocess.run([sys.executable, "-m", "hatls", "demo", "--out", str(tmp_path), "-q"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    report = loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    junit_schema.assertValid(xml_of(report))
    assert sarif_errors(sarif_validator, json.loads(render_sarif(report))) == []
    parsed = families(render_metrics(report))
    assert len(parsed["hatls_rule_status"].samples) == len(report.findings)
    assert len(parsed["hatls_certificate_expiry_seconds"].samples) == sum(
        1 for e in report.endpoints if e.certificate is not None) > 0
    assert sum(f.status is Status.FAIL for f in report.findings) == sum(
        1 for c in xml_of(report).iter("testcase") if c.find("failure") is not None)
