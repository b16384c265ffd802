"""What one lab endpoint is asked to be, and what it became once bound.

A lab endpoint imitates one listening port of a Genesys server: its Listening Mode
(Unsecured, Secured, "Auto Detect (Upgrade)"), its TLS options, and — for testing the
scanner's error handling — a fault that a broken or hostile server would show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ListenMode(StrEnum):
    """The Genesys Listening Mode of a port (docs/inventory.md `mode`)."""

    SECURED = "secured"
    UNSECURED = "unsecured"
    AUTO_DETECT = "auto-detect"


class Fault(StrEnum):
    """A misbehaviour that replaces the endpoint's normal protocol."""

    NONE = "none"
    CLOSED = "closed"  # nothing listens: a connect is refused
    ACCEPT_CLOSE = "accept-close"  # accept, then close at once (FIN)
    TARPIT = "tarpit"  # accept, never send, never close until the lab stops
    RESET = "reset"  # accept, then reset (RST via SO_LINGER 0)
    GARBAGE = "garbage"  # answer anything with bytes that are not TLS
    # Hostile servers (lab/hostile.py): each answers the client's first bytes with
    DRIP = "drip"  # a plausible TLS answer, one byte a second
    HUGE_RECORD = "huge-record"  # a handshake header claiming 16 MiB, then filler to match
    ALERT_STORM = "alert-storm"  # warning alerts, a megabyte of them
    CLOSE_MID_HANDSHAKE = "close-mid-handshake"  # ServerHello, half a Certificate, then FIN
    MALFORMED_LEAF = "malformed-leaf"  # ServerHello and a Certificate whose leaf DER is broken


class ClientAuth(StrEnum):
    """Whether the server asks for a client certificate (Genesys `tls-mutual`)."""

    NONE = "none"
    REQUEST = "request"
    REQUIRE = "require"


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointConfig:
    """One listening port to serve; PEM fields hold the bytes, not file names."""

    address: str  # "127.0.1.1" for a primary, "127.0.2.1" for its backup
    port: int = 0  # 0 = let the OS pick; the bound port is reported back
    mode: ListenMode = ListenMode.SECURED
    # PEM bytes stay out of repr: reprs end up in logs, and a key must not.
    cert_pem: bytes = field(default=b"", repr=False)  # the leaf certificate
    key_pem: bytes = field(default=b"", repr=False)  # its private key (unencrypted PEM)
    chain_pem: bytes = field(default=b"", repr=False)  # intermediates, sent after the leaf
    min_version: str = "TLSv1.2"  # "TLSv1.0" … "TLSv1.3"
    max_version: str = "TLSv1.3"
    # OpenSSL cipher string for TLS <= 1.2; None = OpenSSL's default. Below TLS 1.2 the
    # lab appends @SECLEVEL=0 unless the string sets a level, so legacy versions really work.
    ciphers: str | None = None
    tls13_ciphersuites: str | None = None  # e.g. "TLS_AES_256_GCM_SHA384"
    groups: str | None = None  # e.g. "X25519:P-256"
    server_preference: bool = False  # the server's cipher order wins over the client's
    client_auth: str = ClientAuth.NONE  # "none" | "request" | "require"
    # CAs that verify client certificates, advertised as CA names in CertificateRequest.
    client_ca_pem: bytes = field(default=b"", repr=False)
    fault: Fault = Fault.NONE
    banner: bytes = b""  # sent first on connect in the plaintext modes (a server-first protocol)
    # RFC 7507 lets a server refuse a fallback hello by closing instead of alerting: a secured
    # endpoint with this set closes (FIN, no alert) on any ClientHello carrying TLS_FALLBACK_SCSV
    # and serves every other hello normally.
    close_on_fallback_scsv: bool = False
    # A DER OCSP response stapled to every handshake whose client asks (status_request); b"" =
    # no stapling. (OpenSSL 4 drops a response it cannot parse: gnutls-serv can send those.)
    ocsp_staple: bytes = field(default=b"", repr=False)

    def __post_init__(self) -> None:
        # Fail at construction, not deep inside a connection: a bad lab is a bug in the test.
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port out of range: {self.port}")
        ClientAuth(self.client_auth)  # raises ValueError naming the bad value

    @property
    def needs_tls(self) -> bool:
        """True when the endpoint will ever run a TLS handshake."""
        return self.fault is Fault.NONE and self.mode is not ListenMode.UNSECURED


@dataclass(slots=True, eq=False)
class LabStats:
    """Connection counters, updated live by the lab (the one mutable object it hands out).

    `peak_concurrent` counts, at each accept, the connections the *peer* still holds open
    (by the kernel's TCP state), so a close that the lab has not read yet never inflates it:
    the scanner's per-address cap can be asserted exactly.
    """

    accepted: int = 0  # connections accepted so far
    active: int = 0  # connections the lab is serving now
    peak_concurrent: int = 0  # most connections open at once, as the peer saw them


@dataclass(frozen=True, slots=True, kw_only=True)
class RunningEndpoint:
    """An endpoint after binding: the port the OS gave it and its live counters."""

    config: EndpointConfig
    port: int  # the bound port (for a CLOSED fault: a port on which nothing listens)
    stats: LabStats = field(default_factory=LabStats)  # this endpoint only
    # Shared by every endpoint on the same address: what a per-host limit is about.
    address_stats: LabStats = field(default_factory=LabStats)

    @property
    def address(self) -> str:
        return self.config.address


@dataclass(frozen=True, slots=True, kw_only=True)
class LabTimeouts:
    """Seconds the lab waits before giving up on a peer (trio's clock, so tests may jump it)."""

    handshake: float = 10.0
    idle: float = 30.0


DEFAULT_TIMEOUTS = LabTimeouts()
