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

from hatls.identity import ClientIdentityMaterial
from hatls.probe.errors import ProbeFailure
from hatls.probe.handshake import TlsDriver
from hatls.probe.openssl_client import client_connection, client_context
from hatls.tls.protocol import RENEGOTIABLE_VERSIONS

Dial = Callable[[], AbstractAsyncContextManager[trio.abc.Stream]]

_REFUSALS = (SSL.Error, trio.BrokenResourceError, trio.ClosedResourceError, OSError, ProbeFailure)


async def client_renegotiation(dial: Dial, *, version: str, server_name: str | None,
                               timeout: float,
                               identity: ClientIdentityMaterial | None = None) -> bool | None:
    """True: the server renegotiated at the client's request; False: it refused (alert, close,
    reset); None: nothing learned (the first handshake failed, or the server stayed silent)."""
    if version not in RENEGOTIABLE_VERSIONS:
        raise ValueError(f"no renegotiation in {version!r}")
    context = client_context(lowest=version, highest=version, identity=identity, renegotiation=True)
    conn = client_connection(context, server_name)
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
