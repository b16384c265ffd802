"""Serve TLS on one accepted trio stream: pyOpenSSL over memory BIOs, no threads.

Theory of operation: OpenSSL never touches the socket. Bytes from the peer go into the
connection's incoming BIO (`bio_write`); whatever OpenSSL wants to send (handshake
messages, alerts, application records) is drained from its outgoing BIO (`bio_read`) and
sent by trio. `WantReadError` means "feed me more bytes". The outgoing BIO is drained after
every step — also after a failure, so the alert OpenSSL wrote reaches the peer, as from a
real server.

After the handshake the session echoes application data, so a probe can read once after
Finished (and a TLS 1.3 client without the required certificate sees the server's alert
on that first read).
"""

from __future__ import annotations

import contextlib

import trio
from OpenSSL import SSL

from hatls.lab.endpoint import LabTimeouts

# One TLS record at most (2^14 + 2048 body + 5 header): reads are bounded by this.
MAX_READ = 2**14 + 2048 + 5
# What sending to a peer that has already left can raise.
_GONE = (trio.BrokenResourceError, trio.ClosedResourceError, OSError, SSL.Error)


class PeerClosed(Exception):
    """The peer closed the TCP connection in the middle of the TLS handshake."""


class _BioPump:
    """Moves bytes between a trio stream and the memory BIOs of one SSL.Connection."""

    def __init__(self, stream: trio.abc.Stream, connection: SSL.Connection) -> None:
        self._stream = stream
        self._connection = connection

    async def flush(self) -> None:
        """Send everything OpenSSL has queued for the peer."""
        while True:
            try:
                outgoing = self._connection.bio_read(MAX_READ)
            except SSL.WantReadError:
                return
            await self._stream.send_all(outgoing)

    async def feed(self) -> bool:
        """Hand one chunk from the peer to OpenSSL; False when the peer has closed."""
        incoming = await self._stream.receive_some(MAX_READ)
        if not incoming:
            return False
        self._connection.bio_write(incoming)
        return True

    async def flush_quietly(self) -> None:
        """Best-effort flush on the way out: the peer may already be gone."""
        with contextlib.suppress(*_GONE):
            await self.flush()


async def serve_tls(
    stream: trio.abc.Stream,
    context: SSL.Context,
    *,
    already_received: bytes,
    timeouts: LabTimeouts,
) -> None:
    """Handshake as a server, then echo until the peer closes or stays idle.

    `already_received` holds bytes read before TLS began (the auto-detect peek).
    Raises SSL.Error, PeerClosed or trio.TooSlowError on a failed handshake.
    """
    connection = SSL.Connection(context, None)
    connection.set_accept_state()
    if already_received:
        connection.bio_write(already_received)
    pump = _BioPump(stream, connection)
    with trio.fail_after(timeouts.handshake):
        await _handshake(connection, pump)
    await _echo(connection, pump, timeouts)


async def _handshake(connection: SSL.Connection, pump: _BioPump) -> None:
    while True:
        try:
            connection.do_handshake()
        except SSL.WantReadError:
            await pump.flush()
            if not await pump.feed():
                raise PeerClosed("peer closed during the TLS handshake") from None
            continue
        except SSL.Error:
            await pump.flush_quietly()  # the alert OpenSSL wrote, e.g. certificate_required
            raise
        # Finished, and in TLS 1.3 the session tickets, are in the outgoing BIO now.
        await pump.flush()
        return


async def _echo(connection: SSL.Connection, pump: _BioPump, timeouts: LabTimeouts) -> None:
    while True:
        peer_open: bool | None = None  # stays None when the idle timeout fires
        with trio.move_on_after(timeouts.idle):
            peer_open = await pump.feed()
        if not peer_open:
            return
        try:
            _echo_decrypted(connection)
        except SSL.ZeroReturnError:
            # close_notify from the peer: answer with ours, as a well-behaved server does.
            connection.shutdown()
            await pump.flush_quietly()
            return
        except SSL.Error:
            await pump.flush_quietly()  # e.g. an alert on a bad record
            raise
        with trio.fail_after(timeouts.idle):  # a peer that never reads cannot pin the lab
            await pump.flush()


def _echo_decrypted(connection: SSL.Connection) -> None:
    """Re-encrypt every plaintext byte OpenSSL has decrypted so far."""
    while True:
        try:
            plaintext = connection.recv(MAX_READ)
        except SSL.WantReadError:
            return
        connection.sendall(plaintext)
