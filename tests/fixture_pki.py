"""The fixture PKI (fixtures/certs) as the rule tests read it: PEM text, parsed certificates, facts."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography import x509

from hatls.x509 import CertificateFacts, certificate_facts, load_pem_certificates

CERTS = Path(__file__).resolve().parent.parent / "fixtures" / "certs"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@cache
def pem_text(name: str) -> str:
    return (CERTS / f"{name}.pem").read_text()


@cache
def certs(name: str) -> tuple[x509.Certificate, ...]:
    return load_pem_certificates(pem_text(name))


@cache
def facts(name: str) -> CertificateFacts:
    return certificate_facts(certs(name)[0])


def chain_facts(name: str) -> tuple[CertificateFacts, ...]:
    """The leaf and, where the fixture has one, the intermediates it is sent with."""
    extra = CERTS / f"{name}.chain.pem"
    rest = load_pem_certificates(extra.read_text()) if extra.exists() else ()
    return (facts(name), *(certificate_facts(c) for c in rest))
