"""Certificate and chain facts via `cryptography`: the one import for the rest of hatls.

Pure functions over parsed certificates; nothing here opens a socket or reads the clock
(validation time is always a parameter, the scan's start time). The work lives in:

- certs_facts.py  the REPORT.md certificate object (fingerprints, names, key, signature, EKU)
- certs_load.py   DER chains from the wire, PEM bundles, the system trust store
- certs_chain.py  chain validation (TLS-031), certs_walk.py its diagnosis
- certs_host.py   RFC 6125 host-name matching (TLS-032)
- certs_crl.py    CRL lookups (TLS-038)

and thumbprints (TLS-034), small enough to live here.
"""

from __future__ import annotations

import string
import unicodedata

from hatls.tls.certs_chain import ChainStatus, ChainVerdict, validate_chain, validation_time
from hatls.tls.certs_crl import CrlStatus, CrlVerdict, crl_status, load_crl
from hatls.tls.certs_facts import (
    MAX_NAME_CHARS,
    MAX_SAN_CHARS,
    MAX_SAN_ENTRIES,
    CertificateFacts,
    bounded_text,
    certificate_facts,
    signature_verifies,
)
from hatls.tls.certs_host import NameMatch, match_host
from hatls.tls.certs_load import load_pem_certificates, parse_der_chain, system_trust_store

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_SAN_CHARS",
    "MAX_SAN_ENTRIES",
    "CertificateFacts",
    "ChainStatus",
    "ChainVerdict",
    "CrlStatus",
    "CrlVerdict",
    "NameMatch",
    "bounded_text",
    "certificate_facts",
    "crl_status",
    "fingerprint_matches",
    "load_crl",
    "load_pem_certificates",
    "match_host",
    "normalize_thumbprint",
    "parse_der_chain",
    "signature_verifies",
    "system_trust_store",
    "thumbprint_algorithm",
    "validate_chain",
    "validation_time",
]

_HEX_DIGITS = frozenset(string.hexdigits.lower())


def _is_separator(char: str) -> bool:
    # INVENTORY.md: colons or spaces between bytes, and the invisible characters a copy from
    # the Windows certificate dialog brings along (U+200E LEFT-TO-RIGHT MARK), are dropped.
    return char == ":" or char.isspace() or unicodedata.category(char) in {"Cf", "Cc", "Zs"}


def normalize_thumbprint(thumbprint: str) -> str:
    """Lowercase hex with separators and invisible characters removed ("AB:cd\u200e" -> "abcd")."""
    return "".join(char for char in thumbprint if not _is_separator(char)).lower()


def thumbprint_algorithm(thumbprint: str) -> str | None:
    """"sha1" for 40 hex digits, "sha256" for 64 (after normalizing), None for anything else."""
    digits = normalize_thumbprint(thumbprint)
    if not digits or not set(digits) <= _HEX_DIGITS:
        return None
    return {40: "sha1", 64: "sha256"}.get(len(digits))


def fingerprint_matches(facts: CertificateFacts, thumbprint: str) -> bool:
    """Whether ``thumbprint`` (SHA-1 or SHA-256, any common notation) is this certificate's.

    ValueError for a thumbprint that is neither: the inventory loader rejects those, so one
    reaching here is a caller's bug and must not read as "a different certificate".
    """
    algorithm = thumbprint_algorithm(thumbprint)
    if algorithm is None:
        raise ValueError(f"not a SHA-1 or SHA-256 thumbprint: {bounded_text(thumbprint, 100)!r}")
    expected = facts.sha1 if algorithm == "sha1" else facts.sha256
    return normalize_thumbprint(thumbprint) == expected
