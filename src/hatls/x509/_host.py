"""Does a certificate name the host it is served from? RFC 6125, as TLS-032 needs it.

RFC 6125 §6.4.4: "a client MUST NOT seek a match for a reference identifier of CN-ID if the
presented identifiers include a DNS-ID, SRV-ID, URI-ID, or any application-specific identifier
types supported by the client" — so SANs decide when present, and a certificate with no SAN
whose CN matches is only CN_ONLY (older Genesys Security Packs check the CN alone).
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum

from cryptography import x509
from cryptography.x509.oid import NameOID

from hatls.tls.host_name import a_label_host
from hatls.x509._facts import (
    bounded_text,
    extension_value,
    general_name_text,
    quiet_cryptography,
)

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_MAX_DETAIL_CHARS = 512


class NameMatch(StrEnum):
    MATCH = "match"
    CN_ONLY = "cn-only"
    MISMATCH = "mismatch"


def _ip_literal(host: str) -> _IPAddress | None:
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):  # a URL-style IPv6 literal
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _ascii_host(host: str) -> str:
    """Lower-case ASCII (A-label) form, trailing dot dropped; unencodable names stay as given."""
    try:
        return a_label_host(host)   # IDNA 2008, as the SNI the probes sent
    except ValueError:
        return host.strip().rstrip(".").lower()


def dns_pattern_matches(pattern: str, host: str) -> bool:
    """RFC 6125 §6.4.3, strictly: a "*" only as the whole left-most label, matching one label,
    and never directly under a top-level label (``*.test`` matches nothing)."""
    pattern_labels = pattern.strip().rstrip(".").lower().split(".")
    host_labels = host.split(".")
    if len(pattern_labels) != len(host_labels) or any(not label for label in host_labels):
        return False
    first, rest = pattern_labels[0], pattern_labels[1:]
    # A "*" anywhere but as the whole first label never equals a host label below.
    if first == "*":
        return len(rest) >= 2 and rest == host_labels[1:]
    return "*" not in first and pattern_labels == host_labels


def _san_match(san: x509.SubjectAlternativeName, host: str) -> x509.GeneralName | None:
    """The first SAN entry naming ``host``: IP entries for an IP literal, DNS entries else."""
    address = _ip_literal(host)
    if address is not None:
        listed = san.get_values_for_type(x509.IPAddress)
        return x509.IPAddress(address) if any(value == address for value in listed) else None
    ascii_host = _ascii_host(host)
    for pattern in san.get_values_for_type(x509.DNSName):
        if dns_pattern_matches(pattern, ascii_host):
            return x509.DNSName(pattern)
    return None


def _common_names(cert: x509.Certificate) -> list[str]:
    names = []
    for attribute in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        value = attribute.value
        names.append(value if isinstance(value, str) else value.decode("latin-1"))
    return names


def _cn_matches(common_name: str, host: str) -> bool:
    address = _ip_literal(host)
    if address is not None:  # a CN holding an IP literal, as CN-only checkers compare it
        return _ip_literal(common_name) == address
    return dns_pattern_matches(_ascii_host(common_name), _ascii_host(host))


def _detail(text: str) -> str:
    return bounded_text(text, _MAX_DETAIL_CHARS)


def match_host(cert: x509.Certificate, host: str) -> tuple[NameMatch, str]:
    """(verdict, detail) for ``host`` (a DNS name or an IP literal, v4 or v6)."""
    with quiet_cryptography():
        return _match_host(cert, host)


def _match_host(cert: x509.Certificate, host: str) -> tuple[NameMatch, str]:
    shown_host = bounded_text(host, 256)
    try:
        san = extension_value(cert, x509.SubjectAlternativeName)
    except ValueError as error:
        return NameMatch.MISMATCH, _detail(f"the SAN cannot be decoded ({error})")
    if san is not None:
        matched = _san_match(san, host)
        if matched is not None:
            return NameMatch.MATCH, _detail(f"{general_name_text(matched)} matches {shown_host}")
        listed = ", ".join(general_name_text(name) for name in list(san)[:20]) or "none"
        kind = "IP" if _ip_literal(host) is not None else "DNS"
        return NameMatch.MISMATCH, _detail(
            f"no {kind} SAN entry matches {shown_host}; the SAN lists: {listed}"
        )
    for common_name in _common_names(cert):
        if _cn_matches(common_name, host):
            return NameMatch.CN_ONLY, _detail(
                f"no SAN; the subject CN {common_name} matches {shown_host}"
            )
    names = ", ".join(_common_names(cert)) or "none"
    return NameMatch.MISMATCH, _detail(f"no SAN, and no subject CN ({names}) matches {shown_host}")
