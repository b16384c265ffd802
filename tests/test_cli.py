"""The command line end to end, against lab servers running in this process."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hatls.lab.endpoint import EndpointConfig, Fault, ListenMode, RunningEndpoint
from hatls.lab.server import LabThread
from tests.labkit import ca, leaf
from tests.report_fixtures import SAMPLE_PATH


def hatls(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatls", *args], capture_output=True, text=True,
                          timeout=120, **kw)


def cfg(address: str, host: str, **kw: Any) -> EndpointConfig:
    cert = leaf(host)
    return EndpointConfig(address=address, cert_pem=cert.cert_pem, key_pem=cert.key_pem, **kw)


def write_inventory(tmp: Path, eps: tuple[RunningEndpoint, ...], modes: tuple[str, str],
                    redundancy: str = "hot-standby") -> Path:
    (tmp / "ca.pem").write_bytes(ca().cert_pem)
    text = f"""version = 1
[scan]
trusted_ca = "ca.pem"
connect_timeout = 2.0
handshake_timeout = 3.0
[[pair]]
name = "pair-1"
redundancy = "{redundancy}"
[pair.primary]
host = "tsrv-a.example.test"
address = "{eps[0].address}"
ports = [ {{ id = "secure", port = {eps[0].port}, mode = "{modes[0]}", ha_sync = true }} ]
[pair.backup]
host = "tsrv-b.example.test"
address = "{eps[1].address}"
ports = [ {{ id = "secure", port = {eps[1].port}, mode = "{modes[1]}", ha_sync = true }} ]
"""
    path = tmp / "inventory.toml"
    path.write_text(text)
    return path


def statuses(report: dict[str, Any], rule: str) -> list[tuple[str | None, str]]:
    return [(f["role"], f["status"]) for f in report["findings"] if f["rule"] == rule]


def test_validate_accepts_a_good_inventory_and_names_errors_in_a_bad_one(tmp_path: Path) -> None:
    with LabThread([cfg("127.0.1.20", "tsrv-a.example.test"),
                    cfg("127.0.2.20", "tsrv-b.example.test")]) as eps:
        good = write_inventory(tmp_path, eps, ("secured", "secured"))
    assert hatls("validate", str(good)).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace('mode = "secured"', 'mode = "securd"', 1))
    proc = hatls("validate", str(bad))
    assert proc.returncode == 2
    assert "bad.toml:" in proc.stderr and "pair[1].primary.ports[1].mode" in proc.stderr


def test_unwritable_output_exits_3_before_scanning(tmp_path: Path) -> None:
    with LabThread([cfg("127.0.1.21", "tsrv-a.example.test"),
                    cfg("127.0.2.21", "tsrv-b.example.test")]) as eps:
        inv = write_inventory(tmp_path, eps, ("secured", "secured"))
        proc = hatls("scan", str(inv), "--json", str(tmp_path / "missing" / "r.json"))
        accepted = eps[0].stats.accepted
    assert proc.returncode == 3 and "does not exist" in proc.stderr
    assert accepted == 0


def test_backup_down_and_plaintext_ha_sync_end_as_error_and_fail(tmp_path: Path) -> None:
    with LabThread([cfg("127.0.1.22", "tsrv-a.example.test", mode=ListenMode.UNSECURED),
                    cfg("127.0.2.22", "tsrv-b.example.test", fault=Fault.CLOSED)]) as eps:
        inv = write_inventory(tmp_path, eps, ("secured", "secured"))
        started = time.monotonic()
        proc = hatls("scan", str(inv), "--json", "-", "--quiet")
        elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and elapsed < 60
    report = json.loads(proc.stdout)
    assert ("backup", "error") in statuses(report, "TLS-001")
    assert ("primary", "fail") in statuses(report, "TLS-002")


def test_sigint_writes_the_partial_report_and_exits_4(tmp_path: Path) -> None:
    configs = [cfg("127.0.1.23", "tsrv-a.example.test", fault=Fault.TARPIT),
               cfg("127.0.2.23", "tsrv-b.example.test")]
    with LabThread(configs) as eps:
        inv = write_inventory(tmp_path, eps, ("secured", "secured"))
        inv.write_text(inv.read_text().replace("handshake_timeout = 3.0", "handshake_timeout = 60.0"))
        out = tmp_path / "report.json"
        proc = subprocess.Popen([sys.executable, "-m", "hatls", "scan", str(inv), "--json", str(out),
                                 "--quiet"], stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        backup = eps[1].stats
        while not (backup.accepted >= 5 and backup.active == 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        status = proc.wait(timeout=30)
    assert status == 4
    report = json.loads(out.read_text())
    assert report["scan"]["status"] == "interrupted"
    backup = next(e for e in report["endpoints"] if e["role"] == "backup")
    assert backup["reachable"] is True and backup["certificate"] is not None


def test_catalogue_commands() -> None:
    listing = hatls("rules")
    assert listing.returncode == 0 and "GHA-005" in listing.stdout and "TLS-045" in listing.stdout
    one = hatls("rules", "gha-005")
    assert one.returncode == 0 and "critical" in one.stdout and "remediation:" in one.stdout
    assert hatls("rules", "XYZ-1").returncode == 2
    schema = json.loads(hatls("schema", "report").stdout)
    assert schema["properties"]["schema"]["const"] == "hatls-report/1"
    assert "genesys-ha" in hatls("policies").stdout


def test_render_shows_the_sha256_of_the_json_file_it_read(tmp_path: Path) -> None:
    data = Path(SAMPLE_PATH).read_bytes()
    proc = hatls("render", str(SAMPLE_PATH), "--html", str(tmp_path / "r.html"))
    assert proc.returncode == 0, proc.stderr
    assert hashlib.sha256(data).hexdigest() in (tmp_path / "r.html").read_text()


def test_scan_writes_every_output_and_the_drift_against_a_baseline(tmp_path: Path) -> None:
    with LabThread([cfg("127.0.1.24", "tsrv-a.example.test"),
                    cfg("127.0.2.24", "tsrv-b.example.test", min_version="TLSv1.0")]) as eps:
        inv = write_inventory(tmp_path, eps, ("secured", "secured"))
        first = hatls("scan", str(inv), "--json", str(tmp_path / "old.json"), "--quiet")
        outputs = {name: tmp_path / name for name in ("new.json", "r.html", "r.xml", "r.sarif", "r.prom")}
        second = hatls("scan", str(inv), "--json", str(outputs["new.json"]), "--html", str(outputs["r.html"]),
                       "--junit", str(outputs["r.xml"]), "--sarif", str(outputs["r.sarif"]),
                       "--metrics", str(outputs["r.prom"]), "--baseline", str(tmp_path / "old.json"),
                       "--quiet")
    assert first.returncode == second.returncode == 1, second.stderr
    assert all(path.stat().st_size > 0 for path in outputs.values())
    report = json.loads(outputs["new.json"].read_text())
    assert "drift" in report
    digest = hashlib.sha256(outputs["new.json"].read_bytes()).hexdigest()
    assert digest in outputs["r.html"].read_text()
    assert "hatls_scan_compliant" in outputs["r.prom"].read_text()
