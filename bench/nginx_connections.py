"""Connections per endpoint against Debian's nginx, counted by the server side, not by hatls.

    . .venv/bin/activate && python bench/nginx_connections.py

bench/accuracy.py needs nginx's stream module, tlslite-ng and sslyze; this needs only `nginx`
(http module, so ``ssl_stapling`` works) and runs the same "modern" and "intermediate"
configurations with OCSP stapling and session tickets on. A TCP proxy on 127.0.6.x counts the
connections it accepts; hatls's own ``connections`` field is shown beside. Run it with
``PYTHONPATH=<other checkout>/src`` to measure another version of hatls the same way.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hatls.inventory import parse_inventory
from hatls.probe.scanner import ScanLimits, scan_inventory
from hatls.scanning import observations_of
from tests.labkit import NOW, ca
from tests.stapling_servers import HOST, ONE_WEEK, Staple, nginx, ocsp_response

MODERN = ("ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:"
          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305; "
          "ssl_ecdh_curve X25519:prime256v1:secp384r1;")
INTERMEDIATE = ("ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:"
                "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
                "ECDHE-RSA-CHACHA20-POLY1305; ssl_prefer_server_ciphers off;")
EXTRAS = " ssl_stapling on; ssl_stapling_file {dir}/ocsp.der; ssl_session_tickets on;"


class CountingProxy:
    """Accepts on ``address``, counts, and pipes each connection to the upstream port."""

    def __init__(self, address: str, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.accepted = 0
        self.listener = socket.create_server((address, 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            server = socket.create_connection(self.upstream)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


def scan(address: str, port: int, folder: Path) -> tuple[int, str, float]:
    text = f"""version = 1
[[pair]]
name = "bench"
[pair.primary]
host = "{HOST}"
address = "{address}"
ports = [ {{ id = "tls", port = {port}, mode = "secured" }} ]
"""
    inventory = parse_inventory(text, path=str(folder / "inv.toml"), base_dir=str(folder))
    started = time.monotonic()
    state = trio.run(lambda: scan_inventory(inventory, limits=ScanLimits()))
    elapsed = time.monotonic() - started
    (obs,) = observations_of(state)
    if not hasattr(obs, "resumption"):
        return obs.connections, "(not reported)", elapsed
    r, s = obs.resumption, obs.ocsp_stapling
    facts = (f"ticket TLS<=1.2 {r.session_ticket_tls12}, TLS 1.3 tickets {r.tickets_tls13}, "
             f"stapled {s.stapled} ({s.cert_status})")
    return obs.connections, facts, elapsed


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="hatls-nginx-connections-"))
    ec = ca().issue(common_name=HOST, dns_names=[HOST], now=NOW, days=30)
    rsa = ca().issue(common_name=HOST, dns_names=[HOST], now=NOW, days=30, key_type="rsa")
    print("| nginx config | connections accepted | hatls `connections` | scan s | facts |")
    print("|---|---|---|---|---|")
    for index, (name, cert, directives) in enumerate((("modern (ECDSA)", ec, MODERN),
                                                      ("intermediate (RSA)", rsa, INTERMEDIATE))):
        der = ocsp_response(cert, ca(), Staple(this_update=NOW, next_update=NOW + ONE_WEEK))
        address = f"127.0.5.{11 + index}"
        with nginx(folder / f"n{index}", address, cert, directives + EXTRAS,
                   files={"ocsp.der": der}) as port:
            proxy = CountingProxy(f"127.0.6.{11 + index}", (address, port))
            try:
                connections, facts, elapsed = scan(f"127.0.6.{11 + index}", proxy.port, folder)
            finally:
                proxy.close()
        print(f"| {name}, stapling + tickets on | {proxy.accepted} | {connections} | "
              f"{elapsed:.2f} | {facts} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
