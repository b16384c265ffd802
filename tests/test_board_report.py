"""Issue 14: a report a change board reads in two minutes — page 1, labels, waivers, the PDF."""

from __future__ import annotations

import datetime
import hashlib
import json
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID
from lxml import etree
from pypdf import PdfReader

from hatls.findings import Finding, Severity, Status
from hatls.inventory import InventoryError, ReportLabels, parse_inventory
from hatls.lab.server import LabThread
from hatls.observations import ErrorKind, ProbeError, Stage
from hatls.report import (
    Report,
    ScanStatus,
    dumps,
    loads,
    render_junit,
    render_sarif,
    report_schema,
    summarize,
)
from hatls.report.html import build_view, render_html
from hatls.report.pdf import render_pdf
from hatls.scanning import rejudge
from hatls.waivers import WaiverState, apply_waivers, parse_waivers, waivers_to_data
from tests.report_fixtures import SAMPLE_PATH
from tests.test_cli import cfg, write_inventory

SCHEMAS = Path(__file__).resolve().parent / "schemas"
TODAY = datetime.date(2026, 11, 24)          # the sample report's scan day

WAIVERS = """version = 1
[[waiver]]
rule = "GHA-005"
pair = "tserver-sip-01"
role = "backup"
port_id = "secure"
reason = "backup re-keyed in the January window"
ticket = "CHG0012345"
expires = 2027-01-31

[[waiver]]
rule = "TLS-040"
pair = "tserver-sip-01"
reason = "accepted until the CA move"
ticket = "CHG0000001"
expires = 2026-11-01

[[waiver]]
rule = "TLS-010"
pair = "confserv-01"
reason = "no such defect"
ticket = "CHG0000002"
expires = 2027-01-01
"""


def hatls(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatls", *args], capture_output=True, text=True,
                          timeout=300, check=False)


def finding(rule: str, status: Status, severity: Severity = Severity.CRITICAL, **kw: Any) -> Finding:
    return Finding(rule=rule, status=status, severity=severity, pair="p", message="seen", **kw)


def with_waivers(report: Report, text: str, *, labels: ReportLabels | None = None) -> Report:
    """The sample report as a scan with these waivers would have written it."""
    waivers = parse_waivers(text, path="waivers.toml", today=TODAY)
    findings, outcomes = apply_waivers(report.findings, waivers, today=TODAY)
    summary = summarize(pairs=report.summary.pairs, endpoints=report.endpoints, findings=findings,
                        fail_on=report.scan.fail_on, internal_errors=0)
    return replace(report, findings=findings, summary=summary, waivers=outcomes,
                   inputs={**report.inputs, "waivers": waivers_to_data(waivers)},
                   scan=replace(report.scan, report=labels))


@pytest.fixture(scope="module")
def sample() -> Report:
    return loads(SAMPLE_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def waived(sample: Report) -> Report:
    labels = ReportLabels(title="HA pairs, December review", change="CHG0012345",
                          prepared_by="Platform team")
    return with_waivers(sample, WAIVERS, labels=labels)


# -- waivers: loading ------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    ('rule = "GHA-999"', "waivers.toml:3: waiver[1].rule: no rule 'GHA-999'"),
    ('expires = "2027-01-31"', "waivers.toml:3: waiver[1].expires: must be a TOML date"),
    ("expires = 2028-01-31", "waiver[1].expires: 2028-01-31 is more than a year ahead"),
    ('role = "standby"', "waiver[1].role: 'standby' is not one of primary, backup"),
    ('colour = "red"', "waiver[1].colour: unknown key 'colour'"),
])
def test_a_bad_waiver_is_named_by_file_line_and_key(body: str, expected: str) -> None:
    fields = {"rule": '"GHA-005"', "pair": '"p"', "reason": '"r"', "ticket": '"CHG1"',
              "expires": "2027-01-31"}
    key = body.split(" = ")[0]
    fields.pop(key, None)
    lines = [body, *(f"{k} = {v}" for k, v in fields.items())]
    text = "version = 1\n[[waiver]]\n" + "\n".join(lines) + "\n"
    with pytest.raises(InventoryError) as caught:
        parse_waivers(text, path="waivers.toml", today=TODAY)
    assert expected in str(caught.value)


def test_a_waiver_without_ticket_or_for_an_unknown_pair_is_refused() -> None:
    text = 'version = 1\n[[waiver]]\nrule = "GHA-005"\npair = "nope"\nreason = "r"\nexpires = 2027-01-01\n'
    with pytest.raises(InventoryError) as caught:
        parse_waivers(text, path="w.toml", today=TODAY, pairs=["p"])
    message = str(caught.value)
    assert "w.toml:4: waiver[1].pair: no pair 'nope' in the inventory" in message
    assert "waiver[1].ticket: required key is missing" in message


# -- waivers: judgement ----------------------------------------------------------------------


def test_a_live_waiver_keeps_the_status_and_stops_breaking_compliance() -> None:
    waivers = parse_waivers(WAIVERS.replace("tserver-sip-01", "p"), path="w", today=TODAY)
    findings, outcomes = apply_waivers(
        [finding("GHA-005", Status.FAIL, role="backup", port_id="secure"),
         finding("GHA-005", Status.FAIL)],        # the pair finding: no role, no port
        waivers, today=TODAY)
    assert [f.status for f in findings] == [Status.FAIL, Status.FAIL]
    assert all(f.waiver is not None and f.waiver.ticket == "CHG0012345" for f in findings)
    summary = summarize(pairs=1, endpoints=(), findings=findings, fail_on=Severity.HIGH,
                        internal_errors=0)
    assert summary.compliant is True and summary.waived == 2
    assert [o.state for o in outcomes] == [WaiverState.USED, WaiverState.EXPIRED, WaiverState.UNUSED]


def test_a_waiver_never_covers_another_role_an_error_or_an_expired_date() -> None:
    waivers = parse_waivers(WAIVERS.replace("tserver-sip-01", "p"), path="w", today=TODAY)
    primary = finding("GHA-005", Status.FAIL, role="primary", port_id="secure")
    error = finding("GHA-005", Status.ERROR, role="backup", port_id="secure")
    expired = finding("TLS-040", Status.FAIL, role="backup", port_id="secure")
    findings, _ = apply_waivers([primary, error, expired], waivers, today=TODAY)
    assert all(f.waiver is None for f in findings)
    summary = summarize(pairs=1, endpoints=(), findings=findings, fail_on=Severity.HIGH,
                        internal_errors=0)
    assert summary.compliant is False and summary.waived == 0
    # The day after it expires, the January waiver waives nothing either.
    later, outcomes = apply_waivers([finding("GHA-005", Status.FAIL)], waivers,
                                    today=datetime.date(2027, 2, 1))
    assert later[0].waiver is None and outcomes[0].state is WaiverState.EXPIRED


# -- waivers and labels in every output --------------------------------------------------------


def test_the_json_carries_waivers_labels_and_counts_and_validates(waived: Report) -> None:
    data = json.loads(dumps(waived))
    jsonschema.Draft202012Validator(report_schema()).validate(data)
    assert data["summary"]["waived"] == 1
    assert data["scan"]["report"] == {"title": "HA pairs, December review", "change": "CHG0012345",
                                      "prepared_by": "Platform team"}
    gha005 = next(f for f in data["findings"] if f["rule"] == "GHA-005")
    assert gha005["status"] == "fail"
    assert gha005["waiver"] == {"ticket": "CHG0012345", "reason": "backup re-keyed in the January "
                                "window", "expires": "2027-01-31"}
    assert [w["state"] for w in data["waivers"]] == ["used", "expired", "unused"]
    assert data["inputs"]["waivers"][0]["ticket"] == "CHG0012345"
    assert loads(dumps(waived)) == waived


def test_junit_skips_a_waived_finding_and_names_labels_and_stale_waivers(waived: Report) -> None:
    xml = etree.fromstring(render_junit(waived).encode())
    etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd"))).assertValid(xml)
    case = xml.xpath("//testcase[starts-with(@name, 'GHA-005')]")[0]
    assert case.find("failure") is None
    assert "CHG0012345" in case.find("skipped").get("message")
    props = {p.get("name"): p.get("value") for p in xml.find("testsuite").iter("property")}
    assert props["report.title"] == "HA pairs, December review"
    assert props["report.change"] == "CHG0012345"
    assert props["report.prepared_by"] == "Platform team"
    assert props["waived"] == "1"
    assert "CHG0000001" in props["waiver.expired"] and "CHG0000002" in props["waiver.unused"]


def test_sarif_suppresses_a_waived_result_with_its_ticket(waived: Report) -> None:
    log = json.loads(render_sarif(waived))
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["GHA-005"]
    assert suppressed[0]["suppressions"][0]["status"] == "accepted"
    assert "CHG0012345" in suppressed[0]["suppressions"][0]["justification"]
    assert run["properties"]["report"]["change"] == "CHG0012345"
    assert {w["state"] for w in run["properties"]["waivers"]} == {"used", "expired", "unused"}


# -- the HTML's page 1 -----------------------------------------------------------------------


def test_page_one_answers_the_board_before_any_port_detail(waived: Report) -> None:
    html = render_html(waived, json_sha256="ab" * 32)
    first_port = html.index('class="pair"')
    board = html[: first_port]
    assert "<title>HA pairs, December review</title>" in html
    assert "CHG0012345" in board and "Platform team" in board
    assert "Not compliant" in board
    assert "2 pairs, 7 endpoints · policy" in board
    for rule in ("GHA-007", "TLS-010", "TLS-040", "GHA-002", "TLS-036", "TLS-038"):
        assert f"<b>{rule}</b>" in board, rule
    assert board.index("What fails") < board.index('id="findings"')
    assert "Accepted risks (1 waived)" in board and "backup re-keyed in the January window" in board
    assert "Waiver expired:" in board and "Waiver unused:" in board
    assert "Not checked by hatls" in board
    assert "ab" * 32 in board
    assert f'@page {{ @bottom-left {{ content: "JSON report SHA-256 {"ab" * 32}"; }} }}' in html
    assert '<meta name="author" content="Platform team">' in html


def test_an_interrupted_scan_reads_incomplete_whatever_waivers_say(waived: Report) -> None:
    partial = replace(waived, scan=replace(waived.scan, status=ScanStatus.INTERRUPTED))
    html = render_html(partial)
    assert "verdict--incomplete" in html and ">Incomplete<" in html


# -- the PDF and the command line --------------------------------------------------------------


def test_render_writes_a_pdf_whose_first_page_names_the_failing_rules(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    result = hatls("render", str(SAMPLE_PATH), "--pdf", str(pdf), "--title", "Quarterly TLS review",
                   "--change", "CHG0099999", "--prepared-by", "A. Reviewer")
    assert result.returncode == 0, result.stderr
    reader = PdfReader(str(pdf))
    # The sample carries hostile 100 KB names and every probe fact row; the ten-page contract is
    # the demo's (test_the_demo_report_prints_to_ten_pages_at_most). This bound catches a layout
    # that lets the per-port detail run away.
    assert 1 <= len(reader.pages) <= 12
    first = reader.pages[0].extract_text()
    for rule in ("GHA-005", "GHA-007", "TLS-010", "TLS-040", "GHA-002", "TLS-036"):
        assert rule in first, rule
    digest = hashlib.sha256(SAMPLE_PATH.read_bytes()).hexdigest()
    assert digest in first                       # the page footer
    assert "page 1 of" in first
    meta = reader.metadata
    assert meta is not None and meta.title == "Quarterly TLS review"
    assert meta.author == "A. Reviewer" and "CHG0099999" in (meta.subject or "")


def test_sign_and_verify_take_the_html_and_the_pdf_too(tmp_path: Path) -> None:
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    assert hatls("render", str(SAMPLE_PATH), "--html", str(html), "--pdf", str(pdf)).returncode == 0
    key = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "k.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert = _self_signed(key)
    (tmp_path / "c.pem").write_bytes(cert)
    for target in (html, pdf):
        signed = hatls("sign", str(target), "--key", str(tmp_path / "k.pem"),
                       "--cert", str(tmp_path / "c.pem"))
        assert signed.returncode == 0, signed.stderr
        checked = hatls("verify", str(target), "--cert", str(tmp_path / "c.pem"))
        assert checked.returncode == 0, checked.stderr
        assert f"SHA-256 {hashlib.sha256(target.read_bytes()).hexdigest()}" in checked.stdout
    assert "FILE" in hatls("sign", "--help").stdout


def _self_signed(key: Any) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signer")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650)).sign(key, None))
    return cert.public_bytes(serialization.Encoding.PEM)


def test_the_inventory_takes_report_labels_and_a_waivers_file(tmp_path: Path) -> None:
    text = """version = 1
[scan]
waivers = "accepted.toml"
[report]
title = "Nightly HA scan"
change = "CHG0012345"
prepared_by = "Ops"
[[pair]]
name = "p"
[pair.primary]
host = "a.example.test"
ports = [ { id = "default", port = 3000, mode = "unsecured" } ]
"""
    inventory = parse_inventory(text, path=str(tmp_path / "i.toml"), base_dir=str(tmp_path))
    assert inventory.report == ReportLabels(title="Nightly HA scan", change="CHG0012345",
                                            prepared_by="Ops")
    assert inventory.scan.waivers == str(tmp_path / "accepted.toml")
    with pytest.raises(InventoryError) as caught:
        parse_inventory(text.replace("prepared_by", "author"), path="i.toml", base_dir=".")
    assert "i.toml:7: report.author: unknown key 'author'" in str(caught.value)


def test_a_scan_with_waivers_labels_and_pdf_end_to_end(tmp_path: Path) -> None:
    """A backup that presents its primary's certificate (GHA-005, TLS-032), scanned for real:
    not compliant (exit 1); waived under a ticket, compliant (exit 0) with the waiver in every
    output; the JSON re-judges to the same verdict; an expired waiver is red again."""
    with LabThread([cfg("127.0.1.61", "tsrv-a.example.test"),
                    cfg("127.0.2.61", "tsrv-a.example.test")]) as eps:
        inventory = write_inventory(tmp_path, eps, ("secured", "secured"))
        plain = hatls("scan", str(inventory), "--json", str(tmp_path / "plain.json"), "--quiet")
        assert plain.returncode == 1, plain.stderr
        failing = {(f["rule"], f["role"]) for f in json.loads(
            (tmp_path / "plain.json").read_text())["findings"] if f["status"] == "fail"}
        assert ("GHA-005", None) in failing
        entries = "".join(
            f'[[waiver]]\nrule = "{rule}"\npair = "pair-1"\n'
            + (f'role = "{role}"\n' if role else "")
            + 'reason = "backup re-keyed in the January window"\nticket = "CHG0012345"\n'
            'expires = EXPIRES\n' for rule, role in sorted(failing, key=str))
        waivers = tmp_path / "waivers.toml"
        waivers.write_text("version = 1\n" + entries.replace("EXPIRES", _in_days(30)))
        out = {kind: tmp_path / f"r.{kind}" for kind in ("json", "html", "pdf", "xml", "sarif")}
        waived = hatls("scan", str(inventory), "--waivers", str(waivers), "--json", str(out["json"]),
                       "--html", str(out["html"]), "--pdf", str(out["pdf"]), "--junit",
                       str(out["xml"]), "--sarif", str(out["sarif"]), "--title", "Night scan",
                       "--change", "CHG0012345", "--prepared-by", "Ops")
        assert waived.returncode == 0, waived.stderr
        assert "accepted risks: " in waived.stderr
        expired = tmp_path / "expired.toml"
        expired.write_text("version = 1\n" + entries.replace("EXPIRES", _in_days(-1)))
        red = hatls("scan", str(inventory), "--waivers", str(expired), "--json", "-", "--quiet")
        assert red.returncode == 1
        assert {w["state"] for w in json.loads(red.stdout)["waivers"]} == {"expired"}
    data = json.loads(out["json"].read_text())
    assert data["summary"]["compliant"] is True
    assert data["summary"]["waived"] == len(failing)
    assert data["scan"]["report"]["change"] == "CHG0012345"
    again = rejudge(loads(out["json"].read_text()))
    assert again.summary == loads(out["json"].read_text()).summary
    assert "CHG0012345" in out["xml"].read_text() and "Night scan" in out["xml"].read_text()
    assert "suppressions" in out["sarif"].read_text()
    reader = PdfReader(str(out["pdf"]))
    assert reader.metadata is not None and reader.metadata.title == "Night scan"
    page_one = reader.pages[0].extract_text()
    assert "Accepted risks" in page_one and "CHG0012345" in page_one


def _in_days(days: int) -> str:
    return (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=days)).isoformat()


def test_a_waivers_file_with_an_error_stops_the_scan_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "i.toml").write_text(
        'version = 1\n[scan]\nwaivers = "w.toml"\n[[pair]]\nname = "p"\n[pair.primary]\n'
        'host = "a.example.test"\naddress = "127.0.1.62"\n'
        'ports = [ { id = "default", port = 9, mode = "secured" } ]\n')
    (tmp_path / "w.toml").write_text(
        'version = 1\n[[waiver]]\nrule = "GHA-005"\npair = "p"\nreason = "r"\nticket = "T"\n'
        f"expires = {_in_days(400)}\n")
    result = hatls("scan", str(tmp_path / "i.toml"), "--quiet")
    assert result.returncode == 2
    assert "w.toml:7: waiver[1].expires:" in result.stderr and "more than a year ahead" in result.stderr
    checked = hatls("validate", str(tmp_path / "i.toml"))
    assert checked.returncode == 2 and "more than a year ahead" in checked.stderr


def test_the_demo_report_prints_to_ten_pages_at_most(tmp_path: Path) -> None:
    """The demo's report as the issue measured it (23 A4 pages, findings from page 15 on)."""
    assert hatls("demo", "--out", str(tmp_path), "--quiet").returncode == 1
    pdf = tmp_path / "report.pdf"
    result = hatls("render", str(tmp_path / "report.json"), "--pdf", str(pdf))
    assert result.returncode == 0, result.stderr
    reader = PdfReader(str(pdf))
    assert len(reader.pages) <= 10
    report = json.loads((tmp_path / "report.json").read_text())
    failing = {f["rule"] for f in report["findings"] if f["status"] in ("fail", "error")}
    assert failing
    first = reader.pages[0].extract_text()
    assert all(rule in first for rule in failing), failing


def _port_views(report: Report, pair: str) -> dict[str, Any]:
    view = build_view(report)
    return {p.port_id: p for pv in view.pairs if pv.name == pair for p in pv.ports}


def test_unreachable_and_unsecured_ports_take_one_line(sample: Report) -> None:
    def down(e: Any) -> Any:
        return replace(e, reachable=False, certificate=None, chain=(), errors=(
            ProbeError(stage=Stage.CONNECT, kind=ErrorKind.REFUSED, message="connection refused"),))

    def plain(e: Any) -> Any:
        return replace(e, configured_mode="unsecured", certificate=None, chain=(),
                       accepts_plaintext=True)

    endpoints = tuple(down(e) if (e.pair, e.port_id) == ("tserver-sip-01", "default")
                      else plain(e) if (e.pair, e.port_id) == ("tserver-sip-01", "secure") else e
                      for e in sample.endpoints)
    ports = _port_views(replace(sample, endpoints=endpoints), "tserver-sip-01")
    # A port nobody answered on is a line per endpoint in its pair's unreachable group
    # (report/html/_unreachable.py), not a port of its own.
    assert "default" not in ports
    (pair,) = [p for p in build_view(replace(sample, endpoints=endpoints)).pairs
               if p.name == "tserver-sip-01"]
    (group,) = pair.unreachable
    assert group.reason == "refused"
    assert [p.where.split(" · ")[:2] for p in group.ports] == [["primary", "default"],
                                                              ["backup", "default"]]
    assert all(p.message == "connection refused" for p in group.ports)
    assert ports["secure"].brief.startswith("Unsecured by configuration")
    assert "takes plaintext" in ports["secure"].brief
    html = render_html(replace(sample, endpoints=endpoints))
    # The unreachable port is one line; the plaintext one here still differs between primary
    # and backup (versions, suites …), and a difference keeps the table that shows it.
    assert html.count('class="port__brief"') == 0
    assert html.count('class="unreachable"') == 1
    assert "<b>1 port</b> (2 endpoints) of pair tserver-sip-01 unreachable (refused)" in html
    assert f'<article class="port" id="{ports["secure"].anchor}">' in html
    # A port that is secured, or answered, keeps its side-by-side table.
    assert all(not p.brief for p in _port_views(sample, "tserver-sip-01").values())


def test_page_one_says_whether_a_signature_names_this_json(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "k.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (tmp_path / "c.pem").write_bytes(_self_signed(key))
    report = tmp_path / "report.json"
    report.write_bytes(SAMPLE_PATH.read_bytes())
    html = tmp_path / "r.html"
    assert hatls("render", str(report), "--html", str(html)).returncode == 0
    assert "not signed yet" in html.read_text()
    assert hatls("sign", str(report), "--key", str(tmp_path / "k.pem"),
                 "--cert", str(tmp_path / "c.pem")).returncode == 0
    assert hatls("render", str(report), "--html", str(html)).returncode == 0
    assert "ed25519 signature by CN=signer names this SHA-256" in html.read_text()
    report.write_bytes(SAMPLE_PATH.read_bytes() + b"\n")          # edited after signing
    assert hatls("render", str(report), "--html", str(html)).returncode == 0
    assert "this JSON is not the one signed" in html.read_text()


def test_the_pdf_fetches_nothing_a_page_names() -> None:
    """A user's template (or escaped server text) naming a URL must not make the PDF call out."""


    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        pdf = render_pdf(f'<p>report</p><img src="http://127.0.0.1:{port}/x.png">'
                         f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">')
        assert pdf.startswith(b"%PDF")
        with pytest.raises(TimeoutError):
            listener.accept()
