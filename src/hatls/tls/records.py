"""Sans-IO record and handshake-message readers: bytes in (``b""`` = EOF), whole units out.

Theory of operation (the parser contract of DESIGN.md). ``RecordReader.feed`` takes whatever
the socket produced -- a byte, a segment, several records at once -- and returns every record
now complete, keeping the rest; ``[]`` means "need more data". Nothing is held beyond one
record (bounded by the protocol's record limit, checked on the header before the body
arrives) and nothing is read beyond the flight cap, so a hostile or confused peer costs at most
``MAX_FLIGHT_BYTES``. The first bytes decide the framing: a TLS record, or -- only when an SSLv2
hello was sent -- an SSLv2 record; anything else is ``not-tls`` as soon as it can be told.
``HandshakeReader`` then joins handshake fragments into messages, across and within records.
Invariant: any bytes, delivered whole or one at a time, give the same records or the same
``TLSParseError`` -- never another exception, never a loop without progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hatls.tls.codec import ParseErrorKind, TLSParseError, malformed
from hatls.tls.protocol import (
    MAX_FLIGHT_BYTES,
    MAX_SSLV2_RECORD_BODY,
    MAX_TLS12_RECORD_BODY,
    SSLV2_ERROR,
    SSLV2_SERVER_HELLO,
    ContentType,
)

_TLS_HEADER, _SSLV2_HEADER, _HANDSHAKE_HEADER = 5, 2, 4
_CONTENT_TYPES = frozenset(ContentType)
_SSLV2_SERVER_MESSAGES = frozenset({SSLV2_ERROR, SSLV2_SERVER_HELLO})


class Framing(StrEnum):
    TLS = "tls"
    SSLV2 = "sslv2"


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    content_type: int
    version: int
    body: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class SSLv2Record:
    body: bytes  # one SSLv2 message: its type is the first byte


@dataclass(frozen=True, slots=True, kw_only=True)
class HandshakeMessage:
    msg_type: int
    body: bytes


class RecordReader:
    """Splits a byte stream into TLS (or SSLv2) records, within the limits."""

    def __init__(
        self,
        *,
        accept_sslv2: bool = False,
        max_body: int = MAX_TLS12_RECORD_BODY,
        max_total: int = MAX_FLIGHT_BYTES,
    ) -> None:
        self._accept_sslv2 = accept_sslv2
        self._max_body = max_body
        self._max_total = max_total
        self._buffer = bytearray()
        self.framing: Framing | None = None
        self.bytes_received = 0
        self.records_read = 0
        self.at_eof = False

    def feed(self, data: bytes) -> list[Record | SSLv2Record]:
        if self.at_eof:
            raise ValueError("feed() after EOF")
        if not data:
            self.at_eof = True
            if self._buffer:
                raise malformed(f"the stream ended inside a record ({len(self._buffer)} bytes)")
            return []
        self.bytes_received += len(data)
        if self.bytes_received > self._max_total:
            raise TLSParseError(ParseErrorKind.TOO_LARGE, f"more than {self._max_total} bytes")
        self._buffer += data
        records: list[Record | SSLv2Record] = []
        while (record := self._next_record()) is not None:
            records.append(record)
        return records

    def _next_record(self) -> Record | SSLv2Record | None:
        if self.framing is None:
            self.framing = self._detect_framing()
            if self.framing is None:
                return None
        if self.framing is Framing.SSLV2:
            return self._next_sslv2_record()
        return self._next_tls_record()

    def _detect_framing(self) -> Framing | None:
        """Decide as early as the bytes allow; ``None`` while they do not yet."""
        head = bytes(self._buffer[:3])
        if not head:
            return None
        if head[0] in _CONTENT_TYPES:
            if len(head) >= 2 and head[1] != 3:
                raise TLSParseError(ParseErrorKind.NOT_TLS, f"record version major {head[1]} is not 3")
            return Framing.TLS if len(head) >= 2 else None
        if self._accept_sslv2 and head[0] & 0x80:
            # An SSLv2 server speaks first with SERVER-HELLO or ERROR (2-byte header).
            if len(head) == 3 and head[2] not in _SSLV2_SERVER_MESSAGES:
                raise TLSParseError(ParseErrorKind.NOT_TLS, f"SSLv2 message type {head[2]}")
            return Framing.SSLV2 if len(head) == 3 else None
        raise TLSParseError(ParseErrorKind.NOT_TLS, f"first byte 0x{head[0]:02x} starts no TLS record")

    def _next_tls_record(self) -> Record | None:
        if len(self._buffer) < _TLS_HEADER:
            return None
        content_type, major = self._buffer[0], self._buffer[1]
        version = int.from_bytes(self._buffer[1:3], "big")
        length = int.from_bytes(self._buffer[3:5], "big")
        if content_type not in _CONTENT_TYPES or major != 3:
            raise malformed(f"bad record header {bytes(self._buffer[:5]).hex()}")
        if length > self._max_body:
            raise TLSParseError(ParseErrorKind.TOO_LARGE, f"record of {length} bytes (max {self._max_body})")
        body = self._take(_TLS_HEADER, length)
        return None if body is None else Record(content_type=content_type, version=version, body=body)

    def _next_sslv2_record(self) -> SSLv2Record | None:
        if len(self._buffer) < _SSLV2_HEADER:
            return None
        if not self._buffer[0] & 0x80:
            # A 3-byte header carries padding, i.e. an encrypted record: never part of a hello.
            raise malformed("SSLv2 record with a 3-byte header")
        length = int.from_bytes(self._buffer[:2], "big") & 0x7FFF
        if not 0 < length <= MAX_SSLV2_RECORD_BODY:
            raise malformed(f"SSLv2 record of {length} bytes")
        body = self._take(_SSLV2_HEADER, length)
        return None if body is None else SSLv2Record(body=body)

    def _take(self, header: int, length: int) -> bytes | None:
        if len(self._buffer) < header + length:
            return None
        body = bytes(self._buffer[header : header + length])
        del self._buffer[: header + length]
        self.records_read += 1
        return body


class HandshakeReader:
    """Joins handshake-record fragments into messages (RFC 5246 §6.2.1, RFC 8446 §5.1)."""

    def __init__(self, *, max_message: int = MAX_FLIGHT_BYTES) -> None:
        self._max_message = max_message
        self._buffer = bytearray()

    @property
    def pending(self) -> bool:
        """Whether part of a message is buffered (no other content type may come between)."""
        return bool(self._buffer)

    def feed(self, fragment: bytes) -> list[HandshakeMessage]:
        self._buffer += fragment
        messages: list[HandshakeMessage] = []
        while len(self._buffer) >= _HANDSHAKE_HEADER:
            length = int.from_bytes(self._buffer[1:4], "big")
            if length > self._max_message:
                raise TLSParseError(
                    ParseErrorKind.TOO_LARGE, f"handshake message of {length} bytes (max {self._max_message})"
                )
            end = _HANDSHAKE_HEADER + length
            if len(self._buffer) < end:
                break
            messages.append(HandshakeMessage(msg_type=self._buffer[0], body=bytes(self._buffer[4:end])))
            del self._buffer[:end]
        return messages
