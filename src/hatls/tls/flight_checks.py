"""Is a well-formed ServerHello an answer to the hello we sent? Each check quotes its rule.

A violation is ``TLSParseError("unexpected")``: the bytes decode, but the server answered a
question nobody asked, and an enumerator that took the answer at face value would record a
suite or version it never offered.
"""

from __future__ import annotations

from hatls.tls.codec import unexpected
from hatls.tls.hello_build import compression_methods
from hatls.tls.hello_parse import ServerHello
from hatls.tls.hello_spec import HelloSpec
from hatls.tls.protocol import TLS12, TLS13, ExtensionType, ProtocolVersion
from hatls.tls.suites import by_code

_SSL3 = ProtocolVersion.SSL3.code


def check_server_hello(hello: ServerHello, offered: HelloSpec) -> None:
    _check_version(hello, offered)
    _check_suite(hello, offered)
    if hello.compression_method not in compression_methods(offered):
        # RFC 5246 §7.4.1.3: "selected by the server from the list in ClientHello".
        raise unexpected(f"compression method {hello.compression_method} was not offered")
    if hello.selected_version >= TLS13:
        _check_tls13(hello, offered)


def _check_version(hello: ServerHello, offered: HelloSpec) -> None:
    version = hello.selected_version
    if not _SSL3 <= version <= offered.version_code:
        raise unexpected(f"server chose 0x{version:04x}, outside SSLv3 .. {offered.version}")
    # RFC 8446 §4.2.1: a server negotiating below TLS 1.3 "MUST NOT send" supported_versions,
    # and with it legacy_version "MUST be set to 0x0303".
    sent_supported_versions = any(
        kind == ExtensionType.SUPPORTED_VERSIONS for kind, _ in hello.extensions
    )
    if sent_supported_versions and (version < TLS13 or hello.legacy_version != TLS12):
        legacy = hello.legacy_version
        raise unexpected(f"supported_versions 0x{version:04x} with legacy_version 0x{legacy:04x}")


def _check_suite(hello: ServerHello, offered: HelloSpec) -> None:
    # RFC 5246 §7.4.1.3: "a single cipher suite selected by the server from the list in
    # ClientHello.cipher_suites" -- never an SCSV, which is not a suite.
    if hello.cipher_suite not in offered.suites:
        raise unexpected(f"server chose suite 0x{hello.cipher_suite:04x}, which was not offered")
    suite = by_code(hello.cipher_suite)
    version_name = ProtocolVersion.from_code(hello.selected_version)
    # With extensions in an SSLv3 hello, a TLS-only ECC suite is a real (pre-RFC 4492) answer.
    ecc_in_sslv3 = offered.sslv3_extensions and version_name is ProtocolVersion.SSL3
    if suite is not None and version_name not in suite.versions and not ecc_in_sslv3:
        raise unexpected(f"{suite.iana_name} cannot be negotiated in {version_name}")


def _check_tls13(hello: ServerHello, offered: HelloSpec) -> None:
    if hello.session_id != offered.session_id:
        # RFC 8446 §4.1.3: a legacy_session_id_echo that does not match -> illegal_parameter.
        raise unexpected("legacy_session_id_echo differs from the session id sent")
    group = hello.selected_group
    shared = {code for code, _ in offered.key_shares}
    if hello.is_hello_retry_request:
        # RFC 8446 §4.2.8: the HRR's group "MUST be in supported_groups" and not already shared.
        if group is not None and (group not in offered.groups or group in shared):
            raise unexpected(f"HelloRetryRequest asks for group {group}")
    elif group not in shared:
        # RFC 8446 §4.2.8: the server's share "MUST be in the same group" as one of the client's.
        raise unexpected(f"ServerHello key_share group {group} was not offered")
