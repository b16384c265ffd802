"""Nothing is compliant by omission: a scan that did not finish is incomplete in every output.

Real `hatls scan` subprocesses against real lab servers on loopback, stopped by a real signal:
once before any connection completed (both servers drop every SYN, so the scanner's first connect
hangs), once after the backup was fully probed. Each output is then read as a change board or a
CI job would read it: the JSON summary, the terminal line, the HTML banner, JUnit, SARIF and the
Prometheus metrics; and `render`, `export`, `diff` and `rejudge` of the saved partial report.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families

import hatls
from hatls.lab.endpoint import EndpointConfig, Fault, RunningEndpoint
from hatls.lab.server import LabThread
from hatls.report import drift_schema, report_schema
from tests.labkit import ca, leaf

SCHEMAS = Path(__file__).resolve().parent / "schemas"
OUTPUTS = ("report.json", "report.html", "report.xml", "report.sarif", "report.prom")
SYN_SENT = "02"


@dataclass(frozen=True, slots=True, kw_only=True)
class Stopped:
    """A scan stopped by a signal: its folder, exit status and what it printed."""

    folder: Path
    status: int
    stderr: str

    def text(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="utf-8")

    def json(self, name: str = "report.json") -> Any:
        return json.loads(self.text(name))


def write_inventory(folder: Path, primary: tuple[str, int], backup: tuple[str, int]) -> Path:
    (folder / "ca.pem").write_bytes(ca().cert_pem)
    path = folder / "inventory.toml"
    path.write_text(f"""version = 1
[scan]
trusted_ca = "ca.pem"
connect_timeout = 60.0
handshake_timeout = 60.0
[[pair]]
name = "pair-1"
[pair.primary]
host = "tsrv-a.example.test"
address = "{primary[0]}"
ports = [ {{ id = "secure", port = {primary[1]}, mode = "secured", ha_sync = true }} ]
[pair.backup]
host = "tsrv-b.example.test"
address = "{backup[0]}"
ports = [ {{ id = "secure", port = {backup[1]}, mode = "secured", ha_sync = true }} ]
""")
    return path


def start_scan(folder: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "hatls", "scan", str(folder / "inventory.toml"),
               "--retries", "0", "--json", str(folder / "report.json"),
               "--html", str(folder / "report.html"), "--junit", str(folder / "report.xml"),
               "--sarif", str(folder / "report.sarif"), "--metrics", str(folder / "report.prom")]
    return subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)


def stop(proc: subprocess.Popen[str], signum: int, folder: Path) -> Stopped:
    proc.send_signal(signum)
    status = proc.wait(timeout=60)
    assert proc.stderr is not None
    return Stopped(folder=folder, status=status, stderr=proc.stderr.read())


# -- the two stopped scans --------------------------------------------------------------------


class Blackhole:
    """A listener whose accept queue is full: every further SYN is dropped, so a connect to it
    neither succeeds nor fails (a firewall that drops, as seen from the scanner)."""

    def __init__(self, address: str) -> None:
        self.listener = socket.socket()
        self.listener.bind((address, 0))
        self.listener.listen(0)
        self.address, self.port = self.listener.getsockname()
        self.filler = socket.create_connection((self.address, self.port), timeout=5)

    def pending(self) -> int:
        """Connections to it waiting in SYN-SENT (the kernel's table is the only witness)."""
        target = f"{_hex_address(self.address)}:{self.port:04X}"
        with open("/proc/net/tcp", encoding="ascii") as table:
            return sum(1 for line in table.readlines()[1:]
                       if line.split()[2] == target and line.split()[3] == SYN_SENT)

    def close(self) -> None:
        self.filler.close()
        self.listener.close()


def banner(html: str) -> str:
    start = html.index('<section class="verdict')
    return html[start:html.index("</section>", start)]


def _hex_address(address: str) -> str:
    return socket.inet_aton(address)[::-1].hex().upper()


@pytest.fixture(scope="module")
def before_first_connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stopped]:
    folder = tmp_path_factory.mktemp("before")
    holes = [Blackhole("127.0.1.81"), Blackhole("127.0.2.81")]
    try:
        write_inventory(folder, (holes[0].address, holes[0].port),
                        (holes[1].address, holes[1].port))
        proc = start_scan(folder)
        deadline = time.monotonic() + 60
        while not all(hole.pending() for hole in holes):
            assert proc.poll() is None and time.monotonic() < deadline, "no connect was tried"
            time.sleep(0.05)
        yield stop(proc, signal.SIGINT, folder)
    finally:
        for hole in holes:
            hole.close()


@pytest.fixture(scope="module")
def after_first_connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stopped]:
    """The primary holds its connection open and never answers; the backup is probed to the end
    and has a defect (its certificate names the primary's host: TLS-032 fails)."""
    folder = tmp_path_factory.mktemp("after")
    wrong = leaf("tsrv-a.example.test")
    primary_cert = leaf("tsrv-a.example.test")
    configs = [EndpointConfig(address="127.0.1.82", cert_pem=primary_cert.cert_pem,
                              key_pem=primary_cert.key_pem, fault=Fault.TARPIT),
               EndpointConfig(address="127.0.2.82", cert_pem=wrong.cert_pem,
                              key_pem=wrong.key_pem)]
    with LabThread(configs) as (primary, backup):
        write_inventory(folder, (primary.address, primary.port), (backup.address, backup.port))
        proc = start_scan(folder)
        wait_until_probed(proc, backup)
        yield stop(proc, signal.SIGTERM, folder)


def wait_until_probed(proc: subprocess.Popen[str], backup: RunningEndpoint) -> None:
    deadline = time.monotonic() + 60
    while not (backup.stats.accepted >= 5 and backup.stats.active == 0):
        assert proc.poll() is None and time.monotonic() < deadline, "the backup was never probed"
        time.sleep(0.05)
    time.sleep(0.5)  # the scanner records the result just after closing


# -- before the first connection: nothing seen, nothing claimed ----------------------------------


def test_a_scan_stopped_before_any_connection_is_incomplete_and_exits_4(
        before_first_connection: Stopped) -> None:
    run = before_first_connection
    assert run.status == 4, run.stderr
    assert "Traceback" not in run.stderr
    report = run.json()
    jsonschema.validate(report, report_schema())
    assert report["scan"]["status"] == "interrupted"
    assert report["summary"]["compliant"] is None
    assert report["summary"]["connections"] == 0
    assert [e["reachable"] for e in report["endpoints"]] == [None, None]
    assert re.search(r"^hatls \S+: INCOMPLETE \(", run.stderr, re.MULTILINE), run.stderr
    assert "2 of 2 endpoint(s) not probed" in run.stderr
    assert "COMPLIANT (" not in run.stderr.replace("INCOMPLETE (", "")


def test_its_html_banner_is_not_green_and_says_what_was_not_probed(
        before_first_connection: Stopped) -> None:
    shown = banner(before_first_connection.text("report.html"))
    assert 'class="verdict verdict--incomplete"' in shown
    assert "✓" not in shown
    assert ">Incomplete</h1>" in shown
    assert "2 of 2 endpoints not probed" in shown


def test_its_junit_has_an_erroring_case_for_the_scan(before_first_connection: Stopped) -> None:
    root = etree.fromstring(before_first_connection.text("report.xml").encode("utf-8"))
    etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd"))).assertValid(root)
    assert int(root.get("errors")) >= 1
    case = root.find("testsuite/testcase[@name='scan completed']")
    assert case is not None and case.find("error") is not None
    assert "2 of 2 endpoint(s) not probed" in case.find("error").get("message")
    compliant = root.find("testsuite/properties/property[@name='compliant']")
    assert compliant is not None and compliant.get("value") == "null"


def test_its_sarif_says_the_execution_did_not_succeed(before_first_connection: Stopped) -> None:
    log = before_first_connection.json("report.sarif")
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "not probed" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert run["properties"]["compliant"] is None


def test_its_metrics_say_incomplete_and_make_no_compliance_claim(
        before_first_connection: Stopped) -> None:
    text = before_first_connection.text("report.prom")
    names = {f.name: f for f in text_string_to_metric_families(text)}
    assert names["hatls_scan_complete"].samples[0].value == 0
    assert "hatls_scan_compliant" not in names
    assert "hatls_scan_compliant" not in text


# -- after the first connection: what was seen still shows, with no verdict -------------------


def test_a_scan_stopped_after_probing_keeps_its_fails_but_no_verdict(
        after_first_connection: Stopped) -> None:
    run = after_first_connection
    assert run.status == 4, run.stderr
    report = run.json()
    assert report["summary"]["compliant"] is None
    assert report["summary"]["fail"] >= 1
    failed = {(f["rule"], f["role"]) for f in report["findings"] if f["status"] == "fail"}
    assert ("TLS-032", "backup") in failed
    assert re.search(r"^hatls \S+: INCOMPLETE \(", run.stderr, re.MULTILINE)
    assert "1 of 2 endpoint(s) not probed" in run.stderr
    assert re.search(r"FAIL +high +TLS-032", run.stderr)


def test_every_output_of_the_stopped_scan_shows_its_fails_and_incomplete(
        after_first_connection: Stopped) -> None:
    run = after_first_connection
    html = run.text("report.html")
    assert ">Incomplete</h1>" in banner(html) and "1 of 2 endpoints not probed" in banner(html)
    assert "TLS-032" in html
    root = etree.fromstring(run.text("report.xml").encode("utf-8"))
    assert root.find("testsuite/testcase[@name='scan completed']/error") is not None
    assert any(c.find("failure") is not None and c.get("name", "").startswith("TLS-032")
               for c in root.iter("testcase"))
    sarif = run.json("report.sarif")["runs"][0]
    assert sarif["invocations"][0]["executionSuccessful"] is False
    assert any(r["ruleId"] == "TLS-032" and r["level"] == "error" for r in sarif["results"])
    names = {f.name: f for f in text_string_to_metric_families(run.text("report.prom"))}
    assert names["hatls_scan_complete"].samples[0].value == 0
    assert "hatls_scan_compliant" not in names
    fails = [s for s in names["hatls_findings"].samples
             if s.labels["status"] == "fail" and s.value]
    assert fails


# -- a saved partial report stays incomplete wherever it goes --------------------------------


def hatls_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatls", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(params=["as written", "by an older hatls"])
def partial_report(request: pytest.FixtureRequest, after_first_connection: Stopped,
                   tmp_path: Path) -> Path:
    """The stopped scan's JSON; once more as an older hatls wrote it (``compliant: true``)."""
    data = after_first_connection.json()
    if request.param == "by an older hatls":
        data["summary"]["compliant"] = True
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_render_of_a_partial_report_shows_incomplete(partial_report: Path) -> None:
    out = partial_report.with_suffix(".html")
    result = hatls_cli("render", str(partial_report), "--html", str(out))
    assert result.returncode == 0, result.stderr
    shown = banner(out.read_text(encoding="utf-8"))
    assert 'class="verdict verdict--incomplete"' in shown and ">Incomplete</h1>" in shown


def test_export_of_a_partial_report_shows_incomplete(partial_report: Path) -> None:
    folder = partial_report.parent
    result = hatls_cli("export", str(partial_report), "--junit", str(folder / "j.xml"),
                       "--sarif", str(folder / "s.sarif"), "--metrics", str(folder / "m.prom"))
    assert result.returncode == 0, result.stderr
    root = etree.fromstring((folder / "j.xml").read_bytes())
    assert root.find("testsuite/testcase[@name='scan completed']/error") is not None
    sarif = json.loads((folder / "s.sarif").read_text(encoding="utf-8"))["runs"][0]
    assert sarif["invocations"][0]["executionSuccessful"] is False
    assert sarif["properties"]["compliant"] is None
    metrics = (folder / "m.prom").read_text(encoding="utf-8")
    assert "hatls_scan_compliant" not in metrics and "hatls_scan_complete 0" in metrics


def test_diff_with_a_partial_report_shows_incomplete(partial_report: Path) -> None:
    folder = partial_report.parent
    result = hatls_cli("diff", str(partial_report), str(partial_report), "--json", "-",
                       "--html", str(folder / "drift.html"))
    assert result.returncode in (0, 1), result.stderr
    drift = json.loads(result.stdout)
    jsonschema.validate(drift, drift_schema())
    assert drift["old"]["compliant"] is None and drift["new"]["compliant"] is None
    text = hatls_cli("diff", str(partial_report), str(partial_report))
    for side in ("old", "new"):
        assert f"note: The {side} scan was interrupted, so it is incomplete (no verdict)" in text.stdout
    html = (folder / "drift.html").read_text(encoding="utf-8")
    assert "— incomplete, scan interrupted" in html and "— compliant" not in html


def test_rejudging_a_partial_report_keeps_it_incomplete(partial_report: Path) -> None:
    report = hatls.load_report(partial_report.read_text(encoding="utf-8"))
    again = hatls.rejudge(report)
    assert again.scan.status.value == "interrupted"
    assert again.summary.compliant is None
    assert json.loads(hatls.dump_report(again))["summary"]["compliant"] is None
