"""Certificates and chains, via `cryptography`: the facts hatls reports and the checks it makes.

Pure functions over parsed certificates; nothing here opens a socket or reads the clock
(validation time is always a parameter, the scan's start time). The work lives in:

- _facts.py       the docs/report.md certificate object (fingerprints, names, key, signature, EKU), and
                  ``bounded_text``, how every untrusted string is shown
- _oids.py        names for signature and EKU OIDs
- _load.py        DER chains from the wire, PEM bundles, the system trust store
- _chain.py       chain validation (TLS-031), _walk.py its diagnosis
- _host.py        RFC 6125 host-name matching (TLS-032)
- _crl.py         CRL lookups (TLS-038)
- _thumbprint.py  thumbprints (TLS-034, the inventory's ``thumbprint``)
"""

from __future__ import annotations

from hatls.x509._chain import ChainStatus, ChainVerdict, validate_chain, validation_time
from hatls.x509._crl import CrlStatus, CrlVerdict, crl_status, load_crl
from hatls.x509._facts import (
    MAX_NAME_CHARS,
    MAX_SAN_CHARS,
    MAX_SAN_ENTRIES,
    CertificateFacts,
    bounded_text,
    certificate_facts,
    name_text,
    require_aware,
    sha256_hex,
    signature_verifies,
)
from hatls.x509._host import NameMatch, dns_pattern_matches, match_host
from hatls.x509._load import (
    certificate_of,
    load_pem_certificates,
    parse_der_chain,
    system_trust_store,
)
from hatls.x509._oids import SIGNATURE_ALGORITHMS
from hatls.x509._thumbprint import fingerprint_matches, normalize_thumbprint, thumbprint_algorithm

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_SAN_CHARS",
    "MAX_SAN_ENTRIES",
    "SIGNATURE_ALGORITHMS",
    "CertificateFacts",
    "ChainStatus",
    "ChainVerdict",
    "CrlStatus",
    "CrlVerdict",
    "NameMatch",
    "bounded_text",
    "certificate_facts",
    "certificate_of",
    "crl_status",
    "dns_pattern_matches",
    "fingerprint_matches",
    "load_crl",
    "load_pem_certificates",
    "match_host",
    "name_text",
    "normalize_thumbprint",
    "parse_der_chain",
    "require_aware",
    "sha256_hex",
    "signature_verifies",
    "system_trust_store",
    "thumbprint_algorithm",
    "validate_chain",
    "validation_time",
]
