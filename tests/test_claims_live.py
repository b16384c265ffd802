"""No claim hatls did not see (issue 10), end to end against real servers on loopback.

Debian's nginx (`listen … ssl`), `openssl s_server`, `gnutls-serv` and the project's lab servers
(a silent one, one that closes on TLS_FALLBACK_SCSV), scanned by the command line; each test reads
the JSON finding and its evidence, the HTML page and the terminal output. A missing server binary
fails the test under CI=true (it is installed by .ci/run) and skips it elsewhere, with the reason.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hatls.lab.endpoint import EndpointConfig, Fault, ListenMode, RunningEndpoint
from hatls.lab.pki import CertificateAuthority, IssuedCert
from hatls.lab.server import LabThread
from hatls.observations import PlaintextCase
from hatls.report import report_schema
from tests.labkit import NOW, ca, leaf
from tests.needs import binary, unavailable
from tests.real_servers import NGINX_CONF, SERVER

HOSTS = {"nginx": "tsrv-n.example.test", "s_server": "tsrv-o.example.test",
         "gnutls": "tsrv-g.example.test", "scsv-close": "tsrv-c.example.test",
         "silent": "tsrv-s.example.test", "plain": "tsrv-p.example.test",
         "normal-a": "tsrv-a.example.test", "normal-b": "tsrv-b.example.test",
         "rogue": "tsrv-r.example.test"}


def require(name: str) -> str:
    return binary(name)


def free_port(address: str) -> int:
    """A port free on ``address`` now (nginx and s_server cannot report a port-0 bind)."""
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def wait_listening(address: str, port: int, process: subprocess.Popen[bytes],
                   seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args!r} exited with {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((address, port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {address}:{port} after {seconds} s")


@contextmanager
def running(command: list[str], address: str, port: int, *,
            stop: signal.Signals = signal.SIGTERM) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server, wait for its port, and always stop it (by its own pid) afterwards."""
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_listening(address, port, process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(stop)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def write_identity(tmp: Path, name: str, cert: IssuedCert) -> tuple[Path, Path]:
    cert_path, key_path = tmp / f"{name}.crt", tmp / f"{name}.key"
    cert_path.write_bytes(cert.cert_pem + cert.chain_pem)
    key_path.write_bytes(cert.key_pem)
    key_path.chmod(0o600)
    return cert_path, key_path


@contextmanager
def nginx(tmp: Path, address: str) -> Iterator[int]:
    binary = require("nginx")
    cert, key = write_identity(tmp, "nginx", leaf(HOSTS["nginx"]))
    port = free_port(address)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(
        tmp=tmp, servers=SERVER.format(address=address, port=port, cert=cert, key=key)))
    # -p: its own prefix, so no path of the system's nginx is touched; SIGQUIT would wait for
    # open connections, SIGTERM is its fast shutdown.
    with running([binary, "-p", str(tmp), "-c", str(conf)], address, port):
        yield port


@contextmanager
def s_server(tmp: Path, address: str) -> Iterator[int]:
    binary = require("openssl")
    cert, key = write_identity(tmp, "s_server", leaf(HOSTS["s_server"]))
    port = free_port(address)
    with running([binary, "s_server", "-accept", f"{address}:{port}", "-cert", str(cert),
                  "-key", str(key), "-quiet"], address, port):
        yield port


def hatls(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatls", *args], capture_output=True, text=True,
                          timeout=300)


def server_table(role: str, host: str, address: str, port: int, mode: str = "secured") -> str:
    return (f'[pair.{role}]\nhost = "{host}"\naddress = "{address}"\nports = [ {{ id = "secure", '
            f'port = {port}, mode = "{mode}", ha_sync = true }} ]\n')


def pair_table(name: str, primary: str, backup: str) -> str:
    return f'[[pair]]\nname = "{name}"\nredundancy = "hot-standby"\n{primary}{backup}'


def inventory(tmp: Path, pairs: list[str]) -> Path:
    (tmp / "ca.pem").write_bytes(ca().cert_pem)
    path = tmp / "inventory.toml"
    path.write_text('version = 1\n[scan]\ntrusted_ca = "ca.pem"\nconnect_timeout = 2.0\n'
                    'handshake_timeout = 3.0\n' + "".join(pairs))
    return path


@dataclass(frozen=True, slots=True, kw_only=True)
class Scanned:
    report: dict[str, Any]
    html: str
    terminal: str

    def endpoint(self, pair: str, role: str) -> dict[str, Any]:
        return next(e for e in self.report["endpoints"] if e["pair"] == pair and e["role"] == role)

    def finding(self, rule: str, pair: str, role: str | None = None) -> dict[str, Any]:
        return next(f for f in self.report["findings"]
                    if f["rule"] == rule and f["pair"] == pair and f["role"] == role
                    and (role is not None or f["port_id"] in ("secure", None)))

    def terminal_lines(self, *words: str) -> list[str]:
        return [line for line in self.terminal.splitlines() if all(w in line for w in words)]


def scan(tmp: Path, inv: Path) -> Scanned:
    out_json, out_html = tmp / "report.json", tmp / "report.html"
    proc = hatls("scan", str(inv), "--json", str(out_json), "--html", str(out_html))
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return Scanned(report=json.loads(out_json.read_text()), html=out_html.read_text(),
                   terminal=proc.stdout + proc.stderr)


# --- HTTPS servers refuse plaintext with an HTTP 400; TLS servers with an alert or a close -------


def test_nginx_and_s_server_refuse_plaintext_each_in_its_own_way(tmp_path: Path) -> None:
    with nginx(tmp_path, "127.0.1.61") as nginx_port, s_server(tmp_path, "127.0.2.61") as s_port:
        inv = inventory(tmp_path, [pair_table(
            "https", server_table("primary", HOSTS["nginx"], "127.0.1.61", nginx_port),
            server_table("backup", HOSTS["s_server"], "127.0.2.61", s_port))])
        seen = scan(tmp_path, inv)
    primary, backup = seen.endpoint("https", "primary"), seen.endpoint("https", "backup")
    # nginx: "HTTP/1.1 400 Bad Request" to a plaintext line on an ssl port -- a refusal.
    assert primary["speaks_tls"] is True and primary["accepts_plaintext"] is False, primary
    assert primary["plaintext_case"] == "http-error"
    assert "HTTP/1.1 400" in primary["plaintext_evidence"]
    # s_server: OpenSSL answers the non-TLS bytes with an alert, or closes.
    assert backup["accepts_plaintext"] is False and backup["plaintext_case"] in (
        "tls-record", "closed", "reset"), backup
    for role in ("primary", "backup"):
        found = seen.finding("TLS-002", "https", role)
        assert found["status"] == "pass", found
        assert found["evidence"]["plaintext_case"] == seen.endpoint("https", role)[
            "plaintext_case"]
        # Both accept TLS 1.2 and 1.3 and answer the marked TLS 1.2 hello with an alert.
        scsv = seen.finding("TLS-043", "https", role)
        assert scsv["status"] == "pass" and "alert" in scsv["evidence"]["seen"], scsv
    gha = seen.finding("GHA-001", "https")
    assert gha["status"] == "pass", gha
    assert "http-error" in seen.html and "HTTP/1.1 400 Bad Request" in seen.html
    assert not seen.terminal_lines("TLS-002", "fail"), seen.terminal


# --- the silent port, the SCSV that closes, the plaintext HA link, the foreign chain -------------


def _lab(address: str, host: str, *, cert: IssuedCert | None = None, **kw: Any) -> EndpointConfig:
    issued = cert or leaf(host)
    return EndpointConfig(address=address, cert_pem=issued.cert_pem, key_pem=issued.key_pem,
                          chain_pem=issued.chain_pem, **kw)


@pytest.fixture(scope="module")
def lab_scan(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    tmp = tmp_path_factory.mktemp("claims")
    rogue = CertificateAuthority.create("hatls rogue CA", now=NOW).issue(
        common_name=HOSTS["rogue"], dns_names=[HOSTS["rogue"]], now=NOW, days=365)
    configs = [
        _lab("127.0.1.62", HOSTS["scsv-close"], close_on_fallback_scsv=True),
        _lab("127.0.2.62", HOSTS["silent"], fault=Fault.TARPIT),
        _lab("127.0.1.63", HOSTS["plain"], mode=ListenMode.UNSECURED),
        _lab("127.0.2.63", HOSTS["normal-b"]),
        _lab("127.0.1.64", HOSTS["normal-a"]),
        _lab("127.0.2.64", HOSTS["rogue"], cert=rogue),
    ]
    with LabThread(configs) as eps:
        def side(role: str, ep: RunningEndpoint, host: str) -> str:
            return server_table(role, host, ep.address, ep.port)
        inv = inventory(tmp, [
            pair_table("silent", side("primary", eps[0], HOSTS["scsv-close"]),
                       side("backup", eps[1], HOSTS["silent"])),
            pair_table("plain-link", side("primary", eps[2], HOSTS["plain"]),
                       side("backup", eps[3], HOSTS["normal-b"])),
            pair_table("rogue", side("primary", eps[4], HOSTS["normal-a"]),
                       side("backup", eps[5], HOSTS["rogue"])),
        ])
        return scan(tmp, inv)


def test_a_port_that_answers_nothing_at_all_is_a_timeout(lab_scan: Scanned) -> None:
    silent = lab_scan.endpoint("silent", "backup")
    assert silent["accepts_plaintext"] is None and silent["plaintext_case"] == "silent", silent
    assert {(e["stage"], e["kind"]) for e in silent["errors"]} >= {("plaintext", "timeout")}
    found = lab_scan.finding("TLS-002", "silent", "backup")
    assert found["status"] == "error", found
    assert "accepts plaintext" not in found["message"]
    assert found["evidence"]["plaintext_case"] == "silent"
    gha = lab_scan.finding("GHA-001", "silent")
    assert gha["status"] == "error" and gha["evidence"]["cause"] == "TLS-002", gha
    assert "nothing is claimed about plaintext" in lab_scan.html
    assert not any("accepts plaintext" in line for line in lab_scan.terminal_lines("silent"))


def test_a_server_that_closes_on_the_fallback_scsv_honours_it(lab_scan: Scanned) -> None:
    found = lab_scan.finding("TLS-043", "silent", "primary")
    assert found["status"] == "pass", found
    assert found["evidence"]["fallback_scsv"] is True
    assert "closed without an alert" in found["evidence"]["seen"]
    assert lab_scan.endpoint("silent", "primary")["fallback_scsv_evidence"] == \
        found["evidence"]["seen"]
    assert "closed without an alert" in lab_scan.html


def test_a_plaintext_ha_link_fails_gha_001_naming_tls_002(lab_scan: Scanned) -> None:
    assert lab_scan.finding("TLS-002", "plain-link", "primary")["status"] == "fail"
    gha = lab_scan.finding("GHA-001", "plain-link")
    assert gha["status"] == "fail" and gha["evidence"]["cause"] == "TLS-002", gha
    assert "depends_on" not in gha["evidence"]
    assert lab_scan.terminal_lines("GHA-001", "plain-link"), lab_scan.terminal


def test_a_backup_chain_the_pairs_ca_does_not_validate_fails_gha_006(lab_scan: Scanned) -> None:
    assert lab_scan.finding("TLS-031", "rogue", "backup")["status"] == "fail"
    gha = lab_scan.finding("GHA-006", "rogue")
    assert gha["status"] == "fail" and gha["evidence"]["cause"] == "TLS-031", gha
    assert lab_scan.terminal_lines("GHA-006", "rogue"), lab_scan.terminal


# --- gnutls-serv, in a network namespace of its own ----------------------------------------------

# gnutls-serv cannot bind one address: it listens on every interface. In a fresh network namespace
# the only interface is loopback, so it runs there, and so does the scan that reaches it.
GNUTLS_SCENARIO = """
import subprocess, sys, socket, time
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
gnutls, cert, key, port, inventory, out_json, out_html = sys.argv[1:]
server = subprocess.Popen([gnutls, "--x509certfile", cert, "--x509keyfile", key, "-p", port,
                           "-a", "-q"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
try:
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.1.65", int(port))) == 0:
                break
        time.sleep(0.05)
    scan = subprocess.run([sys.executable, "-m", "hatls", "scan", inventory, "--json", out_json,
                           "--html", out_html], capture_output=True, text=True)
    sys.stdout.write(scan.stdout)
    sys.stderr.write(scan.stderr)
finally:
    server.terminate()
    server.wait(timeout=10)
"""


def test_gnutls_serv_refuses_plaintext_and_honours_the_scsv(tmp_path: Path) -> None:
    binary, unshare = require("gnutls-serv"), require("unshare")
    require("ip")
    if subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode != 0:
        unavailable("unshare -rn (a private network namespace) is not permitted here")
    cert, key = write_identity(tmp_path, "gnutls", leaf(HOSTS["gnutls"]))
    port = 44300  # any: the namespace is empty
    inv = inventory(tmp_path, [pair_table(
        "gnutls", server_table("primary", HOSTS["gnutls"], "127.0.1.65", port),
        server_table("backup", HOSTS["gnutls"], "127.0.1.65", port))])
    out_json, out_html = tmp_path / "report.json", tmp_path / "report.html"
    proc = subprocess.run([unshare, "-rn", sys.executable, "-c", GNUTLS_SCENARIO, binary,
                           str(cert), str(key), str(port), str(inv), str(out_json),
                           str(out_html)], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(out_json.read_text())
    endpoint = next(e for e in report["endpoints"] if e["role"] == "primary")
    assert endpoint["speaks_tls"] is True and endpoint["accepts_plaintext"] is False, endpoint
    assert endpoint["plaintext_case"] in ("tls-record", "closed", "reset")
    found = {f["rule"]: f for f in report["findings"] if f["role"] == "primary"}
    assert found["TLS-002"]["status"] == "pass", found["TLS-002"]
    assert found["TLS-043"]["status"] == "pass", found["TLS-043"]
    assert endpoint["plaintext_case"] in out_html.read_text()


def test_the_schema_names_every_plaintext_case_and_nothing_else() -> None:
    sample = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "reports"
                         / "sample-report.json").read_text())
    endpoint = sample["endpoints"][0]
    for case in PlaintextCase:
        endpoint["plaintext_case"] = case.value
        jsonschema.validate(sample, report_schema())
    endpoint["plaintext_case"] = "held-open"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(sample, report_schema())
