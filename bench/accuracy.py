"""Accuracy against servers nobody here wrote: nginx, `openssl s_server`, tlslite-ng; hatls vs sslyze.

Not run in CI. Needs (installed by hand, this script installs nothing):

    apt-get install nginx-full openssl                 # nginx with the stream module
    /tmp/v/bin/pip install tlslite-ng                  # tls.py, for SSLv3 / 3DES / RC4
    python3 -m venv /tmp/sslyze && /tmp/sslyze/bin/pip install sslyze

Run:  . /tmp/v/bin/activate && python bench/accuracy.py [--sslyze /tmp/sslyze/bin/sslyze]

Every server listens on 127.0.5.x (loopback only). What each one is *configured* to accept is
computed without hatls: for nginx and s_server from the same OpenSSL (`openssl ciphers -s -v`,
kept to the certificate's authentication), for tlslite-ng from its own HandshakeSettings. Each
tool scans each server alone, through a counting TCP proxy (127.0.6.x) for the connection counts;
wall times are measured without the proxy. Then the demo lab and 24 lab endpoints, in one run each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trio

from hatls.lab.demo import build_lab, write_inventory
from hatls.lab.endpoint import EndpointConfig
from hatls.lab.pki import CertificateAuthority
from hatls.lab.server import LabThread
from hatls.tls.suites import lookup

HOST = "acc.example.test"
# OpenSSL 3.0's built-in group list (ssl/t1_lib.c, supported_groups_default): what a server
# that sets none accepts; the ffdhe groups only in TLS 1.3 (TLS 1.2 DHE uses its own parameters).
OPENSSL_EC_GROUPS = {"x25519", "secp256r1", "x448", "secp521r1", "secp384r1"}
OPENSSL_GROUPS = OPENSSL_EC_GROUPS | {f"ffdhe{bits}" for bits in (2048, 3072, 4096, 6144, 8192)}
VERSIONS = ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
_OPENSSL_FLAG = {"TLSv1.0": "-tls1", "TLSv1.1": "-tls1_1", "TLSv1.2": "-tls1_2", "TLSv1.3": "-tls1_3"}
_SSLYZE_KEYS = {"SSLv2": "ssl_2_0_cipher_suites", "SSLv3": "ssl_3_0_cipher_suites",
                "TLSv1.0": "tls_1_0_cipher_suites", "TLSv1.1": "tls_1_1_cipher_suites",
                "TLSv1.2": "tls_1_2_cipher_suites", "TLSv1.3": "tls_1_3_cipher_suites"}
NOW = datetime.now(UTC)  # a bench script, above cli/'s "no clock" line: certificates from now


@dataclass(slots=True)
class Server:
    name: str
    config: str  # one line for the table
    address: str
    port: int
    command: list[str]
    expected: dict[str, set[str]]  # version -> IANA suite names (accepted versions only)
    expected_groups: set[str] | None = None
    expected_dh: int | None = None  # bits of the DHE group, where DHE suites are served
    process: subprocess.Popen[bytes] | None = None
    results: dict[str, Any] = field(default_factory=dict)


# --- PKI and expected sets ------------------------------------------------------------------


def make_pki(folder: Path) -> dict[str, Path]:
    ca = CertificateAuthority.create("accuracy bench CA", now=NOW)
    files: dict[str, Path] = {"ca": folder / "ca.pem"}
    files["ca"].write_bytes(ca.cert_pem)
    for kind in ("rsa", "ec"):
        cert = ca.issue(common_name=HOST, dns_names=[HOST], now=NOW, days=30, key_type=kind)
        files[f"{kind}.crt"], files[f"{kind}.key"] = folder / f"{kind}.crt", folder / f"{kind}.key"
        files[f"{kind}.crt"].write_bytes(cert.cert_pem + cert.chain_pem)
        files[f"{kind}.key"].write_bytes(cert.key_pem)
    # PKCS#3 "DH PARAMETERS": s_server refuses the X9.42 form that `dhparam -dsaparam` writes,
    # and quietly falls back to its built-in 2048-bit group.
    files["dh1024"], files["dh2048"] = folder / "dh1024.pem", folder / "dh2048.pem"
    subprocess.run(["openssl", "dhparam", "-out", str(files["dh1024"]), "1024"], check=True,
                   capture_output=True)
    subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt",
                    "group:ffdhe2048", "-out", str(files["dh2048"])], check=True,
                   capture_output=True)
    return files


def openssl_expected(versions: list[str], ciphers: str, auths: set[str], *, dhe: bool,
                     tls13: str | None = None) -> dict[str, set[str]]:
    """What an OpenSSL server with this configuration accepts, per version, by the system
    OpenSSL's own `ciphers -s` (nginx and s_server link the same library)."""
    expected: dict[str, set[str]] = {}
    for version in versions:
        args = ["openssl", "ciphers", "-stdname", "-s", "-v", _OPENSSL_FLAG[version]]
        args += ["-ciphersuites", tls13] if tls13 else []
        out = subprocess.run([*args, ciphers], capture_output=True, text=True, check=True).stdout
        names: set[str] = set()
        for line in out.splitlines():
            fields = line.split()
            au = next(f.removeprefix("Au=") for f in fields if f.startswith("Au="))
            kx = next(f.removeprefix("Kx=") for f in fields if f.startswith("Kx="))
            is13 = fields[3] == "TLSv1.3"
            if is13 != (version == "TLSv1.3") or (au not in auths and au != "any"):
                continue
            if kx == "DH" and not dhe:
                continue  # no DH parameters configured: OpenSSL 3.0 skips DHE suites
            names.add(fields[0])
        expected[version] = names
    return expected


def tlslite_expected(min_version: tuple[int, int], max_version: tuple[int, int],
                     cipher_names: list[str]) -> dict[str, set[str]]:
    """What tlslite-ng's server picks from, per version, for an RSA certificate."""
    from tlslite.constants import CipherSuite  # noqa: PLC0415 (optional: tlslite-ng)
    from tlslite.handshakesettings import HandshakeSettings  # noqa: PLC0415 (optional: tlslite-ng)

    settings = HandshakeSettings()
    settings.minVersion, settings.maxVersion = min_version, max_version
    settings.cipherNames = cipher_names
    settings = settings.validate()
    names = {(3, 0): "SSLv3", (3, 1): "TLSv1.0", (3, 2): "TLSv1.1", (3, 3): "TLSv1.2"}
    expected: dict[str, set[str]] = {}
    for version, name in names.items():
        if min_version <= version <= max_version:
            codes = (CipherSuite.getEcdheCertSuites(settings, version)
                     + CipherSuite.getDheCertSuites(settings, version)
                     + CipherSuite.getCertSuites(settings, version))
            expected[name] = {CipherSuite.ietfNames[c] for c in codes}
    return expected


def _free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        port: int = probe.getsockname()[1]
    return port


def tlslite_groups() -> set[str]:
    """tlslite-ng's default curves (it serves them in TLS 1.0's ServerKeyExchange too) and its
    default RFC 7919 groups, which it honours in a TLS <= 1.2 DHE ServerKeyExchange."""
    from tlslite.handshakesettings import HandshakeSettings  # noqa: PLC0415 (optional: tlslite-ng)

    settings = HandshakeSettings()
    return set(settings.eccCurves) | set(settings.dhGroups)


# --- the servers ------------------------------------------------------------------------------


NGINX_CONF = """load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off; master_process off; worker_processes 1; user root;
error_log {dir}/error.log; pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
stream {{ server {{ listen {address}:{port} ssl; {directives} return "ok\\n"; }} }}
"""


def nginx(name: str, config: str, address: str, port: int, folder: Path, directives: str,
          expected: dict[str, set[str]], groups: set[str], dh: int | None = None) -> Server:
    home = folder / name
    home.mkdir()
    conf = NGINX_CONF.format(dir=home, address=address, port=port, directives=directives)
    (home / "nginx.conf").write_text(conf)
    command = ["nginx", "-p", str(home), "-c", str(home / "nginx.conf")]
    return Server(name=name, config=config, address=address, port=port, command=command,
                  expected=expected, expected_groups=groups, expected_dh=dh)


def servers(folder: Path, pki: dict[str, Path]) -> list[Server]:
    rsa = f"ssl_certificate {pki['rsa.crt']}; ssl_certificate_key {pki['rsa.key']};"
    ec = f"ssl_certificate {pki['ec.crt']}; ssl_certificate_key {pki['ec.key']};"
    modern = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
              "ECDHE-ECDSA-CHACHA20-POLY1305")
    inter = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-"
             "SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-"
             "POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384")
    old = ("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES128-SHA:"
           "AES256-SHA:DHE-RSA-AES128-SHA:DES-CBC3-SHA:@SECLEVEL=0")
    s12 = "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA256:DHE-RSA-AES128-SHA:CAMELLIA128-SHA:@SECLEVEL=0"
    tls13 = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    a = "127.0.5."
    # Fresh ports each run: tls.py's echo server binds without SO_REUSEADDR, so a port whose
    # connections still sit in TIME_WAIT from the last run cannot be reused for a minute.
    ports = {i: _free_port(f"{a}{i}") for i in range(1, 8)}
    return [
        nginx("nginx-modern", "nginx TLS1.2+1.3, 3 ECDHE-ECDSA AEAD, X25519:P-256:P-384", a + "1",
              ports[1], folder, f"{ec} ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers {modern}; "
              "ssl_ecdh_curve X25519:prime256v1:secp384r1;",
              openssl_expected(["TLSv1.2", "TLSv1.3"], modern, {"ECDSA"}, dhe=False),
              {"x25519", "secp256r1", "secp384r1"}),
        nginx("nginx-intermediate", "nginx Mozilla intermediate, RSA+ECDSA certs, DHE 2048",
              a + "2", ports[2], folder, f"{rsa} {ec} ssl_protocols TLSv1.2 TLSv1.3; "
              f"ssl_ciphers {inter}; ssl_dhparam {pki['dh2048']}; ssl_prefer_server_ciphers off;",
              openssl_expected(["TLSv1.2", "TLSv1.3"], inter, {"RSA", "ECDSA"}, dhe=True),
              OPENSSL_GROUPS, 2048),
        nginx("nginx-old", "nginx Mozilla old-style, TLS1.0-1.3, CBC+3DES, DHE 1024, SECLEVEL 0",
              a + "3", ports[3], folder, f"{rsa} ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; "
              f"ssl_ciphers {old}; ssl_dhparam {pki['dh1024']}; ssl_prefer_server_ciphers on;",
              openssl_expected(["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"], old, {"RSA"},
                               dhe=True), OPENSSL_GROUPS, 1024),
        Server(name="s_server-tls12", config="s_server -tls1_2, RSA, 4 suites incl. DHE/CAMELLIA",
               address=a + "4", port=ports[4], command=[
                   "openssl", "s_server", "-accept", f"{a}4:{ports[4]}", "-cert", str(pki["rsa.crt"]),
                   "-key", str(pki["rsa.key"]), "-tls1_2", "-cipher", s12, "-dhparam",
                   str(pki["dh1024"]), "-quiet"],
               expected=openssl_expected(["TLSv1.2"], s12, {"RSA"}, dhe=True),
               expected_groups=OPENSSL_EC_GROUPS, expected_dh=1024),
        Server(name="s_server-tls13", config="s_server -tls1_3, 2 suites, X25519:P-384, ECDSA",
               address=a + "5", port=ports[5], command=[
                   "openssl", "s_server", "-accept", f"{a}5:{ports[5]}", "-cert", str(pki["ec.crt"]),
                   "-key", str(pki["ec.key"]), "-tls1_3", "-ciphersuites", tls13,
                   "-groups", "X25519:P-384", "-quiet"],
               expected=openssl_expected(["TLSv1.3"], "DEFAULT", {"ECDSA"}, dhe=False,
                                         tls13=tls13), expected_groups={"x25519", "secp384r1"}),
        Server(name="s_server-legacy", config="s_server TLS1.0+1.1 only, AES-CBC, SECLEVEL 0",
               address=a + "6", port=ports[6], command=[
                   "openssl", "s_server", "-accept", f"{a}6:{ports[6]}", "-cert", str(pki["rsa.crt"]),
                   "-key", str(pki["rsa.key"]), "-min_protocol", "TLSv1", "-max_protocol",
                   "TLSv1.1", "-cipher", "ECDHE-RSA-AES256-SHA:AES128-SHA:@SECLEVEL=0", "-quiet"],
               expected=openssl_expected(["TLSv1.0", "TLSv1.1"],
                                         "ECDHE-RSA-AES256-SHA:AES128-SHA:@SECLEVEL=0", {"RSA"},
                                         dhe=False), expected_groups=OPENSSL_EC_GROUPS),
        Server(name="tlslite-ssl3", config="tlslite-ng SSLv3+TLS1.0, 3DES+RC4+AES128, RSA",
               address=a + "7", port=ports[7], command=[
                   sys.executable, shutil.which("tls.py") or "tls.py", "server", "-c",
                   str(pki["rsa.crt"]), "-k", str(pki["rsa.key"]), "--ssl3", "--max-ver",
                   "tls1.0", "--cipherlist", "3des,rc4,aes128", "--echo", f"{a}7:{ports[7]}"],
               expected=tlslite_expected((3, 0), (3, 1), ["3des", "rc4", "aes128"]),
               expected_groups=tlslite_groups(), expected_dh=2048),
    ]


# --- a counting proxy (connections per server, whichever tool) ------------------------------


class CountingProxies:
    """One trio thread relaying 127.0.6.x:port -> 127.0.5.x:port and counting accepts."""

    def __init__(self, targets: list[Server]) -> None:
        self.targets = targets
        self.counts = {s.name: 0 for s in targets}
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._scope: trio.CancelScope | None = None
        self._thread = threading.Thread(target=trio.run, args=(self._main,), daemon=True)

    def front(self, server: Server) -> str:
        return server.address.replace("127.0.5.", "127.0.6.")

    def __enter__(self) -> CountingProxies:
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *_: object) -> None:
        assert self._token is not None and self._scope is not None
        trio.from_thread.run_sync(self._scope.cancel, trio_token=self._token)
        self._thread.join(10)

    async def _main(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        with trio.CancelScope() as self._scope:
            async with trio.open_nursery() as nursery:
                for server in self.targets:
                    listeners = await trio.open_tcp_listeners(server.port, host=self.front(server))
                    handler = self._relay_to(server)
                    nursery.start_soon(trio.serve_listeners, handler, listeners)
                self._ready.set()

    def _relay_to(self, server: Server) -> Callable[[trio.SocketStream], Any]:
        async def relay(client: trio.SocketStream) -> None:
            self.counts[server.name] += 1
            try:
                upstream = await trio.open_tcp_stream(server.address, server.port)
            except OSError:
                return
            async with client, upstream, trio.open_nursery() as nursery:
                nursery.start_soon(_pipe, client, upstream, nursery.cancel_scope)
                nursery.start_soon(_pipe, upstream, client, nursery.cancel_scope)
        return relay


async def _pipe(source: trio.SocketStream, sink: trio.SocketStream, scope: trio.CancelScope) -> None:
    try:
        while data := await source.receive_some(65536):
            await sink.send_all(data)
        await sink.send_eof()
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        scope.cancel()


# --- the two tools ------------------------------------------------------------------------------


def inventory(targets: list[tuple[str, str, int]], folder: Path) -> Path:
    lines = ["version = 1", ""]
    for name, address, port in targets:
        lines += ["[[pair]]", f'name = "{name}"', "[pair.primary]", f'host = "{HOST}"',
                  f'address = "{address}"',
                  f'ports = [ {{ id = "tls", port = {port}, mode = "secured" }} ]', ""]
    path = folder / f"inventory-{len(targets)}-{targets[0][0]}.toml"
    path.write_text("\n".join(lines))
    return path


def run_hatls(inventory_path: Path) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    out = subprocess.run(["hatls", "scan", str(inventory_path), "--json", "-", "--quiet"],
                         capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    return elapsed, json.loads(out.stdout) if out.stdout.strip().startswith("{") else {}


def hatls_view(report: dict[str, Any], pair: str) -> dict[str, Any]:
    endpoint = next(e for e in report.get("endpoints", []) if e["pair"] == pair)
    return {"versions": {v for v, ok in endpoint["protocols"].items() if ok},
            "suites": {v: set(s) for v, s in (endpoint["ciphers"] or {}).items() if s},
            "groups": set(endpoint["groups"] or ()), "connections": endpoint["connections"],
            "versions_off": {v for v, ok in endpoint["protocols"].items() if ok is False},
            "features": endpoint["features"], "dh": endpoint["key_exchange"]["dh_min_bits"]}


def run_sslyze(sslyze: str, targets: list[tuple[str, int]]) -> tuple[float, dict[str, Any]]:
    args = [sslyze, "--json_out=-", "--certinfo", "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1",
            "--tlsv1_2", "--tlsv1_3", "--elliptic_curves"]
    started = time.monotonic()
    out = subprocess.run([*args, *(f"{HOST}:{port}{{{ip}}}" for ip, port in targets)],
                         capture_output=True, text=True, check=False)
    return time.monotonic() - started, json.loads(out.stdout or "{}")


def sslyze_view(report: dict[str, Any], address: str) -> dict[str, Any]:
    result = next(r for r in report.get("server_scan_results", [])
                  if r["server_location"]["ip_address"] == address)
    scan = result.get("scan_result") or {}
    suites: dict[str, set[str]] = {}
    for version, key in _SSLYZE_KEYS.items():
        accepted = ((scan.get(key) or {}).get("result") or {}).get("accepted_cipher_suites", [])
        if accepted:
            suites[version] = {a["cipher_suite"]["name"] for a in accepted}
    curves = ((scan.get("elliptic_curves") or {}).get("result") or {}).get("supported_curves")
    dh_sizes = [a["ephemeral_key"]["size"] for key in _SSLYZE_KEYS.values()
                for a in ((scan.get(key) or {}).get("result") or {}).get("accepted_cipher_suites", [])
                if (a.get("ephemeral_key") or {}).get("type_name") == "DH"]
    return {"versions": set(suites), "suites": suites, "groups": _group_names(curves or []),
            "status": result.get("scan_status"), "dh": min(dh_sizes, default=None)}


def _group_names(curves: list[dict[str, Any]]) -> set[str]:
    names = {"X25519": "x25519", "X448": "x448", "prime256v1": "secp256r1",
             "prime192v1": "secp192r1"}
    return {names.get(c["name"], c["name"]) for c in curves}


# --- running it all ------------------------------------------------------------------------------


def start(server: Server) -> None:
    server.process = subprocess.Popen(server.command, stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30  # tls.py imports slowly on a busy machine
    while time.monotonic() < deadline:
        probe = subprocess.run(["ss", "-ltnH", f"src {server.address}:{server.port}"],
                               capture_output=True, text=True, check=False)
        if probe.stdout.strip():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not start: {' '.join(server.command)}")


def stop(server: Server) -> None:
    if server.process is not None and server.process.poll() is None:
        server.process.terminate()  # only the process this script started
        server.process.wait(10)


def compare(expected: dict[str, set[str]], seen: dict[str, set[str]]) -> list[str]:
    notes = []
    for version in VERSIONS:
        want, got = expected.get(version, set()), seen.get(version, set())
        if want - got:
            notes.append(f"{version} missed {sorted(want - got)}")
        if got - want:
            notes.append(f"{version} extra {sorted(got - want)}")
    return notes


def canonical(suites: dict[str, set[str]]) -> dict[str, set[str]]:
    """IANA names as hatls's registry spells them (sslyze and OpenSSL differ in a few)."""
    return {v: {(s.iana_name if (s := lookup(n)) else n) for n in names}
            for v, names in suites.items()}


def verdict(server: Server, view: dict[str, Any]) -> tuple[str, list[str]]:
    notes = compare(canonical(server.expected), canonical(view["suites"]))
    if server.expected_groups is not None and view["groups"] != server.expected_groups:
        missed, extra = server.expected_groups - view["groups"], view["groups"] - server.expected_groups
        notes.append(f"groups missed {sorted(missed)} extra {sorted(extra)}")
    if view["dh"] != server.expected_dh:
        notes.append(f"DH {view['dh']} bits, configured {server.expected_dh}")
    if "versions_off" in view and view["versions_off"] != set(VERSIONS) - set(server.expected):
        notes.append(f"versions refused {sorted(view['versions_off'])}")
    return ("exact" if not notes else "differs"), notes


def accuracy(servers_: list[Server], sslyze: str, folder: Path) -> list[str]:
    rows = ["| server config | expected versions | expected suites | hatls | sslyze | "
            "hatls conns | sslyze conns | hatls s | sslyze s |", "|" + "---|" * 9]
    details: list[str] = []
    with CountingProxies(servers_) as proxies:
        for server in servers_:
            inv = inventory([(server.name, server.address, server.port)], folder)
            hatls_s, report = run_hatls(inv)
            sslyze_s, sreport = run_sslyze(sslyze, [(server.address, server.port)])
            mine, theirs = hatls_view(report, server.name), sslyze_view(sreport, server.address)
            proxies.counts[server.name] = 0
            run_hatls(inventory([(server.name, proxies.front(server), server.port)], folder))
            hatls_conns = proxies.counts[server.name]
            proxies.counts[server.name] = 0
            run_sslyze(sslyze, [(proxies.front(server), server.port)])
            sslyze_conns = proxies.counts[server.name]
            (hv, hn), (sv, sn) = verdict(server, mine), verdict(server, theirs)
            total = sum(len(s) for s in server.expected.values())
            rows.append(f"| {server.config} | {', '.join(v for v in VERSIONS if v in server.expected)}"
                        f" | {total} | {hv} | {sv} | {hatls_conns} (report: {mine['connections']})"
                        f" | {sslyze_conns} | {hatls_s:.2f} | {sslyze_s:.2f} |")
            details += [f"- {server.name}: hatls {'; '.join(hn) or 'exact'}; features "
                        f"{mine['features']}",
                        f"  sslyze {'; '.join(sn) or 'exact'} (status {theirs['status']})"]
    return [*rows, "", *details]


def lab_configs(count: int, ca: CertificateAuthority) -> list[EndpointConfig]:
    configs = []
    for index in range(count):
        cert = ca.issue(common_name=HOST, dns_names=[HOST], now=NOW, days=30)
        legacy = index % 4 == 3
        configs.append(EndpointConfig(
            address=f"127.0.7.{index // 2 + 1}", cert_pem=cert.cert_pem, key_pem=cert.key_pem,
            chain_pem=cert.chain_pem, min_version="TLSv1.0" if legacy else "TLSv1.2"))
    return configs


def many_endpoints(sslyze: str, folder: Path, count: int = 24) -> list[str]:
    ca = CertificateAuthority.create("accuracy bench lab CA", now=NOW)
    with LabThread(lab_configs(count, ca)) as running:
        targets = [(f"lab-{i}", ep.address, ep.port) for i, ep in enumerate(running)]
        hatls_s, report = run_hatls(inventory(targets, folder))
        sslyze_s, sreport = run_sslyze(sslyze, [(ep.address, ep.port) for ep in running])
    ok = sum(1 for r in sreport.get("server_scan_results", []) if r["scan_status"] == "COMPLETED")
    connections = sum(e["connections"] for e in report.get("endpoints", []))
    return [f"| {count} lab TLS endpoints (12 addresses), one run | {hatls_s:.2f} s, "
            f"{len(report.get('endpoints', []))} endpoints, {connections} connections | "
            f"{sslyze_s:.2f} s, {ok} completed |"]


def demo_lab(sslyze: str, folder: Path) -> list[str]:
    lab = build_lab(NOW)
    started = time.monotonic()
    subprocess.run(["hatls", "demo", "--out", str(folder / "demo-out")], capture_output=True,
                   check=False)
    demo_s = time.monotonic() - started
    with LabThread(lab.configs) as running:
        inv = write_inventory(folder / "demo", lab, running)
        hatls_s, report = run_hatls(inv)
        tls = [(ep.address, ep.port) for ep in running if ep.config.mode.value != "unsecured"]
        sslyze_s, sreport = run_sslyze(sslyze, tls)
    ok = sum(1 for r in sreport.get("server_scan_results", []) if r["scan_status"] == "COMPLETED")
    return [f"| demo lab: {len(running)} ports ({len(tls)} speak TLS), `hatls demo` end to end "
            f"{demo_s:.2f} s | {hatls_s:.2f} s, {len(report.get('endpoints', []))} endpoints | "
            f"{sslyze_s:.2f} s, {ok}/{len(tls)} TLS ports completed |"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sslyze", default="/tmp/sslyze/bin/sslyze")
    args = parser.parse_args()
    for tool in ("nginx", "openssl", "tls.py", "hatls", args.sslyze, "ss"):
        if shutil.which(tool) is None and not os.path.exists(tool):
            print(f"missing: {tool} (see the docstring)", file=sys.stderr)
            return 2
    folder = Path(tempfile.mkdtemp(prefix="hatls-accuracy-"))
    pki = make_pki(folder)
    bench_servers = servers(folder, pki)
    try:
        for server in bench_servers:
            start(server)
        lines = ["### Accuracy per server (each tool alone on each server)", "",
                 *accuracy(bench_servers, args.sslyze, folder)]
    finally:
        for server in bench_servers:
            stop(server)
    lines += ["", "### Wall time, one run each", "", "| setup | hatls | sslyze |",
              "|---|---|---|", *demo_lab(args.sslyze, folder), *many_endpoints(args.sslyze, folder)]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
