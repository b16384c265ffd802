"""Typed server messages from their bytes: ServerHello, Alert, Certificate, SSLv2 SERVER-HELLO.

Each ``parse_*`` takes one message body (the handshake header or record header already
removed), reads it through length-checked scopes and raises ``TLSParseError("malformed")``
for anything that does not decode -- a short field, a length that disagrees with its vector,
trailing bytes, a duplicated extension. Whether a well-formed message is *acceptable* (the
suite was offered, the version is not above ours) is the flight's judgement, not the parser's.
"""

from __future__ import annotations

from dataclasses import dataclass

from hatls.tls.codec import Reader, malformed, split_uints, unexpected
from hatls.tls.protocol import (
    ALERT_DESCRIPTION_NAMES,
    ALERT_LEVEL_NAMES,
    CLOSE_NOTIFY,
    DOWNGRADE_SENTINELS,
    HELLO_RETRY_REQUEST_RANDOM,
    SSLV2_ERROR,
    SSLV2_ERROR_NAMES,
    SSLV2_SERVER_HELLO,
    ExtensionType,
    ProtocolVersion,
)

_FATAL = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    level: int
    description: int

    @property
    def level_name(self) -> str:
        return ALERT_LEVEL_NAMES.get(self.level, f"unknown({self.level})")

    @property
    def description_name(self) -> str:
        return ALERT_DESCRIPTION_NAMES.get(self.description, f"unknown({self.description})")

    @property
    def ends_connection(self) -> bool:
        """Fatal alerts and close_notify end the conversation; other warnings do not."""
        return self.level == _FATAL or self.description == CLOSE_NOTIFY


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerHello:
    """RFC 5246 §7.4.1.3 / RFC 8446 §4.1.3, raw fields first, then what they mean."""

    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suite: int
    compression_method: int
    extensions: tuple[tuple[int, bytes], ...]
    selected_version: int  # supported_versions if present (TLS 1.3), else legacy_version
    is_hello_retry_request: bool
    selected_group: int | None  # key_share: the server's share's group, or the HRR's request
    renegotiation_info: bytes | None  # None: extension absent; b"": present and empty
    extended_master_secret: bool
    encrypt_then_mac: bool

    @property
    def selected_version_name(self) -> ProtocolVersion | None:
        return ProtocolVersion.from_code(self.selected_version)

    @property
    def session_ticket(self) -> bool:
        """RFC 5077 §3.2: an (empty) SessionTicket extension promises a NewSessionTicket."""
        return any(kind == ExtensionType.SESSION_TICKET for kind, _ in self.extensions)

    @property
    def downgrade_sentinel(self) -> ProtocolVersion | None:
        """The version a TLS 1.3 server says it was pushed down to (RFC 8446 §4.1.3), if any."""
        return DOWNGRADE_SENTINELS.get(self.random[-8:])


@dataclass(frozen=True, slots=True, kw_only=True)
class Certificate:
    certificates: tuple[bytes, ...]  # DER, leaf first, as the server sent them


@dataclass(frozen=True, slots=True, kw_only=True)
class SSLv2ServerHello:
    session_id_hit: bool
    certificate_type: int
    version: int
    certificate: bytes  # DER
    cipher_kinds: tuple[int, ...]  # 3-byte SSLv2 cipher kinds both sides support
    connection_id: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class SSLv2Error:
    code: int

    @property
    def name(self) -> str:
        return SSLV2_ERROR_NAMES.get(self.code, f"unknown({self.code})")


def parse_alert(body: bytes) -> Alert:
    if len(body) != 2:
        raise malformed(f"an alert is 2 bytes, not {len(body)}")
    return Alert(level=body[0], description=body[1])


def parse_server_hello(body: bytes) -> ServerHello:
    reader = Reader(body)
    legacy_version = reader.uint(2, "ServerHello.version")
    random = reader.take(32, "ServerHello.random")
    session_id = reader.vector(1, "ServerHello.session_id", maximum=32)
    cipher_suite = reader.uint(2, "ServerHello.cipher_suite")
    compression_method = reader.uint(1, "ServerHello.compression_method")
    # RFC 5246 §7.4.1.3: extensions are present iff bytes follow the compression method.
    extensions = () if reader.at_end() else _extensions(reader)
    reader.expect_end("ServerHello")
    found = dict(extensions)
    is_hrr = random == HELLO_RETRY_REQUEST_RANDOM
    return ServerHello(
        legacy_version=legacy_version,
        random=random,
        session_id=session_id,
        cipher_suite=cipher_suite,
        compression_method=compression_method,
        extensions=extensions,
        selected_version=_selected_version(found, legacy_version),
        is_hello_retry_request=is_hrr,
        selected_group=_selected_group(found, is_hrr),
        renegotiation_info=_renegotiation_info(found),
        extended_master_secret=_empty_flag(found, ExtensionType.EXTENDED_MASTER_SECRET),
        encrypt_then_mac=_empty_flag(found, ExtensionType.ENCRYPT_THEN_MAC),
    )


def _extensions(reader: Reader) -> tuple[tuple[int, bytes], ...]:
    extensions: list[tuple[int, bytes]] = []
    with reader.scope(2, "ServerHello.extensions") as block:
        while not block.at_end():
            kind = block.uint(2, "extension type")
            extensions.append((kind, block.vector(2, f"extension {kind}")))
    kinds = [kind for kind, _ in extensions]
    if len(set(kinds)) != len(kinds):
        # RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type".
        raise malformed(f"duplicate extension in ServerHello: {kinds}")
    return tuple(extensions)


def _selected_version(found: dict[int, bytes], legacy_version: int) -> int:
    data = found.get(ExtensionType.SUPPORTED_VERSIONS)
    if data is None:
        return legacy_version
    reader = Reader(data)
    version = reader.uint(2, "supported_versions.selected_version")
    reader.expect_end("supported_versions")
    return version


def _selected_group(found: dict[int, bytes], is_hrr: bool) -> int | None:
    data = found.get(ExtensionType.KEY_SHARE)
    if data is None:
        return None
    reader = Reader(data)
    group = reader.uint(2, "key_share.group")
    if not is_hrr:  # a ServerHello's KeyShareEntry also carries the key
        reader.vector(2, "key_share.key_exchange", minimum=1)
    reader.expect_end("key_share")
    return group


def _renegotiation_info(found: dict[int, bytes]) -> bytes | None:
    data = found.get(ExtensionType.RENEGOTIATION_INFO)
    if data is None:
        return None
    reader = Reader(data)
    renegotiated_connection = reader.vector(1, "renegotiation_info")
    reader.expect_end("renegotiation_info")
    return renegotiated_connection


def _empty_flag(found: dict[int, bytes], kind: ExtensionType) -> bool:
    data = found.get(kind)
    if data:  # RFC 7627 §5.1, RFC 7366 §2: "extension_data" is empty
        raise malformed(f"extension {kind.name.lower()} must be empty")
    return data is not None


def parse_certificate(body: bytes) -> Certificate:
    """TLS <= 1.2 Certificate (RFC 5246 §7.4.2): certificate_list<0..2^24-1> of DER<1..2^24-1>."""
    reader = Reader(body)
    certificates: list[bytes] = []
    with reader.scope(3, "Certificate.certificate_list") as chain:
        while not chain.at_end():
            certificates.append(chain.vector(3, "ASN.1Cert", minimum=1))
    reader.expect_end("Certificate")
    return Certificate(certificates=tuple(certificates))


def parse_sslv2_message(body: bytes) -> SSLv2ServerHello | SSLv2Error:
    """One SSLv2 server message: SERVER-HELLO or ERROR (the record reader allowed no other)."""
    reader = Reader(body)
    message_type = reader.uint(1, "SSLv2 message type")
    if message_type == SSLV2_ERROR:
        error = SSLv2Error(code=reader.uint(2, "SSLv2 ERROR code"))
        reader.expect_end("SSLv2 ERROR")
        return error
    if message_type != SSLV2_SERVER_HELLO:
        raise unexpected(f"SSLv2 message type {message_type}")
    session_id_hit = reader.uint(1, "SESSION-ID-HIT") != 0
    certificate_type = reader.uint(1, "CERTIFICATE-TYPE")
    version = reader.uint(2, "SERVER-VERSION")
    lengths = [reader.uint(2, field) for field in ("CERTIFICATE", "CIPHER-SPECS", "CONNECTION-ID")]
    certificate = reader.take(lengths[0], "CERTIFICATE-DATA")
    cipher_specs = reader.take(lengths[1], "CIPHER-SPECS-DATA")
    connection_id = reader.take(lengths[2], "CONNECTION-ID-DATA")
    reader.expect_end("SSLv2 SERVER-HELLO")
    return SSLv2ServerHello(
        session_id_hit=session_id_hit,
        certificate_type=certificate_type,
        version=version,
        certificate=certificate,
        cipher_kinds=split_uints(cipher_specs, 3, "CIPHER-SPECS-DATA"),
        connection_id=connection_id,
    )
