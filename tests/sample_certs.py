"""The sample report's certificates: real X.509, byte-identical on every run.

Re-judging a report parses its PEMs, so the sample's certificates must be real ones whose facts
are exactly what ``hatls.x509.certificate_facts`` reads back from them. Reproducible because
nothing here is random: the keys are the committed test PKI of fixtures/certs/ (regenerating
that PKI changes the sample too), serials and dates are fixed, and every signature is
deterministic (RSA PKCS#1 v1.5; ECDSA per RFC 6979).

- Corp HA CA           root, RSA 2048 (fixtures/certs/ha-ca.key.pem), self-signed
- Corp HA Issuing CA   intermediate under it, EC P-256 (ha-intermediate.key.pem)
- tsrv-a / tsrv-b      leaves under the intermediate, RSA 2048 (tsrv-a / tsrv-b.key.pem)
- cs-a                 a self-signed leaf, EC P-256 (self-signed.key.pem), with ``<script>`` and
                       a 600-character OU in its subject (the scan keeps 1024 characters of a
                       name, a page 300) and, in its SAN, an escape sequence, a right-to-left override
                       and a NUL (written as raw DER: cryptography's DNSName refuses non-ASCII)
                       and a 5000-character DNS name
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID, NameOID

from hatls.lab.pki_build import extended_key_usage, key_usage
from hatls.x509 import CertificateFacts, certificate_facts

CERTS = Path(__file__).resolve().parent.parent / "fixtures" / "certs"
Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def fixture_key(stem: str) -> Key:
    key = serialization.load_pem_private_key((CERTS / f"{stem}.key.pem").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey), stem
    return key


def corp_name(common_name: str, organization: str = "Corp", unit: str | None = None) -> x509.Name:
    # RFC 4514 text lists the last attribute first: "CN=…,O=…[,OU=…]".
    unit_attribute = [] if unit is None else [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME,
                                                                 unit)]
    return x509.Name([*unit_attribute, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes((tag, size)) + body
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(octets))) + octets + body


def raw_dns_san(names: Sequence[str]) -> x509.UnrecognizedExtension:
    """A SAN of dNSNames written byte for byte (UTF-8 in the IA5String, as a hostile server may):
    x509.DNSName takes ASCII only, the parser reads any UTF-8 back."""
    body = b"".join(_der(0x82, name.encode("utf-8")) for name in names)
    return x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, _der(0x30, body))


def certificate(*, subject: x509.Name, key: Key, issuer: x509.Certificate | None,
                issuer_key: Key, serial: int, not_before: datetime, not_after: datetime,
                san: Sequence[str] = (), raw_san: Sequence[str] = (), ca: bool = False
                ) -> x509.Certificate:
    """One certificate; ``issuer`` None: self-signed (``issuer_key`` is then ``key``)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(key_usage(ca=ca, key=key), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False))
    if not ca:
        builder = builder.add_extension(extended_key_usage(["serverAuth", "clientAuth"]),
                                        critical=False)
    if san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in san]), critical=False)
    if raw_san:
        builder = builder.add_extension(raw_dns_san(raw_san), critical=False)
    # Deterministic ECDSA (RFC 6979) so that the fixture file is the same on every run;
    # PKCS#1 v1.5 RSA signatures are deterministic already.
    deterministic = True if isinstance(issuer_key, ec.EllipticCurvePrivateKey) else None
    return builder.sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=deterministic)


def facts(cert: x509.Certificate) -> CertificateFacts:
    """What hatls reports about ``cert``: read back, never written by hand."""
    return certificate_facts(cert)
