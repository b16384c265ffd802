"""Shared builders for tests that run real loopback lab servers."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from hatls.lab.pki import CertificateAuthority, IssuedCert

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@cache
def ca() -> CertificateAuthority:
    return CertificateAuthority.create("hatls test HA CA", now=NOW)


@cache
def leaf(host: str) -> IssuedCert:
    return ca().issue(common_name=host, dns_names=[host], now=NOW, days=365)
