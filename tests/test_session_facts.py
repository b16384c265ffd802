"""Session resumption and OCSP stapling, end to end against servers on loopback.

nginx and ``openssl s_server`` (configured with ``ssl_stapling_file`` / ``-status_file``, tickets
on or off) and the project's lab (which staples any bytes, malformed ones too). What each server
was configured to do is the expectation; the facts come from a real ``scan_inventory``, through
the same code as ``hatls scan``. The endpoint's connection count is checked too: these facts
come from hellos and handshakes the scan makes anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import trio
from cryptography import x509
from cryptography.x509 import ocsp
from OpenSSL import SSL

from hatls.inventory import parse_inventory
from hatls.lab.endpoint import ClientAuth, EndpointConfig, RunningEndpoint
from hatls.lab.server import serve_endpoints
from hatls.lab.tls_context import build_server_context
from hatls.observations import EndpointObservation, ErrorKind
from hatls.probe.handshake import POST_HANDSHAKE_READ, ClientOffer, tls_handshake
from hatls.probe.scanner import ScanLimits, scan_inventory
from hatls.scanning import HandshakeOutcome, observations_of
from tests.labkit import NOW, ca, leaf
from tests.stapling_servers import (
    HOST,
    ONE_WEEK,
    Staple,
    gnutls_serv,
    nginx,
    ocsp_response,
    s_server,
)

# The Mozilla "modern"-like nginx of bench/accuracy.py (ECDSA leaf, three AEAD suites for TLS 1.2).
MODERN = ("ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
          "ECDHE-ECDSA-CHACHA20-POLY1305; ssl_ecdh_curve X25519:prime256v1:secp384r1;")
# The issue's budget for a modern nginx endpoint, everything included.
MAX_CONNECTIONS = 25


def _inventory(address: str, port: int) -> str:
    return f"""version = 1
[[pair]]
name = "pair-1"
[pair.primary]
host = "{HOST}"
address = "{address}"
ports = [ {{ id = "tls", port = {port}, mode = "secured" }} ]
"""


async def _scan(address: str, port: int, tmp: Path) -> EndpointObservation:
    inventory = parse_inventory(_inventory(address, port), path=str(tmp / "inv.toml"),
                                base_dir=str(tmp))
    state = await scan_inventory(inventory, limits=ScanLimits())
    (observation,) = observations_of(state)
    return observation


def scan(address: str, port: int, tmp: Path) -> EndpointObservation:
    return trio.run(_scan, address, port, tmp)


def _key_hash(issuer: x509.Certificate) -> str:
    # RFC 6960 §4.2.1 byKey: SHA-1 of the issuer's subjectPublicKey (the key identifier method 1).
    return x509.SubjectKeyIdentifier.from_public_key(issuer.public_key()).digest.hex()


def _serial(pem: bytes) -> int:
    return x509.load_pem_x509_certificate(pem).serial_number


# --- nginx ---------------------------------------------------------------------------------------


def test_nginx_staples_its_response_and_issues_tickets(tmp_path: Path) -> None:
    cert = leaf(HOST)
    staple = Staple(this_update=NOW, next_update=NOW + ONE_WEEK)
    der = ocsp_response(cert, ca(), staple)
    directives = MODERN + (" ssl_stapling on; ssl_stapling_file {dir}/ocsp.der;"
                           " ssl_session_tickets on;")
    with nginx(tmp_path / "nginx", "127.0.1.21", cert, directives, files={"ocsp.der": der}) as port:
        obs = scan("127.0.1.21", port, tmp_path)
    assert obs.accepted_versions() == ("TLSv1.2", "TLSv1.3")
    s = obs.ocsp_stapling
    assert (s.stapled, s.response_status, s.cert_status) == (True, "successful", "good")
    assert (s.this_update, s.next_update, s.revocation_time) == (NOW, NOW + ONE_WEEK, None)
    assert s.responder == "key-sha1:" + _key_hash(ca().certificate)
    assert s.serial_matches_leaf is True
    assert obs.resumption.session_ticket_tls12 is True
    # OpenSSL's default SSL_CTX_set_num_tickets: two tickets after a TLS 1.3 handshake.
    assert obs.resumption.tickets_tls13 == 2
    assert obs.connections <= MAX_CONNECTIONS, obs.connections
    assert not obs.errors


def test_nginx_without_stapling_or_tickets_says_so(tmp_path: Path) -> None:
    cert = leaf(HOST)
    directives = MODERN + " ssl_session_tickets off;"
    with nginx(tmp_path / "nginx", "127.0.1.22", cert, directives) as port:
        obs = scan("127.0.1.22", port, tmp_path)
    assert obs.ocsp_stapling.stapled is False          # asked, and nothing came: not "unknown"
    assert obs.ocsp_stapling.cert_status is None
    assert obs.resumption.session_ticket_tls12 is False
    assert obs.connections <= MAX_CONNECTIONS, obs.connections


# --- openssl s_server ----------------------------------------------------------------------------


def test_s_server_staples_a_revoked_status_over_tls12_without_tickets(tmp_path: Path) -> None:
    cert = leaf(HOST)
    revoked_at = NOW - timedelta(days=3)
    der = ocsp_response(cert, ca(), Staple(status=ocsp.OCSPCertStatus.REVOKED, this_update=NOW,
                                           next_update=None, revoked_at=revoked_at), by_name=True)
    with s_server(tmp_path / "s", "127.0.1.23", cert, "-tls1_2", "-no_ticket", "-status_file",
                  "{dir}/ocsp.der", files={"ocsp.der": der}) as port:
        obs = scan("127.0.1.23", port, tmp_path)
    assert obs.accepted_versions() == ("TLSv1.2",)
    s = obs.ocsp_stapling
    assert (s.stapled, s.cert_status, s.revocation_time) == (True, "revoked", revoked_at)
    assert (s.this_update, s.next_update) == (NOW, None)
    assert s.responder == ca().certificate.subject.rfc4514_string()
    assert obs.resumption.session_ticket_tls12 is False
    assert obs.resumption.tickets_tls13 is None       # no TLS 1.3 handshake: not probed


@pytest.mark.parametrize("tickets", [0, 3])
def test_s_server_tls13_tickets_are_counted(tmp_path: Path, tickets: int) -> None:
    cert = leaf(HOST)
    with s_server(tmp_path / "s", "127.0.1.24", cert, "-tls1_3", "-num_tickets",
                  str(tickets)) as port:
        obs = scan("127.0.1.24", port, tmp_path)
    assert obs.accepted_versions() == ("TLSv1.3",)
    assert obs.resumption.tickets_tls13 == tickets
    assert obs.resumption.session_ticket_tls12 is None  # no TLS <= 1.2 ServerHello to read
    assert obs.ocsp_stapling.stapled is False


# --- the lab -------------------------------------------------------------------------------------


@asynccontextmanager
async def lab(*configs: EndpointConfig) -> AsyncIterator[Sequence[RunningEndpoint]]:
    async with trio.open_nursery() as nursery:
        yield await nursery.start(serve_endpoints, configs)
        nursery.cancel_scope.cancel()


async def _scan_lab(config: EndpointConfig, tmp: Path) -> EndpointObservation:
    async with lab(config) as (ep,):
        return await _scan(ep.address, ep.port, tmp)


def _lab_config(address: str, **kw: object) -> EndpointConfig:
    cert = leaf(HOST)
    return EndpointConfig(address=address, cert_pem=cert.cert_pem, key_pem=cert.key_pem,
                          **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("priority", ["NORMAL", "NORMAL:-VERS-TLS1.3"])
@pytest.mark.parametrize("staple", [b"\x30\x03\x0a\x01\x00", b"not DER at all"])
def test_a_malformed_staple_is_a_fact_not_a_crash(tmp_path: Path, staple: bytes,
                                                  priority: str) -> None:
    """gnutls-serv sends what it was given; OpenSSL itself would drop it, so the staple is read
    from the message bytes (TLS 1.3 Certificate entry, TLS 1.2 CertificateStatus)."""
    with gnutls_serv(tmp_path / "g", leaf(HOST), staple, priority=priority) as port:
        obs = scan("127.0.0.1", port, tmp_path)
    assert obs.ocsp_stapling.stapled is True
    assert obs.ocsp_stapling.cert_status == "malformed"
    assert obs.ocsp_stapling.this_update is None and obs.ocsp_stapling.responder is None
    expected = "TLSv1.3" if priority == "NORMAL" else "TLSv1.2"
    assert obs.negotiated_version == expected and obs.certificate is not None
    # OpenSSL 4 refuses a staple that is not DER: the handshake is then made once more without
    # asking for one, and no error is left behind for what is a fact about the server.
    assert not obs.errors, obs.errors


def test_gnutls_staples_a_good_response_in_tls13(tmp_path: Path) -> None:
    der = ocsp_response(leaf(HOST), ca(), Staple(this_update=NOW, next_update=NOW + ONE_WEEK))
    with gnutls_serv(tmp_path / "g", leaf(HOST), der) as port:
        obs = scan("127.0.0.1", port, tmp_path)
    assert obs.negotiated_version == "TLSv1.3"
    s = obs.ocsp_stapling
    assert (s.stapled, s.cert_status, s.this_update, s.serial_matches_leaf) == (
        True, "good", NOW, True)
    assert obs.resumption.tickets_tls13 is not None and obs.resumption.tickets_tls13 >= 1


def test_a_staple_for_another_certificate_is_shown_as_such(tmp_path: Path) -> None:
    other = ca().issue(common_name="other.example.test", dns_names=["other.example.test"],
                       now=NOW, days=30)
    der = ocsp_response(other, ca(), Staple(this_update=NOW, next_update=NOW + ONE_WEEK))
    with gnutls_serv(tmp_path / "g", leaf(HOST), der) as port:
        obs = scan("127.0.0.1", port, tmp_path)
    assert obs.ocsp_stapling.cert_status == "good"
    assert obs.ocsp_stapling.serial_matches_leaf is False
    assert _serial(other.cert_pem) != _serial(leaf(HOST).cert_pem)


def test_a_port_requiring_a_client_certificate_still_shows_its_staple(tmp_path: Path) -> None:
    """TLS 1.2: the staple comes before the server's CertificateRequest, so it is seen even though
    the handshake stops for want of a client certificate. No TLS 1.3 tickets come then."""
    der = ocsp_response(leaf(HOST), ca(), Staple(this_update=NOW, next_update=NOW + ONE_WEEK))
    config = _lab_config("127.0.1.27", ocsp_staple=der, max_version="TLSv1.2",
                         client_auth=ClientAuth.REQUIRE, client_ca_pem=ca().cert_pem)
    obs = trio.run(_scan_lab, config, tmp_path)
    assert obs.client_auth is not None and obs.client_auth.required is True
    assert obs.ocsp_stapling.cert_status == "good"
    assert obs.resumption.tickets_tls13 is None
    assert all(e.kind is not ErrorKind.INTERNAL for e in obs.errors)


def test_tls13_client_certificate_required_means_tickets_not_probed(tmp_path: Path) -> None:
    config = _lab_config("127.0.1.28", min_version="TLSv1.3", client_auth=ClientAuth.REQUIRE,
                         client_ca_pem=ca().cert_pem)
    obs = trio.run(_scan_lab, config, tmp_path)
    assert obs.client_auth is not None and obs.client_auth.required is True
    assert obs.resumption.tickets_tls13 is None


# --- a server that never answers close_notify ------------------------------------------------


def _pending(conn: SSL.Connection) -> bytes:
    try:
        return conn.bio_read(65536)
    except SSL.WantReadError:
        return b""


async def _silent_after_handshake(send_tickets: bool) -> tuple[HandshakeOutcome, float]:
    """One TLS 1.3 handshake served, its tickets (OpenSSL's two) sent or dropped, and then the
    connection kept open without a byte read: our close_notify is never answered."""
    context = build_server_context(_lab_config("127.0.1.30", min_version="TLSv1.3"))
    listener = trio.socket.socket()
    await listener.bind(("127.0.1.30", 0))
    listener.listen(8)
    port = listener.getsockname()[1]

    async def serve() -> None:
        sock, _ = await listener.accept()
        stream = trio.SocketStream(sock)
        conn = SSL.Connection(context, None)
        conn.set_accept_state()
        while True:
            try:
                conn.do_handshake()
                break
            except SSL.WantReadError:
                await stream.send_all(_pending(conn))
                conn.bio_write(await stream.receive_some(65536))
        tickets = _pending(conn)   # written when the client's Finished was read
        if send_tickets:
            await stream.send_all(tickets)
        await trio.sleep_forever()   # holding the stream: no close, no FIN

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve)
        stream = await trio.open_tcp_stream("127.0.1.30", port)
        started = trio.current_time()
        outcome = await tls_handshake(stream, ClientOffer(session_facts=True), timeout=5)
        elapsed = trio.current_time() - started
        nursery.cancel_scope.cancel()
    listener.close()
    return outcome, elapsed


@pytest.mark.parametrize("send_tickets", [False, True])
def test_tickets_from_a_server_that_never_closes(send_tickets: bool) -> None:
    outcome, elapsed = trio.run(_silent_after_handshake, send_tickets)
    assert outcome.version == "TLSv1.3"
    if send_tickets:
        # Counted (OpenSSL's default two), and not waited for past a short silence after them.
        assert outcome.tickets_tls13 == 2
        assert elapsed < POST_HANDSHAKE_READ, elapsed
    else:
        # No ticket and no close within the wait: "none yet" is no fact, so not probed.
        assert outcome.tickets_tls13 is None
        assert elapsed >= POST_HANDSHAKE_READ
