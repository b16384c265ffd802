"""What the lab does with one accepted connection: its listening mode, or its fault.

Each behaviour reads at most MAX_READ bytes at a time and waits at most the idle timeout
for the peer, so a client that misbehaves can slow one connection down, never the lab.
"""

from __future__ import annotations

import socket
import struct

import trio
from OpenSSL import SSL

from hatls.lab.endpoint import EndpointConfig, Fault, LabTimeouts, ListenMode
from hatls.lab.hostile import HOSTILE_FAULTS, serve_hostile
from hatls.lab.tls_session import MAX_READ, serve_tls
from hatls.tls.protocol import FALLBACK_SCSV

# What the plaintext modes answer to any request: short, line-based, and not a TLS record
# (its first byte, "E", is no TLS content type), so a probe reads it as plaintext.
PLAINTEXT_REPLY = b"ERR unknown request\r\n"
# What a GARBAGE endpoint answers: bytes no TLS or line parser makes sense of.
GARBAGE_REPLY = b"\xde\xad\xbe\xef\x00garbage\xff\r\n"
# A tarpit swallows at most this much: it must not read unbounded data.
TARPIT_READ_LIMIT = 64 * 1024

_TLS_HANDSHAKE_RECORD = 0x16  # ContentType.handshake: the first byte of a ClientHello


async def handle_connection(
    stream: trio.SocketStream,
    config: EndpointConfig,
    context: SSL.Context | None,
    timeouts: LabTimeouts,
) -> None:
    """Serve one connection as `config` says; the caller closes the stream afterwards."""
    if config.fault in HOSTILE_FAULTS:
        await serve_hostile(stream, config, timeouts)
    elif config.fault is not Fault.NONE:
        await _misbehave(stream, config.fault, timeouts)
    elif config.mode is ListenMode.UNSECURED:
        await _send_banner(stream, config.banner)
        await _answer_plaintext(stream, pending=b"", timeouts=timeouts)
    elif config.mode is ListenMode.SECURED:
        assert context is not None  # built at startup for every TLS endpoint
        first = b""
        if config.close_on_fallback_scsv:
            first = await _read_client_hello_start(stream, timeouts)
            if not first or FALLBACK_SCSV in (_offered_suites(first) or ()):
                return  # the caller's close sends FIN: a refusal without an alert
        await serve_tls(stream, context, already_received=first, timeouts=timeouts)
    else:
        assert context is not None
        await _auto_detect(stream, config, context, timeouts)


async def _auto_detect(
    stream: trio.SocketStream,
    config: EndpointConfig,
    context: SSL.Context,
    timeouts: LabTimeouts,
) -> None:
    # Genesys "Auto Detect (Upgrade)": the first byte the client sends decides the protocol.
    await _send_banner(stream, config.banner)
    first = await _receive_or_none(stream, timeouts.idle)
    if not first:
        return
    if first[0] == _TLS_HANDSHAKE_RECORD:
        await serve_tls(stream, context, already_received=first, timeouts=timeouts)
    else:
        await _answer_plaintext(stream, pending=first, timeouts=timeouts)


# ClientHello up to its cipher suites: record header (5), handshake header (4), legacy_version
# (2), random (32), then session_id<0..32> and cipher_suites<2..2^16-2> (RFC 8446 §4.1.2).
_SUITES_AT = 5 + 4 + 2 + 32
_HELLO_PEEK_LIMIT = 16 * 1024  # a hatls hello fits; the lab must not read without bound


async def _read_client_hello_start(stream: trio.SocketStream, timeouts: LabTimeouts) -> bytes:
    """The client's first bytes, read on until the cipher-suite list is whole (bounded)."""
    data = b""
    while len(data) < _HELLO_PEEK_LIMIT and _offered_suites(data) is None:
        chunk = await _receive_or_none(stream, timeouts.idle)
        if not chunk:
            return data if chunk is None else b""
        data += chunk
    return data


def _offered_suites(data: bytes) -> frozenset[int] | None:
    """The suites of a TLS ClientHello at the start of ``data``; None until they are all there,
    empty for anything that is not a handshake record."""
    if data[:1] and data[0] != _TLS_HANDSHAKE_RECORD:
        return frozenset()
    if len(data) <= _SUITES_AT:
        return None
    at = _SUITES_AT + 1 + data[_SUITES_AT]
    if len(data) < at + 2:
        return None
    end = at + 2 + int.from_bytes(data[at:at + 2], "big")
    if len(data) < end:
        return None
    return frozenset(int.from_bytes(data[i:i + 2], "big") for i in range(at + 2, end - 1, 2))


async def _send_banner(stream: trio.SocketStream, banner: bytes) -> None:
    if banner:
        await stream.send_all(banner)


async def _answer_plaintext(
    stream: trio.SocketStream, *, pending: bytes, timeouts: LabTimeouts
) -> None:
    """Answer every chunk with one non-TLS line until the peer closes or idles out."""
    await _reply_to_each_chunk(stream, PLAINTEXT_REPLY, pending=pending, timeouts=timeouts)


async def _reply_to_each_chunk(
    stream: trio.SocketStream, reply: bytes, *, pending: bytes, timeouts: LabTimeouts
) -> None:
    chunk: bytes | None = pending
    while True:
        if chunk:
            with trio.fail_after(timeouts.idle):
                await stream.send_all(reply)
        chunk = await _receive_or_none(stream, timeouts.idle)
        if not chunk:
            return


async def _receive_or_none(stream: trio.SocketStream, seconds: float) -> bytes | None:
    """One bounded read; b"" when the peer closed, None when it stayed silent too long."""
    with trio.move_on_after(seconds):
        return await stream.receive_some(MAX_READ)
    return None


async def _misbehave(stream: trio.SocketStream, fault: Fault, timeouts: LabTimeouts) -> None:
    if fault is Fault.ACCEPT_CLOSE:
        return  # the caller's close sends FIN right after the accept
    if fault is Fault.RESET:
        # Linger on, timeout 0: close() discards the connection with an RST instead of a FIN.
        stream.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return
    if fault is Fault.TARPIT:
        await _tarpit(stream)
        return
    if fault is Fault.GARBAGE:
        await _reply_to_each_chunk(stream, GARBAGE_REPLY, pending=b"", timeouts=timeouts)
        return
    raise AssertionError(f"fault {fault} never reaches a connection")


async def _tarpit(stream: trio.SocketStream) -> None:
    """Never answer, never close; only the peer's close or the lab's stop ends this."""
    swallowed = 0
    while swallowed < TARPIT_READ_LIMIT:
        # Reading (and dropping) lets the lab notice a peer that gave up, so the counters
        # and the socket are released; there is deliberately no idle timeout here.
        chunk = await stream.receive_some(MAX_READ)
        if not chunk:
            return
        swallowed += len(chunk)
    await trio.sleep_forever()
