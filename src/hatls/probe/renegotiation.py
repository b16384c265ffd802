"""Does the server accept a renegotiation that the client starts? (TLS-041, RFC 9325 §3.5)

One connection: a full pyOpenSSL handshake at one TLS <= 1.2 version, then ``renegotiate()`` and a
second handshake inside the first. A server that completes it accepts client-initiated
renegotiation (a cheap way to make it do expensive work, and with RFC 5746 missing, CVE-2009-3555);
one that answers no_renegotiation, another alert or a close refuses it. TLS 1.3 has no
renegotiation at all, so it is never asked here.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import trio
from OpenSSL import SSL

from hatls.probe.errors import ProbeFailure
from hatls.probe.handshake import ClientIdentityMaterial, TlsDriver, load_identity
from hatls.tls.host_name import sni_host_name

Dial = Callable[[], AbstractAsyncContextManager[trio.abc.Stream]]

RENEGOTIABLE_VERSIONS = {
    "TLSv1.0": SSL.TLS1_VERSION,
    "TLSv1.1": SSL.TLS1_1_VERSION,
    "TLSv1.2": SSL.TLS1_2_VERSION,
}
# Legacy servers (no RFC 5746) must still be reached, and asked to renegotiate unsafely: that is
# the case worth knowing. OpenSSL's SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION, which pyOpenSSL
# does not export.
_ALLOW_UNSAFE_LEGACY_RENEGOTIATION = 0x00040000
_EVERY_AUTHENTICATED_SUITE = b"ALL:!aNULL:!eNULL:@SECLEVEL=0"
_REFUSALS = (SSL.Error, trio.BrokenResourceError, trio.ClosedResourceError, OSError, ProbeFailure)


def _client_context(version: str, identity: ClientIdentityMaterial | None) -> SSL.Context:
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_min_proto_version(RENEGOTIABLE_VERSIONS[version])
    context.set_max_proto_version(RENEGOTIABLE_VERSIONS[version])
    context.set_cipher_list(_EVERY_AUTHENTICATED_SUITE)
    context.set_verify(SSL.VERIFY_NONE, lambda *_: True)  # the chain is judged elsewhere
    context.set_options(SSL.OP_NO_TICKET | SSL.OP_NO_COMPRESSION | SSL.OP_LEGACY_SERVER_CONNECT
                        | _ALLOW_UNSAFE_LEGACY_RENEGOTIATION)
    if identity is not None:
        # A port that requires a client certificate can only be asked with one.
        load_identity(context, identity)
    return context


async def client_renegotiation(dial: Dial, *, version: str, server_name: str | None,
                               timeout: float,
                               identity: ClientIdentityMaterial | None = None) -> bool | None:
    """True: the server renegotiated at the client's request; False: it refused (alert, close,
    reset); None: nothing learned (the first handshake failed, or the server stayed silent)."""
    conn = SSL.Connection(_client_context(version, identity), None)
    conn.set_connect_state()
    if server_name and (host := sni_host_name(server_name)) is not None:
        conn.set_tlsext_host_name(host)
    try:
        async with dial() as stream:
            driver = TlsDriver(conn, stream)
            with trio.fail_after(timeout):
                await driver.run(conn.do_handshake)
            if not conn.renegotiate():
                return None  # OpenSSL would not even ask: nothing learned about the server
            return await _second_handshake(driver, timeout)
    except (trio.TooSlowError, *_REFUSALS):
        return None  # no first handshake: this probe learned nothing


async def _second_handshake(driver: TlsDriver, timeout: float) -> bool | None:
    try:
        with trio.fail_after(timeout):
            await driver.run(driver.conn.do_handshake)
    except trio.TooSlowError:
        return None  # silence is not an answer: the server may only be slow
    except _REFUSALS:
        return False
    return driver.conn.total_renegotiations() > 0 and not driver.conn.renegotiate_pending()
