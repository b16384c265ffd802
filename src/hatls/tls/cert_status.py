"""Where a handshake carries a stapled OCSP response, read from the message bytes themselves.

TLS <= 1.2: a CertificateStatus message after Certificate (RFC 6066 §8). TLS 1.3: the
status_request extension of the first CertificateEntry (RFC 8446 §4.4.2.1). Both hold the same
CertificateStatus structure: ``status_type`` 1 (ocsp), then ``OCSPResponse<1..2^24-1>``.

Read here rather than through OpenSSL's status callback because OpenSSL 4 hands that callback
nothing when the response does not parse, which would turn a malformed staple into "none".
"""

from __future__ import annotations

from hatls.tls.codec import Reader, TLSParseError, malformed
from hatls.tls.protocol import ExtensionType

OCSP_STATUS_TYPE = 1   # RFC 6066 §8 CertificateStatusType ocsp


def ocsp_in_certificate_status(body: bytes) -> bytes:
    """The OCSPResponse of a CertificateStatus body; TLSParseError if the framing is broken."""
    reader = Reader(body)
    status_type = reader.uint(1, "CertificateStatus.status_type")
    if status_type != OCSP_STATUS_TYPE:
        raise malformed(f"CertificateStatus type {status_type}, not ocsp")
    response = reader.vector(3, "OCSPResponse", minimum=1)
    reader.expect_end("CertificateStatus")
    return response


def staple_or_raw(body: bytes) -> bytes:
    """The response of a CertificateStatus, or its body as sent when the framing is broken: a
    staple that came but cannot be read must stay a staple (tls/ocsp.py calls it malformed)."""
    try:
        return ocsp_in_certificate_status(body)
    except TLSParseError:
        return body or b"\x00"


def ocsp_in_tls13_certificate(body: bytes) -> bytes | None:
    """The staple of a TLS 1.3 Certificate message body (its first entry), or None if none."""
    try:
        reader = Reader(body)
        reader.vector(1, "certificate_request_context")
        entries = Reader(reader.vector(3, "certificate_list"))
        if entries.at_end():
            return None
        entries.vector(3, "cert_data", minimum=1)
        extensions = Reader(entries.vector(2, "CertificateEntry.extensions"))
        while not extensions.at_end():
            kind = extensions.uint(2, "extension type")
            data = extensions.vector(2, f"extension {kind}")
            if kind == ExtensionType.STATUS_REQUEST:
                return staple_or_raw(data)
    except TLSParseError:
        return None   # OpenSSL would not have taken such a message: nothing to report
    return None
