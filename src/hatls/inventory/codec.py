"""The resolved inventory as JSON-ready data, for a report's `inputs`, and back.

Every port carries its resolved expectations, so rules replay from a report alone. The PEM and
CRL texts appear once, in `files` (keyed by the path as written), and are referred to by path
elsewhere: a CA named by every port is stored once. No secret is written: a client key appears
as its path, a password as the name of its variable.
"""

from __future__ import annotations

from typing import Any

from hatls.inventory.model import (
    CertificateLevel,
    CipherList,
    ClientIdentity,
    Inventory,
    Mode,
    Pair,
    PemFile,
    PortSpec,
    Redundancy,
    ReportLabels,
    Role,
    ScanSettings,
    SecProtocol,
    Server,
    TlsExpectations,
)


def inventory_to_dict(inventory: Inventory) -> dict[str, Any]:
    files: dict[str, str] = {}
    data = {
        "version": inventory.version,
        "path": inventory.path,
        "sha256": inventory.sha256,
        "scan": _scan_to_dict(inventory.scan, files),
        "client": _identity_to_dict(inventory.client, files),
        "pairs": [_pair_to_dict(pair, files) for pair in inventory.pairs],
    }
    if inventory.report != ReportLabels():   # only when set: older reports stay as they were
        data["report"] = {"title": inventory.report.title, "change": inventory.report.change,
                          "prepared_by": inventory.report.prepared_by}
    return {**data, "files": dict(sorted(files.items()))}


def _file_ref(pem: PemFile, files: dict[str, str]) -> str:
    files[pem.path] = pem.text
    return pem.path


def _scan_to_dict(scan: ScanSettings, files: dict[str, str]) -> dict[str, Any]:
    return {
        "policy": scan.policy,
        "connect_timeout": scan.connect_timeout,
        "handshake_timeout": scan.handshake_timeout,
        "max_connections_per_host": scan.max_connections_per_host,
        "max_connections": scan.max_connections,
        "trusted_ca": [_file_ref(pem, files) for pem in scan.trusted_ca],
        **({"waivers": scan.waivers} if scan.waivers is not None else {}),
        **({"zone": scan.zone} if scan.zone is not None else {}),
    }


def _identity_to_dict(identity: ClientIdentity | None, files: dict[str, str]) -> dict[str, Any] | None:
    if identity is None:
        return None
    return {
        "certificate": _file_ref(identity.certificate, files),
        "key_path": identity.key_path,
        "key_password_env": identity.key_password_env,
    }


def _pair_to_dict(pair: Pair, files: dict[str, str]) -> dict[str, Any]:
    return {
        "name": pair.name,
        "app_type": pair.app_type,
        "redundancy": pair.redundancy.value,
        "consistent_port_selection": pair.consistent_port_selection,
        "primary": _server_to_dict(pair.primary, files),
        "backup": None if pair.backup is None else _server_to_dict(pair.backup, files),
        "client": _identity_to_dict(pair.client, files),
    }


def _server_to_dict(server: Server, files: dict[str, str]) -> dict[str, Any]:
    return {
        "role": server.role.value,
        "host": server.host,
        "address": server.address,
        "certificate_level": _optional_value(server.certificate_level),
        "thumbprint": server.thumbprint,
        "ports": [_port_to_dict(port, files) for port in server.ports],
        "client_identity": _identity_to_dict(server.client_identity, files),
        # Only where set, so reports of inventories without zones keep their shape.
        **({"zone": server.zone} if server.zone is not None else {}),
    }


def _port_to_dict(port: PortSpec, files: dict[str, str]) -> dict[str, Any]:
    return {
        "id": port.id,
        "port": port.port,
        "mode": port.mode.value,
        "ha_sync": port.ha_sync,
        "certificate_level": _optional_value(port.certificate_level),
        "tls": _expectations_to_dict(port.tls, files),
        "line": port.line,
    }


def _expectations_to_dict(tls: TlsExpectations, files: dict[str, str]) -> dict[str, Any]:
    return {
        "sec_protocol": _optional_value(tls.sec_protocol),
        "cipher_list": _cipher_list_to_dict(tls.cipher_list),
        "tls_mutual": tls.tls_mutual,
        "name_check": tls.name_check,
        "min_days_valid": tls.min_days_valid,
        "trusted_ca": [_file_ref(pem, files) for pem in tls.trusted_ca],
        "tls_crl": None if tls.tls_crl is None else _file_ref(tls.tls_crl, files),
    }


def _cipher_list_to_dict(cipher_list: CipherList | None) -> dict[str, Any] | None:
    if cipher_list is None:
        return None
    return {
        "form": cipher_list.form,
        "text": cipher_list.text,
        "tls12": _sorted_or_none(cipher_list.tls12),
        "tls13": _sorted_or_none(cipher_list.tls13),
    }


def _optional_value(member: CertificateLevel | SecProtocol | None) -> str | None:
    return None if member is None else member.value


def _sorted_or_none(names: frozenset[str] | None) -> list[str] | None:
    return None if names is None else sorted(names)


# -- back ------------------------------------------------------------------------------------


def inventory_from_dict(data: dict[str, Any]) -> Inventory:
    """The inverse of `inventory_to_dict`; it trusts its input (a report hatls wrote)."""
    files: dict[str, str] = data["files"]
    scan = data["scan"]
    return Inventory(
        version=data["version"],
        path=data["path"],
        sha256=data["sha256"],
        scan=ScanSettings(
            policy=scan["policy"],
            connect_timeout=scan["connect_timeout"],
            handshake_timeout=scan["handshake_timeout"],
            max_connections_per_host=scan["max_connections_per_host"],
            max_connections=scan["max_connections"],
            trusted_ca=_pems(scan["trusted_ca"], files),
            waivers=scan.get("waivers"),
            zone=scan.get("zone"),  # absent from reports before zones
        ),
        client=_identity(data["client"], files),
        pairs=tuple(_pair(pair, files) for pair in data["pairs"]),
        report=_labels(data.get("report")),
    )


def _labels(data: dict[str, Any] | None) -> ReportLabels:
    if not data:
        return ReportLabels()
    return ReportLabels(title=data.get("title"), change=data.get("change"),
                        prepared_by=data.get("prepared_by"))


def _pems(paths: list[str], files: dict[str, str]) -> tuple[PemFile, ...]:
    return tuple(PemFile(path=path, text=files[path]) for path in paths)


def _identity(data: dict[str, Any] | None, files: dict[str, str]) -> ClientIdentity | None:
    if data is None:
        return None
    return ClientIdentity(
        certificate=PemFile(path=data["certificate"], text=files[data["certificate"]]),
        key_path=data["key_path"],
        key_password_env=data["key_password_env"],
    )


def _pair(data: dict[str, Any], files: dict[str, str]) -> Pair:
    return Pair(
        name=data["name"],
        app_type=data["app_type"],
        redundancy=Redundancy(data["redundancy"]),
        consistent_port_selection=data["consistent_port_selection"],
        primary=_server(data["primary"], files),
        backup=None if data["backup"] is None else _server(data["backup"], files),
        client=_identity(data["client"], files),
    )


def _server(data: dict[str, Any], files: dict[str, str]) -> Server:
    level = data["certificate_level"]
    return Server(
        role=Role(data["role"]),
        host=data["host"],
        address=data["address"],
        certificate_level=None if level is None else CertificateLevel(level),
        thumbprint=data["thumbprint"],
        ports=tuple(_port(port, files) for port in data["ports"]),
        client_identity=_identity(data["client_identity"], files),
        zone=data.get("zone"),  # absent from reports before zones
    )


def _port(data: dict[str, Any], files: dict[str, str]) -> PortSpec:
    level = data["certificate_level"]
    return PortSpec(
        id=data["id"],
        port=data["port"],
        mode=Mode(data["mode"]),
        ha_sync=data["ha_sync"],
        certificate_level=None if level is None else CertificateLevel(level),
        tls=_expectations(data["tls"], files),
        line=data["line"],
    )


def _expectations(data: dict[str, Any], files: dict[str, str]) -> TlsExpectations:
    protocol, crl, ciphers = data["sec_protocol"], data["tls_crl"], data["cipher_list"]
    return TlsExpectations(
        sec_protocol=None if protocol is None else SecProtocol(protocol),
        cipher_list=None if ciphers is None else _cipher_list(ciphers),
        tls_mutual=data["tls_mutual"],
        name_check=data["name_check"],
        min_days_valid=data["min_days_valid"],
        trusted_ca=_pems(data["trusted_ca"], files),
        tls_crl=None if crl is None else PemFile(path=crl, text=files[crl]),
    )


def _cipher_list(data: dict[str, Any]) -> CipherList:
    tls12, tls13 = data["tls12"], data["tls13"]
    return CipherList(
        form=data["form"],
        text=data["text"],
        tls12=None if tls12 is None else frozenset(tls12),
        tls13=None if tls13 is None else frozenset(tls13),
    )
