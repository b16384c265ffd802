"""Real bytes: our ClientHellos fed to an OpenSSL server through memory BIOs (no socket at all),
and the server's answer parsed back. OpenSSL is the judge of the builder and the source of
the parser's real-world input."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key
from OpenSSL import SSL

from hatls.tls.hello import (
    DEFAULT_SIGNATURE_ALGORITHMS,
    Alert,
    FlightStatus,
    HelloFlag,
    HelloSpec,
    ServerFlight,
    ServerFlightReader,
    build_client_hello,
    key_share_entry,
    parse_server_flight,
)

CERTS = Path(__file__).resolve().parents[1] / "fixtures" / "certs"
CERTIFICATE = x509.load_pem_x509_certificate((CERTS / "tsrv-a.pem").read_bytes())
KEY = load_pem_private_key((CERTS / "tsrv-a.key.pem").read_bytes(), password=None)
RANDOM = bytes(range(100, 132))
SESSION_ID = bytes(range(32))
X25519_KEY = x25519.X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
P256_KEY = ec.derive_private_key(0xC0FFEE, ec.SECP256R1())
# RFC 7919 ffdhe2048 (`openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048`).
FFDHE2048_PEM = b"""-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""


def server_context(
    *, oldest: int = SSL.TLS1_VERSION, newest: int = SSL.TLS1_3_VERSION
) -> SSL.Context:
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(oldest)
    context.set_max_proto_version(newest)
    context.set_cipher_list(b"ALL:@SECLEVEL=0")  # TLS 1.0/1.1 and plain RSA stay available
    context.use_certificate(CERTIFICATE)
    context.use_privatekey(KEY)  # type: ignore[arg-type]  # pyOpenSSL checks the key type
    return context


def answer(context: SSL.Context, client_hello: bytes) -> bytes:
    """Everything the server writes after reading ``client_hello``."""
    server = SSL.Connection(context, None)
    server.set_accept_state()
    server.bio_write(client_hello)
    try:
        server.do_handshake()
    except SSL.WantReadError:
        pass  # waiting for our second flight: the usual case
    except SSL.Error:
        pass  # refused: what it wrote (an alert) is still in the BIO
    written = bytearray()
    while True:
        try:
            written += server.bio_read(65536)
        except SSL.WantReadError:
            return bytes(written)


def spec(version: str = "TLSv1.2", **changes: Any) -> HelloSpec:
    base = HelloSpec(
        version=version,
        suites=(0xC02F,),
        random=RANDOM,
        groups=(23,),
        server_name="tsrv-a.example.test",
    )
    return replace(base, **changes)


def flight_of(context: SSL.Context, offer: HelloSpec) -> ServerFlight:
    data = answer(context, build_client_hello(offer))
    whole = parse_server_flight(data, offered=offer)
    reader = ServerFlightReader(offer)
    bytewise = [reader.feed(data[at : at + 1]) for at in range(len(data))]
    assert bytewise[-1] == whole  # the invariant, on real bytes
    return whole


@pytest.fixture
def context() -> SSL.Context:
    return server_context()


@pytest.fixture
def dhe_context(tmp_path: Path) -> Iterator[SSL.Context]:
    params = tmp_path / "ffdhe2048.pem"
    params.write_bytes(FFDHE2048_PEM)
    context = server_context()
    context.load_tmp_dh(str(params))
    yield context


def test_tls12_ecdhe_flight(context: SSL.Context) -> None:
    names: list[bytes | None] = []
    context.set_tlsext_servername_callback(lambda conn: names.append(conn.get_servername()))
    flight = flight_of(context, spec())
    assert names == [b"tsrv-a.example.test"]
    assert flight.status is FlightStatus.HELLO_DONE
    hello = flight.server_hello
    assert hello is not None
    assert (hello.selected_version_name, hello.cipher_suite) == ("TLSv1.2", 0xC02F)
    assert hello.renegotiation_info == b"" and hello.extended_master_secret
    assert not hello.encrypt_then_mac  # RFC 7366: not for AEAD suites
    assert hello.downgrade_sentinel == "TLSv1.2"  # a TLS 1.3 server answering 1.2
    assert flight.certificate is not None
    assert flight.certificate.certificates == (CERTIFICATE.public_bytes(Encoding.DER),)
    assert flight.server_key_exchange is not None
    assert flight.server_key_exchange.named_group == 23
    assert flight.server_key_exchange.signature_algorithm in DEFAULT_SIGNATURE_ALGORITHMS
    assert flight.handshake_types == (2, 11, 12, 14)


def test_tls12_cbc_suite_gets_encrypt_then_mac(context: SSL.Context) -> None:
    hello = flight_of(context, spec(suites=(0xC013,))).server_hello
    assert hello is not None and hello.cipher_suite == 0xC013 and hello.encrypt_then_mac


def test_tls12_dhe_reports_the_prime_size(dhe_context: SSL.Context) -> None:
    flight = flight_of(dhe_context, spec(suites=(0x009E,)))
    assert flight.server_key_exchange is not None
    assert flight.server_key_exchange.dh_prime_bits == 2048


def test_tls12_rsa_key_transport_sends_no_key_exchange(context: SSL.Context) -> None:
    flight = flight_of(context, spec(suites=(0x009C,)))
    assert flight.status is FlightStatus.HELLO_DONE and flight.server_key_exchange is None


@pytest.mark.parametrize(("version", "code"), [("TLSv1.0", 0x0301), ("TLSv1.1", 0x0302)])
def test_legacy_versions_sign_without_an_algorithm(
    context: SSL.Context, version: str, code: int
) -> None:
    flight = flight_of(context, spec(version, suites=(0xC013,)))
    assert flight.server_hello is not None and flight.server_hello.selected_version == code
    assert flight.server_key_exchange is not None
    assert flight.server_key_exchange.signature_algorithm is None


@pytest.mark.parametrize("key", [X25519_KEY, P256_KEY], ids=["x25519", "secp256r1"])
def test_tls13_server_hello(
    context: SSL.Context, key: x25519.X25519PrivateKey | ec.EllipticCurvePrivateKey
) -> None:
    group, public = key_share_entry(key)
    offer = spec(
        "TLSv1.3",
        suites=(0x1302, 0x1301),
        groups=(group,),
        key_shares=((group, public),),
        session_id=SESSION_ID,
    )
    flight = flight_of(context, offer)
    assert flight.status is FlightStatus.ENCRYPTED
    hello = flight.server_hello
    assert hello is not None
    assert hello.selected_version_name == "TLSv1.3" and hello.selected_group == group
    assert hello.cipher_suite in (0x1302, 0x1301) and hello.session_id == SESSION_ID


def test_tls13_without_a_share_gets_a_retry_request(context: SSL.Context) -> None:
    flight = flight_of(context, spec("TLSv1.3", suites=(0x1301,), groups=(23,)))
    assert flight.status is FlightStatus.HELLO_RETRY
    assert flight.server_hello is not None and flight.server_hello.selected_group == 23


def test_openssl_capped_at_tls12_refuses_a_tls13_only_hello() -> None:
    # It reads supported_versions (which offers 1.3 alone) instead of falling back to
    # legacy_version: a version alert, not a TLS 1.2 ServerHello.
    offer = spec("TLSv1.3", suites=(0x1301, 0xC02F), key_shares=(key_share_entry(P256_KEY),))
    flight = flight_of(server_context(newest=SSL.TLS1_2_VERSION), offer)
    assert flight.alert == Alert(level=2, description=70)
    assert flight.alert.description_name == "protocol_version"


def test_fallback_scsv_below_the_top_version_is_refused(context: SSL.Context) -> None:
    offer = spec("TLSv1.1", suites=(0xC013,), flags=frozenset({HelloFlag.FALLBACK_SCSV}))
    flight = flight_of(context, offer)
    assert flight.alert == Alert(level=2, description=86)
    assert flight.alert.description_name == "inappropriate_fallback"


def test_no_shared_suite_is_a_handshake_failure(context: SSL.Context) -> None:
    flight = flight_of(context, spec(suites=(0x0001,)))  # NULL-MD5: not in ALL
    assert flight.status is FlightStatus.ALERT and flight.alert == Alert(level=2, description=40)


def test_sslv3_is_refused_with_protocol_version(context: SSL.Context) -> None:
    flight = flight_of(context, spec("SSLv3", suites=(0x000A,)))
    assert flight.alert == Alert(level=2, description=70)


def test_an_sslv2_hello_gets_no_answer_from_openssl_3(context: SSL.Context) -> None:
    offer = HelloSpec(version="SSLv2", suites=(0x010080, 0x0700C0), random=RANDOM)
    assert answer(context, build_client_hello(offer)) == b""
    assert ServerFlightReader(offer).feed(b"").status is FlightStatus.CLOSED


def test_a_certificate_request_is_seen(context: SSL.Context) -> None:
    context.set_verify(SSL.VERIFY_PEER)
    flight = flight_of(context, spec())
    assert flight.certificate_requested and flight.handshake_types == (2, 11, 12, 13, 14)


def test_openssl_reads_a_hello_split_over_two_records(context: SSL.Context) -> None:
    # 9000 unassigned suites first: the one OpenSSL knows sits in the second record.
    unknown = tuple(code for code in range(0x6000, 0x6000 + 9000))
    offer = spec(suites=(*unknown, 0xC02F))
    assert len(build_client_hello(offer)) > 2**14 + 5
    hello = flight_of(context, offer).server_hello
    assert hello is not None and hello.cipher_suite == 0xC02F
