"""The sans-IO TLS hello codec: build raw ClientHellos, read what the server answers.

Theory of operation. Pure code over bytes -- no sockets, no clock -- in the manner of h11.
The probe layer builds a ``HelloSpec``, sends ``build_client_hello(spec)``, and feeds whatever
arrives to a ``ServerFlightReader(spec)`` (``b""`` at EOF) until its flight is complete; the
flight says what the server chose, which certificate and key-exchange sizes it showed, or how
it refused. The invariant, tested with hypothesis and fuzzed by ``bench/fuzz_hello.py``:
*any bytes, delivered whole or one at a time, either parse or raise ``TLSParseError`` --
never anything else, never a hang*; ``TLSParseError.kind`` is malformed / too-large / not-tls /
unexpected, which probe/ maps to docs/report.md's error kinds.

Layout: ``codec`` (length-checked Reader/Writer, the error), ``protocol`` (wire constants),
``hello_spec`` + ``hello_build`` + ``key_share`` (the client side), ``records`` (record and
handshake readers), ``hello_parse`` + ``key_exchange`` (typed server messages), ``flight`` +
``flight_checks`` (one answer, judged against the offer). This module is the public face.
"""

from __future__ import annotations

from hatls.tls.codec import ParseErrorKind, TLSParseError
from hatls.tls.flight import FlightStatus, ServerFlight, ServerFlightReader, parse_server_flight
from hatls.tls.hello_build import (
    HelloTooLarge,
    build_client_hello,
    chunk_suites,
    hello_size,
    offered_suites,
)
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
from hatls.tls.hello_spec import DEFAULT_FLAGS, DEFAULT_SIGNATURE_ALGORITHMS, HelloFlag, HelloSpec
from hatls.tls.key_exchange import ServerKeyExchange, parse_server_key_exchange
from hatls.tls.key_share import (
    KEY_SHARE_GROUPS,
    generate_key_share_key,
    key_share_entry,
    key_shares,
)
from hatls.tls.records import (
    Framing,
    HandshakeMessage,
    HandshakeReader,
    Record,
    RecordReader,
    SSLv2Record,
)

__all__ = [
    "DEFAULT_FLAGS",
    "DEFAULT_SIGNATURE_ALGORITHMS",
    "KEY_SHARE_GROUPS",
    "Alert",
    "Certificate",
    "FlightStatus",
    "Framing",
    "HandshakeMessage",
    "HandshakeReader",
    "HelloFlag",
    "HelloSpec",
    "HelloTooLarge",
    "ParseErrorKind",
    "Record",
    "RecordReader",
    "SSLv2Error",
    "SSLv2Record",
    "SSLv2ServerHello",
    "ServerFlight",
    "ServerFlightReader",
    "ServerHello",
    "ServerKeyExchange",
    "TLSParseError",
    "build_client_hello",
    "chunk_suites",
    "generate_key_share_key",
    "hello_size",
    "key_share_entry",
    "key_shares",
    "offered_suites",
    "parse_alert",
    "parse_certificate",
    "parse_server_flight",
    "parse_server_hello",
    "parse_server_key_exchange",
    "parse_sslv2_message",
]
