"""Shared builders for tests that run real loopback lab servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from functools import cache

import trio
from OpenSSL import SSL

from hatls.lab.endpoint import LabTimeouts
from hatls.lab.pki import CertificateAuthority, IssuedCert
from hatls.lab.tls_session import serve_tls

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@cache
def ca() -> CertificateAuthority:
    return CertificateAuthority.create("hatls test HA CA", now=NOW)


@cache
def leaf(host: str) -> IssuedCert:
    return ca().issue(common_name=host, dns_names=[host], now=NOW, days=365)


@asynccontextmanager
async def tcp_server(address: str, handle: Callable[[trio.socket.SocketType], Awaitable[None]],
                     ) -> AsyncIterator[int]:
    """A loopback listener on an ephemeral port that runs ``handle`` for each connection until
    the block ends; yields the port."""
    listener = trio.socket.socket()
    await listener.bind((address, 0))
    listener.listen(64)

    async def accept(nursery: trio.Nursery) -> None:
        while True:
            sock, _ = await listener.accept()
            nursery.start_soon(handle, sock)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(accept, nursery)
        yield listener.getsockname()[1]
        nursery.cancel_scope.cancel()
    listener.close()


@asynccontextmanager
async def tls_server(address: str, context: SSL.Context) -> AsyncIterator[int]:
    """A lab-like TLS server with a context the test built (or changed after building it)."""
    timeouts = LabTimeouts(handshake=5, idle=5)

    async def serve(sock: trio.socket.SocketType) -> None:
        async with trio.SocketStream(sock) as stream:
            with suppress(Exception):  # a refused hello ends that connection only, as in the lab
                await serve_tls(stream, context, already_received=b"", timeouts=timeouts)

    async with tcp_server(address, serve) as port:
        yield port
