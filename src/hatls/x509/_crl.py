"""Revocation of a served chain against the configured CRL (TLS-038), with `cryptography`.

"Only certificates whose issuer signed the CRL are checked": a CRL speaks for one CA, so a
certificate counts as covered when its issuer name is the CRL's issuer and the key that
signed the CRL also signed the certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from hatls.x509._facts import (
    bounded_text,
    name_text,
    require_aware,
    sha256_hex,
    signature_verifies,
)

_SIGNING_KEYS = (
    rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey,
    dsa.DSAPublicKey,
)


class CrlStatus(StrEnum):
    GOOD = "good"  # covered certificates checked, none revoked
    REVOKED = "revoked"
    NOT_COVERED = "not-covered"
    CRL_INVALID = "crl-invalid"


@dataclass(frozen=True, slots=True, kw_only=True)
class CrlVerdict:
    status: CrlStatus
    message: str
    checked: tuple[str, ...] = ()  # sha256 of the chain certificates the CRL covers
    revoked: tuple[str, ...] = ()  # sha256 of those it lists as revoked


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from PEM or DER bytes; ValueError when it is neither."""
    if b"-----BEGIN X509 CRL-----" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def _crl_signer(
    crl: x509.CertificateRevocationList, candidates: Sequence[x509.Certificate]
) -> tuple[x509.Certificate | None, bool]:
    """(the certificate whose key signed the CRL, whether any candidate bears its issuer name)."""
    named = [cert for cert in candidates if cert.subject == crl.issuer]
    for cert in named:
        try:
            key = cert.public_key()
            if isinstance(key, _SIGNING_KEYS) and crl.is_signature_valid(key):
                return cert, True
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue  # a key that cannot have signed the CRL
    return None, bool(named)


def _invalid(message: str) -> CrlVerdict:
    return CrlVerdict(status=CrlStatus.CRL_INVALID, message=bounded_text(message, 512))


def _not_covered(message: str) -> CrlVerdict:
    return CrlVerdict(status=CrlStatus.NOT_COVERED, message=bounded_text(message, 512))


def _freshness_problem(crl: x509.CertificateRevocationList, at: datetime) -> str | None:
    next_update = crl.next_update_utc
    if next_update is not None and next_update < at:
        return f"the CRL expired: nextUpdate {next_update.isoformat()} is before {at.isoformat()}"
    if crl.last_update_utc > at:
        return f"the CRL was issued after {at.isoformat()} ({crl.last_update_utc.isoformat()})"
    return None


def crl_status(
    chain: Sequence[x509.Certificate], crl_pem_or_der: bytes, *, at: datetime,
    issuers: Sequence[x509.Certificate],
) -> CrlVerdict:
    """Which certificates of ``chain`` the CRL revokes, judged at ``at``.

    ``issuers``: certificates that may have signed the CRL (the trusted CAs); the chain's own
    certificates are candidates too. A CRL from an issuer nobody here knows covers nothing.
    """
    require_aware(at)
    try:
        crl = load_crl(crl_pem_or_der)
        crl_issuer = name_text(crl.issuer, 200)
    except ValueError as error:
        return _invalid(f"the CRL cannot be decoded: {error}")
    signer, issuer_known = _crl_signer(crl, [*issuers, *chain])
    if signer is None:
        if issuer_known:
            return _invalid(f"the CRL's signature does not verify with the key of {crl_issuer}")
        return _not_covered(f"the CRL's issuer {crl_issuer} is neither trusted nor in the chain")
    problem = _freshness_problem(crl, at)
    if problem is not None:
        return _invalid(problem)
    covered = [
        cert for cert in chain if cert.issuer == crl.issuer and signature_verifies(cert, signer)
    ]
    if not covered:
        return _not_covered(f"the CRL of {crl_issuer} covers no certificate of the chain")
    revoked = [
        cert
        for cert in covered
        if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    ]
    checked = tuple(sha256_hex(cert) for cert in covered)
    if not revoked:
        return CrlVerdict(
            status=CrlStatus.GOOD, checked=checked,
            message=f"{len(covered)} certificate(s) checked against the CRL; none is revoked",
        )
    serials = ", ".join(format(cert.serial_number, "x") for cert in revoked)
    return CrlVerdict(
        status=CrlStatus.REVOKED, checked=checked,
        revoked=tuple(sha256_hex(cert) for cert in revoked),
        message=bounded_text(f"revoked by the CRL of {crl_issuer}: serial {serials}", 512),
    )
