"""A partially observed pair is not a passing pair; a scan stopped while it resolved names lists
every port it did not probe; an inventory with no pair is a usage error.

The scans run in-process through `run_scan` (the path `hatls scan` takes) against real lab servers
on loopback. The primary's name resolves to four loopback addresses through trio's hostname-resolver
hook (the test's own DNS: the machine's resolver cannot be taught names without touching
/etc/hosts); three of them serve, the fourth has nothing listening.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trio
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families

from hatls.cli._outputs import ExportPaths, ReportFiles
from hatls.cli._scan import EXIT_INTERRUPTED, EXIT_NOT_COMPLIANT, ScanRequest, run_scan
from hatls.findings import Severity
from hatls.inventory import load_inventory
from hatls.lab.endpoint import EndpointConfig, RunningEndpoint
from hatls.lab.server import serve_endpoints
from hatls.policy import load_policy
from hatls.probe.scanner import ScanLimits
from hatls.report import Report, summary_lines
from tests.labkit import ca, leaf

PRIMARY_HOST = "tsrv-a.example.test"
LIVE = ("127.0.1.91", "127.0.1.92", "127.0.1.93")
DEAD = "127.0.1.94"          # the primary's fourth address: nothing listens there


class LoopbackNames(trio.abc.HostnameResolver):
    """The test's DNS: names to loopback addresses, in order; `hang` names never answer."""

    def __init__(self, names: Mapping[str, Sequence[str]], *, hang: frozenset[str] = frozenset(),
                 on_hang: Any = None) -> None:
        self.names = names
        self.hang = hang
        self.on_hang = on_hang

    async def getaddrinfo(self, host: bytes | None, port: bytes | str | int | None,
                          family: int = 0, type: int = 0, proto: int = 0,
                          flags: int = 0) -> list[Any]:
        name = (host or b"").decode("ascii")
        if name in self.hang:
            if self.on_hang is not None:
                self.on_hang()
            await trio.sleep_forever()
        assert name in self.names, f"the test knows no name {name!r}"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, int(port or 0)))
                for a in self.names[name]]

    async def getnameinfo(self, sockaddr: Any, flags: int) -> tuple[str, str]:
        raise OSError("not used by hatls")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scanned:
    report: Report
    status: int
    folder: Path

    def text(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="utf-8")


def inventory_text(folder: Path, primary_port: int, backup: RunningEndpoint) -> Path:
    (folder / "ca.pem").write_bytes(ca().cert_pem)
    path = folder / "inventory.toml"
    path.write_text(f"""version = 1
[scan]
trusted_ca = "ca.pem"
connect_timeout = 5.0
handshake_timeout = 10.0
[[pair]]
name = "pair-1"
[pair.primary]
host = "{PRIMARY_HOST}"
ports = [ {{ id = "secure", port = {primary_port}, mode = "secured", ha_sync = true }} ]
[pair.backup]
host = "tsrv-b.example.test"
address = "{backup.address}"
ports = [ {{ id = "secure", port = {backup.port}, mode = "secured", ha_sync = true }} ]
""")
    return path


async def scan_folder(folder: Path, inventory: Path) -> Scanned:
    inv = load_inventory(inventory)
    request = ScanRequest(
        inventory=inv, policy=load_policy(inv.scan.policy), fail_on=Severity.HIGH,
        limits=ScanLimits.from_inventory(inv), quiet=True,
        files=ReportFiles(json=str(folder / "report.json"), html=str(folder / "report.html"),
                          exports=ExportPaths(junit=str(folder / "report.xml"),
                                              sarif=str(folder / "report.sarif"),
                                              metrics=str(folder / "report.prom"))))
    report, status = await run_scan(request)
    return Scanned(report=report, status=status, folder=folder)


@asynccontextmanager
async def four_address_pair() -> AsyncIterator[tuple[int, RunningEndpoint]]:
    """The primary on three live addresses sharing one port; the backup serving the primary's
    certificate (propagated to it) and only TLS 1.2 (its TLS settings differ)."""
    primary_cert = leaf(PRIMARY_HOST)

    def primary(address: str, port: int = 0) -> EndpointConfig:
        return EndpointConfig(address=address, port=port, cert_pem=primary_cert.cert_pem,
                              key_pem=primary_cert.key_pem)

    async with trio.open_nursery() as nursery:
        (first, backup) = await nursery.start(serve_endpoints, [
            primary(LIVE[0]),
            EndpointConfig(address="127.0.2.91", cert_pem=primary_cert.cert_pem,
                           key_pem=primary_cert.key_pem, max_version="TLSv1.2")])
        await nursery.start(serve_endpoints, [primary(a, first.port) for a in LIVE[1:]])
        yield first.port, backup
        nursery.cancel_scope.cancel()


async def test_one_dead_address_of_four_does_not_hide_gha_005_or_gha_007(tmp_path: Path) -> None:
    trio.socket.set_custom_hostname_resolver(LoopbackNames({PRIMARY_HOST: (*LIVE, DEAD)}))
    async with four_address_pair() as (port, backup):
        run = await scan_folder(tmp_path, inventory_text(tmp_path, port, backup))

    assert run.status == EXIT_NOT_COMPLIANT
    assert sorted(e.address for e in run.report.endpoints if e.role == "primary") == [*LIVE, DEAD]
    saved = json.loads(run.text("report.json"))
    by_rule = {f["rule"]: f for f in saved["findings"] if f["role"] is None}
    for rule in ("GHA-005", "GHA-007"):
        finding = by_rule[rule]
        assert finding["status"] == "fail", finding
        assert [q["address"] for q in finding["evidence"]["silent"]] == [DEAD]
        assert DEAD in finding["message"]
    assert by_rule["GHA-005"]["evidence"]["shared_sha256"]
    assert by_rule["GHA-007"]["evidence"]["differences"][0]["primary_addresses"] == list(LIVE)
    assert saved["summary"]["compliant"] is False

    terminal = "\n".join(summary_lines(run.report))
    assert "NOT COMPLIANT" in terminal and "GHA-005" in terminal and "GHA-007" in terminal
    html = run.text("report.html")
    assert "the backup on tsrv-b.example.test presents the primary&#39;s certificate" in html
    assert f"judged without primary {DEAD}" in html
    root = etree.fromstring(run.text("report.xml").encode("utf-8"))
    failed = {c.get("name", "").split()[0] for c in root.iter("testcase")
              if c.find("failure") is not None}
    assert {"GHA-005", "GHA-007"} <= failed
    results = json.loads(run.text("report.sarif"))["runs"][0]["results"]
    assert {"GHA-005", "GHA-007"} <= {r["ruleId"] for r in results if r["level"] == "error"}
    statuses = {(s.labels["rule"], s.labels["status"])
                for f in text_string_to_metric_families(run.text("report.prom"))
                if f.name == "hatls_rule_status" for s in f.samples}
    assert {("GHA-005", "fail"), ("GHA-007", "fail")} <= statuses


async def test_a_scan_stopped_while_resolving_lists_every_port_as_not_probed(
        tmp_path: Path) -> None:
    # The name never resolves; a real SIGINT reaches the scan while it waits.
    trio.socket.set_custom_hostname_resolver(LoopbackNames(
        {}, hang=frozenset({PRIMARY_HOST}), on_hang=lambda: os.kill(os.getpid(), signal.SIGINT)))
    async with four_address_pair() as (port, backup):
        with trio.fail_after(30):
            run = await scan_folder(tmp_path, inventory_text(tmp_path, port, backup))

    assert run.status == EXIT_INTERRUPTED
    saved = json.loads(run.text("report.json"))
    assert saved["summary"]["compliant"] is None
    assert {(e["role"], e["reachable"]) for e in saved["endpoints"]} == {
        ("primary", None), ("backup", None)}
    assert saved["summary"]["endpoints"] == 2
    assert "2 of 2 endpoint(s) not probed" in "\n".join(summary_lines(run.report))
    assert ">Incomplete</h1>" in run.text("report.html")


def hatls_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatls", *args], capture_output=True, text=True,
                          timeout=120)


def test_an_inventory_with_no_pair_is_a_usage_error(tmp_path: Path) -> None:
    for text in ("version = 1\n", "version = 1\npair = []\n"):
        path = tmp_path / "empty.toml"
        path.write_text(text)
        checked = hatls_cli("validate", str(path))
        assert checked.returncode == 2, checked.stdout + checked.stderr
        assert "no pair" in checked.stderr
        scanned = hatls_cli("scan", str(path), "--json", str(tmp_path / "r.json"))
        assert scanned.returncode == 2, scanned.stderr
        assert "no pair" in scanned.stderr and "COMPLIANT" not in scanned.stderr
        assert not (tmp_path / "r.json").exists()
