"""Interruption: a signal during a scan still writes the partial report, and no writer, failed or
killed, ever leaves half a report where the report belongs.

SIGINT and SIGTERM both end a scan with exit status 4 and a report whose `scan.status` is
"interrupted" (docs/report.md). Reports go through `write_atomic`: a temp file in the same folder,
renamed over the target once it is whole.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from hatls.lab.endpoint import EndpointConfig, Fault, RunningEndpoint
from hatls.lab.server import LabThread
from hatls.output import OutputError, write_atomic
from tests.labkit import ca, leaf

OLD = '{"report": "the old one, whole"}\n'


def endpoint(address: str, host: str, **options: Any) -> EndpointConfig:
    cert = leaf(host)
    return EndpointConfig(address=address, cert_pem=cert.cert_pem, key_pem=cert.key_pem, **options)


def inventory_for(folder: Path, primary: RunningEndpoint, backup: RunningEndpoint) -> Path:
    (folder / "ca.pem").write_bytes(ca().cert_pem)
    path = folder / "inventory.toml"
    path.write_text(f"""version = 1
[scan]
trusted_ca = "ca.pem"
connect_timeout = 2.0
handshake_timeout = 60.0
[[pair]]
name = "pair-1"
[pair.primary]
host = "tsrv-a.example.test"
address = "{primary.address}"
ports = [ {{ id = "secure", port = {primary.port}, mode = "secured", ha_sync = true }} ]
[pair.backup]
host = "tsrv-b.example.test"
address = "{backup.address}"
ports = [ {{ id = "secure", port = {backup.port}, mode = "secured", ha_sync = true }} ]
""")
    return path


def start_scan(inventory: Path, folder: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "hatls", "scan", str(inventory), "--quiet",
               "--json", str(folder / "report.json"), "--html", str(folder / "report.html")]
    return subprocess.Popen(command, stderr=subprocess.PIPE, text=True)


def wait_until_probed(backup: RunningEndpoint, timeout: float = 30.0) -> None:
    """The backup answered every probe and the connections are closed: it is learned."""
    deadline = time.monotonic() + timeout
    while not (backup.stats.accepted >= 5 and backup.stats.active == 0):
        assert time.monotonic() < deadline, "the scan never finished probing the backup"
        time.sleep(0.05)
    time.sleep(0.3)  # the scanner records the result just after closing


def test_sigterm_writes_both_partial_reports_and_exits_4(tmp_path: Path) -> None:
    # SIGINT takes the same path; tests/test_cli.py sends that one.
    configs = [endpoint("127.0.1.24", "tsrv-a.example.test", fault=Fault.TARPIT),
               endpoint("127.0.2.24", "tsrv-b.example.test")]
    with LabThread(configs) as (primary, backup):
        proc = start_scan(inventory_for(tmp_path, primary, backup), tmp_path)
        wait_until_probed(backup)
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=30)
        assert proc.stderr is not None
        stderr = proc.stderr.read()

    assert status == 4, stderr
    assert "Traceback" not in stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["scan"]["status"] == "interrupted"
    roles = {e["role"]: e for e in report["endpoints"]}
    assert set(roles) == {"primary", "backup"}  # the one never finished is there too
    assert roles["backup"]["reachable"] is True and roles["backup"]["certificate"] is not None
    assert "interrupted" in (tmp_path / "report.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ca.pem", "inventory.toml", "report.html", "report.json"]  # no temp file left behind


# -- write_atomic -----------------------------------------------------------------------------


def test_a_write_replaces_the_whole_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text(OLD)
    target.chmod(0o600)  # someone kept their reports private: a rewrite must not publish them
    write_atomic(str(target), "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["r.json"]


def test_a_new_report_is_readable_by_all(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    write_atomic(str(target), "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_write_through_a_symlink_replaces_the_file_it_points_to(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text(OLD)
    link = tmp_path / "latest.json"
    link.symlink_to("real.json")
    write_atomic(str(link), "new\n")
    assert link.is_symlink() and (tmp_path / "real.json").read_text() == "new\n"


def test_a_write_that_fails_midway_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text(OLD)
    # A lone surrogate cannot be encoded: the write fails after a megabyte went to the temp file.
    with pytest.raises(UnicodeEncodeError):
        write_atomic(str(target), "x" * 1_000_000 + "\ud800")
    assert target.read_text() == OLD
    assert os.listdir(tmp_path) == ["r.json"]


def test_a_write_into_a_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot write in"):
        write_atomic(str(tmp_path / "missing" / "r.json"), "new\n")


# A writer held to 64 KiB per file: past it the kernel fails the write (EFBIG) or, unless the
# signal is ignored, kills the process (SIGXFSZ) in the middle of the write.
_LIMITED_WRITER = """
import resource, signal, sys
from hatls.output import OutputError, write_atomic
signal.signal(signal.SIGXFSZ, signal.SIG_IGN if sys.argv[2] == "survive" else signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    write_atomic(sys.argv[1], "x" * 1_000_000)
except OutputError as exc:
    print(exc)
    sys.exit(3)
"""


def limited_writer(target: Path, mode: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", _LIMITED_WRITER, str(target), mode],
                          capture_output=True, text=True, timeout=60, env=env)


def test_a_disk_that_refuses_the_write_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text(OLD)
    proc = limited_writer(target, "survive")
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.startswith(f"{target}: cannot write: File too large")
    assert target.read_text() == OLD
    assert os.listdir(tmp_path) == ["r.json"]


def test_a_writer_killed_midway_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text(OLD)
    proc = limited_writer(target, "die")
    assert proc.returncode == -signal.SIGXFSZ, proc.stderr
    assert target.read_text() == OLD
    # A kill gives no chance to clean up: the half-written temp stays, hidden, beside the report.
    leftovers = [name for name in os.listdir(tmp_path) if name != "r.json"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".r.json.")
    assert (tmp_path / leftovers[0]).stat().st_size == 65536


def test_a_reader_never_sees_half_a_report(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    versions = ("a" * 300_000, "b" * 500_000)
    write_atomic(str(target), versions[0])
    seen: list[str] = []
    done = threading.Event()

    def read_while_written() -> None:
        while not done.is_set():
            seen.append(target.read_text())

    reader = threading.Thread(target=read_while_written)
    reader.start()
    try:
        for round_ in range(20):
            write_atomic(str(target), versions[round_ % 2])
    finally:
        done.set()
        reader.join()
    assert seen and set(seen) <= set(versions)
