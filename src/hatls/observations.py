"""What the probes saw at one endpoint: facts only, never judgements.

An observation mirrors one entry of the report's ``endpoints`` list (docs/report.md). ``None`` always means
"not probed / not applicable"; ``False`` means "observed absent". Rules read these objects and nothing
else, so a report saved today can be re-judged tomorrow without the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from hatls.tls.ocsp import OcspStapling
from hatls.tls.protocol import ProtocolVersion
from hatls.x509 import CertificateFacts


class ErrorKind(StrEnum):
    """The closed list of docs/report.md ``errors[].kind``."""

    DNS = "dns"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    RESET = "reset"
    CLOSED = "closed"
    TLS_ALERT = "tls-alert"
    NOT_TLS = "not-tls"
    PROTOCOL_VIOLATION = "protocol-violation"
    TOO_LARGE = "too-large"
    CLIENT_CERT_NEEDED = "client-cert-needed"
    INTERNAL = "internal"


class Stage(StrEnum):
    RESOLVE = "resolve"
    CONNECT = "connect"
    HANDSHAKE = "handshake"
    PLAINTEXT = "plaintext"
    PROTOCOLS = "protocols"
    REHEARSAL = "rehearsal"


class PlaintextCase(StrEnum):
    """What the plaintext probe saw (docs/design.md "The plaintext probe"): the case, not a verdict.

    ``silent`` alone is decided together with the TLS handshake on the same port (scanning/_merge.py): an
    auto-detect server waiting for a whole protocol message holds plaintext open in silence, and so
    does a port that answers nothing at all -- only the handshake tells them apart."""

    BANNER = "banner"                  # server-first bytes that are no TLS record: accepted
    PLAINTEXT_ANSWER = "plaintext-answer"  # non-TLS bytes back: accepted
    HTTP_ERROR = "http-error"          # an HTTP 4xx (an HTTPS server telling us to use TLS): refused
    TLS_RECORD = "tls-record"          # a TLS record back (an alert): refused
    CLOSED = "closed"                  # an orderly close without data: refused
    RESET = "reset"                    # a reset without data: refused
    SILENT = "silent"                  # held open, not a byte back before the deadline


# Kinds that say "nobody is listening / the peer went away before talking": TLS-001's territory.
UNREACHABLE_KINDS = frozenset({ErrorKind.DNS, ErrorKind.REFUSED, ErrorKind.TIMEOUT})


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeError:
    stage: Stage
    kind: ErrorKind
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientAuth:
    requested: bool
    required: bool | None
    ca_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyExchange:
    dh_min_bits: int | None = None
    ecdh_min_bits: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Features:
    secure_renegotiation: bool | None = None
    client_renegotiation: bool | None = None
    compression: bool | None = None
    fallback_scsv: bool | None = None
    extended_master_secret: bool | None = None
    encrypt_then_mac: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Resumption:
    """What the server offers for resuming a session. Facts for the reader; no rule judges them."""

    # A TLS 1.0 .. 1.2 ServerHello answered the hellos' empty SessionTicket extension with its own
    # (RFC 5077 §3.2: the server will issue a ticket). None: no such ServerHello was seen.
    session_ticket_tls12: bool | None = None
    # NewSessionTicket messages after the first (TLS 1.3) handshake, up to the server's close.
    tickets_tls13: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """The expectations that applied to this endpoint, copied into the report for readers."""

    sec_protocol: str | None = None
    cipher_list: str | None = None
    tls_mutual: bool = False
    name_check: bool = True
    thumbprint: str | None = None
    min_days_valid: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rehearsal:
    """GHA-009: a mutually authenticated handshake made with the partner's client identity."""

    client_subject: str
    succeeded: bool
    version: str | None = None
    error: ProbeError | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointObservation:
    pair: str
    role: str
    port_id: str
    host: str
    address: str
    port: int
    configured_mode: str
    ha_sync: bool
    expected: Expected
    reachable: bool | None = None
    accepts_plaintext: bool | None = None
    plaintext_evidence: str | None = None
    plaintext_case: PlaintextCase | None = None
    # The port answered an immediate ClientHello as a TLS server (the handshake completed, or stopped
    # only for want of a client certificate): TLS-002's other half.
    speaks_tls: bool | None = None
    negotiated_version: str | None = None
    negotiated_cipher: str | None = None
    protocols: tuple[tuple[str, bool | None], ...] = tuple((v, None) for v in ProtocolVersion)
    ciphers: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    # Per version with two or more suites: "server" (the ciphers above are in the server's order
    # of preference), "client" (it follows the hello's order), or None (could not tell).
    cipher_order: tuple[tuple[str, str | None], ...] | None = None
    # Every named group accepted in any version: () when the server has none, None when not
    # (or not completely) probed. groups_by_version: the same per version probed ("TLSv1.3", and
    # the newest TLS <= 1.2 version), since a server may accept other groups in each.
    groups: tuple[str, ...] | None = None
    groups_by_version: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    key_exchange: KeyExchange = KeyExchange()
    features: Features = Features()
    # How features.fallback_scsv was decided: the answers to the hellos with and without the SCSV.
    fallback_scsv_evidence: str | None = None
    resumption: Resumption = Resumption()
    ocsp_stapling: OcspStapling = field(default_factory=OcspStapling)
    connections: int = 0
    # Extra tries of the first connection after a timeout or reset (ScanLimits.retries): a server
    # that needed them is flaky, which a reader of a clean report should still see.
    retries: int = 0
    client_auth: ClientAuth | None = None
    certificate: CertificateFacts | None = None
    chain: tuple[CertificateFacts, ...] = ()
    chain_problems: tuple[str, ...] = ()
    rehearsal: Rehearsal | None = None
    errors: tuple[ProbeError, ...] = ()

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.pair, self.role, self.port_id, self.address)

    @property
    def served_chain(self) -> tuple[CertificateFacts, ...]:
        """The chain as the server sent it, leaf first; the leaf alone when only it was recorded."""
        return self.chain or ((self.certificate,) if self.certificate else ())

    def protocol(self, version: str) -> bool | None:
        return dict(self.protocols).get(version)

    def accepted_versions(self) -> tuple[str, ...]:
        return tuple(v for v, ok in self.protocols if ok)

    def first_error(self, *stages: Stage) -> ProbeError | None:
        return next((e for e in self.errors if not stages or e.stage in stages), None)
