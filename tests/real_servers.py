"""TLS servers nobody here wrote, for tests: nginx on a loopback address, gnutls-serv in a network
namespace of its own, and `hatls scan` against them.

gnutls-serv cannot be told an address: it binds the wildcard. So it runs in a fresh network
namespace (``unshare --net``) that has only a loopback interface, together with the scan, and
nothing it opens is reachable from anywhere else. Each test stops the servers it started. A
missing binary fails the test under ``CI=true`` and skips it (with the reason) elsewhere.
"""

from __future__ import annotations

import fcntl
import json
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import dh
from cryptography.hazmat.primitives.serialization import Encoding, ParameterFormat

from hatls.lab.pki import IssuedCert
from tests.labkit import NOW, ca
from tests.needs import binary

HOST = "tsrv-a.example.test"
NETNS_PORT = 4433   # a fresh namespace has every port free
_SIOCSIFFLAGS, _IFF_UP_LOOPBACK_RUNNING = 0x8914, 0x1 | 0x8 | 0x40


# One nginx for the live tests that run it as a plain TLS server: in the foreground, every path
# under its own folder (``tmp``), so nothing of the system's nginx is touched; ``servers`` are
# SERVER blocks.
NGINX_CONF = """daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{servers}
}}
"""

SERVER = """    server {{
        listen {address}:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        return 200 "ok";
    }}
"""


def need(name: str) -> str:
    return binary(name)


def write_identity(folder: Path, *, key_type: str = "rsa") -> tuple[Path, Path]:
    issued: IssuedCert = ca().issue(common_name=HOST, dns_names=[HOST], now=NOW, days=365,
                                    key_type=key_type)
    cert, key = folder / f"{key_type}.crt", folder / f"{key_type}.key"
    cert.write_bytes(issued.cert_pem)
    key.write_bytes(issued.key_pem)
    return cert, key


# RFC 2409 §6.2, the second Oakley group: a well-known 1024-bit safe prime, as old servers use.
OAKLEY_GROUP_2 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22"
    "514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6"
    "F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"
    "FFFFFFFFFFFFFFFF", 16)


def write_dhparam_1024(path: Path) -> Path:
    """PKCS #3 DH parameters of 1024 bits (OpenSSL's, nginx's and GnuTLS's format), at once."""
    numbers = dh.DHParameterNumbers(OAKLEY_GROUP_2, 2)
    path.write_bytes(numbers.parameters().parameter_bytes(Encoding.PEM, ParameterFormat.PKCS3))
    return path


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(address: str, port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection((address, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {address}:{port}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def nginx(folder: Path, address: str, directives: str) -> Iterator[int]:
    """An nginx http server on ``address`` (a free port) with ``directives`` in its server block."""
    binary = need("nginx")
    port = free_port(address)
    for sub in ("tmp", "logs"):
        (folder / sub).mkdir(exist_ok=True)
    temp = " ".join(f"{kind}_temp_path {folder / 'tmp' / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(f"""
daemon off;
master_process off;
pid {folder / 'nginx.pid'};
error_log {folder / 'logs' / 'error.log'} warn;
events {{ worker_connections 128; }}
http {{
  access_log off;
  {temp}
  server {{
    listen {address}:{port} ssl;
    server_name {HOST};
    {directives}
    return 200 "ok\\n";
  }}
}}
""")
    process = subprocess.Popen([binary, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                                "-e", str(folder / "logs" / "error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(address, port, process)
        yield port
    finally:
        stop(process)


def inventory_text(address: str, port: int, *, backup: tuple[str, int] | None = None) -> str:
    primary = f"""version = 1
[[pair]]
name = "pair-1"
[pair.primary]
host = "{HOST}"
address = "{address}"
ports = [ {{ id = "p0", port = {port}, mode = "secured", ha_sync = true }} ]
"""
    if backup is None:
        return primary
    return primary + f"""[pair.backup]
host = "tsrv-b.example.test"
address = "{backup[0]}"
ports = [ {{ id = "p0", port = {backup[1]}, mode = "secured", ha_sync = true }} ]
"""


def scan_report(inventory: Path) -> dict[str, Any]:
    """``hatls scan INVENTORY --json -`` as a user runs it; the report as data."""
    done = subprocess.run([sys.executable, "-m", "hatls", "scan", str(inventory), "--json", "-",
                           "--quiet"], capture_output=True, timeout=300, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"hatls scan exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def gnutls_scan(folder: Path, arguments: Sequence[str]) -> dict[str, Any]:
    """``gnutls-serv ARGUMENTS`` and a scan of it, both inside a network namespace of their own."""
    need("gnutls-serv")
    need("unshare")
    inventory = folder / "inventory.toml"
    inventory.write_text(inventory_text("127.0.1.1", NETNS_PORT))
    command = ["unshare", "--net", "--", sys.executable, "-m", "tests.real_servers",
               str(inventory), "gnutls-serv", "-q", "-p", str(NETNS_PORT), *arguments]
    done = subprocess.run(command, capture_output=True, timeout=300, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    if done.returncode != 0:
        raise RuntimeError(f"namespace run exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as any_socket:
        request = struct.pack("16sH14s", b"lo", _IFF_UP_LOOPBACK_RUNNING, b"\0" * 14)
        fcntl.ioctl(any_socket, _SIOCSIFFLAGS, request)


def _inside_namespace(inventory: str, server: list[str]) -> None:
    """Run in the fresh namespace: loopback up, the server, the scan; the report on stdout."""
    _loopback_up()
    process = subprocess.Popen(server, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.1.1", NETNS_PORT, process)
        sys.stdout.write(json.dumps(scan_report(Path(inventory))))
    finally:
        stop(process)


if __name__ == "__main__":
    _inside_namespace(sys.argv[1], sys.argv[2:])
