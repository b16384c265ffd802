"""The one way hatls sets up OpenSSL as a TLS client: context, identity, SNI, negotiated version.

Both OpenSSL probes (the full handshake and the renegotiation probe) build their client here,
so they offer the same suites at the same security level, never verify (hatls judges the chain
itself, in x509), and send the same SNI.
"""

from __future__ import annotations

from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from OpenSSL import SSL

from hatls.tls.host_name import sni_host_name
from hatls.tls.protocol import ProtocolVersion

# OpenSSL 3 refuses TLS 1.0/1.1 (SHA-1 signatures) and small keys at its default security level; a
# scanner must still be able to *see* such servers, so every probe runs at level 0.
_EVERY_SUITE = b"ALL:COMPLEMENTOFALL:@SECLEVEL=0"
_AUTHENTICATED_SUITES = b"ALL:!aNULL:!eNULL:@SECLEVEL=0"
# Legacy servers (no RFC 5746) must still be reached, and asked to renegotiate unsafely: that is
# the case worth knowing. OpenSSL's SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION, which pyOpenSSL
# does not export.
_ALLOW_UNSAFE_LEGACY_RENEGOTIATION = 0x00040000


class IdentityPem(Protocol):
    """A client certificate (chain, leaf first) and its key, as PEM (probe.handshake's
    ClientIdentityMaterial): structural, so this module needs no probe type."""

    @property
    def certificate_pem(self) -> bytes: ...
    @property
    def key_pem(self) -> bytes: ...
    @property
    def password(self) -> bytes | None: ...


def client_context(
    *, lowest: str, highest: str, authenticated_only: bool = True,
    identity: IdentityPem | None = None, renegotiation: bool = False,
) -> SSL.Context:
    """A client context offering ``lowest`` .. ``highest`` (report names, "TLSv1.0" …).

    ``renegotiation``: also reach servers without RFC 5746 and let them renegotiate unsafely
    (the renegotiation probe asks exactly that)."""
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    # OpenSSL's TLS1_VERSION … TLS1_3_VERSION are the wire numbers (tests/test_protocol_version.py).
    context.set_min_proto_version(ProtocolVersion(lowest).code)
    context.set_max_proto_version(ProtocolVersion(highest).code)
    context.set_cipher_list(_AUTHENTICATED_SUITES if authenticated_only else _EVERY_SUITE)
    # hatls judges the chain itself (hatls.x509); OpenSSL must not abort on an untrusted one.
    context.set_verify(SSL.VERIFY_NONE, lambda *_: True)
    options = SSL.OP_NO_TICKET | SSL.OP_NO_COMPRESSION
    if renegotiation:
        options |= SSL.OP_LEGACY_SERVER_CONNECT | _ALLOW_UNSAFE_LEGACY_RENEGOTIATION
    context.set_options(options)
    if identity is not None:
        # A port that requires a client certificate can only be asked with one.
        load_identity(context, identity)
    return context


def load_identity(context: SSL.Context, identity: IdentityPem) -> None:
    certs = x509.load_pem_x509_certificates(identity.certificate_pem)
    key = load_pem_private_key(identity.key_pem, password=identity.password)
    context.use_certificate(certs[0])
    context.use_privatekey(key)  # type: ignore[arg-type]
    for extra in certs[1:]:
        context.add_extra_chain_cert(extra)
    context.check_privatekey()


def client_connection(context: SSL.Context, server_name: str | None) -> SSL.Connection:
    """A connection in client state, with the SNI of ``server_name`` (none for an IP literal)."""
    conn = SSL.Connection(context, None)
    conn.set_connect_state()
    if server_name and (sni := sni_host_name(server_name)) is not None:
        conn.set_tlsext_host_name(sni)
    return conn


def negotiated_version(conn: SSL.Connection) -> str:
    """The report name of the version a completed handshake negotiated (OpenSSL's own name
    for one hatls does not know, which then matches no rule)."""
    version = ProtocolVersion.from_code(conn.get_protocol_version())
    return version if version is not None else conn.get_protocol_version_name()
