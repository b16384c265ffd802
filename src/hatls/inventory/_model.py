"""The resolved inventory as values (docs/inventory.md): what to scan and what to expect.

Everything here is frozen and hashable, so a primary and its backup compare with `==` and a
report's `inputs` round-trip exactly. Loading and validation live in `hatls.inventory`; this
module holds only the shapes and the few facts derived from them (the HA link, for example).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar

from hatls._toml import Problem
from hatls.json_shape import Shared, shaped
from hatls.tls.protocol import ProtocolVersion


class Mode(StrEnum):
    """A port's Listening Mode, in Genesys's words."""

    UNSECURED = "unsecured"
    SECURED = "secured"
    # Genesys's "Auto Detect (Upgrade)": plain clients are taken and may upgrade.
    AUTO_DETECT = "auto-detect"


class Redundancy(StrEnum):
    HOT_STANDBY = "hot-standby"
    WARM_STANDBY = "warm-standby"


class CertificateLevel(StrEnum):
    """Where a server's certificate is configured (GHA-004 judges the HA sync port's)."""

    HOST = "host"
    APPLICATION = "application"
    PORT = "port"


class Role(StrEnum):
    PRIMARY = "primary"
    BACKUP = "backup"


class SecProtocol(StrEnum):
    """Genesys `sec-protocol` literals, which carry no dots (`TLSv12`, not `TLSv1.2`)."""

    HIGHEST_FROM_TLS12 = ""
    SSLV23 = "SSLv23"
    TLSV12 = "TLSv12"
    TLSV13 = "TLSv13"
    TLSV11 = "TLSv11"
    TLSV1 = "TLSv1"
    SSLV3 = "SSLv3"


# The versions a secured port may accept for each `sec_protocol` (docs/inventory.md table, TLS-011),
# in the report's version names.
SEC_PROTOCOL_VERSIONS: Mapping[SecProtocol, frozenset[ProtocolVersion]] = MappingProxyType(
    {
        SecProtocol.HIGHEST_FROM_TLS12: frozenset({ProtocolVersion.TLS1_2, ProtocolVersion.TLS1_3}),
        SecProtocol.SSLV23: frozenset(
            {ProtocolVersion.TLS1_1, ProtocolVersion.TLS1_2, ProtocolVersion.TLS1_3}),
        SecProtocol.TLSV12: frozenset({ProtocolVersion.TLS1_2}),
        SecProtocol.TLSV13: frozenset({ProtocolVersion.TLS1_3}),
        SecProtocol.TLSV11: frozenset({ProtocolVersion.TLS1_1}),
        SecProtocol.TLSV1: frozenset({ProtocolVersion.TLS1_0}),
        SecProtocol.SSLV3: frozenset({ProtocolVersion.SSL3}),
    }
)

CONFIGURATION_SERVER = "configuration server"
DEFAULT_PORT_ID = "default"


@dataclass(frozen=True, slots=True, kw_only=True)
class PemFile:
    """A PEM/CRL file the inventory names, read at load time so a report replays without it."""

    path: str  # as written in the inventory (read relative to the inventory's folder)
    text: str  # the contents; a DER CRL is stored as PEM "X509 CRL"

    # In a report, the texts appear once, in the inventory's `files` (keyed by the path as
    # written), and are referred to by path elsewhere: a CA named by every port is stored once.
    JSON_SHARED: ClassVar[Shared] = Shared(table="files", key="path", value="text")


@dataclass(frozen=True, slots=True, kw_only=True)
class CipherList:
    form: str  # "names" (a TOML array) | "openssl-string" (one string)
    text: str  # as written: the string, or the array's names joined with ":"
    tls12: frozenset[str] | None  # allowed IANA names for TLS <= 1.2; None = not limited
    tls13: frozenset[str] | None  # allowed IANA names for TLS 1.3; None = not limited


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsExpectations:
    """Resolved per port: a port's keys override `[pair.tls]`, which overrides `[tls]`."""

    sec_protocol: SecProtocol | None = None  # None = not checked
    cipher_list: CipherList | None = None  # None = no limit beyond the policy
    tls_mutual: bool = False
    name_check: bool = True
    min_days_valid: int | None = None  # None = the policy's
    trusted_ca: tuple[PemFile, ...] = ()  # the pair's mutual-trust CAs; () = the scan's
    tls_crl: PemFile | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientIdentity:
    certificate: PemFile
    key_path: str  # the key is read by the probe only, so it never reaches a report
    key_password_env: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PortSpec:
    id: str
    port: int
    mode: Mode
    ha_sync: bool = False
    certificate_level: CertificateLevel | None = None  # the port's own key, else None
    tls: TlsExpectations
    line: int | None = None  # line in the inventory file, for messages


@dataclass(frozen=True, slots=True, kw_only=True)
class Server:
    role: Role
    host: str
    address: str | None = None
    certificate_level: CertificateLevel | None = None
    thumbprint: str | None = None  # lowercase hex, no separators; 40 (SHA-1) or 64 (SHA-256)
    ports: tuple[PortSpec, ...]
    client_identity: ClientIdentity | None = None
    # The network zone the server is reachable from (its own `zone`, else `[scan] zone`);
    # None: no zone, reachable from wherever a zone-less scan runs. In a report only where set,
    # so reports of inventories without zones keep their shape.
    zone: str | None = field(default=None, metadata=shaped(omit_default=True))

    def port(self, port_id: str) -> PortSpec | None:
        return next((spec for spec in self.ports if spec.id == port_id), None)

    def effective_certificate_level(self, port: PortSpec) -> CertificateLevel | None:
        return port.certificate_level or self.certificate_level


@dataclass(frozen=True, slots=True, kw_only=True)
class Pair:
    name: str
    app_type: str = ""
    redundancy: Redundancy = Redundancy.HOT_STANDBY
    consistent_port_selection: bool = False
    primary: Server
    backup: Server | None = None
    client: ClientIdentity | None = None

    @property
    def is_configuration_server(self) -> bool:
        return self.app_type.strip().casefold() == CONFIGURATION_SERVER

    def servers(self) -> tuple[Server, ...]:
        return (self.primary,) if self.backup is None else (self.primary, self.backup)

    def ha_link_port_ids(self, server: Server) -> tuple[str, ...]:
        """The port(s) the partner connects to after a failover (docs/rules.md "The HA link")."""
        flagged = tuple(spec.id for spec in server.ports if spec.ha_sync)
        default = (DEFAULT_PORT_ID,) if server.port(DEFAULT_PORT_ID) is not None else ()
        # "With consistent_port_selection = false (the Genesys default) the backup reaches the
        # primary on the `default` port ... whether or not another port is flagged ha_sync."
        if self.is_configuration_server and not self.consistent_port_selection:
            return default
        return flagged or default


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportLabels:
    """How the report presents itself to a change board (``[report]``, or ``--title`` etc.)."""

    title: str | None = None
    change: str | None = None       # the change-request id, e.g. CHG0012345
    prepared_by: str | None = None

    def over(self, base: ReportLabels | None) -> ReportLabels:
        """These labels where set, ``base``'s elsewhere (command line over inventory)."""
        if base is None:
            return self
        return ReportLabels(title=self.title or base.title, change=self.change or base.change,
                            prepared_by=self.prepared_by or base.prepared_by)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanSettings:
    policy: str = "genesys-ha"
    connect_timeout: float = 5.0
    handshake_timeout: float = 10.0
    max_connections_per_host: int = 4
    max_connections: int = 256
    trusted_ca: tuple[PemFile, ...] = ()  # () = the system store
    # The accepted risks file, resolved against the inventory's folder; in a report only where set.
    waivers: str | None = field(default=None, metadata=shaped(omit_default=True))
    # The zone of every server without its own `zone`; in a report only where set.
    zone: str | None = field(default=None, metadata=shaped(omit_default=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    version: int
    path: str
    sha256: str  # of the file's bytes, hex
    scan: ScanSettings
    client: ClientIdentity | None
    pairs: tuple[Pair, ...]
    # In a report only when set: older reports stay as they were.
    report: ReportLabels = field(default=ReportLabels(), metadata=shaped(omit_default=True))

    # A report's inventory holds the PEM and CRL texts once (PemFile.JSON_SHARED). No secret is
    # written: a client key appears as its path, a password as the name of its variable.
    JSON_TABLES: ClassVar[tuple[str, ...]] = ("files",)

    def client_identity_of(self, pair: Pair, server: Server) -> ClientIdentity | None:
        """The identity ``server`` presents when it connects to its partner after a failover
        (docs/rules.md GHA-009): its own client_certificate/client_key, else [pair.client], else [client]."""
        return server.client_identity or pair.client or self.client

    def zones(self) -> tuple[str, ...]:
        """Every zone a server of the inventory is in, sorted; () for an inventory without zones."""
        return tuple(sorted({s.zone for p in self.pairs for s in p.servers() if s.zone is not None}))


class InventoryError(Exception):
    """The inventory cannot be used; `problems` lists every error: whole-file ones, then by line."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems
