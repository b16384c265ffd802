"""Build the pyOpenSSL server context of one lab endpoint from its EndpointConfig.

Everything that can be wrong with a configuration (a bad PEM, an unknown version, a cipher
string OpenSSL rejects) raises here, when the lab starts, never inside a connection.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from OpenSSL import SSL, crypto
from OpenSSL._util import lib as _openssl_lib

from hatls.lab.endpoint import ClientAuth, EndpointConfig
from hatls.tls.protocol import OPENSSL_VERSIONS, ProtocolVersion

# OpenSSL 3 refuses TLS 1.0/1.1 (SHA-1 in their PRF and signatures) at its default
# security level; level 0 lets a legacy lab server really speak them (docs/design.md).
_LEGACY_SECLEVEL = "@SECLEVEL=0"

_VERIFY_MODES: dict[ClientAuth, int] = {
    ClientAuth.NONE: SSL.VERIFY_NONE,
    ClientAuth.REQUEST: SSL.VERIFY_PEER,
    ClientAuth.REQUIRE: SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT,
}


def protocol_version(name: str) -> int:
    """OpenSSL's number for "TLSv1.0" … "TLSv1.3"; ValueError for anything else."""
    if name not in OPENSSL_VERSIONS:
        names = sorted(v.value for v in OPENSSL_VERSIONS)
        raise ValueError(f"unknown TLS version {name!r}; use one of {names}")
    # OpenSSL's TLS1_VERSION … TLS1_3_VERSION are the wire numbers.
    return ProtocolVersion(name).code


def effective_cipher_string(config: EndpointConfig) -> str | None:
    """The TLS <= 1.2 cipher string to set, or None to keep OpenSSL's default."""
    legacy = protocol_version(config.min_version) < SSL.TLS1_2_VERSION
    if not legacy:
        return config.ciphers
    if config.ciphers is None:
        return f"DEFAULT:{_LEGACY_SECLEVEL}"
    if "@SECLEVEL" in config.ciphers:  # the caller chose a level: respect it
        return config.ciphers
    return f"{config.ciphers}:{_LEGACY_SECLEVEL}"


def build_server_context(config: EndpointConfig) -> SSL.Context:
    """A server context that behaves as `config` says; raises ValueError or SSL.Error."""
    if not config.cert_pem or not config.key_pem:
        raise ValueError(
            f"{config.address}:{config.port}: a TLS endpoint needs cert_pem and key_pem"
        )
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    # Compression off (CRIME); secure renegotiation stays at OpenSSL's default.
    context.set_options(SSL.OP_NO_COMPRESSION)
    if config.server_preference:
        context.set_options(SSL.OP_CIPHER_SERVER_PREFERENCE)
    _set_versions(context, config)
    _set_suites(context, config)
    _set_identity(context, config)
    _set_client_auth(context, config)
    if config.ocsp_staple:
        staple = config.ocsp_staple
        context.set_ocsp_server_callback(lambda _conn, _data: staple)
    return context


def _set_versions(context: SSL.Context, config: EndpointConfig) -> None:
    low, high = protocol_version(config.min_version), protocol_version(config.max_version)
    if low > high:
        raise ValueError(
            f"min_version {config.min_version} is above max_version {config.max_version}"
        )
    context.set_min_proto_version(low)
    context.set_max_proto_version(high)


def _set_suites(context: SSL.Context, config: EndpointConfig) -> None:
    cipher_string = effective_cipher_string(config)
    if cipher_string is not None:
        context.set_cipher_list(cipher_string.encode("ascii"))
    if config.tls13_ciphersuites is not None:
        _set_tls13_ciphersuites(context, config.tls13_ciphersuites.encode("ascii"))
    if config.groups is not None:
        _set_groups(context, config.groups.encode("ascii"))


def _set_tls13_ciphersuites(context: SSL.Context, suites: bytes) -> None:
    # pyOpenSSL >= 25.2 has the method; older ones reach OpenSSL through its binding.
    if hasattr(context, "set_tls13_ciphersuites"):
        context.set_tls13_ciphersuites(suites)
        return
    if _openssl_lib.SSL_CTX_set_ciphersuites(context._context, suites) != 1:
        raise ValueError(f"OpenSSL rejected TLS 1.3 ciphersuites {suites!r}")


def _set_groups(context: SSL.Context, groups: bytes) -> None:
    # pyOpenSSL has no set_groups; SSL_CTX_set1_curves_list is OpenSSL's older name for
    # SSL_CTX_set1_groups_list (same control, same "X25519:P-256" syntax).
    if _openssl_lib.SSL_CTX_set1_curves_list(context._context, groups) != 1:
        raise ValueError(f"OpenSSL rejected groups {groups!r}")


def _set_identity(context: SSL.Context, config: EndpointConfig) -> None:
    context.use_certificate(x509.load_pem_x509_certificate(config.cert_pem))
    key = load_pem_private_key(config.key_pem, password=None)
    context.use_privatekey(key)  # type: ignore[arg-type]  # pyOpenSSL checks the key type
    context.check_privatekey()
    if config.chain_pem:
        for intermediate in x509.load_pem_x509_certificates(config.chain_pem):
            context.add_extra_chain_cert(intermediate)


def _set_client_auth(context: SSL.Context, config: EndpointConfig) -> None:
    mode = _VERIFY_MODES[ClientAuth(config.client_auth)]
    # Needed for session resumption once a peer certificate is verified; any constant will do.
    context.set_session_id(b"hatls-lab")
    if config.client_ca_pem:
        store = context.get_cert_store()
        if store is None:
            raise ValueError("the OpenSSL context has no certificate store")
        for authority in x509.load_pem_x509_certificates(config.client_ca_pem):
            store.add_cert(crypto.X509.from_cryptography(authority))
            context.add_client_ca(authority)  # advertised as a CA name in CertificateRequest
    # No callback: OpenSSL's own chain verification decides, as in a real Genesys server.
    context.set_verify(mode)
