"""Hostile servers: raw-byte misbehaviours a scanner must survive (issue 5).

Each behaviour waits for the client's first bytes (its ClientHello, or the plaintext probe's
line), answers the way a broken or malicious server would, and stays bounded itself: it sends
at most a fixed amount, and it ends when the peer leaves, the idle timeout passes or the lab
stops. The TLS bytes are built here by hand, on purpose: pyOpenSSL will not send a record that
lies about its length or a certificate whose DER does not parse.

The replayed ServerHello is a plain TLS 1.2 one (ECDHE-RSA-AES128-GCM-SHA256, the empty
renegotiation_info an OpenSSL 3 client insists on) that ignores what the client offered: these
servers are about what comes *after* a plausible start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hatls.lab.endpoint import EndpointConfig, Fault, LabTimeouts
from hatls.lab.tls_session import MAX_READ

DRIP_INTERVAL = 1.0  # seconds between two bytes of a DRIP server ("a byte a second")
# 2^24 - 1: the most a handshake message header can claim (its length field is 3 bytes).
HUGE_CLAIM = 0xFFFFFF
# What a HUGE_RECORD server streams at most to honour its claim, and an ALERT_STORM server
# sends at most: more than any client budget, still a bounded amount for the lab.
HUGE_STREAM_LIMIT = 16 * 1024 * 1024
STORM_LIMIT = 1024 * 1024
# user_canceled (90) at warning level: a warning alert does not end the handshake by itself.
WARNING_ALERT = bytes([1, 90])

_HANDSHAKE, _ALERT = 22, 21
_SERVER_HELLO, _CERTIFICATE, _SERVER_HELLO_DONE = 2, 11, 14
_TLS12 = b"\x03\x03"
_ECDHE_RSA_AES128_GCM_SHA256 = b"\xc0\x2f"
_EMPTY_RENEGOTIATION_INFO = b"\xff\x01\x00\x01\x00"  # RFC 5746: type, length 1, empty
_FILLER_CHUNK = 2**14  # the largest plaintext record body (RFC 5246 §6.2.1)
# A stand-in leaf when the endpoint has no certificate: a SEQUENCE that claims 1000 bytes and
# holds 20, so every DER decoder stops inside it.
_BROKEN_DER = b"\x30\x82\x03\xe8" + b"\x30\x82\x03\xe0" + bytes(range(16))


def tls_record(content_type: int, body: bytes) -> bytes:
    """One TLS 1.2 record; the 2-byte length is written honestly."""
    return bytes([content_type]) + _TLS12 + len(body).to_bytes(2, "big") + body


def handshake_message(msg_type: int, body: bytes, *, claimed: int | None = None) -> bytes:
    """A handshake message; ``claimed`` puts another length in its 3-byte header."""
    length = len(body) if claimed is None else claimed
    return bytes([msg_type]) + length.to_bytes(3, "big") + body


def server_hello_body() -> bytes:
    # A random without RFC 8446's downgrade sentinel, an empty session id (a new session),
    # no compression.
    extensions = _EMPTY_RENEGOTIATION_INFO
    return (_TLS12 + bytes(range(32)) + b"\x00" + _ECDHE_RSA_AES128_GCM_SHA256 + b"\x00"
            + len(extensions).to_bytes(2, "big") + extensions)


def server_hello_record() -> bytes:
    return tls_record(_HANDSHAKE, handshake_message(_SERVER_HELLO, server_hello_body()))


def certificate_message(ders: list[bytes]) -> bytes:
    """RFC 5246 §7.4.2: a 3-byte-length list of 3-byte-length DER entries."""
    entries = b"".join(len(der).to_bytes(3, "big") + der for der in ders)
    return handshake_message(_CERTIFICATE, len(entries).to_bytes(3, "big") + entries)


def corrupt_der(der: bytes) -> bytes:
    """A certificate cut in half: the outer SEQUENCE still claims the whole length."""
    return der[: len(der) // 2]


def leaf_der(config: EndpointConfig) -> bytes:
    if not config.cert_pem:
        return _BROKEN_DER
    certificate = x509.load_pem_x509_certificate(config.cert_pem)
    return certificate.public_bytes(serialization.Encoding.DER)


def malformed_leaf_flight(config: EndpointConfig) -> bytes:
    """ServerHello, a Certificate whose leaf does not decode, ServerHelloDone."""
    certificate = certificate_message([corrupt_der(leaf_der(config))])
    done = handshake_message(_SERVER_HELLO_DONE, b"")
    return server_hello_record() + tls_record(_HANDSHAKE, certificate + done)


def truncated_flight(config: EndpointConfig) -> bytes:
    """ServerHello and the first half of a Certificate record: where a crash leaves a peer."""
    certificate = tls_record(_HANDSHAKE, certificate_message([leaf_der(config)]))
    return server_hello_record() + certificate[: len(certificate) // 2]


def huge_claim_start() -> bytes:
    """A record whose ServerHello header claims 16 MiB; the rest is filler."""
    claim = handshake_message(_SERVER_HELLO, b"", claimed=HUGE_CLAIM)
    return tls_record(_HANDSHAKE, claim + bytes(_FILLER_CHUNK - len(claim)))


Behaviour = Callable[[trio.SocketStream, EndpointConfig, LabTimeouts], Awaitable[None]]


async def serve_hostile(
    stream: trio.SocketStream, config: EndpointConfig, timeouts: LabTimeouts
) -> None:
    """Misbehave as ``config.fault`` says, once the client has said something."""
    with trio.move_on_after(timeouts.idle):
        if not await stream.receive_some(MAX_READ):
            return  # the peer left without a word
        await _BEHAVIOURS[config.fault](stream, config, timeouts)


async def _drip(stream: trio.SocketStream, config: EndpointConfig, _t: LabTimeouts) -> None:
    # A plausible answer, one byte a second: every single read succeeds, none completes.
    for byte in server_hello_record() + tls_record(_HANDSHAKE, certificate_message(
            [leaf_der(config)])):
        await stream.send_all(bytes([byte]))
        await trio.sleep(DRIP_INTERVAL)


async def _huge_record(stream: trio.SocketStream, _c: EndpointConfig, _t: LabTimeouts) -> None:
    await stream.send_all(huge_claim_start())
    filler = tls_record(_HANDSHAKE, bytes(_FILLER_CHUNK))
    sent = _FILLER_CHUNK
    while sent < HUGE_STREAM_LIMIT:  # honour the claim until the peer gives up
        await stream.send_all(filler)
        sent += _FILLER_CHUNK


async def _alert_storm(stream: trio.SocketStream, _c: EndpointConfig, _t: LabTimeouts) -> None:
    batch = tls_record(_ALERT, WARNING_ALERT) * 1024
    for _ in range(STORM_LIMIT // len(batch)):
        await stream.send_all(batch)
    await _wait_for_close(stream)


async def _close_mid_handshake(
    stream: trio.SocketStream, config: EndpointConfig, _t: LabTimeouts
) -> None:
    await stream.send_all(truncated_flight(config))  # then the caller's close sends FIN


async def _malformed_leaf(
    stream: trio.SocketStream, config: EndpointConfig, _t: LabTimeouts
) -> None:
    await stream.send_all(malformed_leaf_flight(config))
    await _wait_for_close(stream)


async def _wait_for_close(stream: trio.SocketStream) -> None:
    """Read and drop what the peer sends until it closes (the caller's timeout bounds this)."""
    while await stream.receive_some(MAX_READ):
        pass


_BEHAVIOURS: dict[Fault, Behaviour] = {
    Fault.DRIP: _drip,
    Fault.HUGE_RECORD: _huge_record,
    Fault.ALERT_STORM: _alert_storm,
    Fault.CLOSE_MID_HANDSHAKE: _close_mid_handshake,
    Fault.MALFORMED_LEAF: _malformed_leaf,
}
HOSTILE_FAULTS = frozenset(_BEHAVIOURS)
