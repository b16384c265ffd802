"""Sans-IO record and handshake-message readers: bytes in (``b""`` = EOF), whole units out.

Theory of operation (the parser contract of docs/design.md). ``RecordReader.feed`` takes whatever
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

from hatls.tls.codec import malformed, not_tls, too_large
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
    """Splits a byte stream into TLS (or SSLv2) records, within the limits.

    ``receive_data`` + ``next_record`` is the pull interface (a caller may stop pulling);
    ``feed`` does both and returns every record now complete.
    """

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
        self._consumed = 0  # bytes of the records already returned
        self._overflow = False  # bytes beyond max_total arrived and were not kept
        self.framing: Framing | None = None
        self.bytes_received = 0
        self.at_eof = False

    @property
    def bytes_consumed(self) -> int:
        """Bytes of the records returned so far (headers included)."""
        return self._consumed

    def feed(self, data: bytes) -> list[Record | SSLv2Record]:
        self.receive_data(data)
        records: list[Record | SSLv2Record] = []
        while (record := self.next_record()) is not None:
            records.append(record)
        return records

    def receive_data(self, data: bytes) -> None:
        if self.at_eof:
            raise ValueError("receive_data() after EOF")
        if not data:
            self.at_eof = True
            return
        self.bytes_received += len(data)
        room = max(self._max_total - self._consumed - len(self._buffer), 0)
        self._buffer += data[:room]
        self._overflow = self._overflow or len(data) > room

    def next_record(self) -> Record | SSLv2Record | None:
        """The next complete record, or ``None`` for "need more data" (or a clean EOF)."""
        if self.framing is None:
            self.framing = self._detect_framing()
        if self.framing is Framing.SSLV2:
            record: Record | SSLv2Record | None = self._next_sslv2_record()
        elif self.framing is Framing.TLS:
            record = self._next_tls_record()
        else:
            record = None
        if record is None:
            self._check_starved()
        return record

    def _check_starved(self) -> None:
        """No record can be completed: say why if more bytes will never come."""
        if self._overflow:
            raise too_large(f"more than {self._max_total} bytes")
        if self.at_eof and self._buffer:
            raise malformed(f"the stream ended inside a record ({len(self._buffer)} bytes)")

    def _detect_framing(self) -> Framing | None:
        """Decide as early as the bytes allow; ``None`` while they do not yet."""
        head = bytes(self._buffer[:3])
        if not head:
            return None
        if head[0] in _CONTENT_TYPES:
            if len(head) >= 2 and head[1] != 3:
                raise not_tls(f"record version major {head[1]} is not 3")
            return Framing.TLS if len(head) >= 2 else None
        if self._accept_sslv2 and head[0] & 0x80:
            # An SSLv2 server speaks first with SERVER-HELLO or ERROR (2-byte header).
            if len(head) == 3 and head[2] not in _SSLV2_SERVER_MESSAGES:
                raise not_tls(f"SSLv2 message type {head[2]}")
            return Framing.SSLV2 if len(head) == 3 else None
        raise not_tls(f"first byte 0x{head[0]:02x} starts no TLS record")

    def _next_tls_record(self) -> Record | None:
        if len(self._buffer) < _TLS_HEADER:
            return None
        header = bytes(self._buffer[:_TLS_HEADER])
        content_type, major = header[0], header[1]
        length = int.from_bytes(header[3:5], "big")
        if content_type not in _CONTENT_TYPES or major != 3:
            raise malformed(f"bad record header {header.hex()}")
        self._check_length(_TLS_HEADER, length, self._max_body)
        body = self._take(_TLS_HEADER, length)
        if body is None:
            return None
        version = int.from_bytes(header[1:3], "big")
        return Record(content_type=content_type, version=version, body=body)

    def _next_sslv2_record(self) -> SSLv2Record | None:
        if len(self._buffer) < _SSLV2_HEADER:
            return None
        if not self._buffer[0] & 0x80:
            # A 3-byte header carries padding, i.e. an encrypted record: never part of a hello.
            raise malformed("SSLv2 record with a 3-byte header")
        length = int.from_bytes(self._buffer[:2], "big") & 0x7FFF
        if length == 0:
            raise malformed("empty SSLv2 record")
        self._check_length(_SSLV2_HEADER, length, MAX_SSLV2_RECORD_BODY)
        body = self._take(_SSLV2_HEADER, length)
        return None if body is None else SSLv2Record(body=body)

    def _check_length(self, header: int, length: int, limit: int) -> None:
        # Judged on the header alone, so a huge claim fails now rather than after its body.
        if length > limit:
            raise too_large(f"record of {length} bytes (max {limit})")
        if self._consumed + header + length > self._max_total:
            raise too_large(f"a flight above {self._max_total} bytes")

    def _take(self, header: int, length: int) -> bytes | None:
        if len(self._buffer) < header + length:
            return None
        body = bytes(self._buffer[header : header + length])
        del self._buffer[: header + length]
        self._consumed += header + length
        return body


class HandshakeReader:
    """Joins handshake-record fragments into messages (RFC 5246 §6.2.1, RFC 8446 §5.1)."""

    def __init__(self, *, max_message: int = MAX_FLIGHT_BYTES) -> None:
        self._max_message = max_message
        self._buffer = bytearray()

    @property
    def pending(self) -> bool:
        """Whether bytes of a next message are buffered (no other content type may come between)."""
        return bool(self._buffer)

    def feed(self, fragment: bytes) -> list[HandshakeMessage]:
        self.receive_fragment(fragment)
        messages: list[HandshakeMessage] = []
        while (message := self.next_message()) is not None:
            messages.append(message)
        return messages

    def receive_fragment(self, fragment: bytes) -> None:
        self._buffer += fragment

    def next_message(self) -> HandshakeMessage | None:
        if len(self._buffer) < _HANDSHAKE_HEADER:
            return None
        length = int.from_bytes(self._buffer[1:4], "big")
        if length > self._max_message:
            raise too_large(f"handshake message of {length} bytes (max {self._max_message})")
        end = _HANDSHAKE_HEADER + length
        if len(self._buffer) < end:
            return None
        msg_type, body = self._buffer[0], bytes(self._buffer[_HANDSHAKE_HEADER:end])
        del self._buffer[:end]
        return HandshakeMessage(msg_type=msg_type, body=body)
