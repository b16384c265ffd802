"""Building blocks of the test PKI (hatls.lab.pki): keys, names, extensions, signing.

Kept apart from pki.py so that the public factory stays short. SHA-1 and MD5 signatures, which
cryptography refuses to make for certificates ("Hash algorithm 'sha1' not supported for
signatures"), are produced by ``resign_with_legacy_hash`` — the weak-signature fixtures need them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

EKU_BY_NAME: dict[str, x509.ObjectIdentifier] = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING,
    "anyExtendedKeyUsage": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
}

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "secp256r1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
    "secp256k1": ec.SECP256K1,
    "brainpoolP256r1": ec.BrainpoolP256R1,
}

_AllowedHash = hashes.SHA256 | hashes.SHA384 | hashes.SHA512
_MODERN_HASHES: dict[str, type[_AllowedHash]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

# DER AlgorithmIdentifier of sha256WithRSAEncryption and of its legacy siblings. They differ in
# the last OID byte only, so swapping one for the other keeps every length in the certificate.
_RSA_SHA256_ALGORITHM = bytes.fromhex("300d06092a864886f70d01010b0500")
_LEGACY_RSA_ALGORITHMS: dict[str, tuple[bytes, type[hashes.HashAlgorithm]]] = {
    "sha1": (bytes.fromhex("300d06092a864886f70d0101050500"), hashes.SHA1),
    "md5": (bytes.fromhex("300d06092a864886f70d0101040500"), hashes.MD5),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedCert:
    """A certificate with its key, as the lab servers and the tests consume it."""

    certificate: x509.Certificate
    private_key: PrivateKey
    cert_pem: bytes
    key_pem: bytes  # PKCS#8, unencrypted
    chain_pem: bytes  # intermediates to send after the leaf (leaf and root excluded); may be b""
    encrypted_key_pem: bytes | None = None  # PKCS#8 encrypted with the ``extra_password``

    @property
    def fullchain_pem(self) -> bytes:
        return self.cert_pem + self.chain_pem


@dataclass(frozen=True, slots=True, kw_only=True)
class LeafProfile:
    """What a leaf certificate should say."""

    common_name: str
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    not_before: datetime
    not_after: datetime
    eku: tuple[str, ...] | None = ("serverAuth", "clientAuth")  # None: no EKU extension
    signature_hash: str = "sha256"
    include_san: bool = True


def generate_key(
    key_type: str = "ec", *, key_bits: int = 2048, curve: str = "secp256r1"
) -> PrivateKey:
    """A fresh key: "ec" (named ``curve``), "rsa" (``key_bits``, 1024 allowed) or "ed25519"."""
    if key_type == "ec":
        curve_class = _CURVES.get(curve)
        if curve_class is None:
            raise ValueError(f"unknown EC curve {curve!r} (expected one of {sorted(_CURVES)})")
        return ec.generate_private_key(curve_class())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=key_bits)
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key type {key_type!r} (expected 'ec', 'rsa' or 'ed25519')")


def require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {moment!r}")


def subject_name(common_name: str) -> x509.Name:
    # CN only, like the names in docs/report.md's examples ("CN=Corp HA CA"): tests and the lab
    # compare subjects as plain strings.
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def key_pem(key: PrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def certificates_pem(certificates: Sequence[x509.Certificate]) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)


def modern_hash(key: PrivateKey, name: str) -> _AllowedHash | None:
    """The hash object cryptography signs with (None for EdDSA); SHA-2 family only."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if name not in _MODERN_HASHES:
        expected = ", ".join(sorted(_MODERN_HASHES))
        raise ValueError(f"unsupported signature hash {name!r} (expected one of {expected})")
    return _MODERN_HASHES[name]()


def sign(
    builder: x509.CertificateBuilder, issuer_key: PrivateKey, signature_hash: str
) -> x509.Certificate:
    if isinstance(issuer_key, ed25519.Ed25519PrivateKey) or signature_hash in _MODERN_HASHES:
        return builder.sign(issuer_key, modern_hash(issuer_key, signature_hash))
    if signature_hash in _LEGACY_RSA_ALGORITHMS:
        if not isinstance(issuer_key, rsa.RSAPrivateKey):
            raise ValueError(f"a {signature_hash} signature needs an RSA issuer key")
        modern = builder.sign(issuer_key, hashes.SHA256())
        return resign_with_legacy_hash(modern, issuer_key, signature_hash)
    raise ValueError(f"unknown signature hash {signature_hash!r}")


def resign_with_legacy_hash(
    certificate: x509.Certificate, issuer_key: rsa.RSAPrivateKey, signature_hash: str
) -> x509.Certificate:
    """The same certificate, signed sha1WithRSAEncryption or md5WithRSAEncryption.

    cryptography signs raw data with SHA-1 but will not build such a certificate, so the
    AlgorithmIdentifier inside the to-be-signed part is swapped (same length) and the result
    is signed and wrapped by hand: Certificate ::= SEQUENCE { tbs, algorithm, BIT STRING }.
    """
    legacy_algorithm, hash_class = _LEGACY_RSA_ALGORITHMS[signature_hash]
    tbs = certificate.tbs_certificate_bytes
    if tbs.count(_RSA_SHA256_ALGORITHM) != 1:
        raise ValueError("cannot locate the signature algorithm inside the certificate")
    legacy_tbs = tbs.replace(_RSA_SHA256_ALGORITHM, legacy_algorithm)
    signature = issuer_key.sign(legacy_tbs, padding.PKCS1v15(), hash_class())
    bit_string = b"\x03" + _der_length(len(signature) + 1) + b"\x00" + signature
    body = legacy_tbs + legacy_algorithm + bit_string
    return x509.load_der_x509_certificate(b"\x30" + _der_length(len(body)) + body)


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def subject_alt_name(
    dns_names: Sequence[str], ip_addresses: Sequence[str]
) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    names += [x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses]
    return x509.SubjectAlternativeName(names)


def extended_key_usage(names: Sequence[str]) -> x509.ExtendedKeyUsage:
    """EKU from names ("serverAuth", …) or dotted OIDs."""
    return x509.ExtendedKeyUsage([EKU_BY_NAME.get(n) or x509.ObjectIdentifier(n) for n in names])


def key_usage(*, ca: bool, key: PrivateKey) -> x509.KeyUsage:
    # TLS 1.2 RSA key transport needs keyEncipherment on an RSA leaf; EC/EdDSA keys only sign.
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not ca and isinstance(key, rsa.RSAPrivateKey),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def base_builder(
    *, subject: x509.Name, issuer: x509.Name, key: PrivateKey, issuer_key: PrivateKey,
    not_before: datetime, not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )


def build_leaf(
    profile: LeafProfile, *, key: PrivateKey, issuer_name: x509.Name | None,
    issuer_key: PrivateKey | None,
) -> x509.Certificate:
    """Build and sign a leaf; no issuer means self-signed."""
    subject = subject_name(profile.common_name)
    signer = issuer_key or key
    builder = base_builder(
        subject=subject, issuer=issuer_name or subject, key=key, issuer_key=signer,
        not_before=profile.not_before, not_after=profile.not_after,
    )
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
    builder = builder.add_extension(key_usage(ca=False, key=key), critical=True)
    if profile.eku is not None:
        builder = builder.add_extension(extended_key_usage(profile.eku), critical=False)
    if profile.include_san and (profile.dns_names or profile.ip_addresses):
        san = subject_alt_name(profile.dns_names, profile.ip_addresses)
        builder = builder.add_extension(san, critical=False)
    return sign(builder, signer, profile.signature_hash)


def package(
    certificate: x509.Certificate, key: PrivateKey, *, chain: Sequence[x509.Certificate] = (),
    extra_password: bytes | None = None,
) -> IssuedCert:
    return IssuedCert(
        certificate=certificate,
        private_key=key,
        cert_pem=certificates_pem([certificate]),
        key_pem=key_pem(key),
        chain_pem=certificates_pem(chain),
        encrypted_key_pem=key_pem(key, extra_password) if extra_password else None,
    )
