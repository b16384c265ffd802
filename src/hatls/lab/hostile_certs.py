"""Certificates a hostile server presents: a 200-deep chain, names full of markup and controls.

They are ordinary EndpointConfig material (cert_pem, key_pem, chain_pem): OpenSSL serves them
as it would any other certificate, and the scanner must report them without letting their text
reach a terminal or a page unescaped, or their size reach memory unbounded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.x509.oid import NameOID

from hatls.lab.pki import BACKDATE, CertificateAuthority, IssuedCert
from hatls.lab.pki_build import (
    base_builder,
    extended_key_usage,
    generate_key,
    key_usage,
    package,
    sign,
)

# Markup a report must show as text, and characters a terminal would obey: colours, a screen
# clear, a title change ending in BEL, NUL, a right-to-left override.
HOSTILE_MARKUP = "<script>alert('hatls')</script><img src=x onerror=alert(1)>"
HOSTILE_CONTROLS = "\x1b[31m\x1b[2J\x1b]0;pwned\x07\x00\u202e"


def long_chain(authority: CertificateAuthority, *, host: str, length: int,
               now: datetime) -> IssuedCert:
    """A leaf for ``host`` under ``length - 1`` stacked intermediates: ``length`` certificates
    sent (``authority``, the root, stays out of the chain as usual)."""
    issuer = authority
    for depth in range(1, length):
        issuer = CertificateAuthority.create(f"hostile intermediate {depth}", parent=issuer,
                                             now=now)
    return issuer.issue(common_name=host, dns_names=[host], now=now)


def hostile_names_leaf(authority: CertificateAuthority, *, host: str, name_chars: int,
                       now: datetime) -> IssuedCert:
    """A leaf for ``host`` whose subject and SAN also carry markup, controls and one name of
    ``name_chars`` characters in each (an OU and a DNS name: X.509 caps only the CN's length)."""
    key = generate_key("ec")
    # RFC 4514 text lists the last attribute first: the long OU goes first so that, once the
    # text is cut to length, the markup and the controls are still in it.
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "u" * name_chars),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, HOSTILE_MARKUP + HOSTILE_CONTROLS),
        x509.NameAttribute(NameOID.COMMON_NAME, host),
    ])
    names = x509.SubjectAlternativeName([
        x509.DNSName(host),
        x509.DNSName(f"{HOSTILE_MARKUP}{HOSTILE_CONTROLS[:-1]}.example.test"),
        x509.DNSName("d" * name_chars + ".example.test"),
    ])
    builder = base_builder(subject=subject, issuer=authority.certificate.subject, key=key,
                           issuer_key=authority.private_key, not_before=now - BACKDATE,
                           not_after=now + timedelta(days=365))
    builder = (builder
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(key_usage(ca=False, key=key), critical=True)
               .add_extension(extended_key_usage(["serverAuth", "clientAuth"]), critical=False)
               .add_extension(names, critical=False))
    certificate = sign(builder, authority.private_key, "sha256")
    return package(certificate, key, chain=authority.issuer_chain)
