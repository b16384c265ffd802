"""Size facts from a TLS <= 1.2 ServerKeyExchange, without finishing the handshake.

The message's layout depends on the negotiated suite's key exchange (RFC 5246 §7.4.3,
RFC 8422 §5.4, RFC 4279 §2-4), which the message itself does not name -- so the suite is a
parameter. What the enumerator needs is the strength of the ephemeral parameters: the DH
prime's bit length (dh_min_bits), the ECDH named curve (groups), the export RSA modulus. The
signature that follows is read for length only, so the whole body is accounted for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hatls.tls.codec import Reader, malformed, unexpected
from hatls.tls.ffdhe import ffdhe_group_of
from hatls.tls.protocol import TLS12
from hatls.tls.suites import Authentication, KeyExchange, by_code

# RFC 8422 §5.4 ECCurveType; the explicit ones are reported with the groups registry's
# placeholders arbitrary_explicit_prime_curves / _char2_curves.
_EXPLICIT_PRIME, _EXPLICIT_CHAR2, _NAMED_CURVE = 1, 2, 3
_EXPLICIT_GROUP_CODES = {_EXPLICIT_PRIME: 0xFF01, _EXPLICIT_CHAR2: 0xFF02}
_TRINOMIAL, _PENTANOMIAL = 1, 2  # RFC 4492 §5.4 ECBasisType (errata 2389)
_UNSIGNED = frozenset({Authentication.ANON, Authentication.PSK})
_DH_KINDS = frozenset({KeyExchange.DHE, KeyExchange.DHE_PSK})
_ECDH_KINDS = frozenset({KeyExchange.ECDHE, KeyExchange.ECDHE_PSK})
_PSK_HINT_FIRST = frozenset({KeyExchange.DHE_PSK, KeyExchange.ECDHE_PSK})
_HINT_ONLY = frozenset({KeyExchange.PSK, KeyExchange.RSA_PSK})  # RFC 4279 §2 and §4
# RFC 5246 §7.4.3: "It is not legal to send the server key exchange message for" these.
_NO_SERVER_KEY_EXCHANGE = frozenset({KeyExchange.DH, KeyExchange.ECDH})


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerKeyExchange:
    key_exchange: KeyExchange | None  # None: the suite is unknown, so the body was not read
    dh_prime_bits: int | None = None
    # The RFC 7919 group whose prime dh_p is (groups.py code); None for any other prime.
    dh_group: int | None = None
    named_group: int | None = None  # groups.py code (0xFF01/0xFF02 for explicit curves)
    rsa_modulus_bits: int | None = None  # export RSA's temporary key
    signature_algorithm: int | None = None  # TLS 1.2's SignatureAndHashAlgorithm


def parse_server_key_exchange(body: bytes, *, cipher_suite: int, version: int) -> ServerKeyExchange:
    suite = by_code(cipher_suite)
    if suite is None:
        return ServerKeyExchange(key_exchange=None)
    kx = suite.key_exchange
    if kx in _NO_SERVER_KEY_EXCHANGE or (kx is KeyExchange.RSA and not suite.is_export):
        raise unexpected(f"ServerKeyExchange for {suite.iana_name}")
    reader = Reader(body)
    if kx in _PSK_HINT_FIRST:
        reader.vector(2, "psk_identity_hint")
    if kx in _DH_KINDS:
        prime = _dh_params(reader)
        facts = ServerKeyExchange(key_exchange=kx, dh_prime_bits=prime.bit_length(),
                                  dh_group=ffdhe_group_of(prime))
    elif kx in _ECDH_KINDS:
        facts = ServerKeyExchange(key_exchange=kx, named_group=_ec_params(reader))
    elif kx is KeyExchange.RSA:
        facts = ServerKeyExchange(key_exchange=kx, rsa_modulus_bits=_rsa_params(reader))
    elif kx in _HINT_ONLY:
        reader.vector(2, "psk_identity_hint")
        facts = ServerKeyExchange(key_exchange=kx)
    else:  # SRP, GOST, ...: nothing the report measures, so the body is left unread
        return ServerKeyExchange(key_exchange=kx)
    # Anonymous and PSK-authenticated exchanges are unsigned; so is RSA_PSK's bare hint.
    if suite.authentication not in _UNSIGNED and kx not in _HINT_ONLY:
        algorithm = reader.uint(2, "SignatureAndHashAlgorithm") if version >= TLS12 else None
        reader.vector(2, "ServerKeyExchange.signature")
        facts = replace(facts, signature_algorithm=algorithm)
    reader.expect_end("ServerKeyExchange")
    return facts


def _bits(value: bytes) -> int:
    return int.from_bytes(value, "big").bit_length()


def _dh_params(reader: Reader) -> int:
    """ServerDHParams: dh_p, dh_g, dh_Ys, each <1..2^16-1>; the prime (its size is the strength,
    its value names an RFC 7919 group)."""
    prime = reader.vector(2, "dh_p", minimum=1)
    reader.vector(2, "dh_g", minimum=1)
    reader.vector(2, "dh_Ys", minimum=1)
    return int.from_bytes(prime, "big")


def _rsa_params(reader: Reader) -> int:
    modulus = reader.vector(2, "rsa_modulus", minimum=1)
    reader.vector(2, "rsa_exponent", minimum=1)
    return _bits(modulus)


def _ec_params(reader: Reader) -> int:
    """ECParameters then the server's ECPoint (RFC 8422 §5.4, explicit curves from RFC 4492)."""
    curve_type = reader.uint(1, "ECCurveType")
    if curve_type == _NAMED_CURVE:
        group = reader.uint(2, "NamedCurve")
    elif curve_type in _EXPLICIT_GROUP_CODES:
        _skip_explicit_curve(reader, curve_type)
        group = _EXPLICIT_GROUP_CODES[curve_type]
    else:
        raise malformed(f"unknown ECCurveType {curve_type}")
    reader.vector(1, "ECPoint", minimum=1)
    return group


def _skip_explicit_curve(reader: Reader, curve_type: int) -> None:
    if curve_type == _EXPLICIT_PRIME:
        fields = ["prime_p"]
    else:
        reader.uint(2, "m")
        basis = reader.uint(1, "ECBasisType")
        if basis not in (_TRINOMIAL, _PENTANOMIAL):
            raise malformed(f"unknown ECBasisType {basis}")
        fields = ["k"] if basis == _TRINOMIAL else ["k1", "k2", "k3"]
    for field in (*fields, "curve.a", "curve.b", "base", "order", "cofactor"):
        reader.vector(1, field, minimum=1)
