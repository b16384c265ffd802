"""ClientHello bytes from a ``HelloSpec``: SSLv2, SSLv3, TLS 1.0 .. 1.3, record framing included.

Which extensions go into which hello, and why:

- SSLv2 and SSLv3 hellos carry none: SSLv2 has no place for them, and SSLv3 servers predate
  them (RFC 5746 §3.3 has SSLv3 clients ask for secure renegotiation with the SCSV instead).
- TLS 1.0 and 1.1 carry SNI, supported_groups, and what ``flags`` ask for.
- TLS 1.2 adds signature_algorithms (RFC 5246 §7.4.1.4.1: "not meaningful for TLS versions
  prior to 1.2").
- TLS 1.3 adds supported_versions (offering 1.3 alone) and key_share (RFC 8446 §4.2.8: "This
  vector MAY be empty if the client is requesting a HelloRetryRequest").
"""

from __future__ import annotations

from dataclasses import replace

from hatls.tls.codec import Writer
from hatls.tls.hello_spec import HelloFlag, HelloSpec
from hatls.tls.host_name import sni_host_name
from hatls.tls.protocol import (
    EMPTY_RENEGOTIATION_INFO_SCSV,
    FALLBACK_SCSV,
    MAX_PLAINTEXT_FRAGMENT,
    MAX_SSLV2_RECORD_BODY,
    SSLV2_CLIENT_HELLO,
    TLS12,
    TLS13,
    ContentType,
    ExtensionType,
    HandshakeType,
    ProtocolVersion,
)

_TLS10 = ProtocolVersion.TLS1_0.code
_HOST_NAME = 0  # RFC 6066 §3 NameType
_POINT_FORMATS = Writer().vector(b"\x00", 1).getvalue()  # ECPointFormatList: uncompressed
NULL_COMPRESSION = b"\x00"
DEFLATE_AND_NULL = b"\x01\x00"  # RFC 3749 §2: DEFLATE is method 1; null must still be offered
_SUPPORTED_VERSIONS = Writer().uint_list((TLS13,), 1, 2).getvalue()  # TLS 1.3 alone


class HelloTooLarge(ValueError):
    """The hello would exceed ``HelloSpec.max_size``; offer fewer suites (``chunk_suites``)."""


def build_client_hello(spec: HelloSpec) -> bytes:
    """The whole ClientHello as it goes on the wire: one SSLv2 record, or TLS record(s)."""
    hello = _sslv2_record(spec) if spec.version == "SSLv2" else _tls_records(spec)
    if spec.max_size is not None and len(hello) > spec.max_size:
        raise HelloTooLarge(f"the hello is {len(hello)} bytes, above max_size {spec.max_size}")
    return hello


def hello_size(spec: HelloSpec) -> int:
    """Bytes on the wire for ``spec`` (record headers included), whatever its max_size."""
    return len(build_client_hello(replace(spec, max_size=None)))


def chunk_suites(spec: HelloSpec, max_size: int) -> tuple[tuple[int, ...], ...]:
    """``spec.suites`` cut, in order, into runs whose hellos each fit in ``max_size`` bytes."""
    chunks: list[tuple[int, ...]] = []
    remaining = spec.suites
    while remaining:
        count = _suites_that_fit(replace(spec, suites=remaining, max_size=None), max_size)
        if count == 0:
            raise HelloTooLarge(f"no hello with even one suite fits in {max_size} bytes")
        chunks.append(remaining[:count])
        remaining = remaining[count:]
    return tuple(chunks)


def _suites_that_fit(spec: HelloSpec, max_size: int) -> int:
    # The size grows with the number of suites, so the largest prefix that fits is a bisection.
    low, high = 0, len(spec.suites)
    while low < high:
        middle = (low + high + 1) // 2
        if hello_size(replace(spec, suites=spec.suites[:middle])) <= max_size:
            low = middle
        else:
            high = middle - 1
    return low


def offered_suites(spec: HelloSpec) -> tuple[int, ...]:
    """The cipher-suite list as sent: ``spec.suites``, then the SCSVs ``flags`` ask for."""
    signalling = (
        (EMPTY_RENEGOTIATION_INFO_SCSV, HelloFlag.RENEGOTIATION_SCSV),
        (FALLBACK_SCSV, HelloFlag.FALLBACK_SCSV),
    )
    suites = spec.suites + tuple(code for code, flag in signalling if flag in spec.flags)
    if not suites:
        raise ValueError("a hello must offer at least one suite")  # cipher_suites<2..2^16-2>
    return suites


def client_hello_body(spec: HelloSpec) -> bytes:
    """RFC 5246 §7.4.1.2 / RFC 8446 §4.1.2 ClientHello, without its handshake header."""
    writer = Writer()
    writer.uint(min(spec.version_code, TLS12), 2)  # TLS 1.3 hides behind legacy_version 1.2
    writer.raw(spec.random)
    writer.vector(spec.session_id, 1)
    writer.uint_list(offered_suites(spec), 2, 2)
    writer.vector(compression_methods(spec), 1)
    extensions = client_extensions(spec)
    if extensions:  # no block at all rather than an empty one, as SSLv3-era servers expect
        with writer.scope(2) as block:
            for extension_type, data in extensions:
                block.uint(extension_type, 2).vector(data, 2)
    return writer.getvalue()


def compression_methods(spec: HelloSpec) -> bytes:
    """null only (CRIME), unless the spec asks whether the server would pick DEFLATE (RFC 3749).

    Never in a TLS 1.3 hello: RFC 8446 §4.1.2 has the server abort on anything but null."""
    deflate = spec.offer_deflate and spec.version_code < TLS13
    return DEFLATE_AND_NULL if deflate else NULL_COMPRESSION


def client_extensions(spec: HelloSpec) -> tuple[tuple[int, bytes], ...]:
    version = spec.version_code
    if version < _TLS10 and not (spec.sslv3_extensions and version == ProtocolVersion.SSL3.code):
        return ()

    def flagged(flag: HelloFlag, data: bytes) -> bytes | None:
        return data if flag in spec.flags else None

    wanted: list[tuple[int, bytes | None]] = [
        (ExtensionType.SERVER_NAME, _server_name(spec.server_name)),
        (ExtensionType.EC_POINT_FORMATS, flagged(HelloFlag.EC_POINT_FORMATS, _POINT_FORMATS)),
        (ExtensionType.SUPPORTED_GROUPS, _codes(spec.groups) if spec.groups else None),
        (ExtensionType.SIGNATURE_ALGORITHMS, _signature_algorithms(spec, version)),
        (ExtensionType.ENCRYPT_THEN_MAC, flagged(HelloFlag.ENCRYPT_THEN_MAC, b"")),
        (ExtensionType.EXTENDED_MASTER_SECRET, flagged(HelloFlag.EXTENDED_MASTER_SECRET, b"")),
        (ExtensionType.SESSION_TICKET, flagged(HelloFlag.SESSION_TICKET, b"")),
        (ExtensionType.SUPPORTED_VERSIONS, _SUPPORTED_VERSIONS if version >= TLS13 else None),
        (ExtensionType.KEY_SHARE, _key_share(spec) if version >= TLS13 else None),
        # RFC 5746 §3.4: an initial handshake sends an empty renegotiated_connection.
        (ExtensionType.RENEGOTIATION_INFO, flagged(HelloFlag.RENEGOTIATION_INFO, b"\x00")),
    ]
    return tuple((int(kind), data) for kind, data in wanted if data is not None)


def _server_name(name: str | None) -> bytes | None:
    host = None if name is None else sni_host_name(name)
    if host is None:
        return None
    writer = Writer()
    with writer.scope(2) as server_name_list:
        server_name_list.uint(_HOST_NAME, 1).vector(host, 2)
    return writer.getvalue()


def _codes(codes: tuple[int, ...]) -> bytes:
    return Writer().uint_list(codes, 2, 2).getvalue()


def _signature_algorithms(spec: HelloSpec, version: int) -> bytes | None:
    if version < TLS12 or not spec.signature_algorithms:
        return None
    return _codes(spec.signature_algorithms)


def _key_share(spec: HelloSpec) -> bytes:
    writer = Writer()
    with writer.scope(2) as client_shares:
        for group, public in spec.key_shares:
            client_shares.uint(group, 2).vector(public, 2)
    return writer.getvalue()


def _tls_records(spec: HelloSpec) -> bytes:
    message = Writer().uint(HandshakeType.CLIENT_HELLO, 1).vector(client_hello_body(spec), 3)
    handshake = message.getvalue()
    # RFC 8446 §5.1: legacy_record_version 0x0301 "for maximal compatibility" (RFC 5246 E.1).
    record_version = min(spec.version_code, _TLS10)
    records = Writer()
    for start in range(0, len(handshake), MAX_PLAINTEXT_FRAGMENT):
        fragment = handshake[start : start + MAX_PLAINTEXT_FRAGMENT]
        records.uint(ContentType.HANDSHAKE, 1).uint(record_version, 2).vector(fragment, 2)
    return records.getvalue()


def _sslv2_record(spec: HelloSpec) -> bytes:
    """SSLv2 CLIENT-HELLO in a 2-byte-header record (draft-hickman-netscape-ssl-00)."""
    # The challenge is 16 .. 32 bytes; 16, as SSLv2 clients sent, from the end of the random.
    challenge = spec.random[-16:]
    cipher_specs = Writer()
    for kind in offered_suites(spec):  # a TLS suite 0xC02F is the kind 0x00C02F
        cipher_specs.uint(kind, 3)
    body = Writer().uint(SSLV2_CLIENT_HELLO, 1).uint(ProtocolVersion.SSL2.code, 2)
    body.uint(len(cipher_specs), 2).uint(len(spec.session_id), 2).uint(len(challenge), 2)
    body.raw(cipher_specs.getvalue()).raw(spec.session_id).raw(challenge)
    if len(body) > MAX_SSLV2_RECORD_BODY:
        raise HelloTooLarge(f"an SSLv2 CLIENT-HELLO of {len(body)} bytes does not fit one record")
    return Writer().uint(0x8000 | len(body), 2).raw(body.getvalue()).getvalue()
