"""A small test PKI: certificate authorities that issue leaves and CRLs, and self-signed leaves.

Used by the demo lab, the tests and ``fixtures/certs/generate.py``. Like trustme it does one
job: hand out real, parseable PEM material shaped the way a defect needs it (expired, wrong
host, weak key, SHA-1 signature, no EKU, …). Time is an input (``now``): a fixture set made
today can describe any moment, and nothing here reads the clock.

    ca = CertificateAuthority.create("HA CA", now=now)
    leaf = ca.issue(common_name="tsrv-a.example.test", dns_names=["tsrv-a.example.test"], now=now)
    leaf.cert_pem, leaf.key_pem, leaf.chain_pem
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hatls.lab.pki_build import (
    IssuedCert,
    LeafProfile,
    PrivateKey,
    base_builder,
    build_leaf,
    certificates_pem,
    generate_key,
    key_pem,
    key_usage,
    modern_hash,
    package,
    require_aware,
    sign,
    subject_name,
)

__all__ = ["BACKDATE", "CertificateAuthority", "IssuedCert", "PrivateKey", "self_signed"]

# Clock-skew allowance: a certificate made "now" starts an hour earlier, so a scanner whose
# clock is a little behind the lab's still sees it as valid.
BACKDATE = timedelta(hours=1)


def _validity(
    *, now: datetime, not_before: datetime | None, not_after: datetime | None, days: int
) -> tuple[datetime, datetime]:
    require_aware(now, "now")
    start = not_before if not_before is not None else now - BACKDATE
    end = not_after if not_after is not None else now + timedelta(days=days)
    require_aware(start, "not_before")
    require_aware(end, "not_after")
    return start, end


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateAuthority:
    """A root (no parent) or intermediate CA that issues leaves and CRLs."""

    certificate: x509.Certificate
    private_key: PrivateKey
    # What a leaf of this CA sends after itself: this CA and the intermediates above it
    # (the root is excluded: the peer has it already).
    issuer_chain: tuple[x509.Certificate, ...] = ()

    @classmethod
    def create(
        cls, common_name: str, *, now: datetime, key_type: str = "ec", key_bits: int = 2048,
        days: int = 3650, parent: CertificateAuthority | None = None,
        path_length: int | None = None, signature_hash: str = "sha256",
        not_before: datetime | None = None,
    ) -> CertificateAuthority:
        """A CA valid from ``not_before`` (default: ``now`` less BACKDATE) to ``now + days``."""
        start, end = _validity(now=now, not_before=not_before, not_after=None, days=days)
        key = generate_key(key_type, key_bits=key_bits)
        subject = subject_name(common_name)
        signer = parent.private_key if parent else key
        builder = base_builder(
            subject=subject, issuer=parent.certificate.subject if parent else subject,
            key=key, issuer_key=signer, not_before=start, not_after=end,
        )
        builder = builder.add_extension(x509.BasicConstraints(True, path_length), critical=True)
        builder = builder.add_extension(key_usage(ca=True, key=key), critical=True)
        certificate = sign(builder, signer, signature_hash)
        chain = (certificate, *parent.issuer_chain) if parent else ()
        return cls(certificate=certificate, private_key=key, issuer_chain=chain)

    @property
    def cert_pem(self) -> bytes:
        return certificates_pem([self.certificate])

    @property
    def key_pem(self) -> bytes:
        return key_pem(self.private_key)

    def issue(
        self, *, common_name: str, dns_names: Sequence[str] = (),
        ip_addresses: Sequence[str] = (), now: datetime, not_before: datetime | None = None,
        not_after: datetime | None = None, days: int = 825, key_type: str = "ec",
        key_bits: int = 2048, curve: str = "secp256r1",
        eku: Sequence[str] | None = ("serverAuth", "clientAuth"), signature_hash: str = "sha256",
        include_san: bool = True, extra_password: bytes | None = None,
    ) -> IssuedCert:
        """A leaf signed by this CA. ``eku=None`` leaves the EKU extension out entirely;
        ``include_san=False`` leaves out the SAN (a CN-only certificate)."""
        start, end = _validity(now=now, not_before=not_before, not_after=not_after, days=days)
        profile = LeafProfile(
            common_name=common_name, dns_names=tuple(dns_names),
            ip_addresses=tuple(ip_addresses), not_before=start, not_after=end,
            eku=None if eku is None else tuple(eku), signature_hash=signature_hash,
            include_san=include_san,
        )
        key = generate_key(key_type, key_bits=key_bits, curve=curve)
        certificate = build_leaf(
            profile, key=key, issuer_name=self.certificate.subject, issuer_key=self.private_key
        )
        return package(certificate, key, chain=self.issuer_chain, extra_password=extra_password)

    def crl(
        self, *, revoked_serials: Sequence[int], now: datetime, next_update_days: int = 30,
        signature_hash: str = "sha256",
    ) -> bytes:
        """A PEM CRL issued ``now`` that lists ``revoked_serials`` (revoked ``now``)."""
        require_aware(now, "now")
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now)
            .next_update(now + timedelta(days=next_update_days))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.private_key.public_key()),
                critical=False,
            )
        )
        for serial in revoked_serials:
            entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now)
            builder = builder.add_revoked_certificate(entry.build())
        crl = builder.sign(self.private_key, modern_hash(self.private_key, signature_hash))
        return crl.public_bytes(serialization.Encoding.PEM)


def self_signed(
    *, common_name: str, dns_names: Sequence[str] = (), ip_addresses: Sequence[str] = (),
    now: datetime, days: int = 825, key_type: str = "ec", key_bits: int = 2048,
    eku: Sequence[str] | None = ("serverAuth", "clientAuth"), signature_hash: str = "sha256",
) -> IssuedCert:
    """A self-signed leaf (not a CA): what a server presents when nobody issued it one."""
    start, end = _validity(now=now, not_before=None, not_after=None, days=days)
    profile = LeafProfile(
        common_name=common_name, dns_names=tuple(dns_names), ip_addresses=tuple(ip_addresses),
        not_before=start, not_after=end, eku=None if eku is None else tuple(eku),
        signature_hash=signature_hash,
    )
    key = generate_key(key_type, key_bits=key_bits)
    return package(build_leaf(profile, key=key, issuer_name=None, issuer_key=None), key)
