"""The built-in demo lab: real loopback TLS servers shaped as Genesys HA pairs, each with one story.

``hatls demo`` starts these, writes the inventory a user would have written for them, and scans it
through the same code path as ``hatls scan``. Certificates are minted fresh for each run (valid from
the run's start), so the demo never expires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from hatls.lab.endpoint import EndpointConfig, ListenMode, RunningEndpoint
from hatls.lab.pki import CertificateAuthority, IssuedCert

# Mozilla intermediate 6.0's ECDHE AEAD suites: what the genesys-ha policy allows for TLS <= 1.2.
MODERN_TLS12 = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305")
CA_FILE = "pki/demo-ha-ca.pem"


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoPort:
    id: str
    mode: ListenMode
    ha_sync: bool = False
    min_version: str = "TLSv1.2"


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoServer:
    host: str
    address: str
    ports: tuple[DemoPort, ...]
    cert_host: str | None = None      # whose certificate it serves (default: its own host)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoPair:
    name: str
    app_type: str
    redundancy: str
    story: str
    primary: DemoServer
    backup: DemoServer
    # tls-mutual on secured ports; each server's own certificate is its client identity
    mutual: bool = False


def _ports(*ports: DemoPort) -> tuple[DemoPort, ...]:
    return ports


_STANDARD = _ports(DemoPort(id="default", mode=ListenMode.UNSECURED),
                   DemoPort(id="secure", mode=ListenMode.SECURED, ha_sync=True))

DEMO_PAIRS: tuple[DemoPair, ...] = (
    DemoPair(
        name="tserver-clean", app_type="T-Server", redundancy="hot-standby",
        story="configured as the guide says, with mutual TLS: every check passes",
        primary=DemoServer(host="tsrv-a.demo.test", address="127.0.1.1", ports=_STANDARD),
        backup=DemoServer(host="tsrv-b.demo.test", address="127.0.2.1", ports=_STANDARD),
        mutual=True,
    ),
    DemoPair(
        name="sipserver-propagated", app_type="SIP Server", redundancy="hot-standby",
        story="the backup serves the primary's certificate (propagated from the Connection level)",
        primary=DemoServer(host="sip-a.demo.test", address="127.0.1.2", ports=_STANDARD),
        backup=DemoServer(host="sip-b.demo.test", address="127.0.2.2", ports=_STANDARD,
                          cert_host="sip-a.demo.test"),
    ),
    DemoPair(
        name="statserver-legacy", app_type="Stat Server", redundancy="hot-standby",
        story="the backup still accepts TLS 1.0 on its HA sync port",
        primary=DemoServer(host="stat-a.demo.test", address="127.0.1.3", ports=_STANDARD),
        backup=DemoServer(host="stat-b.demo.test", address="127.0.2.3", ports=_ports(
            DemoPort(id="default", mode=ListenMode.UNSECURED),
            DemoPort(id="secure", mode=ListenMode.SECURED, ha_sync=True, min_version="TLSv1.0"))),
    ),
    DemoPair(
        name="confserv", app_type="Configuration Server", redundancy="warm-standby",
        story="Configuration Server pair on auto-detect (auto-upgrade) default ports",
        primary=DemoServer(host="cs-a.demo.test", address="127.0.1.4",
                           ports=_ports(DemoPort(id="default", mode=ListenMode.AUTO_DETECT))),
        backup=DemoServer(host="cs-b.demo.test", address="127.0.2.4",
                          ports=_ports(DemoPort(id="default", mode=ListenMode.AUTO_DETECT))),
    ),
)


# Where 127.0.1.x / 127.0.2.x cannot be bound (macOS configures only 127.0.0.1 on lo0), every
# server of the lab listens on this one address, each port its own: the inventory gives each
# server its host name and address, so the findings are the same.
SINGLE_ADDRESS = "127.0.0.1"


def lab_addresses(pairs: Sequence[DemoPair] = DEMO_PAIRS) -> tuple[str, ...]:
    """Every address the lab's servers listen on, in order, without repeats."""
    seen = [s.address for p in pairs for s in (p.primary, p.backup)]
    return tuple(dict.fromkeys(seen))


def on_one_address(pairs: Sequence[DemoPair], address: str = SINGLE_ADDRESS) -> tuple[DemoPair, ...]:
    """The same lab with every server listening on ``address`` (ports still tell them apart)."""
    return tuple(replace(p, primary=replace(p.primary, address=address),
                         backup=replace(p.backup, address=address)) for p in pairs)


def with_faults_fixed(pairs: Sequence[DemoPair] = DEMO_PAIRS) -> tuple[DemoPair, ...]:
    """The lab after its planted faults are fixed: each backup serves its own certificate and
    accepts TLS 1.2 and up only — what ``hatls demo --serve --fixed`` serves, to show a diff."""
    def fix(server: DemoServer) -> DemoServer:
        ports = tuple(replace(port, min_version="TLSv1.2") for port in server.ports)
        return replace(server, cert_host=None, ports=ports)
    return tuple(replace(p, primary=fix(p.primary), backup=fix(p.backup)) for p in pairs)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoLab:
    ca_pem: bytes
    configs: tuple[EndpointConfig, ...]
    certificates: Mapping[str, IssuedCert]   # by host: the client identities of mutual pairs
    # (pair name, role, port id) per config, same order as configs.
    labels: tuple[tuple[str, str, str], ...]


def build_lab(now: datetime, pairs: Sequence[DemoPair] = DEMO_PAIRS) -> DemoLab:
    ca = CertificateAuthority.create("hatls demo HA CA", now=now)
    issued: dict[str, IssuedCert] = {}

    def cert_for(host: str) -> IssuedCert:
        if host not in issued:
            issued[host] = ca.issue(common_name=host, dns_names=[host], now=now, days=397)
        return issued[host]

    configs: list[EndpointConfig] = []
    labels: list[tuple[str, str, str]] = []
    for pair in pairs:
        for role, server in (("primary", pair.primary), ("backup", pair.backup)):
            cert = cert_for(server.cert_host or server.host)
            for port in server.ports:
                mutual = pair.mutual and port.mode is ListenMode.SECURED
                configs.append(EndpointConfig(
                    address=server.address, mode=port.mode, cert_pem=cert.cert_pem,
                    key_pem=cert.key_pem, chain_pem=cert.chain_pem, min_version=port.min_version,
                    ciphers=None if port.min_version != "TLSv1.2" else MODERN_TLS12,
                    client_auth="require" if mutual else "none",
                    client_ca_pem=ca.cert_pem if mutual else b"",
                ))
                labels.append((pair.name, role, port.id))
    return DemoLab(ca_pem=ca.cert_pem, configs=tuple(configs), labels=tuple(labels),
                   certificates=issued)


def _identity_files(host: str) -> tuple[str, str]:
    return f"pki/{host}.pem", f"pki/{host}.key"


def _toml_server(server: DemoServer, ports: dict[str, int], mutual: bool) -> list[str]:
    lines = [f'host = "{server.host}"', f'address = "{server.address}"',
             'certificate_level = "application"']
    if mutual:
        # Genesys uses a server's own certificate as its client certificate after a failover.
        cert_file, key_file = _identity_files(server.host)
        lines += [f'client_certificate = "{cert_file}"', f'client_key = "{key_file}"']
    lines.append("ports = [")
    for port in server.ports:
        ha = ", ha_sync = true" if port.ha_sync else ""
        lines.append(f'  {{ id = "{port.id}", port = {ports[port.id]}, mode = "{port.mode.value}"{ha} }},')
    lines.append("]")
    return lines


def inventory_text(lab: DemoLab, running: Sequence[RunningEndpoint],
                   pairs: Sequence[DemoPair] = DEMO_PAIRS) -> str:
    """The inventory a user would write for this lab, with the ports the OS gave us."""
    bound: dict[tuple[str, str], dict[str, int]] = {}
    for (pair_name, role, port_id), endpoint in zip(lab.labels, running, strict=True):
        bound.setdefault((pair_name, role), {})[port_id] = endpoint.port
    out = ["# Written by `hatls demo`: the built-in loopback lab.", "version = 1", "",
           "[scan]", f'trusted_ca = ["{CA_FILE}"]', "", "[tls]", f'trusted_ca = ["{CA_FILE}"]', ""]
    for pair in pairs:
        out += [f"# {pair.story}", "[[pair]]", f'name = "{pair.name}"',
                f'app_type = "{pair.app_type}"', f'redundancy = "{pair.redundancy}"', "",
                "[pair.primary]", *_toml_server(pair.primary, bound[(pair.name, "primary")], pair.mutual),
                "", "[pair.backup]",
                *_toml_server(pair.backup, bound[(pair.name, "backup")], pair.mutual), ""]
        if pair.mutual:
            out += ["[pair.tls]", "tls_mutual = true", ""]
    return "\n".join(out)


def write_inventory(folder: Path, lab: DemoLab, running: Sequence[RunningEndpoint],
                    pairs: Sequence[DemoPair] = DEMO_PAIRS) -> Path:
    (folder / "pki").mkdir(parents=True, exist_ok=True)
    (folder / CA_FILE).write_bytes(lab.ca_pem)
    for pair in pairs:
        for server in (pair.primary, pair.backup) if pair.mutual else ():
            cert_file, key_file = _identity_files(server.host)
            (folder / cert_file).write_bytes(lab.certificates[server.host].cert_pem)
            key_path = folder / key_file
            key_path.write_bytes(lab.certificates[server.host].key_pem)
            key_path.chmod(0o600)
    path = folder / "inventory.toml"
    path.write_text(inventory_text(lab, running, pairs), encoding="utf-8")
    return path
