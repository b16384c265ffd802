"""A host name as it goes on the wire: IDNA 2008 with UTS #46 mapping, the one rule for every probe.

The handshake probe (pyOpenSSL), the raw-hello builder and the certificate name matching all take
the host's A-label form from here, so ``straße.example`` is ``xn--strae-oqa.example`` everywhere
(UTS #46 non-transitional, as browsers and the ``idna`` package do), not ``strasse.example``
(Python's ``"idna"`` codec is IDNA 2003, which maps ß to ss). RFC 6066 §3: the SNI HostName has
no trailing dot, and an IP literal is never sent as one.

All-ASCII labels pass as they are, lower-cased: internal host names with ``_`` are common and
IDNA 2008 would refuse them, while a certificate or server compares ASCII labels byte for byte.
"""

from __future__ import annotations

import ipaddress

import idna

_MAX_LABEL = 63
_MAX_NAME = 253


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip().strip("[]"))
    except ValueError:
        return False
    return True


def a_label_host(name: str) -> str:
    """The lower-case A-label form of ``name``, without a trailing dot; ``ValueError`` for what
    is no host name (an empty label, a label too long, a code point IDNA 2008 disallows)."""
    try:
        mapped = idna.uts46_remap(name.strip(), std3_rules=False, transitional=False)
    except idna.IDNAError as error:
        raise ValueError(f"{name!r} is not a host name: {error}") from None
    mapped = mapped[:-1] if mapped.endswith(".") else mapped
    labels = []
    for label in mapped.split("."):
        try:
            ascii_label = label.lower() if label.isascii() else idna.alabel(label).decode("ascii")
        except idna.IDNAError as error:
            raise ValueError(f"{name!r} is not a host name: {error}") from None
        if not 0 < len(ascii_label) <= _MAX_LABEL:
            raise ValueError(f"{name!r} is not a host name: a label is empty or over 63 bytes")
        labels.append(ascii_label)
    host = ".".join(labels)
    if len(host) > _MAX_NAME:
        raise ValueError(f"{name!r} is not a host name: longer than {_MAX_NAME} bytes")
    return host


def sni_host_name(name: str) -> bytes | None:
    """RFC 6066 §3 HostName bytes: the A-label form, without a trailing dot; ``None`` for an IP
    address ("Literal IPv4 and IPv6 addresses are not permitted in HostName")."""
    if is_ip_literal(name):
        return None
    return a_label_host(name).encode("ascii")
