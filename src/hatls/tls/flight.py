"""What a server said in answer to one raw ClientHello, up to where a raw probe must stop.

A flight ends at ServerHelloDone (TLS <= 1.2), at the first encrypted byte (TLS 1.3's
ServerHello, or a ChangeCipherSpec), at a HelloRetryRequest, at an alert that ends the
connection, at an SSLv2 SERVER-HELLO or ERROR -- or it is ``incomplete`` and needs more bytes.
It never guesses: ``closed`` when the stream ended on a record boundary before any of those.
Facts are kept as they arrive, so a server that sends its ServerHello and then hangs up still
tells the enumerator which suite it picked. A well-formed message that the offer did not allow
(an unoffered suite, a version above ours) is ``TLSParseError("unexpected")``: an enumerator
that believed it would draw wrong conclusions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from hatls.tls.codec import malformed, unexpected
from hatls.tls.flight_checks import check_server_hello
from hatls.tls.hello_parse import (
    Alert,
    Certificate,
    ServerHello,
    SSLv2Error,
    SSLv2ServerHello,
    parse_alert,
    parse_certificate,
    parse_server_hello,
    parse_sslv2_message,
)
from hatls.tls.hello_spec import HelloSpec
from hatls.tls.key_exchange import ServerKeyExchange, parse_server_key_exchange
from hatls.tls.protocol import ALERT_LEVEL_NAMES, MAX_FLIGHT_BYTES, TLS13, ContentType
from hatls.tls.protocol import HandshakeType as Handshake
from hatls.tls.records import HandshakeMessage, HandshakeReader, Record, RecordReader, SSLv2Record

MAX_WARNING_ALERTS = 5


class FlightStatus(StrEnum):
    INCOMPLETE = "incomplete"  # more bytes are needed
    HELLO_DONE = "hello-done"  # TLS <= 1.2 ServerHelloDone
    ENCRYPTED = "encrypted"  # the rest is encrypted: TLS 1.3 ServerHello, or ChangeCipherSpec
    HELLO_RETRY = "hello-retry"  # TLS 1.3 HelloRetryRequest
    SSLV2_HELLO = "sslv2-hello"  # SSLv2 SERVER-HELLO
    ALERT = "alert"  # a fatal alert or close_notify (``alert``), or an SSLv2 ERROR
    CLOSED = "closed"  # EOF on a record boundary before the flight ended


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerFlight:
    status: FlightStatus
    server_hello: ServerHello | None = None
    certificate: Certificate | None = None
    server_key_exchange: ServerKeyExchange | None = None
    certificate_requested: bool = False
    alert: Alert | None = None
    warnings: tuple[Alert, ...] = ()  # warning alerts that did not end the flight
    sslv2_server_hello: SSLv2ServerHello | None = None
    sslv2_error: SSLv2Error | None = None
    handshake_types: tuple[int, ...] = ()  # every handshake message, in order
    bytes_read: int = 0  # the flight's size: bytes of the records it was read from

    @property
    def complete(self) -> bool:
        return self.status is not FlightStatus.INCOMPLETE


# RFC 5246 §7.3: what a server may send between ServerHello and ServerHelloDone.
_ONCE = frozenset(
    {Handshake.CERTIFICATE, Handshake.SERVER_KEY_EXCHANGE, Handshake.CERTIFICATE_REQUEST}
)
_NOTED = frozenset(
    {Handshake.CERTIFICATE_STATUS, Handshake.SUPPLEMENTAL_DATA, Handshake.NEW_SESSION_TICKET}
)


def parse_server_flight(data: bytes, *, offered: HelloSpec) -> ServerFlight:
    """The flight in ``data`` (status ``incomplete`` if it needs more bytes).

    All bytes so far, not a stream: empty ``data`` is "nothing yet", never EOF.
    """
    if not data:
        return ServerFlight(status=FlightStatus.INCOMPLETE)
    return ServerFlightReader(offered).feed(data)


class ServerFlightReader:
    """Incremental: ``feed`` bytes as they arrive (``b""`` at EOF), read the flight back."""

    def __init__(self, offered: HelloSpec, *, max_bytes: int = MAX_FLIGHT_BYTES) -> None:
        self._offered = offered
        # The record bound stays TLS 1.2's 2^14 + 2048 even for a TLS 1.3 offer: the tighter
        # 2^14 + 256 is for encrypted records, and a flight ends before the first of those.
        self._records = RecordReader(accept_sslv2=offered.version == "SSLv2", max_total=max_bytes)
        self._handshake = HandshakeReader(max_message=max_bytes)
        self._flight = ServerFlight(status=FlightStatus.INCOMPLETE)
        # Growing parts live in lists until the snapshot: a flight of many tiny messages must
        # cost linear time, not a new tuple per message.
        self._handshake_types: list[int] = []
        self._warnings: list[Alert] = []

    def feed(self, data: bytes) -> ServerFlight:
        if self._flight.complete:
            return self._flight  # what follows the flight is not ours to read
        self._records.receive_data(data)
        while not self._flight.complete and (record := self._records.next_record()) is not None:
            self._on_record(record)
        if not data and not self._flight.complete:
            if self._handshake.pending:
                raise malformed("the stream ended inside a handshake message")
            self._update(status=FlightStatus.CLOSED)
        self._update(
            handshake_types=tuple(self._handshake_types),
            warnings=tuple(self._warnings),
            bytes_read=self._records.bytes_consumed,
        )
        return self._flight

    def _update(self, **changes: Any) -> None:
        self._flight = replace(self._flight, **changes)

    def _on_record(self, record: Record | SSLv2Record) -> None:
        if isinstance(record, SSLv2Record):
            self._on_sslv2(record.body)
            return
        kind = record.content_type
        if self._handshake.pending and kind != ContentType.HANDSHAKE:
            # RFC 8446 §5.1: handshake messages "MUST NOT be interleaved with other record types".
            raise malformed(f"a {ContentType(kind).name} record inside a handshake message")
        if kind == ContentType.HANDSHAKE:
            self._on_handshake_record(record.body)
        elif kind == ContentType.ALERT:
            self._on_alert(parse_alert(record.body))
        elif kind == ContentType.CHANGE_CIPHER_SPEC and record.body != b"\x01":
            raise malformed(f"ChangeCipherSpec body {record.body.hex()}")
        elif kind in (ContentType.CHANGE_CIPHER_SPEC, ContentType.APPLICATION_DATA):
            self._require_server_hello(ContentType(kind).name)
            self._update(status=FlightStatus.ENCRYPTED)
        else:
            raise unexpected(f"a {ContentType(kind).name} record")

    def _on_handshake_record(self, body: bytes) -> None:
        if not body:  # RFC 5246 §6.2.1: no zero-length Handshake fragments
            raise malformed("empty handshake record")
        self._handshake.receive_fragment(body)
        while not self._flight.complete and (message := self._handshake.next_message()) is not None:
            self._on_message(message)
        hello = self._flight.server_hello
        if hello is not None and hello.selected_version >= TLS13 and self._handshake.pending:
            # RFC 8446 §5.1: messages before a key change "MUST align with record boundaries".
            raise unexpected("handshake data after ServerHello in its record")

    def _on_message(self, message: HandshakeMessage) -> None:
        kind, body = message.msg_type, message.body
        if kind == Handshake.HELLO_REQUEST and not body:
            return  # RFC 5246 §7.4.1.1: ignored by a client already negotiating
        if kind in _ONCE and kind in self._handshake_types:
            raise unexpected(f"a second handshake message {kind}")
        self._handshake_types.append(kind)
        hello = self._flight.server_hello
        if hello is None:
            self._on_server_hello(message)
        elif kind == Handshake.CERTIFICATE:
            self._update(certificate=parse_certificate(body))
        elif kind == Handshake.SERVER_KEY_EXCHANGE:
            facts = parse_server_key_exchange(
                body, cipher_suite=hello.cipher_suite, version=hello.selected_version
            )
            self._update(server_key_exchange=facts)
        elif kind == Handshake.CERTIFICATE_REQUEST:
            self._update(certificate_requested=True)
        elif kind == Handshake.SERVER_HELLO_DONE:
            if body:
                raise malformed("ServerHelloDone has a body")
            self._update(status=FlightStatus.HELLO_DONE)
        elif kind not in _NOTED:
            raise unexpected(f"handshake message {kind} after ServerHello")

    def _on_server_hello(self, message: HandshakeMessage) -> None:
        if message.msg_type != Handshake.SERVER_HELLO:
            raise unexpected(f"handshake message {message.msg_type} before ServerHello")
        hello = parse_server_hello(message.body)
        check_server_hello(hello, self._offered)
        self._update(server_hello=hello)
        if hello.selected_version >= TLS13:
            retry = hello.is_hello_retry_request
            self._update(status=FlightStatus.HELLO_RETRY if retry else FlightStatus.ENCRYPTED)

    def _on_alert(self, alert: Alert) -> None:
        if alert.level not in ALERT_LEVEL_NAMES:
            raise malformed(f"alert level {alert.level}")
        if alert.ends_connection:
            self._update(status=FlightStatus.ALERT, alert=alert)
        elif len(self._warnings) >= MAX_WARNING_ALERTS:
            # OpenSSL gives up after a handful too: an alert storm must not cost 256 KiB of parsing.
            raise unexpected(f"more than {MAX_WARNING_ALERTS} warning alerts")
        else:
            self._warnings.append(alert)

    def _on_sslv2(self, body: bytes) -> None:
        message = parse_sslv2_message(body)
        if isinstance(message, SSLv2Error):
            self._update(status=FlightStatus.ALERT, sslv2_error=message)
        else:
            self._update(status=FlightStatus.SSLV2_HELLO, sslv2_server_hello=message)

    def _require_server_hello(self, what: str) -> None:
        if self._flight.server_hello is None:
            raise unexpected(f"{what} before ServerHello")
