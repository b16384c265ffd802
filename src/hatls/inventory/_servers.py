"""A server and its ports from `[pair.primary]` / `[pair.backup]`, checked key by key.

Ports resolve their TLS expectations here (their own keys over the pair's over the file's), and
a thumbprint is normalized so it can be pasted as the Windows certificate dialog shows it.
"""

from __future__ import annotations

import ipaddress
import re

from hatls._toml import Checker, Table, check_unique, index_key, join_key, or_default
from hatls.inventory._files import client_identity
from hatls.inventory._model import CertificateLevel, Mode, PortSpec, Role, Server
from hatls.inventory._tls import PORT_TLS_KEYS, TlsLayer, resolve_expectations, tls_layer
from hatls.tls.host_name import a_label_host
from hatls.x509 import normalize_thumbprint

# A server's own client identity (GHA-009); the password variable is an addition to docs/inventory.md
# so that an encrypted server key can be used too.
SERVER_CLIENT_KEYS = ("client_certificate", "client_key", "client_key_password_env")
SERVER_KEYS = ("host", "address", "certificate_level", "thumbprint", "ports", "zone",
               *SERVER_CLIENT_KEYS)
PORT_KEYS = ("id", "port", "mode", "ha_sync", "certificate_level", *PORT_TLS_KEYS)

_HEX = re.compile(r"[0-9a-f]*")
# What a host name may hold once IDNA-encoded; "_" because Windows host names carry it.
_HOST_NAME = re.compile(r"[A-Za-z0-9_.-]+")
# A zone names a file and a Kubernetes object in deploy/: a short plain token.
_ZONE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")


def build_server(
    checker: Checker,
    base_dir: str,
    table: Table,
    pair_path: str,
    role: Role,
    inherited: tuple[TlsLayer, ...],
) -> Server | None:
    path = join_key(pair_path, role.value)
    checker.known_keys(table, SERVER_KEYS, path)
    host = _host(checker, table, "host", path, required=True)
    address = _host(checker, table, "address", path)
    level = checker.choice(table, "certificate_level", path, CertificateLevel)
    thumbprint = _thumbprint(checker, table, path)
    ports = _ports(checker, base_dir, table, path, inherited)
    identity = client_identity(checker, base_dir, table, path, names=SERVER_CLIENT_KEYS)
    zone = zone_name(checker, table, path)
    if host is None or ports is None:
        return None
    return Server(
        role=role,
        host=host,
        address=address or None,
        certificate_level=level,
        thumbprint=thumbprint,
        ports=ports,
        client_identity=identity,
        zone=zone,
    )


def zone_name(checker: Checker, table: Table, path: str) -> str | None:
    written = checker.string(table, "zone", path)
    if written is None:
        return None
    if not _ZONE.fullmatch(written):
        checker.report(join_key(path, "zone"),
                       f"{written[:80]!r} is not a zone name: letters, digits, '.', '_', '-', "
                       "at most 63, starting with a letter or digit")
        return None
    return written


def _host(checker: Checker, table: Table, key: str, path: str, *, required: bool = False) -> str | None:
    """A host name or an IP literal: what cannot be dialled or sent as SNI is refused now, not
    reported after the scan as an internal error."""
    written = checker.string(table, key, path, required=required)
    if not written:
        return written
    problem = host_problem(written)
    if problem is not None:
        checker.report(join_key(path, key), f"{written!r} is not a host name or IP address: {problem}")
        return None
    return written


def host_problem(text: str) -> str | None:
    """Why `text` is neither an IP literal nor a (possibly internationalized) host name, or None."""
    try:
        ipaddress.ip_address(text)
        return None
    except ValueError:
        pass
    try:
        encoded = a_label_host(text)  # the form every probe sends (IDNA 2008, UTS #46)
    except ValueError as error:
        return str(error).rsplit(": ", 1)[-1] or "not IDNA-encodable"
    if not _HOST_NAME.fullmatch(encoded):
        odd = next(char for char in encoded if not _HOST_NAME.fullmatch(char))
        return f"it holds {odd!r}"
    return None


def _thumbprint(checker: Checker, table: Table, path: str) -> str | None:
    written = checker.string(table, "thumbprint", path)
    if written is None:
        return None
    digits = normalize_thumbprint(written)
    if not digits:
        return None  # thumbprint = "" (as in docs/inventory.md's example): none given
    key = join_key(path, "thumbprint")
    if not _HEX.fullmatch(digits):
        checker.report(key, f"{written!r} is not hexadecimal")
    elif len(digits) not in (40, 64):
        checker.report(key, f"has {len(digits)} hex digits: a thumbprint has 40 (SHA-1) or 64 (SHA-256)")
    else:
        return digits
    return None


def _ports(
    checker: Checker, base_dir: str, server: Table, path: str, inherited: tuple[TlsLayer, ...]
) -> tuple[PortSpec, ...] | None:
    entries = checker.array_of_tables(server, "ports", path)
    ports_path = join_key(path, "ports")
    if entries is None:
        if "ports" not in server:
            checker.missing("ports", path)
        return None
    if not entries:
        checker.report(ports_path, "at least one port is required")
        return None
    check_unique(checker, entries, "id", ports_path, "port id")
    ports = [
        _port(checker, base_dir, entry, index_key(ports_path, number), inherited)
        for number, entry in enumerate(entries, start=1)
    ]
    return tuple(port for port in ports if port is not None) if None not in ports else None


def _port(
    checker: Checker, base_dir: str, entry: object, path: str, inherited: tuple[TlsLayer, ...]
) -> PortSpec | None:
    if not isinstance(entry, dict):
        checker.wrong_type(path, "a table ({ id = …, port = …, mode = … })", entry)
        return None
    checker.known_keys(entry, PORT_KEYS, path)
    port_id = checker.string(entry, "id", path, required=True)
    number = checker.integer(entry, "port", path, minimum=1, maximum=65535, required=True)
    mode = checker.choice(entry, "mode", path, Mode, required=True)
    ha_sync = checker.boolean(entry, "ha_sync", path)
    level = checker.choice(entry, "certificate_level", path, CertificateLevel)
    own_tls = tls_layer(checker, base_dir, entry, path, PORT_TLS_KEYS)
    if port_id is None or number is None or mode is None:
        return None
    return PortSpec(
        id=port_id,
        port=number,
        mode=mode,
        ha_sync=or_default(ha_sync, False),
        certificate_level=level,
        tls=resolve_expectations(*inherited, own_tls),
        line=checker.lines.line_of(path),
    )
