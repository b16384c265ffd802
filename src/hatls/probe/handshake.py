"""Full TLS handshakes: a pyOpenSSL Connection driven through memory BIOs over a trio stream.

No threads and no blocking sockets: OpenSSL only ever sees bytes we hand it (``bio_write``) and gives
back bytes to send (``bio_read``), the same retry loop as trio's own SSLStream. Every receive runs
under the caller's deadline, and everything received counts against the connection's byte budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import trio
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL

from hatls.identity import ClientIdentityMaterial
from hatls.observations import ErrorKind
from hatls.probe.connection import BoundedReceiver
from hatls.probe.errors import ProbeFailure, classify, classify_ssl_error
from hatls.probe.handshake_tap import HandshakeTap
from hatls.probe.openssl_client import client_connection, client_context, negotiated_version
from hatls.scanning import HandshakeOutcome
from hatls.tls import suites

try:  # pyOpenSSL's private binding: extended master secret support has no public API
    from OpenSSL._util import lib as _openssl_lib
except ImportError:
    _openssl_lib = None

T = TypeVar("T")

# How long to wait after Finished for a TLS 1.3 server's "certificate required" alert, and after
# our close_notify for the server's answer (its TLS 1.3 session tickets come before it).
POST_HANDSHAKE_READ = 1.0
# After a TLS 1.3 ticket, how long a silence means "no more tickets" from a server that does not
# answer close_notify (tickets are written together, right after the client's Finished).
TICKETS_QUIET = 0.2


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientOffer:
    min_version: str = "TLSv1.0"
    max_version: str = "TLSv1.3"
    authenticated_only: bool = True
    server_name: str | None = None
    identity: ClientIdentityMaterial | None = None
    # Ask for a stapled OCSP response (status_request) and count TLS 1.3 NewSessionTickets: the
    # endpoint's first handshake does, so these facts cost no connection of their own.
    session_facts: bool = False




class TlsDriver:
    """The memory-BIO retry loop: run an OpenSSL call until it stops wanting bytes."""

    def __init__(self, conn: SSL.Connection, stream: trio.abc.Stream) -> None:
        self.conn = conn
        self.stream = stream
        self.receiver = BoundedReceiver(stream)

    async def flush(self) -> None:
        while True:
            try:
                out = self.conn.bio_read(65536)
            except SSL.WantReadError:
                return
            if not out:
                return
            await self.stream.send_all(out)

    async def run(self, operation: Callable[[], T]) -> T:
        while True:
            try:
                result = operation()
            except SSL.WantReadError:
                await self.flush()
                data = await self.receiver.receive()
                if data:
                    self.conn.bio_write(data)
                else:
                    self.conn.bio_shutdown()
                continue
            await self.flush()
            return result


def _ca_names(conn: SSL.Connection) -> tuple[str, ...]:
    return tuple(name.rfc4514_string()[:1024] for name in conn.get_client_ca_list(as_cryptography=True))


def _ems(conn: SSL.Connection) -> bool | None:
    if _openssl_lib is None:
        return None
    try:
        return bool(_openssl_lib.SSL_get_extms_support(conn._ssl))
    except AttributeError:
        return None


async def tls_handshake(
    stream: trio.abc.Stream, offer: ClientOffer, *, timeout: float
) -> HandshakeOutcome:
    """Run one client handshake on an open stream and describe it.

    Whatever the server does (alert, reset, close, silence, too many bytes) is described in the
    outcome, not raised: only a bug in hatls escapes."""
    context = client_context(lowest=offer.min_version, highest=offer.max_version,
                             authenticated_only=offer.authenticated_only, identity=offer.identity)
    requested = False
    chain_seen: tuple[bytes, ...] = ()
    tap = HandshakeTap()

    def watch(c: SSL.Connection, where: int, _ret: int) -> None:
        # OpenSSL's state machine names the step; pyOpenSSL offers no client-certificate callback.
        nonlocal requested, chain_seen
        state = c.get_state_string()
        if b"certificate request" in state:
            requested = True
        elif b"read server certificate" in state and not chain_seen:
            # Kept now: OpenSSL forgets the peer's chain when the handshake fails later.
            chain_seen = _chain_der(c)

    context.set_info_callback(watch)  # pyOpenSSL freezes a context once a Connection uses it
    if offer.session_facts:
        tap.install(context)
    conn = client_connection(context, offer.server_name)
    if offer.session_facts:
        conn.request_ocsp()
    driver = TlsDriver(conn, stream)
    try:
        with trio.fail_after(timeout):
            await driver.run(conn.do_handshake)
    except (SSL.Error, trio.TooSlowError, trio.BrokenResourceError, trio.ClosedResourceError,
            OSError, ProbeFailure) as exc:
        kind, message = classify(exc, timeout=timeout)
        if requested and kind in (ErrorKind.TLS_ALERT, ErrorKind.CLIENT_CERT_NEEDED, ErrorKind.CLOSED):
            kind = ErrorKind.CLIENT_CERT_NEEDED
        return HandshakeOutcome(
            completed=False, client_cert_requested=requested,
            client_cert_required=True if kind is ErrorKind.CLIENT_CERT_NEEDED else None,
            ca_names=_ca_names(conn) if requested else (),
            # A server that stops for want of a client certificate has already shown its own.
            chain_der=chain_seen if kind is ErrorKind.CLIENT_CERT_NEEDED else (),
            ocsp_staple=_staple_after_failure(tap, offer, kind),
            error_kind=kind, error_message=message,
        )
    required: bool | None = None
    if requested and offer.identity is None:
        required = await _alert_after_finished(driver, timeout=min(timeout, POST_HANDSHAKE_READ))
    outcome = _describe(conn, requested=requested, required=required)
    if offer.session_facts:
        outcome = replace(outcome, ocsp_staple=tap.staple())
    if offer.session_facts and outcome.version == "TLSv1.3" and required is not True:
        closed = await _read_until_close(driver, tap, timeout=min(timeout, POST_HANDSHAKE_READ))
        # Without the server's close, "no ticket yet" is not "no ticket": only a count is a fact.
        return replace(outcome, tickets_tls13=tap.tickets if closed or tap.tickets else None)
    await _close_politely(driver)
    return outcome


def _staple_after_failure(tap: HandshakeTap, offer: ClientOffer, kind: ErrorKind) -> bytes | None:
    """A server that stops for want of a client certificate has stapled (or not) by then. Any
    other failure says nothing about stapling, unless a staple came: OpenSSL 4 aborts on one
    that is not DER (scanner.py then shakes hands again without asking for it)."""
    if not offer.session_facts:
        return None
    staple = tap.staple()
    return staple if staple or kind is ErrorKind.CLIENT_CERT_NEEDED else None


async def _alert_after_finished(driver: TlsDriver, *, timeout: float) -> bool:
    """TLS 1.3 sends "certificate required" only after the client's Finished: read once to see it."""
    with trio.move_on_after(timeout):
        try:
            await driver.run(lambda: driver.conn.recv(1024))
        except SSL.Error as exc:
            kind, _ = classify_ssl_error(exc)
            return kind in (ErrorKind.CLIENT_CERT_NEEDED, ErrorKind.TLS_ALERT, ErrorKind.CLOSED)
    return False


def _chain_der(conn: SSL.Connection) -> tuple[bytes, ...]:
    chain = conn.get_peer_cert_chain(as_cryptography=True) or []
    return tuple(cert.public_bytes(Encoding.DER) for cert in chain)


def _describe(conn: SSL.Connection, *, requested: bool, required: bool | None) -> HandshakeOutcome:
    openssl_cipher = conn.get_cipher_name()
    suite = suites.lookup(openssl_cipher) if openssl_cipher else None
    version = negotiated_version(conn)
    return HandshakeOutcome(
        completed=True,
        version=version,
        cipher=suite.iana_name if suite else openssl_cipher,
        group=conn.get_group_name(),
        chain_der=_chain_der(conn),
        client_cert_requested=requested,
        client_cert_required=required if requested else False,
        ca_names=_ca_names(conn) if requested else (),
        extended_master_secret=None if version == "TLSv1.3" else _ems(conn),
    )


async def _read_until_close(driver: TlsDriver, tap: HandshakeTap, *, timeout: float) -> bool:
    """Send close_notify, then read (tickets, data, anything) until the server closes too.

    A TLS 1.3 server sends its NewSessionTickets right after our Finished, so they are read (and
    counted by the tap) before its close_notify or its FIN. True if it closed in time. A server
    that sent tickets and then stays silent for TICKETS_QUIET is not waited for any longer: its
    tickets came together, and the endpoint's other probes wait for this handshake."""
    try:
        driver.conn.shutdown()
        await driver.flush()
    except (SSL.Error, trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        return False
    deadline = trio.current_time() + timeout
    while trio.current_time() < deadline:
        # In slices: OpenSSL reads tickets inside one recv() that then waits for more bytes.
        with trio.move_on_at(min(deadline, trio.current_time() + TICKETS_QUIET)):
            try:
                await driver.run(lambda: driver.conn.recv(4096))
                continue   # application data: keep reading
            except (SSL.Error, trio.BrokenResourceError, trio.ClosedResourceError, OSError):
                return True   # close_notify (ZeroReturnError), an alert, a FIN, a reset: closed
            except ProbeFailure:
                return False  # the byte budget ran out before any close
        if tap.tickets:
            return False
    return False


async def _close_politely(driver: TlsDriver) -> None:
    # close_notify so the server logs a clean close, not an error; never wait for its answer.
    try:
        driver.conn.shutdown()
        await driver.flush()
    except (SSL.Error, trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass
