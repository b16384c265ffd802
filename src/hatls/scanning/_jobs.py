"""The scan's job and result types: a leaf that imports no probe code, so the pure scan core
(plan, merge, elimination) and the probes that fill these values both import it, one way.

A job is one connection to one endpoint; its result says what that connection showed. The
values here are plain data: the probes (probe/) build them, scanning/_merge.py reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from hatls.inventory import Pair, PortSpec, Server
from hatls.observations import ErrorKind, PlaintextCase, ProbeError
from hatls.tls.flight import ServerFlight
from hatls.tls.hello_parse import ServerHello
from hatls.tls.hello_spec import HelloSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class PortTarget:
    """One (pair, role, port) as written in the inventory, before name resolution."""

    pair: Pair
    server: Server
    port: PortSpec

    @property
    def connect_host(self) -> str:
        return self.server.address or self.server.host


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """A port target at one address: the unit every observation and endpoint finding is about."""

    target: PortTarget
    address: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        t = self.target
        return (t.pair.name, t.server.role.value, t.port.id, self.address)


class JobKind(StrEnum):
    HANDSHAKE = "handshake"      # the full handshake every endpoint gets first
    PLAINTEXT = "plaintext"
    ENUMERATE = "enumerate"      # raw hellos: versions, suites, groups (one connection each)
    REHEARSAL = "rehearsal"      # GHA-009: a mutual handshake with the partner's client identity


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    endpoint: Endpoint
    kind: JobKind


@dataclass(frozen=True, slots=True, kw_only=True)
class HandshakeOutcome:
    completed: bool
    version: str | None = None
    cipher: str | None = None
    group: str | None = None
    chain_der: tuple[bytes, ...] = ()
    client_cert_requested: bool = False
    client_cert_required: bool | None = None
    ca_names: tuple[str, ...] = ()
    extended_master_secret: bool | None = None
    # With ClientOffer.session_facts: the stapled OCSP response as sent (b"" = none stapled; None =
    # not asked, or OpenSSL never got as far as the server's certificate).
    ocsp_staple: bytes | None = None
    # TLS 1.3 NewSessionTicket messages received before the server answered our close_notify;
    # None unless TLS 1.3 was negotiated and the server closed (or a ticket came) in time.
    tickets_tls13: int | None = None
    error_kind: ErrorKind | None = None
    error_message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaintextOutcome:
    """``accepted`` is None only for the silent case (decided with the handshake, _merge.py)."""

    accepted: bool | None
    case: PlaintextCase
    evidence: str
    waited: float = 0.0  # seconds of silence after the line (the silent case)

    @property
    def banner(self) -> bool:
        return self.case is PlaintextCase.BANNER


@dataclass(frozen=True, slots=True, kw_only=True)
class HelloRequest:
    """One raw ClientHello on a connection of its own (the enumeration's job)."""

    id: int       # unique within one endpoint's enumeration: its reply is matched by it
    spec: HelloSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class RenegotiationRequest:
    """One full handshake at ``version``, then a renegotiation the client starts."""

    id: int
    version: str


EnumerationRequest = HelloRequest | RenegotiationRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class HelloReply:
    """The server's flight; None when nothing can be concluded (then ``error`` may say why). An
    alert, a close or a reset is a flight too: a refusal, not an error."""

    flight: ServerFlight | None
    error: ProbeError | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RenegotiationReply:
    """True: renegotiated at the client's request; False: refused; None: nothing learned."""

    accepted: bool | None


EnumerationReply = HelloReply | RenegotiationReply


@dataclass(frozen=True, slots=True, kw_only=True)
class EnumerationFacts:
    """What the raw hellos showed; merged into the endpoint observation (scanning/_merge.py). Built once,
    when the enumeration is done (scanning/_enumeration.py)."""

    protocols: Mapping[str, bool | None] = field(default_factory=dict)
    ciphers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Every group accepted in any version (the union of groups_by_version); () when the server
    # has none, None when a version's groups could not be found.
    groups: tuple[str, ...] | None = None
    # Per version probed: TLS 1.3 (HelloRetryRequests) and the newest TLS <= 1.2 version with an
    # ECDHE or DHE suite (ServerKeyExchanges); None where that probe was inconclusive.
    groups_by_version: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    # The DH prime size of every DHE ServerKeyExchange seen: dh_min_bits is the smallest.
    dh_bits: tuple[int, ...] = ()
    # TLS 1.0 .. 1.2 ServerHellos seen: answers to hellos that asked for RI, EMS and ETM.
    hellos: tuple[ServerHello, ...] = ()
    cbc_hellos: tuple[ServerHello, ...] = ()
    fallback_scsv: bool | None = None
    fallback_scsv_evidence: str | None = None  # the two answers, in words (elimination.py)
    # None unless a hello offered DEFLATE and got a ServerHello: only then is "no" evidence.
    compression: bool | None = None
    client_renegotiation: bool | None = None   # probe/renegotiation.py
    # Per version with two or more suites: "server" when the server enforces its own order (the
    # found order is then its preference), "client" when it follows the hello's, None unknown.
    cipher_order: Mapping[str, str | None] = field(default_factory=dict)
    errors: tuple[ProbeError, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class JobResult:
    kind: JobKind
    connected: bool
    handshake: HandshakeOutcome | None = None
    plaintext: PlaintextOutcome | None = None
    enumeration: EnumerationFacts | None = None
    error: ProbeError | None = None
    attempts: int = 1
    # Connections beyond the tries: the first handshake made again without status_request after
    # a stapled response broke it (scanner.py). Counted, but no sign of a flaky server.
    extra_connections: int = 0
