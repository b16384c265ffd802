"""Flights judged against the offer: facts kept, ends recognised, violations named by kind."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from test_hello_cases import (
    ALERT_FLIGHT,
    CERTIFICATE,
    HELLO_RETRY_REQUEST,
    SERVER_CASES,
    SERVER_HELLO_DONE,
    SSLV2_OFFER,
    TLS12_FLIGHT,
    TLS12_OFFER,
    TLS12_SERVER_HELLO,
    TLS13_FLIGHT,
    TLS13_OFFER,
    TLS13_SERVER_HELLO,
    certificate_body,
    handshake,
    record,
    server_hello_body,
    sslv2_error_record,
)

from hatls.tls.hello import (
    Alert,
    FlightStatus,
    HelloSpec,
    ParseErrorKind,
    ServerFlight,
    ServerFlightReader,
    ServerHello,
    SSLv2Error,
    TLSParseError,
    parse_server_flight,
)

ECDHE_KEY_EXCHANGE = SERVER_CASES[6].wire


def server_hello_record(hello: ServerHello, version: int = 0x0303) -> bytes:
    return record(22, handshake(2, server_hello_body(hello)), version)


def feed_bytewise(data: bytes, offer: HelloSpec) -> ServerFlight:
    reader = ServerFlightReader(offer)
    flights = [reader.feed(data[at : at + 1]) for at in range(len(data))]
    return flights[-1]


def kind_of(data: bytes, offer: HelloSpec = TLS12_OFFER) -> ParseErrorKind:
    with pytest.raises(TLSParseError) as raised:
        parse_server_flight(data, offered=offer)
    return raised.value.kind


def test_tls12_flight_keeps_every_fact() -> None:
    flight = parse_server_flight(TLS12_FLIGHT, offered=TLS12_OFFER)
    assert flight.status is FlightStatus.HELLO_DONE
    assert flight.server_hello == TLS12_SERVER_HELLO
    assert flight.certificate == CERTIFICATE
    assert flight.server_key_exchange is not None
    assert flight.server_key_exchange.named_group == 23
    assert flight.handshake_types == (2, 11, 12, 14)
    assert flight.bytes_read == len(TLS12_FLIGHT)
    assert not flight.certificate_requested and flight.alert is None


def test_coalesced_and_fragmented_handshakes_read_the_same() -> None:
    messages = b"".join(
        (
            handshake(2, server_hello_body(TLS12_SERVER_HELLO)),
            handshake(11, certificate_body(CERTIFICATE)),
            handshake(12, ECDHE_KEY_EXCHANGE),
            SERVER_HELLO_DONE,
        )
    )
    one_record = record(22, messages)
    tiny_records = b"".join(record(22, messages[at : at + 3]) for at in range(0, len(messages), 3))
    expected = parse_server_flight(TLS12_FLIGHT, offered=TLS12_OFFER)
    for framing in (one_record, tiny_records):
        flight = parse_server_flight(framing, offered=TLS12_OFFER)
        assert replace(flight, bytes_read=0) == replace(expected, bytes_read=0)


@pytest.mark.parametrize(
    ("offer", "data"),
    [(TLS12_OFFER, TLS12_FLIGHT), (TLS13_OFFER, TLS13_FLIGHT), (TLS12_OFFER, ALERT_FLIGHT)],
)
def test_byte_at_a_time_equals_whole(offer: HelloSpec, data: bytes) -> None:
    assert feed_bytewise(data, offer) == parse_server_flight(data, offered=offer)


def test_tls13_server_hello_ends_the_flight_before_the_encrypted_records() -> None:
    flight = parse_server_flight(TLS13_FLIGHT + record(23, b"\xff" * 40), offered=TLS13_OFFER)
    assert flight.status is FlightStatus.ENCRYPTED
    assert flight.server_hello == TLS13_SERVER_HELLO
    assert flight.bytes_read == len(server_hello_record(TLS13_SERVER_HELLO))
    assert flight.server_hello.selected_version_name == "TLSv1.3"


def test_hello_retry_request_ends_the_flight() -> None:
    data = server_hello_record(HELLO_RETRY_REQUEST)
    flight = parse_server_flight(data, offered=TLS13_OFFER)
    assert flight.status is FlightStatus.HELLO_RETRY
    assert flight.server_hello is not None and flight.server_hello.selected_group == 23


def test_a_prefix_is_incomplete_and_keeps_what_it_has() -> None:
    first_record = server_hello_record(TLS12_SERVER_HELLO)
    data = first_record + TLS12_FLIGHT[len(first_record) : -3]
    flight = parse_server_flight(data, offered=TLS12_OFFER)
    assert flight.status is FlightStatus.INCOMPLETE
    assert flight.server_hello == TLS12_SERVER_HELLO
    assert not flight.complete


def test_eof_on_a_record_boundary_is_closed_not_a_guess() -> None:
    reader = ServerFlightReader(TLS12_OFFER)
    reader.feed(server_hello_record(TLS12_SERVER_HELLO))
    flight = reader.feed(b"")
    assert flight.status is FlightStatus.CLOSED
    assert flight.server_hello == TLS12_SERVER_HELLO


def test_eof_without_any_byte_is_closed() -> None:
    assert ServerFlightReader(TLS12_OFFER).feed(b"").status is FlightStatus.CLOSED


@pytest.mark.parametrize(
    "data",
    [
        TLS12_FLIGHT[:7],  # inside a record
        record(22, handshake(11, certificate_body(CERTIFICATE))[:5]),  # inside a message
    ],
    ids=["mid-record", "mid-message"],
)
def test_eof_inside_a_unit_is_malformed(data: bytes) -> None:
    reader = ServerFlightReader(TLS12_OFFER)
    reader.feed(server_hello_record(TLS12_SERVER_HELLO) + data)
    with pytest.raises(TLSParseError) as raised:
        reader.feed(b"")
    assert raised.value.kind is ParseErrorKind.MALFORMED


def test_warning_alerts_are_kept_and_the_flight_goes_on() -> None:
    warning = record(21, b"\x01\x70")  # warning unrecognized_name
    flight = parse_server_flight(warning + TLS12_FLIGHT, offered=TLS12_OFFER)
    assert flight.status is FlightStatus.HELLO_DONE
    assert flight.warnings == (Alert(level=1, description=112),)
    assert flight.warnings[0].description_name == "unrecognized_name"


def test_fatal_alert_and_close_notify_end_the_flight() -> None:
    fatal = parse_server_flight(ALERT_FLIGHT, offered=TLS12_OFFER)
    assert fatal.status is FlightStatus.ALERT and fatal.alert == Alert(level=2, description=40)
    assert (fatal.alert.level_name, fatal.alert.description_name) == ("fatal", "handshake_failure")
    close = parse_server_flight(record(21, b"\x01\x00"), offered=TLS12_OFFER)
    assert close.status is FlightStatus.ALERT and close.alert == Alert(level=1, description=0)


def test_unknown_alert_description_is_named_as_unknown() -> None:
    assert Alert(level=2, description=200).description_name == "unknown(200)"


def test_sslv2_error_ends_the_flight() -> None:
    flight = parse_server_flight(sslv2_error_record(SSLv2Error(code=1)), offered=SSLV2_OFFER)
    assert flight.status is FlightStatus.ALERT
    assert flight.sslv2_error == SSLv2Error(code=1) and flight.sslv2_error.name == "no_cipher"


def test_certificate_request_is_noticed() -> None:
    data = b"".join(
        (
            server_hello_record(TLS12_SERVER_HELLO),
            record(22, handshake(11, certificate_body(CERTIFICATE))),
            record(22, handshake(12, ECDHE_KEY_EXCHANGE) + handshake(13, b"\x01\x01\x00\x00")),
            record(22, SERVER_HELLO_DONE),
        )
    )
    flight = parse_server_flight(data, offered=TLS12_OFFER)
    assert flight.certificate_requested and flight.status is FlightStatus.HELLO_DONE
    assert flight.handshake_types == (2, 11, 12, 13, 14)


def test_bytes_after_the_flight_are_not_read() -> None:
    flight = parse_server_flight(TLS12_FLIGHT + b"GARBAGE", offered=TLS12_OFFER)
    assert flight.status is FlightStatus.HELLO_DONE


def test_hello_request_before_server_hello_is_ignored() -> None:
    flight = parse_server_flight(record(22, handshake(0, b"")) + TLS12_FLIGHT, offered=TLS12_OFFER)
    assert flight.status is FlightStatus.HELLO_DONE and flight.handshake_types == (2, 11, 12, 14)


# --- answers the offer did not allow: "unexpected" -------------------------------------------

UNEXPECTED_ANSWERS = {
    "suite not offered": server_hello_record(replace(TLS12_SERVER_HELLO, cipher_suite=0xC030)),
    "SCSV selected": server_hello_record(replace(TLS12_SERVER_HELLO, cipher_suite=0x00FF)),
    "version above offer": server_hello_record(replace(TLS12_SERVER_HELLO, selected_version=0x0304,
                                                       extensions=((0x2B, b"\x03\x04"),))),
    "version below SSLv3": server_hello_record(replace(TLS12_SERVER_HELLO, legacy_version=0x0200)),
    "compression chosen": server_hello_record(replace(TLS12_SERVER_HELLO, compression_method=1)),
    "certificate first": record(22, handshake(11, certificate_body(CERTIFICATE))),
    "application data first": record(23, b"\x00" * 20),
    "change cipher spec first": record(20, b"\x01"),
    "heartbeat": record(24, b"\x01\x00\x00"),
    "two certificates": server_hello_record(TLS12_SERVER_HELLO)
    + record(22, handshake(11, certificate_body(CERTIFICATE)) * 2),
    "client message": server_hello_record(TLS12_SERVER_HELLO) + record(22, handshake(16, b"\x00")),
    "static DH key exchange": server_hello_record(replace(TLS12_SERVER_HELLO, cipher_suite=0x0031))
    + record(22, handshake(12, ECDHE_KEY_EXCHANGE)),
}


@pytest.mark.parametrize("data", UNEXPECTED_ANSWERS.values(), ids=UNEXPECTED_ANSWERS.keys())
def test_answers_outside_the_offer_are_unexpected(data: bytes) -> None:
    offer = replace(TLS12_OFFER, suites=(*TLS12_OFFER.suites, 0x0031))
    assert kind_of(data, offer) is ParseErrorKind.UNEXPECTED


def test_supported_versions_in_a_tls12_answer_is_unexpected() -> None:
    # A TLS 1.2 ServerHello that also claims TLS 1.2 via supported_versions (RFC 8446 §4.2.1).
    hello = replace(TLS12_SERVER_HELLO, extensions=((0x2B, b"\x03\x03"),))
    assert kind_of(server_hello_record(hello)) is ParseErrorKind.UNEXPECTED


def test_a_tls13_suite_in_tls12_is_unexpected() -> None:
    offer = replace(TLS12_OFFER, suites=(0x1301,))
    hello = replace(TLS12_SERVER_HELLO, cipher_suite=0x1301)
    assert kind_of(server_hello_record(hello), offer) is ParseErrorKind.UNEXPECTED


TLS13_VIOLATIONS = {
    "session id not echoed": replace(TLS13_SERVER_HELLO, session_id=b"\x01" * 32),
    "share for an unoffered group": replace(
        TLS13_SERVER_HELLO, extensions=((0x2B, b"\x03\x04"), (0x33, b"\x00\x17\x00\x01\x04"))
    ),
    "no key share": replace(TLS13_SERVER_HELLO, extensions=((0x2B, b"\x03\x04"),)),
    "HRR for a group already shared": replace(
        HELLO_RETRY_REQUEST, extensions=((0x2B, b"\x03\x04"), (0x33, b"\x00\x1d"))
    ),
    "HRR for a group not offered": replace(
        HELLO_RETRY_REQUEST, extensions=((0x2B, b"\x03\x04"), (0x33, b"\x00\x18"))
    ),
    "legacy_version not 1.2": replace(TLS13_SERVER_HELLO, legacy_version=0x0301),
}


@pytest.mark.parametrize("hello", TLS13_VIOLATIONS.values(), ids=TLS13_VIOLATIONS.keys())
def test_tls13_rules_are_enforced(hello: ServerHello) -> None:
    assert kind_of(server_hello_record(hello), TLS13_OFFER) is ParseErrorKind.UNEXPECTED


def test_handshake_bytes_after_a_tls13_server_hello_in_its_record_are_unexpected() -> None:
    messages = handshake(2, server_hello_body(TLS13_SERVER_HELLO)) + handshake(8, b"\x00\x00")
    data = record(22, messages)
    assert kind_of(data, TLS13_OFFER) is ParseErrorKind.UNEXPECTED


# --- bytes that do not decode: "malformed" ---------------------------------------------------

MALFORMED_FLIGHTS = {
    "change cipher spec body": server_hello_record(TLS12_SERVER_HELLO) + record(20, b"\x02"),
    "empty handshake record": record(22, b""),
    "alert of 3 bytes": record(21, b"\x02\x28\x00"),
    "alert level 3": record(21, b"\x03\x28"),
    "alert inside a handshake message": record(22, b"\x02\x00") + record(21, b"\x02\x28"),
    "server hello done with a body": server_hello_record(TLS12_SERVER_HELLO)
    + record(22, handshake(14, b"\x00")),
    "server hello trailing byte": record(
        22, handshake(2, server_hello_body(TLS12_SERVER_HELLO) + b"\x00")
    ),
    "duplicate extension": server_hello_record(
        replace(TLS12_SERVER_HELLO, extensions=((0x17, b""), (0x17, b"")))
    ),
    "extended_master_secret with data": server_hello_record(
        replace(TLS12_SERVER_HELLO, extensions=((0x17, b"\x00"),))
    ),
    "renegotiation_info length": server_hello_record(
        replace(TLS12_SERVER_HELLO, extensions=((0xFF01, b"\x05\x00"),))
    ),
    "session id of 33 bytes": server_hello_record(
        replace(TLS12_SERVER_HELLO, session_id=b"\x00" * 33)
    ),
    "short server hello": record(22, handshake(2, b"\x03\x03\x00")),
    "bad record header later": server_hello_record(TLS12_SERVER_HELLO) + b"\x63\x03\x03\x00\x01",
}


@pytest.mark.parametrize("data", MALFORMED_FLIGHTS.values(), ids=MALFORMED_FLIGHTS.keys())
def test_undecodable_flights_are_malformed(data: bytes) -> None:
    assert kind_of(data) is ParseErrorKind.MALFORMED


# --- not TLS, too large ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "offer"),
    [
        (b"H", TLS12_OFFER),  # "HTTP/1.1 400 ...": decided on the first byte
        (b"SSH-2.0-OpenSSH_9.6\r\n", TLS12_OFFER),
        (b"\x16\x02", TLS12_OFFER),  # handshake type, but record version major 2
        (b"\x80\x22\x04", TLS12_OFFER),  # SSLv2 framing when no SSLv2 hello was sent
        (b"\x80\x22\x07", SSLV2_OFFER),  # SSLv2 framing, but not a server's first message
    ],
)
def test_not_tls_is_said_as_early_as_possible(data: bytes, offer: HelloSpec) -> None:
    assert kind_of(data, offer) is ParseErrorKind.NOT_TLS


def test_a_record_claiming_too_much_is_too_large_before_its_body() -> None:
    assert kind_of(b"\x16\x03\x03\xff\xff") is ParseErrorKind.TOO_LARGE


def test_a_handshake_message_claiming_16_mib_is_too_large_at_once() -> None:
    # Only the 4-byte handshake header has arrived; the claimed body would be 16 MiB.
    assert kind_of(record(22, b"\x0b\xff\xff\xff")) is ParseErrorKind.TOO_LARGE


def test_a_flight_beyond_the_cap_is_too_large() -> None:
    hello = server_hello_record(TLS12_SERVER_HELLO)
    padding = record(22, handshake(22, b"\x00" * 16_000)) * 20  # CertificateStatus, 320 KB
    reader = ServerFlightReader(TLS12_OFFER)
    with pytest.raises(TLSParseError) as raised:
        reader.feed(hello + padding)
    assert raised.value.kind is ParseErrorKind.TOO_LARGE


def test_the_cap_is_a_parameter() -> None:
    reader = ServerFlightReader(TLS12_OFFER, max_bytes=len(TLS12_FLIGHT) - 1)
    with pytest.raises(TLSParseError) as raised:
        reader.feed(TLS12_FLIGHT)
    assert raised.value.kind is ParseErrorKind.TOO_LARGE
    exact = ServerFlightReader(TLS12_OFFER, max_bytes=len(TLS12_FLIGHT))
    assert exact.feed(TLS12_FLIGHT).status is FlightStatus.HELLO_DONE


# --- never a hang: the largest flights of the smallest units still cost linear time ----------


def filled(unit: bytes) -> bytes:
    return unit * (240_000 // len(unit))


HELLO, DONE = server_hello_record(TLS12_SERVER_HELLO), record(22, SERVER_HELLO_DONE)
FILLED_FLIGHTS = {
    "60k empty messages": HELLO + filled(record(22, handshake(22, b"") * 1000)) + DONE,
    "26k empty hello requests": filled(record(22, handshake(0, b""))) + HELLO + DONE,
}


def test_an_alert_storm_stops_after_a_few_warnings() -> None:
    storm = filled(record(21, b"\x01\x70")) + HELLO + DONE
    with pytest.raises(TLSParseError) as caught:
        parse_server_flight(storm, offered=TLS12_OFFER)
    assert caught.value.kind is ParseErrorKind.UNEXPECTED
    few = record(21, b"\x01\x70") * 5 + HELLO + DONE
    assert parse_server_flight(few, offered=TLS12_OFFER).status is FlightStatus.HELLO_DONE


@pytest.mark.parametrize("data", FILLED_FLIGHTS.values(), ids=FILLED_FLIGHTS.keys())
def test_a_flight_of_tiny_units_up_to_the_cap_is_read_quickly(data: bytes) -> None:
    started = time.perf_counter()
    flight = parse_server_flight(data, offered=TLS12_OFFER)
    assert time.perf_counter() - started < 5.0  # linear: about 0.1 s
    assert flight.status is FlightStatus.HELLO_DONE and flight.bytes_read == len(data)
