"""A JSON object parsed from its UTF-8 bytes, with some arrays turned into values item by item.

``json.loads`` of a 30 MB report needs the text as a Python string (60 MB once one character is
not ASCII) and builds ~100 MB of dicts before the first typed object exists; the parse and the
model are then both in memory. Here the top-level object is walked over the bytes by hand, each
member value and each item of a named array (the report's ``endpoints`` and ``findings``) is
decoded and parsed alone, and an array item goes to its converter at once: only the bytes, the
model and one item's dicts exist at a time.

The parsing itself is json's (``raw_decode`` on the decoded piece), so what is accepted, rejected
and how numbers and strings decode is json's, duplicate keys included (the last one wins). The
bytes must be UTF-8 (no BOM): a report file is written that way.

Equal strings come out as one object: a report repeats the same rule IDs, remediations, reasons,
modes and keys tens of thousands of times, and json makes a new string for each.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Callable, Mapping
from typing import Any

# What the parse reads: the bytes, or a read-only memory map of the file (codec.load_file).
Buffer = bytes | mmap.mmap

_DECODER = json.JSONDecoder()
_WHITESPACE = frozenset(b" \t\n\r")   # RFC 8259's four
_MIN_WINDOW = 1 << 13                 # bytes decoded for one value at first; grown as needed


class _Doc:
    """The bytes and a cursor; one value at a time is decoded to text and parsed."""

    def __init__(self, data: Buffer, memo: dict[str, str],
                 done: Callable[[int], None] | None,
                 decoder: json.JSONDecoder = _DECODER) -> None:
        self.data = data
        self.decoder = decoder
        self.at = 0
        self.memo = memo
        self.done = done
        self.window = _MIN_WINDOW   # twice the last value's size: items of a list are alike

    def skip(self) -> None:
        data, at = self.data, self.at
        while at < len(data) and data[at] in _WHITESPACE:
            at += 1
        self.at = at

    def peek(self) -> bytes:
        self.skip()
        return self.data[self.at:self.at + 1]

    def expect(self, char: bytes) -> None:
        if self.peek() != char:
            raise self.error(f"Expecting {char.decode()!r}")
        self.at += 1

    def error(self, message: str) -> json.JSONDecodeError:
        return json.JSONDecodeError(f"{message} (byte {self.at})", "", 0)

    def value(self) -> Any:
        """The JSON value at the cursor, parsed from as few decoded bytes as it takes."""
        self.skip()
        data, start = self.data, self.at
        window = self.window
        while True:
            end = min(len(data), start + window)
            while end < len(data) and end > start and (data[end] & 0xC0) == 0x80:
                end -= 1   # never cut a UTF-8 sequence in two
            try:
                piece = data[start:end].decode("utf-8")
            except UnicodeDecodeError as exc:
                # Where in the file, not in the piece: the reader names the byte.
                raise UnicodeDecodeError(exc.encoding, exc.object, exc.start, exc.end,
                                         f"{exc.reason} at byte {start + exc.start}") from None
            try:
                value, used = self.decoder.raw_decode(piece)
            except json.JSONDecodeError as exc:
                if end == len(data):
                    raise json.JSONDecodeError(f"{exc.msg} (byte {start + exc.pos})", "",
                                               0) from None
                window *= 4
                continue
            # A value that ends with the piece may go on past it (a number cut short): look
            # further, unless the piece already runs to the end of the bytes.
            if used == len(piece) and end < len(data):
                window *= 4
                continue
            self.at = start + (used if piece.isascii() else len(piece[:used].encode("utf-8")))
            self.window = max(_MIN_WINDOW, 2 * (self.at - start))
            return _shared(value, self.memo)


def parse_object(data: Buffer, converters: Mapping[str, Callable[[Any], Any]], *,
                 done: Callable[[int], None] | None = None,
                 decoder: json.JSONDecoder = _DECODER) -> dict[str, Any]:
    """The JSON object in ``data``; a member named in ``converters`` whose value is an array
    becomes the tuple of ``converter(item)``. Raises ``json.JSONDecodeError`` (a ValueError) on
    text ``json.loads`` would refuse, UnicodeDecodeError on bytes that are not UTF-8, and
    whatever a converter raises. ``done(offset)`` is told, after each member and array item,
    that the bytes before ``offset`` will not be read again (a memory map can let them go).
    ``decoder``: the json decoder each value is parsed with (a strict reader refuses NaN)."""
    doc = _Doc(data, {}, done, decoder)
    out: dict[str, Any] = {}
    doc.expect(b"{")
    if doc.peek() == b"}":
        doc.at += 1
        return _end(doc, out)
    while True:
        if doc.peek() != b'"':
            raise doc.error("Expecting property name enclosed in double quotes")
        key = doc.value()
        doc.expect(b":")
        convert = converters.get(key)
        out[key] = _array(doc, convert) if convert is not None and doc.peek() == b"[" \
            else doc.value()
        if doc.done is not None:
            doc.done(doc.at)
        if doc.peek() == b"}":
            doc.at += 1
            return _end(doc, out)
        doc.expect(b",")


def parse_value(data: Buffer, decoder: json.JSONDecoder = _DECODER) -> Any:
    """The JSON value in ``data``, whatever it is (for a reader to say what it got instead of an
    object), parsed with ``decoder``; errors as ``parse_object``'s."""
    doc = _Doc(data, {}, None, decoder)
    value = doc.value()
    doc.skip()
    if doc.at != len(doc.data):
        raise doc.error("Extra data")
    return value


def starts_object(data: Buffer) -> bool:
    """Whether the first byte other than JSON whitespace opens an object."""
    doc = _Doc(data, {}, None)
    return doc.peek() == b"{"


def _array(doc: _Doc, convert: Callable[[Any], Any]) -> tuple[Any, ...]:
    items: list[Any] = []
    doc.expect(b"[")
    if doc.peek() == b"]":
        doc.at += 1
        return ()
    while True:
        items.append(convert(doc.value()))
        if doc.done is not None:
            doc.done(doc.at)
        if doc.peek() == b"]":
            doc.at += 1
            return tuple(items)
        doc.expect(b",")


def _shared(value: Any, memo: dict[str, str]) -> Any:
    """``value`` with each string replaced by the first equal one seen in this parse."""
    kind = type(value)
    if kind is str:
        return memo.setdefault(value, value)
    if kind is dict:
        return {memo.setdefault(k, k): _shared(v, memo) for k, v in value.items()}
    if kind is list:
        return [_shared(v, memo) for v in value]
    return value


def _end(doc: _Doc, out: dict[str, Any]) -> dict[str, Any]:
    doc.skip()
    if doc.at != len(doc.data):
        raise doc.error("Extra data")
    return out
