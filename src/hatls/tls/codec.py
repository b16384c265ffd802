"""Length-checked reading and writing of TLS wire structures (RFC 8446 §3, "Presentation Language").

Theory of operation. Every variable-length vector on the wire is preceded by its length, and
a parser that trusts a length it has not checked reads past its input or hangs waiting for
bytes that will never come. ``Reader`` therefore never returns fewer bytes than asked: a short
read raises ``TLSParseError("malformed")``. A vector is read as a *scope* -- a sub-reader over
exactly its declared length -- and leaving the scope with bytes unread is malformed too, so a
length field that disagrees with its contents is caught where it occurs, not three fields later.
``Writer`` is the mirror image for the builders; its errors are ``ValueError`` because a bad
value there is the caller's bug, never the peer's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum


class ParseErrorKind(StrEnum):
    """Why bytes from the peer were refused; probe/ maps these to docs/report.md error kinds."""

    MALFORMED = "malformed"  # does not decode: short, over-long, bad length, bad value
    TOO_LARGE = "too-large"  # a length beyond what the protocol (or our cap) allows
    NOT_TLS = "not-tls"  # the first bytes are not a TLS (or offered SSLv2) record
    UNEXPECTED = "unexpected"  # decodes, but is not what may come next in the conversation


class TLSParseError(Exception):
    """The one exception the parsers raise for any input (the fuzz invariant)."""

    def __init__(self, kind: ParseErrorKind | str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = ParseErrorKind(kind)
        self.message = message


def malformed(message: str) -> TLSParseError:
    return TLSParseError(ParseErrorKind.MALFORMED, message)


def too_large(message: str) -> TLSParseError:
    return TLSParseError(ParseErrorKind.TOO_LARGE, message)


def not_tls(message: str) -> TLSParseError:
    return TLSParseError(ParseErrorKind.NOT_TLS, message)


def unexpected(message: str) -> TLSParseError:
    return TLSParseError(ParseErrorKind.UNEXPECTED, message)


class Reader:
    """Big-endian integers and vectors read from ``data``, never past its end."""

    __slots__ = ("_data", "_position")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._position = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._position

    def at_end(self) -> bool:
        return self._position == len(self._data)

    def take(self, count: int, what: str) -> bytes:
        if count > self.remaining:
            raise malformed(f"{what}: needs {count} bytes, only {self.remaining} left")
        start = self._position
        self._position += count
        return self._data[start : self._position]

    def uint(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "big")

    def rest(self) -> bytes:
        return self.take(self.remaining, "rest")

    def vector(
        self, length_size: int, what: str, *, minimum: int = 0, maximum: int | None = None
    ) -> bytes:
        """An opaque ``<minimum..maximum>`` vector with a ``length_size``-byte length prefix."""
        length = self.uint(length_size, f"{what} length")
        if length < minimum or (maximum is not None and length > maximum):
            raise malformed(f"{what}: length {length} outside {minimum}..{maximum}")
        return self.take(length, what)

    def uint_list(self, length_size: int, item_size: int, what: str) -> tuple[int, ...]:
        """A vector of fixed-size integers; its byte length must be a multiple of the item size."""
        return split_uints(self.vector(length_size, what), item_size, what)

    def expect_end(self, what: str) -> None:
        if not self.at_end():
            raise malformed(f"{what}: {self.remaining} unexpected trailing bytes")

    @contextmanager
    def scope(self, length_size: int, what: str, *, minimum: int = 0) -> Iterator[Reader]:
        """A sub-reader over one length-prefixed vector, which must be consumed exactly."""
        inner = Reader(self.vector(length_size, what, minimum=minimum))
        yield inner
        inner.expect_end(what)


def split_uints(data: bytes, item_size: int, what: str) -> tuple[int, ...]:
    if len(data) % item_size:
        raise malformed(f"{what}: {len(data)} bytes are not whole {item_size}-byte items")
    starts = range(0, len(data), item_size)
    return tuple(int.from_bytes(data[at : at + item_size], "big") for at in starts)


class Writer:
    """The builders' counterpart of ``Reader``: checked integers, length-prefixed vectors."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = bytearray()

    def uint(self, value: int, size: int) -> Writer:
        if not 0 <= value < 1 << (8 * size):
            raise ValueError(f"{value} does not fit in {size} bytes")
        self._buffer += value.to_bytes(size, "big")
        return self

    def raw(self, data: bytes) -> Writer:
        self._buffer += data
        return self

    def vector(self, data: bytes, length_size: int) -> Writer:
        return self.uint(len(data), length_size).raw(data)

    def uint_list(self, values: tuple[int, ...], length_size: int, item_size: int) -> Writer:
        inner = Writer()
        for value in values:
            inner.uint(value, item_size)
        return self.vector(inner.getvalue(), length_size)

    @contextmanager
    def scope(self, length_size: int) -> Iterator[Writer]:
        """Write into a nested writer; its bytes land here behind their length."""
        inner = Writer()
        yield inner
        self.vector(inner.getvalue(), length_size)

    def getvalue(self) -> bytes:
        return bytes(self._buffer)

    def __len__(self) -> int:
        return len(self._buffer)
