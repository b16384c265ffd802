"""Servers hatls did not write, on loopback, for the session-resumption and OCSP-stapling tests:
Debian's nginx (http module: the stream module has no ``ssl_stapling``) and ``openssl s_server``,
and DER OCSP responses made with cryptography from the test PKI for them to staple.

Each server is started on a fresh port and stopped by the context manager that started it. A
missing binary fails the test under ``CI=true`` and skips it (with the reason) elsewhere.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from hatls.lab.pki import CertificateAuthority, IssuedCert
from tests.needs import binary

HOST = "tsrv-a.example.test"


def need(name: str) -> str:
    return binary(name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Staple:
    status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD
    this_update: datetime
    next_update: datetime | None
    revoked_at: datetime | None = None


def ocsp_response(leaf: IssuedCert, ca: CertificateAuthority, staple: Staple, *,
                  by_name: bool = False) -> bytes:
    """A signed, successful OCSP response for ``leaf`` from its issuer ``ca``."""
    certificate = x509.load_pem_x509_certificate(leaf.cert_pem)
    revoked = staple.status is ocsp.OCSPCertStatus.REVOKED
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=certificate, issuer=ca.certificate, algorithm=hashes.SHA1(),
        cert_status=staple.status, this_update=staple.this_update, next_update=staple.next_update,
        revocation_time=staple.revoked_at if revoked else None,
        revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
    ).responder_id(ocsp.OCSPResponderEncoding.NAME if by_name else ocsp.OCSPResponderEncoding.HASH,
                   ca.certificate)
    response = builder.sign(ca.private_key, hashes.SHA256())  # type: ignore[arg-type]
    return response.public_bytes(serialization.Encoding.DER)


def free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(address: str, port: int, process: subprocess.Popen[bytes], log: Path) -> bool:
    """Whether the server came up on ``port``; False when it exited or could not bind (another
    test on this machine took the port between our probe and its bind: try another)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None or "bind() failed" in log.read_text(errors="replace"):
            return False
        with socket.socket() as sock:
            if sock.connect_ex((address, port)) == 0:
                return True
        time.sleep(0.05)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def _running(command: Callable[[int], list[str]], address: str, log: Path, *,
             probe_address: str | None = None) -> Iterator[int]:
    """The server ``command(port)`` on a free port of ``probe_address`` (default ``address``),
    up to three ports tried; stopped on exit."""
    for _ in range(3):
        port = free_port(probe_address or address)
        with log.open("wb") as out:
            process = subprocess.Popen(command(port), stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        if _listening(address, port, process, log):
            break
        _stop(process)
    else:
        raise RuntimeError(f"server did not listen on {address}: {log.read_text()[-2000:]}")
    try:
        yield port
    finally:
        _stop(process)


NGINX_CONF = """daemon off; master_process off; worker_processes 1; user root;
error_log {dir}/error.log; pid {dir}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fcgi;
  uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  server {{
    listen {address}:{port} ssl;
    ssl_certificate {dir}/leaf.pem; ssl_certificate_key {dir}/leaf.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    {directives}
    location / {{ return 200 "ok\\n"; }}
  }}
}}
"""


@contextmanager
def nginx(home: Path, address: str, leaf: IssuedCert, directives: str,
          files: dict[str, bytes] | None = None) -> Iterator[int]:
    """nginx serving ``leaf`` on ``address``; ``files`` are written to ``home`` first (the
    directives name them as ``{dir}/name``)."""
    binary = need("nginx")
    home.mkdir(parents=True, exist_ok=True)
    (home / "leaf.pem").write_bytes(leaf.cert_pem)
    (home / "leaf.key").write_bytes(leaf.key_pem)
    for name, data in (files or {}).items():
        (home / name).write_bytes(data)
    def command(port: int) -> list[str]:
        conf = NGINX_CONF.format(dir=home, address=address, port=port,
                                 directives=directives.replace("{dir}", str(home)))
        (home / "nginx.conf").write_text(conf)
        return [binary, "-p", str(home), "-c", str(home / "nginx.conf")]

    with _running(command, address, home / "nginx.log") as running:
        yield running


@contextmanager
def s_server(home: Path, address: str, leaf: IssuedCert, *args: str,
             files: dict[str, bytes] | None = None) -> Iterator[int]:
    """``openssl s_server`` serving ``leaf``; ``args`` may name ``{dir}/file`` from ``files``."""
    binary = need("openssl")
    home.mkdir(parents=True, exist_ok=True)
    (home / "leaf.pem").write_bytes(leaf.cert_pem)
    (home / "leaf.key").write_bytes(leaf.key_pem)
    for name, data in (files or {}).items():
        (home / name).write_bytes(data)
    def command(port: int) -> list[str]:
        return [binary, "s_server", "-accept", f"{address}:{port}",
                "-cert", str(home / "leaf.pem"), "-key", str(home / "leaf.key"), "-quiet",
                *(re.sub(r"\{dir\}", str(home), a) for a in args)]

    with _running(command, address, home / "s_server.log") as running:
        yield running


@contextmanager
def gnutls_serv(home: Path, leaf: IssuedCert, staple: bytes, *, priority: str = "NORMAL"
                ) -> Iterator[int]:
    """``gnutls-serv`` stapling ``staple`` as given, even bytes that are no OCSP response (it
    alone of the three sends those). It cannot bind one address: it listens on all of them, and
    the tests connect to it on 127.0.0.1 only."""
    binary = need("gnutls-serv")
    home.mkdir(parents=True, exist_ok=True)
    (home / "leaf.pem").write_bytes(leaf.cert_pem)
    (home / "leaf.key").write_bytes(leaf.key_pem)
    (home / "staple.der").write_bytes(staple)
    def command(port: int) -> list[str]:
        return [binary, "--port", str(port), "--x509certfile", str(home / "leaf.pem"),
                "--x509keyfile", str(home / "leaf.key"), "--ocsp-response",
                str(home / "staple.der"), "--ignore-ocsp-response-errors", "--priority", priority]

    # Its port must be free on every address, since it binds them all.
    with _running(command, "127.0.0.1", home / "gnutls-serv.log",
                  probe_address="0.0.0.0") as running:
        yield running


ONE_WEEK = timedelta(days=7)
