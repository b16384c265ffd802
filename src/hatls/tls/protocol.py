"""Wire constants shared by the hello builder and the parsers: versions, types, limits, names.

Values from RFC 5246 (TLS 1.2), RFC 8446 (TLS 1.3), RFC 6101 (SSLv3), the SSLv2 draft
(draft-hickman-netscape-ssl-00), RFC 5746, 7366, 7507, 7627, 6066 and 8422, and IANA's
"TLS Alerts" registry.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Final


class ProtocolVersion(StrEnum):
    """A protocol version, by the name the report gives it; oldest first, so iterating the enum
    is the report's order. A member is a ``str`` (``ProtocolVersion.TLS1_2 == "TLSv1.2"``), so
    reports read back from JSON compare equal to fresh ones."""

    SSL2 = "SSLv2"
    SSL3 = "SSLv3"
    TLS1_0 = "TLSv1.0"
    TLS1_1 = "TLSv1.1"
    TLS1_2 = "TLSv1.2"
    TLS1_3 = "TLSv1.3"

    @property
    def code(self) -> int:
        """The version number on the wire (also OpenSSL's SSL3_VERSION … TLS1_3_VERSION)."""
        return _WIRE_CODES[self]

    @classmethod
    def from_code(cls, code: int) -> ProtocolVersion | None:
        """The version with this wire number, None for a number no version has."""
        return _BY_CODE.get(code)


_WIRE_CODES: Final = {
    ProtocolVersion.SSL2: 0x0002,
    ProtocolVersion.SSL3: 0x0300,
    ProtocolVersion.TLS1_0: 0x0301,
    ProtocolVersion.TLS1_1: 0x0302,
    ProtocolVersion.TLS1_2: 0x0303,
    ProtocolVersion.TLS1_3: 0x0304,
}
_BY_CODE: Final = {code: version for version, code in _WIRE_CODES.items()}
TLS12, TLS13 = ProtocolVersion.TLS1_2.code, ProtocolVersion.TLS1_3.code

# The versions the full-handshake engine (OpenSSL) can offer. SSLv2/SSLv3 need the raw-hello
# engine: when it has not run they are None, and rules judge on the rest and say so.
OPENSSL_VERSIONS: Final = (
    ProtocolVersion.TLS1_0, ProtocolVersion.TLS1_1, ProtocolVersion.TLS1_2, ProtocolVersion.TLS1_3,
)


class ContentType(IntEnum):
    CHANGE_CIPHER_SPEC = 20
    ALERT = 21
    HANDSHAKE = 22
    APPLICATION_DATA = 23
    HEARTBEAT = 24  # RFC 6520


class HandshakeType(IntEnum):
    HELLO_REQUEST = 0
    CLIENT_HELLO = 1
    SERVER_HELLO = 2
    NEW_SESSION_TICKET = 4
    CERTIFICATE = 11
    SERVER_KEY_EXCHANGE = 12
    CERTIFICATE_REQUEST = 13
    SERVER_HELLO_DONE = 14
    CERTIFICATE_STATUS = 22  # RFC 6066
    SUPPLEMENTAL_DATA = 23  # RFC 4680


class ExtensionType(IntEnum):
    SERVER_NAME = 0  # RFC 6066
    STATUS_REQUEST = 5  # RFC 6066 §8
    SUPPORTED_GROUPS = 10  # RFC 8422 (was elliptic_curves)
    EC_POINT_FORMATS = 11  # RFC 8422
    SIGNATURE_ALGORITHMS = 13  # RFC 5246 / 8446
    ENCRYPT_THEN_MAC = 22  # RFC 7366
    EXTENDED_MASTER_SECRET = 23  # RFC 7627
    SESSION_TICKET = 35  # RFC 5077
    SUPPORTED_VERSIONS = 43  # RFC 8446
    KEY_SHARE = 51  # RFC 8446
    RENEGOTIATION_INFO = 0xFF01  # RFC 5746


# Signalling cipher suite values (never selected by a server).
EMPTY_RENEGOTIATION_INFO_SCSV: Final = 0x00FF  # RFC 5746 §3.3
FALLBACK_SCSV: Final = 0x5600  # RFC 7507 §2

# RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello with random SHA-256("HelloRetryRequest").
HELLO_RETRY_REQUEST_RANDOM: Final = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
)
# RFC 8446 §4.1.3: a TLS 1.3 server negotiating lower sets the last 8 bytes of its random to these.
DOWNGRADE_SENTINELS: Final = {
    bytes.fromhex("444f574e47524401"): ProtocolVersion.TLS1_2,
    bytes.fromhex("444f574e47524400"): ProtocolVersion.TLS1_1,  # "TLS 1.1 or below"
}

# Record body limits (RFC 5246 §6.2.3 TLSCiphertext, RFC 8446 §5.2, SSLv2 draft's 15-bit length).
MAX_TLS12_RECORD_BODY: Final = 2**14 + 2048
MAX_TLS13_RECORD_BODY: Final = 2**14 + 256
MAX_SSLV2_RECORD_BODY: Final = 32_767
MAX_PLAINTEXT_FRAGMENT: Final = 2**14  # what a builder may put in one record
# A whole server flight (ServerHello .. ServerHelloDone, certificate chain included) is capped:
# a real one is a few KiB, and a peer streaming more is refused as too-large, not buffered.
MAX_FLIGHT_BYTES: Final = 256 * 1024

# SSLv2 (draft-hickman-netscape-ssl-00): message types, certificate type, error codes.
SSLV2_ERROR, SSLV2_CLIENT_HELLO, SSLV2_SERVER_HELLO = 0, 1, 4
SSLV2_X509_CERTIFICATE: Final = 1
SSLV2_ERROR_NAMES: Final = {
    0x0001: "no_cipher",
    0x0002: "no_certificate",
    0x0004: "bad_certificate",
    0x0006: "unsupported_certificate_type",
}

ALERT_LEVEL_NAMES: Final = {1: "warning", 2: "fatal"}
CLOSE_NOTIFY: Final = 0
# IANA "TLS Alerts"; names as RFC 8446 §6 spells them, and RFC 5246 / 6101 for those RFC 8446
# marks _RESERVED (a TLS 1.0 server may still send them).
ALERT_DESCRIPTION_NAMES: Final = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    21: "decryption_failed",
    22: "record_overflow",
    30: "decompression_failure",
    40: "handshake_failure",
    41: "no_certificate",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    60: "export_restriction",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    100: "no_renegotiation",
    109: "missing_extension",
    110: "unsupported_extension",
    111: "certificate_unobtainable",
    112: "unrecognized_name",
    113: "bad_certificate_status_response",
    114: "bad_certificate_hash_value",
    115: "unknown_psk_identity",
    116: "certificate_required",
    120: "no_application_protocol",
    121: "ech_required",
}

# The versions OpenSSL can renegotiate in (TLS 1.3 has no renegotiation; SSLv3 OpenSSL cannot).
RENEGOTIABLE_VERSIONS: Final = (ProtocolVersion.TLS1_0, ProtocolVersion.TLS1_1, ProtocolVersion.TLS1_2)
