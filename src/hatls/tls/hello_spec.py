"""What a raw ClientHello offers: ``HelloSpec``, a value the enumerator varies one field at a time.

A spec is checked when it is made (``ValueError``), so the builder only has to encode; the
same spec is later handed to the flight parser as ``offered`` so it can tell whether the
server answered within the offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hatls.tls.host_name import sni_host_name
from hatls.tls.protocol import ProtocolVersion


class HelloFlag(StrEnum):
    """Optional parts of a hello. The SCSVs are suites; the rest are extensions (TLS 1.0+)."""

    FALLBACK_SCSV = "fallback_scsv"  # RFC 7507: "I am retrying below my highest version"
    RENEGOTIATION_SCSV = "renegotiation_scsv"  # RFC 5746 §3.3, the SSLv3-safe way to ask
    RENEGOTIATION_INFO = "renegotiation_info"  # RFC 5746 §3.2, empty on an initial handshake
    EXTENDED_MASTER_SECRET = "extended_master_secret"  # RFC 7627
    ENCRYPT_THEN_MAC = "encrypt_then_mac"  # RFC 7366
    EC_POINT_FORMATS = "ec_point_formats"  # RFC 8422 §5.1.2, "uncompressed" only
    SESSION_TICKET = "session_ticket"  # RFC 5077 §3.2, empty: "I can take a ticket"


DEFAULT_FLAGS = frozenset(
    {
        HelloFlag.RENEGOTIATION_INFO,
        HelloFlag.EXTENDED_MASTER_SECRET,
        HelloFlag.ENCRYPT_THEN_MAC,
        HelloFlag.EC_POINT_FORMATS,
        # The ServerHello's answer says whether the server issues TLS <= 1.2 session tickets,
        # at no connection of its own (observations.Resumption).
        HelloFlag.SESSION_TICKET,
    }
)

# RFC 8446 §4.2.3 SignatureScheme values, modern first, then the legacy ones a TLS 1.2 server
# with an old (SHA-1, DSA) certificate needs to see before it will answer at all.
DEFAULT_SIGNATURE_ALGORITHMS: tuple[int, ...] = (
    0x0403, 0x0503, 0x0603,  # ecdsa_secp256r1_sha256, _secp384r1_sha384, _secp521r1_sha512
    0x0807, 0x0808,  # ed25519, ed448
    0x0804, 0x0805, 0x0806,  # rsa_pss_rsae_sha256/384/512
    0x0809, 0x080A, 0x080B,  # rsa_pss_pss_sha256/384/512
    0x0401, 0x0501, 0x0601,  # rsa_pkcs1_sha256/384/512
    0x0303, 0x0301, 0x0402, 0x0302,  # ecdsa/rsa sha224, dsa sha256/sha224
    0x0203, 0x0201, 0x0202,  # ecdsa_sha1, rsa_pkcs1_sha1, dsa_sha1
)  # fmt: skip

SSLV2_SESSION_ID_LENGTHS = (0, 16)  # the SSLv2 draft's session ids are empty or 16 bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class HelloSpec:
    """One ClientHello. ``version`` is a report name ("SSLv2" .. "TLSv1.3").

    ``suites`` are 2-byte IANA codes, or for SSLv2 also 3-byte cipher kinds (0x010080); the
    SCSVs come from ``flags``, not from ``suites``. ``key_shares`` pairs a group code with
    its public key bytes (see key_share.py) and must follow ``groups``' order. ``max_size``
    caps the bytes on the wire (record headers included) for servers that fail on large hellos.
    """

    version: str
    suites: tuple[int, ...]
    random: bytes
    groups: tuple[int, ...] = ()
    server_name: str | None = None
    session_id: bytes = b""
    flags: frozenset[HelloFlag] = DEFAULT_FLAGS
    signature_algorithms: tuple[int, ...] = DEFAULT_SIGNATURE_ALGORITHMS
    key_shares: tuple[tuple[int, bytes], ...] = ()
    max_size: int | None = None
    # RFC 3749 DEFLATE ahead of null in compression_methods (TLS <= 1.2 only): whether the server
    # would compress (CRIME). Off by default; the enumerator offers it in a few hellos per
    # endpoint, so that a ServerHello choosing null is evidence of "no compression".
    offer_deflate: bool = False
    # TLS extensions in an SSLv3 hello too, as OpenSSL 1.0.x clients sent them: a server such as
    # tlslite-ng (or OpenSSL <= 1.0.2) then also negotiates its ECDHE suites in SSLv3.
    sslv3_extensions: bool = False

    def __post_init__(self) -> None:
        if self.version not in tuple(ProtocolVersion):
            raise ValueError(f"unknown version {self.version!r}; "
                             f"expected {[v.value for v in ProtocolVersion]}")
        if len(self.random) != 32:
            raise ValueError(f"random must be 32 bytes, not {len(self.random)}")
        _check_session_id(self.version, self.session_id)
        _check_codes("suites", self.suites, 3 if self.version == "SSLv2" else 2)
        _check_codes("groups", self.groups, 2)
        _check_codes("signature_algorithms", self.signature_algorithms, 2)
        _check_key_shares(self.key_shares, self.groups)
        if self.server_name is not None:
            sni_host_name(self.server_name)  # raises ValueError for what is no host name
        if self.max_size is not None and self.max_size <= 0:
            raise ValueError(f"max_size must be positive, not {self.max_size}")

    @property
    def version_code(self) -> int:
        return ProtocolVersion(self.version).code


def _check_session_id(version: str, session_id: bytes) -> None:
    if version == "SSLv2" and len(session_id) not in SSLV2_SESSION_ID_LENGTHS:
        raise ValueError(f"an SSLv2 session id is 0 or 16 bytes, not {len(session_id)}")
    if len(session_id) > 32:
        raise ValueError(f"session_id is at most 32 bytes, not {len(session_id)}")


def _check_codes(what: str, codes: tuple[int, ...], size: int) -> None:
    if any(not 0 <= code < 1 << (8 * size) for code in codes):
        raise ValueError(f"{what}: every code must fit in {size} bytes: {codes}")
    if len(set(codes)) != len(codes):
        raise ValueError(f"{what}: duplicate codes in {codes}")


def _check_key_shares(key_shares: tuple[tuple[int, bytes], ...], groups: tuple[int, ...]) -> None:
    # RFC 8446 §4.2.8: one share per group, only for groups in supported_groups, in its order.
    share_groups = [group for group, _ in key_shares]
    offered = [group for group in groups if group in share_groups]
    if share_groups != offered:
        raise ValueError(f"key_shares {share_groups}: distinct groups, in the order of {groups}")
    if any(not 1 <= len(public) < 2**16 for _, public in key_shares):
        raise ValueError("each key share's public key is 1 .. 65535 bytes")
