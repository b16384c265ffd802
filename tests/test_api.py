"""The public API: scan a clean pair, re-judge the saved report, and --fail-on semantics."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trio
from cryptography.hazmat.primitives.serialization import Encoding

import hatls
from hatls.cli._scan import exit_status
from hatls.findings import Severity
from hatls.lab.endpoint import EndpointConfig, ListenMode
from hatls.lab.pki import CertificateAuthority
from hatls.lab.server import serve_endpoints
from hatls.probe.scanner import ScanLimits
from hatls.report import ScanStatus
from hatls.scanning import ScanEvent, build_report
from tests.labkit import NOW, ca, leaf

TICKS = iter(range(10**6))


def clock() -> datetime:
    return datetime(2026, 11, 25, 12, 0, next(TICKS) % 60, tzinfo=UTC)


def inventory_text(ports: list[tuple[str, int]], tmp: Path) -> str:
    (tmp / "ca.pem").write_bytes(ca().cert_pem)
    def server(host: str, address: str, port: int) -> str:
        return f"""host = "{host}"
address = "{address}"
certificate_level = "application"
ports = [ {{ id = "secure", port = {port}, mode = "secured", ha_sync = true }} ]
"""
    return f"""version = 1
[scan]
trusted_ca = "ca.pem"
[[pair]]
name = "clean"
[pair.primary]
{server("tsrv-a.example.test", ports[0][0], ports[0][1])}
[pair.backup]
{server("tsrv-b.example.test", ports[1][0], ports[1][1])}
"""


async def scan_pair(tmp: Path, backup_min_version: str = "TLSv1.2") -> hatls.Report:
    def cfg(address: str, host: str, min_version: str) -> EndpointConfig:
        cert = leaf(host)
        return EndpointConfig(address=address, mode=ListenMode.SECURED, cert_pem=cert.cert_pem,
                              key_pem=cert.key_pem, min_version=min_version,
                              ciphers=None if min_version != "TLSv1.2" else
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384")
    configs = [cfg("127.0.1.30", "tsrv-a.example.test", "TLSv1.2"),
               cfg("127.0.2.30", "tsrv-b.example.test", backup_min_version)]
    async with trio.open_nursery() as nursery:
        running = await nursery.start(serve_endpoints, configs)
        path = tmp / "inventory.toml"
        path.write_text(inventory_text([(r.address, r.port) for r in running], tmp))
        report = await hatls.scan(hatls.load_inventory(path), now=clock)
        nursery.cancel_scope.cancel()
    return report


async def test_a_clean_pair_is_compliant_and_exits_0(tmp_path: Path) -> None:
    report = await scan_pair(tmp_path)
    bad = [(f.rule, f.role, f.status.value, f.message) for f in report.findings
           if f.status.value not in ("pass", "skipped")]
    assert bad == []
    assert report.summary.compliant and exit_status(report) == 0


async def test_a_saved_report_rejudges_to_the_same_findings(tmp_path: Path) -> None:
    report = await scan_pair(tmp_path, backup_min_version="TLSv1.0")
    saved = hatls.load_report(hatls.dump_report(report))
    assert saved == report
    assert hatls.rejudge(saved).findings == report.findings


async def test_fail_on_sets_the_severity_that_breaks_compliance(tmp_path: Path) -> None:
    report = await scan_pair(tmp_path, backup_min_version="TLSv1.0")
    high = [f for f in report.findings if f.status.value == "fail"]
    assert high and max(f.severity.rank for f in high) == Severity.HIGH.rank
    assert not report.summary.compliant and exit_status(report) == 1
    lenient = build_report(
        inventory=report.inputs.inventory, policy=report.inputs.policy, endpoints=report.endpoints,
        started=report.scan.started, finished=report.scan.finished, fail_on=Severity.CRITICAL)
    assert lenient.summary.compliant and exit_status(lenient) == 0


async def test_a_report_judged_with_the_system_store_keeps_the_anchors_it_used(tmp_path: Path) -> None:
    scanned = await scan_pair(tmp_path)
    inventory = scanned.inputs.inventory
    inventory = replace(inventory, scan=replace(inventory.scan, trusted_ca=()))
    unrelated = CertificateAuthority.create("some other root", now=NOW).certificate
    this_machines_store = (unrelated, ca().certificate)
    judged = build_report(
        inventory=inventory, policy=scanned.inputs.policy,
        endpoints=scanned.endpoints, started=scanned.scan.started, finished=scanned.scan.finished,
        fail_on=Severity.HIGH, scan_anchors=this_machines_store)
    assert judged.inputs.system_anchors == (ca().certificate.public_bytes(Encoding.PEM).decode(),)
    assert {f.status.value for f in judged.findings if f.rule == "TLS-031"} == {"pass"}
    # Another machine's store does not hold the lab CA: the recorded anchors keep every verdict
    # (only the evidence's count of anchors differs: the recorded set is the used subset).
    again = hatls.rejudge(hatls.load_report(hatls.dump_report(judged)))

    def verdicts(report: hatls.Report) -> list[tuple[object, ...]]:
        return [(f.rule, f.pair, f.role, f.port_id, f.status, f.message) for f in report.findings]

    assert verdicts(again) == verdicts(judged)
    assert again.inputs.system_anchors == judged.inputs.system_anchors


async def test_a_scan_told_to_stop_reports_what_it_saw_as_interrupted(tmp_path: Path) -> None:
    """``stop`` (what ``hatls scan`` sets on Ctrl-C): the probes end, the report is still built,
    says "interrupted", is never compliant, and keeps the endpoint finished before the stop."""
    def cfg(address: str, host: str) -> EndpointConfig:
        cert = leaf(host)
        return EndpointConfig(address=address, mode=ListenMode.SECURED, cert_pem=cert.cert_pem,
                              key_pem=cert.key_pem)
    stop = trio.Event()
    finished: list[tuple[str, str, str, str]] = []

    def on_event(event: ScanEvent) -> None:
        if event.kind == "finished" and event.endpoint is not None:
            finished.append(event.endpoint)
            stop.set()

    async with trio.open_nursery() as nursery:
        running = await nursery.start(serve_endpoints, [cfg("127.0.1.31", "tsrv-a.example.test"),
                                                        cfg("127.0.2.31", "tsrv-b.example.test")])
        path = tmp_path / "inventory.toml"
        path.write_text(inventory_text([(r.address, r.port) for r in running], tmp_path))
        inventory = hatls.load_inventory(path)
        # One connection at a time, so the stop comes while the second endpoint waits or runs.
        limits = ScanLimits(connect_timeout=5, handshake_timeout=10, max_connections_per_host=1,
                            max_connections=1)
        report = await hatls.scan(inventory, now=clock, limits=limits, on_event=on_event, stop=stop)
        nursery.cancel_scope.cancel()

    assert report.scan.status is ScanStatus.INTERRUPTED
    assert not report.summary.compliant and exit_status(report) == 4
    assert len(finished) == 1 and len(report.endpoints) == 2
    probed = [e for e in report.endpoints if (e.pair, e.role, e.port_id, e.address) == finished[0]]
    assert [e.reachable for e in probed] == [True]


async def test_a_scan_already_stopped_probes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "inventory.toml"
    path.write_text(inventory_text([("127.0.1.32", 9), ("127.0.2.32", 9)], tmp_path))
    stop = trio.Event()
    stop.set()
    report = await hatls.scan(hatls.load_inventory(path), now=clock, stop=stop)
    assert report.scan.status is ScanStatus.INTERRUPTED
    assert len(report.endpoints) == 2 and not any(e.reachable for e in report.endpoints)
    assert exit_status(report) == 4


def test_the_design_docs_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """docs/design.md "The Python API": its first code block, run as printed on a saved report."""
    design = (Path(__file__).resolve().parent.parent / "docs" / "design.md").read_text("utf-8")
    section = design.split("## The Python API", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    sample = Path(__file__).resolve().parent.parent / "fixtures" / "reports" / "sample-report.json"
    (tmp_path / "report.json").write_bytes(sample.read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "docs/design.md", "exec"), {})
    assert capsys.readouterr().out.split() == ["False", "genesys-ha", "2"]
