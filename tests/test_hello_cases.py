"""One table of annotated byte cases for the hello codec, run both ways.

Client side: ``build_client_hello(spec) == wire`` and the test-only inverse parser below gives
back ``spec``. Server side: the codec's parser turns ``wire`` into the expected value, and the
test-only server builders below turn that value back into ``wire``. The builders and the inverse
parser are also what the property tests (test_hello_props.py) use to make and mutate flights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from hatls.tls.codec import Reader, Writer, split_uints
from hatls.tls.hello import (
    Alert,
    Certificate,
    FlightStatus,
    HelloFlag,
    HelloSpec,
    ServerHello,
    ServerKeyExchange,
    SSLv2Error,
    SSLv2ServerHello,
    build_client_hello,
    parse_alert,
    parse_certificate,
    parse_server_flight,
    parse_server_hello,
    parse_server_key_exchange,
    parse_sslv2_message,
)
from hatls.tls.protocol import ExtensionType, ProtocolVersion
from hatls.tls.suites import KeyExchange


def wire(annotated: str) -> bytes:
    """Hex with a comment per field: everything from '#' to the end of a line is ignored."""
    return bytes.fromhex("".join(line.split("#", 1)[0] for line in annotated.splitlines()))


# --- test-only server side: the inverse of the codec's parsers -----------------------------


def handshake(msg_type: int, body: bytes) -> bytes:
    return Writer().uint(msg_type, 1).vector(body, 3).getvalue()


def record(content_type: int, body: bytes, version: int = 0x0303) -> bytes:
    return Writer().uint(content_type, 1).uint(version, 2).vector(body, 2).getvalue()


def server_hello_body(hello: ServerHello) -> bytes:
    """The raw fields of ``hello`` encoded (no extensions block when there are none)."""
    writer = Writer().uint(hello.legacy_version, 2).raw(hello.random)
    writer.vector(hello.session_id, 1).uint(hello.cipher_suite, 2).uint(hello.compression_method, 1)
    if hello.extensions:
        with writer.scope(2) as block:
            for kind, data in hello.extensions:
                block.uint(kind, 2).vector(data, 2)
    return writer.getvalue()


def certificate_body(certificate: Certificate) -> bytes:
    writer = Writer()
    with writer.scope(3) as chain:
        for der in certificate.certificates:
            chain.vector(der, 3)
    return writer.getvalue()


def alert_body(alert: Alert) -> bytes:
    return bytes([alert.level, alert.description])


def sslv2_server_hello_record(hello: SSLv2ServerHello) -> bytes:
    specs = Writer()
    for kind in hello.cipher_kinds:
        specs.uint(kind, 3)
    body = Writer().uint(4, 1).uint(int(hello.session_id_hit), 1).uint(hello.certificate_type, 1)
    body.uint(hello.version, 2).uint(len(hello.certificate), 2).uint(len(specs), 2)
    body.uint(len(hello.connection_id), 2).raw(hello.certificate).raw(specs.getvalue())
    body.raw(hello.connection_id)
    return Writer().uint(0x8000 | len(body), 2).raw(body.getvalue()).getvalue()


def sslv2_error_record(error: SSLv2Error) -> bytes:
    return bytes([0x80, 3, 0]) + error.code.to_bytes(2, "big")


def ecdhe_key_exchange_body(group: int, point: bytes, algorithm: int, signature: bytes) -> bytes:
    writer = Writer().uint(3, 1).uint(group, 2).vector(point, 1)  # named_curve
    return writer.uint(algorithm, 2).vector(signature, 2).getvalue()


def dhe_key_exchange_body(p: bytes, g: bytes, ys: bytes, algorithm: int, signature: bytes) -> bytes:
    writer = Writer().vector(p, 2).vector(g, 2).vector(ys, 2)
    return writer.uint(algorithm, 2).vector(signature, 2).getvalue()


# --- test-only ClientHello parser: wire -> the HelloSpec that made it ----------------------

_SCSV_FLAGS = {0x00FF: HelloFlag.RENEGOTIATION_SCSV, 0x5600: HelloFlag.FALLBACK_SCSV}
_EMPTY_FLAGS = {
    ExtensionType.ENCRYPT_THEN_MAC: HelloFlag.ENCRYPT_THEN_MAC,
    ExtensionType.EXTENDED_MASTER_SECRET: HelloFlag.EXTENDED_MASTER_SECRET,
    ExtensionType.SESSION_TICKET: HelloFlag.SESSION_TICKET,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientHelloSeen:
    record_versions: tuple[int, ...]
    spec: HelloSpec  # for SSLv2 the random is zeros but for the 16-byte challenge at its end
    extension_types: tuple[int, ...]


def read_client_hello(data: bytes) -> ClientHelloSeen:
    if data[0] & 0x80:
        return _read_sslv2_client_hello(data)
    reader, fragments, versions = Reader(data), bytearray(), []
    while not reader.at_end():
        assert reader.uint(1, "type") == 22
        versions.append(reader.uint(2, "version"))
        fragments += reader.vector(2, "fragment")
    message = Reader(bytes(fragments))
    assert message.uint(1, "msg_type") == 1
    with message.scope(3, "ClientHello") as body:
        legacy_version = body.uint(2, "version")
        random = body.take(32, "random")
        session_id = body.vector(1, "session_id")
        offered = body.uint_list(2, 2, "cipher_suites")
        assert body.vector(1, "compression") == b"\x00"
        extensions = _extensions(body) if not body.at_end() else ()
    found = dict(extensions)
    versions_offered = Reader(found.get(43, b"\x00")).uint_list(1, 2, "supported_versions")
    spec = HelloSpec(
        version=ProtocolVersion.from_code(max((legacy_version, *versions_offered))),
        suites=tuple(code for code in offered if code not in _SCSV_FLAGS),
        random=random,
        session_id=session_id,
        groups=Reader(found.get(10, b"\x00\x00")).uint_list(2, 2, "groups"),
        server_name=_server_name(found.get(0)),
        flags=_flags(offered, found),
        signature_algorithms=Reader(found.get(13, b"\x00\x00")).uint_list(2, 2, "sigalgs"),
        key_shares=_key_shares(found.get(51)),
    )
    return ClientHelloSeen(
        record_versions=tuple(versions), spec=spec, extension_types=tuple(k for k, _ in extensions)
    )


def _extensions(body: Reader) -> tuple[tuple[int, bytes], ...]:
    extensions = []
    with body.scope(2, "extensions") as block:
        while not block.at_end():
            extensions.append((block.uint(2, "type"), block.vector(2, "data")))
    return tuple(extensions)


def _server_name(data: bytes | None) -> str | None:
    if data is None:
        return None
    with Reader(data).scope(2, "server_name_list") as names:
        assert names.uint(1, "name_type") == 0
        return names.vector(2, "host_name").decode("idna")


def _flags(offered: tuple[int, ...], found: dict[int, bytes]) -> frozenset[HelloFlag]:
    flags = {flag for code, flag in _SCSV_FLAGS.items() if code in offered}
    flags |= {flag for kind, flag in _EMPTY_FLAGS.items() if found.get(kind) == b""}
    if found.get(0xFF01) == b"\x00":
        flags.add(HelloFlag.RENEGOTIATION_INFO)
    if found.get(11) == b"\x01\x00":
        flags.add(HelloFlag.EC_POINT_FORMATS)
    return frozenset(flags)


def _key_shares(data: bytes | None) -> tuple[tuple[int, bytes], ...]:
    shares = []
    if data is not None:
        with Reader(data).scope(2, "client_shares") as entries:
            while not entries.at_end():
                shares.append((entries.uint(2, "group"), entries.vector(2, "key_exchange")))
    return tuple(shares)


def _read_sslv2_client_hello(data: bytes) -> ClientHelloSeen:
    reader = Reader(data)
    assert reader.uint(2, "header") & 0x7FFF == reader.remaining
    assert reader.uint(1, "msg_type") == 1  # CLIENT-HELLO
    assert reader.uint(2, "version") == 0x0002
    specs_length, session_id_length, challenge_length = (reader.uint(2, "length") for _ in "sic")
    kinds = split_uints(reader.take(specs_length, "cipher specs"), 3, "cipher specs")
    session_id = reader.take(session_id_length, "session id")
    challenge = reader.take(challenge_length, "challenge")
    reader.expect_end("CLIENT-HELLO")
    spec = HelloSpec(
        version="SSLv2",
        suites=tuple(kind for kind in kinds if kind not in _SCSV_FLAGS),
        random=bytes(32 - len(challenge)) + challenge,
        session_id=session_id,
        flags=frozenset(flag for code, flag in _SCSV_FLAGS.items() if code in kinds),
        signature_algorithms=(),
    )
    return ClientHelloSeen(record_versions=(), spec=spec, extension_types=())


# --- the table ------------------------------------------------------------------------------

RANDOM_00_1F = bytes(range(0x00, 0x20))
RANDOM_20_3F = bytes(range(0x20, 0x40))
SESSION_E0_FF = bytes(range(0xE0, 0x100))
KEY_40_5F = bytes(range(0x40, 0x60))


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientCase:
    name: str
    spec: HelloSpec
    wire: bytes


CLIENT_CASES = (
    ClientCase(
        name="tls12-sni-groups-flags",
        spec=HelloSpec(
            version="TLSv1.2",
            suites=(0xC02F, 0x009C),
            random=RANDOM_00_1F,
            groups=(29, 23),
            server_name="tsrv-a.example.test",
            signature_algorithms=(0x0804, 0x0403),
        ),
        wire=wire("""
            16 0301 0078          # record: handshake, version TLS 1.0 (RFC 8446 §5.1), 120 bytes
            01 000074             # ClientHello, 116 bytes
            0303                  # legacy_version TLS 1.2
            000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f  # random
            00                    # session_id: empty
            0004 c02f 009c        # cipher_suites: ECDHE-RSA-AES128-GCM-SHA256, AES128-GCM-SHA256
            01 00                 # compression_methods: null
            0047                  # extensions, 71 bytes
            0000 0018 0016 00 0013 747372762d612e6578616d706c652e74657374  # server_name
            000b 0002 01 00       # ec_point_formats: uncompressed
            000a 0006 0004 001d 0017  # supported_groups: x25519, secp256r1
            000d 0006 0004 0804 0403  # signature_algorithms: rsa_pss_rsae_sha256, ecdsa_p256
            0016 0000             # encrypt_then_mac
            0017 0000             # extended_master_secret
            0023 0000             # session_ticket: empty, "I can take a ticket" (RFC 5077)
            ff01 0001 00          # renegotiation_info: empty renegotiated_connection
        """),
    ),
    ClientCase(
        name="tls13-key-share",
        spec=HelloSpec(
            version="TLSv1.3",
            suites=(0x1301,),
            random=RANDOM_20_3F,
            session_id=SESSION_E0_FF,
            groups=(29,),
            key_shares=((29, KEY_40_5F),),
            flags=frozenset(),
            signature_algorithms=(0x0403,),
        ),
        wire=wire("""
            16 0301 0090          # record: handshake, TLS 1.0, 144 bytes
            01 00008c             # ClientHello, 140 bytes
            0303                  # legacy_version TLS 1.2: 1.3 is in supported_versions
            202122232425262728292a2b2c2d2e2f 303132333435363738393a3b3c3d3e3f  # random
            20 e0e1e2e3e4e5e6e7e8e9eaebecedeeef f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff  # session_id
            0002 1301             # cipher_suites: TLS_AES_128_GCM_SHA256
            01 00                 # compression_methods: null
            0041                  # extensions, 65 bytes
            000a 0004 0002 001d   # supported_groups: x25519
            000d 0004 0002 0403   # signature_algorithms: ecdsa_secp256r1_sha256
            002b 0003 02 0304     # supported_versions: TLS 1.3
            0033 0026 0024        # key_share, 38 bytes: client_shares, 36 bytes
            001d 0020 404142434445464748494a4b4c4d4e4f 505152535455565758595a5b5c5d5e5f
                                  # x25519, 32-byte public key
        """),
    ),
    ClientCase(
        name="sslv3-scsvs",
        spec=HelloSpec(
            version="SSLv3",
            suites=(0x000A, 0x0005),
            random=RANDOM_00_1F,
            flags=frozenset({HelloFlag.RENEGOTIATION_SCSV, HelloFlag.FALLBACK_SCSV}),
            signature_algorithms=(),
        ),
        wire=wire("""
            16 0300 0033          # record: handshake, SSLv3, 51 bytes
            01 00002f             # ClientHello, 47 bytes
            0300                  # client_version SSLv3
            000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f  # random
            00                    # session_id: empty
            0008 000a 0005 00ff 5600  # suites: DES-CBC3-SHA, RC4-SHA, reneg SCSV, fallback SCSV
            01 00                 # compression_methods: null; no extensions in SSLv3
        """),
    ),
    ClientCase(
        name="sslv2-client-hello",
        spec=HelloSpec(
            version="SSLv2",
            suites=(0x010080, 0x0700C0, 0x000A),
            random=bytes(16) + bytes(range(0x10, 0x20)),
            flags=frozenset(),
            signature_algorithms=(),
        ),
        wire=wire("""
            80 22                 # SSLv2 record, 2-byte header, 34 bytes
            01                    # CLIENT-HELLO
            0002                  # version SSLv2
            0009 0000 0010        # cipher-specs 9 bytes, session-id 0, challenge 16
            010080 0700c0 00000a  # RC4_128_WITH_MD5, DES_192_EDE3_CBC_WITH_MD5, TLS 0x000A
            101112131415161718191a1b1c1d1e1f  # challenge: the random's last 16 bytes
        """),
    ),
)


@pytest.mark.parametrize("case", CLIENT_CASES, ids=lambda case: case.name)
def test_client_hello_builds_the_annotated_bytes(case: ClientCase) -> None:
    assert build_client_hello(case.spec).hex() == case.wire.hex()


@pytest.mark.parametrize("case", CLIENT_CASES, ids=lambda case: case.name)
def test_client_hello_bytes_read_back_as_their_spec(case: ClientCase) -> None:
    assert read_client_hello(case.wire).spec == case.spec


SERVER_RANDOM_40_5F = bytes(range(0x40, 0x60))
SERVER_RANDOM_60_7F = bytes(range(0x60, 0x80))
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
KEY_80_9F = bytes(range(0x80, 0xA0))

TLS12_SERVER_HELLO = ServerHello(
    legacy_version=0x0303,
    random=SERVER_RANDOM_40_5F,
    session_id=bytes(range(0xA0, 0xA8)),
    cipher_suite=0xC02F,
    compression_method=0,
    extensions=((0xFF01, b"\x00"), (0x0017, b""), (0x000B, b"\x01\x00")),
    selected_version=0x0303,
    is_hello_retry_request=False,
    selected_group=None,
    renegotiation_info=b"",
    extended_master_secret=True,
    encrypt_then_mac=False,
)
TLS13_SERVER_HELLO = ServerHello(
    legacy_version=0x0303,
    random=SERVER_RANDOM_60_7F,
    session_id=SESSION_E0_FF,
    cipher_suite=0x1301,
    compression_method=0,
    extensions=((0x002B, b"\x03\x04"), (0x0033, b"\x00\x1d\x00\x20" + KEY_80_9F)),
    selected_version=0x0304,
    is_hello_retry_request=False,
    selected_group=29,
    renegotiation_info=None,
    extended_master_secret=False,
    encrypt_then_mac=False,
)
HELLO_RETRY_REQUEST = replace(
    TLS13_SERVER_HELLO,
    random=HRR_RANDOM,
    extensions=((0x002B, b"\x03\x04"), (0x0033, b"\x00\x17")),
    is_hello_retry_request=True,
    selected_group=23,
)
SSLV3_SERVER_HELLO = ServerHello(
    legacy_version=0x0300,
    random=RANDOM_00_1F,
    session_id=b"",
    cipher_suite=0x000A,
    compression_method=0,
    extensions=(),
    selected_version=0x0300,
    is_hello_retry_request=False,
    selected_group=None,
    renegotiation_info=None,
    extended_master_secret=False,
    encrypt_then_mac=False,
)
CERTIFICATE = Certificate(certificates=(b"\xaa\xbb\xcc", b"\xdd\xee"))
SSLV2_SERVER_HELLO = SSLv2ServerHello(
    session_id_hit=False,
    certificate_type=1,
    version=0x0002,
    certificate=b"\xaa\xbb\xcc",
    cipher_kinds=(0x010080, 0x0700C0),
    connection_id=bytes(range(0xC0, 0xD0)),
)


def _ske(cipher_suite: int) -> Callable[[bytes], ServerKeyExchange]:
    return lambda body: parse_server_key_exchange(body, cipher_suite=cipher_suite, version=0x0303)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerCase:
    name: str
    wire: bytes
    parse: Callable[[bytes], object]
    expected: object
    build: Callable[[], bytes]


SERVER_CASES = (
    ServerCase(
        name="tls12-server-hello",
        wire=wire("""
            0303                  # legacy_version TLS 1.2
            404142434445464748494a4b4c4d4e4f 505152535455565758595a5b5c5d5e5f  # random
            08 a0a1a2a3a4a5a6a7   # session_id, 8 bytes
            c02f                  # cipher_suite ECDHE-RSA-AES128-GCM-SHA256
            00                    # compression_method null
            000f                  # extensions, 15 bytes
            ff01 0001 00          # renegotiation_info: empty (secure renegotiation, RFC 5746)
            0017 0000             # extended_master_secret
            000b 0002 01 00       # ec_point_formats: uncompressed
        """),
        parse=parse_server_hello,
        expected=TLS12_SERVER_HELLO,
        build=lambda: server_hello_body(TLS12_SERVER_HELLO),
    ),
    ServerCase(
        name="tls13-server-hello",
        wire=wire("""
            0303                  # legacy_version TLS 1.2 (RFC 8446 §4.1.3)
            606162636465666768696a6b6c6d6e6f 707172737475767778797a7b7c7d7e7f  # random
            20 e0e1e2e3e4e5e6e7e8e9eaebecedeeef f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff  # session echo
            1301                  # cipher_suite TLS_AES_128_GCM_SHA256
            00                    # legacy_compression_method
            002e                  # extensions, 46 bytes
            002b 0002 0304        # supported_versions: selected TLS 1.3
            0033 0024             # key_share, 36 bytes
            001d 0020 808182838485868788898a8b8c8d8e8f 909192939495969798999a9b9c9d9e9f
                                  # x25519, 32-byte key
        """),
        parse=parse_server_hello,
        expected=TLS13_SERVER_HELLO,
        build=lambda: server_hello_body(TLS13_SERVER_HELLO),
    ),
    ServerCase(
        name="hello-retry-request",
        wire=wire("""
            0303                  # legacy_version TLS 1.2
            cf21ad74e59a6111be1d8c021e65b891 c2a211167abb8c5e079e09e2c8a8339c  # the HRR random
            20 e0e1e2e3e4e5e6e7e8e9eaebecedeeef f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff  # session echo
            1301                  # cipher_suite TLS_AES_128_GCM_SHA256
            00                    # legacy_compression_method
            000c                  # extensions, 12 bytes
            002b 0002 0304        # supported_versions: TLS 1.3
            0033 0002 0017        # key_share: selected_group secp256r1
        """),
        parse=parse_server_hello,
        expected=HELLO_RETRY_REQUEST,
        build=lambda: server_hello_body(HELLO_RETRY_REQUEST),
    ),
    ServerCase(
        name="sslv3-server-hello-without-extensions",
        wire=wire("""
            0300                  # server_version SSLv3
            000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f  # random
            00                    # session_id: empty
            000a                  # cipher_suite DES-CBC3-SHA
            00                    # compression_method; nothing follows: no extensions
        """),
        parse=parse_server_hello,
        expected=SSLV3_SERVER_HELLO,
        build=lambda: server_hello_body(SSLV3_SERVER_HELLO),
    ),
    ServerCase(
        name="fatal-handshake-failure",
        wire=wire("02 28  # level fatal, description handshake_failure (40)"),
        parse=parse_alert,
        expected=Alert(level=2, description=40),
        build=lambda: alert_body(Alert(level=2, description=40)),
    ),
    ServerCase(
        name="certificate-chain",
        wire=wire("""
            00000b                # certificate_list, 11 bytes
            000003 aabbcc         # first ASN.1Cert, 3 bytes (leaf)
            000002 ddee           # second, 2 bytes
        """),
        parse=parse_certificate,
        expected=CERTIFICATE,
        build=lambda: certificate_body(CERTIFICATE),
    ),
    ServerCase(
        name="ecdhe-server-key-exchange",
        wire=wire("""
            03 0017               # ECParameters: named_curve secp256r1
            05 0401020304         # ECPoint, 5 bytes
            0401                  # SignatureAndHashAlgorithm rsa_pkcs1_sha256
            0003 aabbcc           # signature, 3 bytes
        """),
        parse=_ske(0xC02F),
        expected=ServerKeyExchange(
            key_exchange=KeyExchange.ECDHE, named_group=23, signature_algorithm=0x0401
        ),
        build=lambda: ecdhe_key_exchange_body(23, b"\x04\x01\x02\x03\x04", 0x0401, b"\xaa\xbb\xcc"),
    ),
    ServerCase(
        name="dhe-server-key-exchange",
        wire=wire("""
            0002 fffb             # dh_p: a 16-bit prime
            0001 02               # dh_g
            0002 1234             # dh_Ys
            0804                  # SignatureAndHashAlgorithm rsa_pss_rsae_sha256
            0002 abcd             # signature, 2 bytes
        """),
        parse=_ske(0x009E),
        expected=ServerKeyExchange(
            key_exchange=KeyExchange.DHE, dh_prime_bits=16, signature_algorithm=0x0804
        ),
        build=lambda: dhe_key_exchange_body(b"\xff\xfb", b"\x02", b"\x12\x34", 0x0804, b"\xab\xcd"),
    ),
    ServerCase(
        name="sslv2-server-hello",
        wire=wire("""
            8024                  # SSLv2 record, 2-byte header, 36 bytes
            04                    # SERVER-HELLO
            00                    # SESSION-ID-HIT: no
            01                    # CERTIFICATE-TYPE: X.509
            0002                  # SERVER-VERSION SSLv2
            0003 0006 0010        # lengths: certificate 3, cipher specs 6, connection id 16
            aabbcc                # CERTIFICATE-DATA
            010080 0700c0         # CIPHER-SPECS: RC4_128_WITH_MD5, DES_192_EDE3_CBC_WITH_MD5
            c0c1c2c3c4c5c6c7c8c9cacbcccdcecf  # CONNECTION-ID
        """),
        parse=lambda data: parse_sslv2_message(data[2:]),
        expected=SSLV2_SERVER_HELLO,
        build=lambda: sslv2_server_hello_record(SSLV2_SERVER_HELLO),
    ),
    ServerCase(
        name="sslv2-error",
        wire=wire("8003 00 0001  # SSLv2 record of 3 bytes: ERROR, NO-CIPHER-ERROR"),
        parse=lambda data: parse_sslv2_message(data[2:]),
        expected=SSLv2Error(code=1),
        build=lambda: sslv2_error_record(SSLv2Error(code=1)),
    ),
)


@pytest.mark.parametrize("case", SERVER_CASES, ids=lambda case: case.name)
def test_server_bytes_parse_to_the_annotated_value(case: ServerCase) -> None:
    assert case.parse(case.wire) == case.expected


@pytest.mark.parametrize("case", SERVER_CASES, ids=lambda case: case.name)
def test_server_value_builds_the_annotated_bytes(case: ServerCase) -> None:
    assert case.build().hex() == case.wire.hex()


# --- whole flights assembled from the table, the seeds of the property tests -----------------

TLS12_OFFER = HelloSpec(
    version="TLSv1.2", suites=(0xC02F, 0x009E, 0x000A), random=RANDOM_00_1F, groups=(29, 23)
)
TLS13_OFFER = HelloSpec(
    version="TLSv1.3",
    suites=(0x1301, 0x1302),
    random=RANDOM_20_3F,
    session_id=SESSION_E0_FF,
    groups=(29, 23),
    key_shares=((29, KEY_40_5F),),
)
SSLV2_OFFER = HelloSpec(version="SSLv2", suites=(0x010080, 0x0700C0), random=RANDOM_00_1F)
SSLV3_OFFER = replace(TLS12_OFFER, version="SSLv3")

SERVER_HELLO_DONE = handshake(14, b"")
TLS12_FLIGHT = b"".join(
    (
        record(22, handshake(2, server_hello_body(TLS12_SERVER_HELLO))),
        record(22, handshake(11, certificate_body(CERTIFICATE))),
        record(22, handshake(12, SERVER_CASES[6].wire) + SERVER_HELLO_DONE),
    )
)
TLS13_FLIGHT = record(22, handshake(2, server_hello_body(TLS13_SERVER_HELLO))) + record(
    20, b"\x01"
)
HRR_FLIGHT = record(22, handshake(2, server_hello_body(HELLO_RETRY_REQUEST)))
ALERT_FLIGHT = record(21, b"\x02\x28", version=0x0301)

# (name, offer, flight bytes, status it must reach)
FLIGHTS: tuple[tuple[str, HelloSpec, bytes, FlightStatus], ...] = (
    ("tls12", TLS12_OFFER, TLS12_FLIGHT, FlightStatus.HELLO_DONE),
    ("tls13", TLS13_OFFER, TLS13_FLIGHT, FlightStatus.ENCRYPTED),
    ("hrr", TLS13_OFFER, HRR_FLIGHT, FlightStatus.HELLO_RETRY),
    ("alert", TLS12_OFFER, ALERT_FLIGHT, FlightStatus.ALERT),
    ("sslv2", SSLV2_OFFER, sslv2_server_hello_record(SSLV2_SERVER_HELLO), FlightStatus.SSLV2_HELLO),
    (
        "sslv3",
        SSLV3_OFFER,
        record(22, handshake(2, server_hello_body(SSLV3_SERVER_HELLO)) + SERVER_HELLO_DONE, 0x0300),
        FlightStatus.HELLO_DONE,
    ),
)


@pytest.mark.parametrize(("name", "offer", "data", "status"), FLIGHTS, ids=[f[0] for f in FLIGHTS])
def test_table_flights_reach_their_end(
    name: str, offer: HelloSpec, data: bytes, status: FlightStatus
) -> None:
    assert parse_server_flight(data, offered=offer).status is status
