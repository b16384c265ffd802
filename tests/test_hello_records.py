"""RecordReader and HandshakeReader: framing, "need more data", limits decided on headers, EOF."""

from __future__ import annotations

import pytest
from test_hello_cases import handshake, record

from hatls.tls.hello import (
    Framing,
    HandshakeMessage,
    HandshakeReader,
    ParseErrorKind,
    Record,
    RecordReader,
    SSLv2Record,
    TLSParseError,
)
from hatls.tls.protocol import MAX_TLS12_RECORD_BODY, MAX_TLS13_RECORD_BODY


def raised_kind(reader: RecordReader, data: bytes) -> ParseErrorKind:
    with pytest.raises(TLSParseError) as raised:
        reader.feed(data)
    return raised.value.kind


def test_records_come_out_when_complete_and_not_before() -> None:
    reader = RecordReader()
    data = record(22, b"\x01\x02\x03") + record(21, b"\x02\x28", version=0x0301)
    assert reader.feed(data[:4]) == []
    assert reader.feed(data[4:9]) == [Record(content_type=22, version=0x0303, body=b"\x01\x02\x03")]
    assert reader.feed(data[9:]) == [Record(content_type=21, version=0x0301, body=b"\x02\x28")]
    assert reader.framing is Framing.TLS
    assert reader.bytes_consumed == len(data) == reader.bytes_received


def test_sslv2_framing_only_when_asked_for() -> None:
    data = bytes([0x80, 3, 0, 0, 1])  # SSLv2 ERROR, NO-CIPHER
    assert RecordReader(accept_sslv2=True).feed(data) == [SSLv2Record(body=b"\x00\x00\x01")]
    assert raised_kind(RecordReader(), data) is ParseErrorKind.NOT_TLS


def test_sslv2_framing_is_decided_on_three_bytes() -> None:
    reader = RecordReader(accept_sslv2=True)
    assert reader.feed(b"\x80\x03") == []
    assert reader.framing is None
    assert reader.feed(b"\x00") == []
    assert reader.framing is Framing.SSLV2


def test_a_tls_reply_to_an_sslv2_hello_is_read_as_tls() -> None:
    reader = RecordReader(accept_sslv2=True)
    alert = Record(content_type=21, version=0x0303, body=b"\x02\x46")
    assert reader.feed(record(21, b"\x02\x46")) == [alert]


@pytest.mark.parametrize(
    "later",
    [
        b"\x00\x05\x00",  # high bit clear: a 3-byte header, i.e. padding
        b"\x80\x00",  # an empty record
    ],
)
def test_bad_sslv2_records_after_the_first_are_malformed(later: bytes) -> None:
    reader = RecordReader(accept_sslv2=True)
    reader.feed(bytes([0x80, 3, 0, 0, 1]))
    assert raised_kind(reader, later) is ParseErrorKind.MALFORMED


def test_record_limit_is_decided_on_the_header() -> None:
    header = b"\x17\x03\x03" + (MAX_TLS13_RECORD_BODY + 1).to_bytes(2, "big")
    tls13_reader = RecordReader(max_body=MAX_TLS13_RECORD_BODY)
    assert raised_kind(tls13_reader, header) is ParseErrorKind.TOO_LARGE
    assert RecordReader(max_body=MAX_TLS12_RECORD_BODY).feed(header) == []


def test_the_largest_allowed_record_is_read() -> None:
    body = b"\x17" * MAX_TLS12_RECORD_BODY
    largest = Record(content_type=23, version=0x0303, body=body)
    assert RecordReader().feed(record(23, body)) == [largest]


def test_needing_bytes_beyond_the_cap_is_too_large() -> None:
    reader = RecordReader(max_total=20)
    two_records = record(22, b"\x00" * 10) * 2  # 30 bytes
    assert raised_kind(reader, two_records) is ParseErrorKind.TOO_LARGE


def test_overflow_inside_a_header_is_too_large() -> None:
    # The cap falls inside the second record's header: its length can never be read.
    reader = RecordReader(max_total=17)
    reader.receive_data(record(22, b"\x00" * 10) + b"\x16\x03")
    reader.receive_data(b"\x03\x00\x05" + b"x" * 100)
    assert reader.next_record() == Record(content_type=22, version=0x0303, body=b"\x00" * 10)
    assert reader.bytes_received == 120
    with pytest.raises(TLSParseError) as raised:
        reader.next_record()
    assert raised.value.kind is ParseErrorKind.TOO_LARGE


def test_eof_semantics() -> None:
    clean = RecordReader()
    assert clean.feed(record(21, b"\x01\x00")) != []
    assert clean.feed(b"") == [] and clean.at_eof
    with pytest.raises(ValueError):
        clean.feed(b"\x16")
    truncated = RecordReader()
    truncated.feed(record(21, b"\x01\x00")[:-1])
    assert raised_kind(truncated, b"") is ParseErrorKind.MALFORMED


def test_handshake_messages_across_and_within_fragments() -> None:
    messages = handshake(2, b"\xaa" * 5) + handshake(14, b"") + handshake(11, b"\xbb\xcc")
    reader = HandshakeReader()
    assert reader.feed(messages[:3]) == []
    assert reader.pending
    assert reader.feed(messages[3:13]) == [
        HandshakeMessage(msg_type=2, body=b"\xaa" * 5),
        HandshakeMessage(msg_type=14, body=b""),
    ]
    assert reader.feed(messages[13:]) == [HandshakeMessage(msg_type=11, body=b"\xbb\xcc")]
    assert not reader.pending


def test_handshake_length_limit_is_decided_on_the_header() -> None:
    with pytest.raises(TLSParseError) as raised:
        HandshakeReader(max_message=1000).feed(b"\x0b\x00\x03\xe9")
    assert raised.value.kind is ParseErrorKind.TOO_LARGE
    assert HandshakeReader(max_message=1000).feed(b"\x0b\x00\x03\xe8") == []
