"""ServerKeyExchange size facts, per key exchange, read to the last byte."""

from __future__ import annotations

import pytest

from hatls.tls.codec import Writer
from hatls.tls.hello import (
    ParseErrorKind,
    ServerKeyExchange,
    TLSParseError,
    parse_server_key_exchange,
)
from hatls.tls.suites import KeyExchange, by_code, lookup

TLS10, TLS12 = 0x0301, 0x0303
PRIME_1024 = b"\xff" * 128


def code(name: str) -> int:
    suite = lookup(name)
    assert suite is not None, name
    return suite.code


def dh_params(prime: bytes = PRIME_1024) -> Writer:
    return Writer().vector(prime, 2).vector(b"\x02", 2).vector(b"\x05" * 8, 2)


def signed(writer: Writer, *, algorithm: int | None = 0x0401) -> bytes:
    if algorithm is not None:
        writer.uint(algorithm, 2)
    return writer.vector(b"\x5a" * 10, 2).getvalue()


def parse(body: bytes, suite: str, version: int = TLS12) -> ServerKeyExchange:
    return parse_server_key_exchange(body, cipher_suite=code(suite), version=version)


def test_dhe_reports_the_prime_size() -> None:
    facts = parse(signed(dh_params()), "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")
    assert facts == ServerKeyExchange(
        key_exchange=KeyExchange.DHE, dh_prime_bits=1024, signature_algorithm=0x0401
    )


def test_tls10_signatures_carry_no_algorithm() -> None:
    facts = parse(signed(dh_params(), algorithm=None), "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", TLS10)
    assert facts.dh_prime_bits == 1024 and facts.signature_algorithm is None


def test_prime_size_counts_significant_bits() -> None:
    body = signed(dh_params(b"\x00\x7f" + b"\xff" * 126))
    facts = parse(body, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")
    assert facts.dh_prime_bits == 1015


def test_anonymous_dh_is_unsigned() -> None:
    facts = parse(dh_params().getvalue(), "TLS_DH_anon_WITH_AES_128_CBC_SHA")
    assert facts == ServerKeyExchange(key_exchange=KeyExchange.DHE, dh_prime_bits=1024)


def test_dhe_psk_reads_the_hint_first() -> None:
    body = Writer().vector(b"hint", 2).raw(dh_params().getvalue()).getvalue()
    facts = parse(body, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA")
    assert facts == ServerKeyExchange(key_exchange=KeyExchange.DHE_PSK, dh_prime_bits=1024)


def test_ecdhe_psk_reads_the_hint_then_the_curve() -> None:
    body = Writer().vector(b"", 2).uint(3, 1).uint(24, 2).vector(b"\x04" * 97, 1).getvalue()
    facts = parse(body, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA")
    assert facts == ServerKeyExchange(key_exchange=KeyExchange.ECDHE_PSK, named_group=24)


@pytest.mark.parametrize(
    "suite", ["TLS_PSK_WITH_AES_128_CBC_SHA", "TLS_RSA_PSK_WITH_AES_128_CBC_SHA"]
)
def test_psk_hint_only(suite: str) -> None:
    facts = parse(Writer().vector(b"identity hint", 2).getvalue(), suite)
    assert facts.named_group is None and facts.dh_prime_bits is None
    with pytest.raises(TLSParseError):
        parse(Writer().vector(b"identity hint", 2).raw(b"\x00").getvalue(), suite)


def test_explicit_prime_curve_is_the_explicit_placeholder() -> None:
    body = Writer().uint(1, 1)  # explicit_prime
    for field in (b"p" * 32, b"a", b"b", b"G" * 65, b"n" * 32, b"\x01"):
        body.vector(field, 1)
    body.vector(b"\x04" * 65, 1)  # the server's point
    facts = parse(signed(body), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
    assert facts.named_group == 0xFF01


@pytest.mark.parametrize(("basis", "ks"), [(1, 1), (2, 3)])
def test_explicit_char2_curve_reads_its_basis(basis: int, ks: int) -> None:
    body = Writer().uint(2, 1).uint(163, 2).uint(basis, 1)
    for field in (*([b"\x07"] * ks), b"a", b"b", b"G" * 43, b"n" * 21, b"\x02"):
        body.vector(field, 1)
    body.vector(b"\x04" * 43, 1)
    assert parse(signed(body), "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA").named_group == 0xFF02


@pytest.mark.parametrize(
    "body",
    [
        Writer().uint(4, 1).uint(23, 2).getvalue(),  # no ECCurveType 4
        Writer().uint(2, 1).uint(163, 2).uint(3, 1).getvalue(),  # no ECBasisType 3
        Writer().uint(3, 1).uint(23, 2).vector(b"", 1).getvalue(),  # empty point
    ],
)
def test_bad_ec_parameters_are_malformed(body: bytes) -> None:
    with pytest.raises(TLSParseError) as raised:
        parse(body, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    assert raised.value.kind is ParseErrorKind.MALFORMED


def test_export_rsa_reports_the_temporary_modulus() -> None:
    body = Writer().vector(b"\xc3" * 64, 2).vector(b"\x01\x00\x01", 2)
    facts = parse(signed(body, algorithm=None), "TLS_RSA_EXPORT_WITH_RC4_40_MD5", TLS10)
    assert facts == ServerKeyExchange(key_exchange=KeyExchange.RSA, rsa_modulus_bits=512)


@pytest.mark.parametrize(
    "suite",
    [
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_DH_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA",
    ],
)
def test_key_exchanges_without_the_message_refuse_it(suite: str) -> None:
    with pytest.raises(TLSParseError) as raised:
        parse(signed(dh_params()), suite)
    assert raised.value.kind is ParseErrorKind.UNEXPECTED


def test_trailing_bytes_after_the_signature_are_malformed() -> None:
    with pytest.raises(TLSParseError) as raised:
        parse(signed(dh_params()) + b"\x00", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")
    assert raised.value.kind is ParseErrorKind.MALFORMED


def test_an_unknown_suite_is_not_guessed_at() -> None:
    assert by_code(0xFAFA) is None
    facts = parse_server_key_exchange(b"\x00\x01\x02", cipher_suite=0xFAFA, version=TLS12)
    assert facts == ServerKeyExchange(key_exchange=None)


def test_srp_is_named_but_not_measured() -> None:
    facts = parse(b"\x00\x01\x02", "TLS_SRP_SHA_WITH_AES_128_CBC_SHA")
    assert facts == ServerKeyExchange(key_exchange=KeyExchange.SRP)
