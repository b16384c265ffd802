"""The loopback lab servers, checked over real sockets by an independent TLS stack.

The client side is the standard library's `ssl` (the interpreter's own OpenSSL build),
never pyOpenSSL, so a lab bug cannot hide behind the same code on both ends.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import trio
from conftest_lab import Issued, issue_leaf, make_ca

from hatls.lab.connection import GARBAGE_REPLY, PLAINTEXT_REPLY
from hatls.lab.server import (
    EndpointConfig,
    Fault,
    LabThread,
    LabTimeouts,
    ListenMode,
    RunningEndpoint,
    serve_endpoints,
)

LEGACY_WARNING = "ignore:ssl.TLSVersion.TLSv1 is deprecated:DeprecationWarning"
PLAINTEXT_PING = b"\r\n\r\nPING\r\n"  # what the scanner's plaintext probe sends (docs/design.md)
ALERT_RECORD = 0x15


@pytest.fixture(scope="module")
def server_ca() -> Issued:
    return make_ca("hatls lab test root")


@pytest.fixture(scope="module")
def server_id(server_ca: Issued) -> Issued:
    return issue_leaf(server_ca, "tsrv-a.lab.test", ip="127.0.1.1")


@pytest.fixture(scope="module")
def client_ca() -> Issued:
    return make_ca("hatls lab client CA")


@pytest.fixture(scope="module")
def client_id(client_ca: Issued) -> Issued:
    return issue_leaf(client_ca, "scanner.lab.test")


def secured(identity: Issued, **options: object) -> EndpointConfig:
    fields: dict[str, object] = {"address": "127.0.1.1", "cert_pem": identity.cert_pem}
    fields["key_pem"] = identity.key_pem
    fields.update(options)
    return EndpointConfig(**fields)  # type: ignore[arg-type]


def client_context(
    *,
    minimum: ssl.TLSVersion | None = None,
    maximum: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    """A client that trusts anything: these tests look at the protocol, not at trust."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if minimum is not None:
        context.minimum_version = minimum
    if maximum is not None:
        context.maximum_version = maximum
    if ciphers is not None:
        context.set_ciphers(ciphers)
    return context


def connect(endpoint: RunningEndpoint, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection((endpoint.address, endpoint.port), timeout=timeout)


@contextmanager
def tls(endpoint: RunningEndpoint, context: ssl.SSLContext) -> Iterator[ssl.SSLSocket]:
    with connect(endpoint) as raw, context.wrap_socket(raw) as wrapped:
        yield wrapped


def handshake(endpoint: RunningEndpoint, context: ssl.SSLContext) -> str | None:
    """Handshake (and close); the negotiated version, or the SSLError it raised."""
    with tls(endpoint, context) as wrapped:
        return wrapped.version()


def cipher_name(wrapped: ssl.SSLSocket) -> str:
    negotiated = wrapped.cipher()
    assert negotiated is not None
    return negotiated[0]


def echo_once(wrapped: ssl.SSLSocket, payload: bytes = b"ping") -> bytes:
    wrapped.sendall(payload)
    return wrapped.recv(1024)


def read_until_closed(sock: socket.socket, limit: int = 65536) -> bytes:
    received = bytearray()
    while len(received) < limit:
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    return bytes(received)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


# --- secured: versions, suites, groups, chain ------------------------------------------


def test_tls13_only_endpoint_negotiates_tls13_and_refuses_tls12(server_id: Issued) -> None:
    config = secured(server_id, min_version="TLSv1.3", max_version="TLSv1.3")
    with LabThread([config]) as (endpoint,):
        with tls(endpoint, client_context()) as wrapped:
            assert wrapped.version() == "TLSv1.3"
            assert echo_once(wrapped) == b"ping"
        with pytest.raises(ssl.SSLError):
            handshake(endpoint, client_context(maximum=ssl.TLSVersion.TLSv1_2))


def test_tls12_only_endpoint_negotiates_tls12_and_refuses_tls13(server_id: Issued) -> None:
    config = secured(server_id, min_version="TLSv1.2", max_version="TLSv1.2")
    with LabThread([config]) as (endpoint,):
        with tls(endpoint, client_context()) as wrapped:
            assert wrapped.version() == "TLSv1.2"
            assert echo_once(wrapped, b"after finished") == b"after finished"
        with pytest.raises(ssl.SSLError):
            handshake(endpoint, client_context(minimum=ssl.TLSVersion.TLSv1_3))


@pytest.mark.filterwarnings(LEGACY_WARNING)
def test_tls10_endpoint_speaks_tls10_to_a_seclevel0_client(server_id: Issued) -> None:
    config = secured(server_id, min_version="TLSv1.0", max_version="TLSv1.0")
    legacy = client_context(
        minimum=ssl.TLSVersion.TLSv1, maximum=ssl.TLSVersion.TLSv1, ciphers="DEFAULT:@SECLEVEL=0"
    )
    with LabThread([config]) as (endpoint,):
        with tls(endpoint, legacy) as wrapped:
            assert wrapped.version() == "TLSv1"
            assert echo_once(wrapped) == b"ping"
        with pytest.raises(ssl.SSLError):  # a modern client is refused
            handshake(endpoint, client_context(minimum=ssl.TLSVersion.TLSv1_2))


def test_tls12_cipher_restriction_is_observed(server_id: Issued) -> None:
    config = secured(server_id, max_version="TLSv1.2", ciphers="ECDHE-ECDSA-AES128-GCM-SHA256")
    with LabThread([config]) as (endpoint,):
        with tls(endpoint, client_context()) as wrapped:
            assert cipher_name(wrapped) == "ECDHE-ECDSA-AES128-GCM-SHA256"
        other_suite = client_context(ciphers="ECDHE-ECDSA-AES256-GCM-SHA384")
        with pytest.raises(ssl.SSLError):
            handshake(endpoint, other_suite)


def test_tls13_ciphersuite_restriction_is_observed(server_id: Issued) -> None:
    config = secured(
        server_id, min_version="TLSv1.3", tls13_ciphersuites="TLS_CHACHA20_POLY1305_SHA256"
    )
    with LabThread([config]) as (endpoint,), tls(endpoint, client_context()) as wrapped:
        assert cipher_name(wrapped) == "TLS_CHACHA20_POLY1305_SHA256"


def test_groups_restriction_is_observed(server_id: Issued) -> None:
    p256_only = client_context()
    p256_only.set_ecdh_curve("prime256v1")  # the client then offers P-256 alone
    refusing = secured(server_id, groups="P-384")
    accepting = secured(server_id, address="127.0.2.1", groups="P-384:P-256")
    with LabThread([refusing, accepting]) as (refuses, accepts):
        with pytest.raises(ssl.SSLError):
            handshake(refuses, p256_only)
        with tls(accepts, p256_only) as wrapped:
            assert echo_once(wrapped) == b"ping"


def test_intermediates_are_sent_after_the_leaf(server_ca: Issued) -> None:
    intermediate = make_ca("hatls lab intermediate", parent=server_ca)
    leaf = issue_leaf(intermediate, "tsrv-b.lab.test", ip="127.0.2.1")
    verifying = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    verifying.check_hostname = False
    verifying.load_verify_locations(cadata=server_ca.cert_pem.decode())  # the root only
    with_chain = secured(leaf, address="127.0.2.1", chain_pem=intermediate.cert_pem)
    without_chain = secured(leaf, address="127.0.2.1")
    with LabThread([with_chain, without_chain]) as (complete, incomplete):
        with tls(complete, verifying) as wrapped:
            peer = wrapped.getpeercert()
            assert peer is not None
            assert peer["subject"] == ((("commonName", "tsrv-b.lab.test"),),)
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(incomplete, verifying)


def test_secured_refuses_plaintext(server_id: Issued) -> None:
    with LabThread([secured(server_id)]) as (endpoint,), connect(endpoint) as raw:
        raw.sendall(PLAINTEXT_PING)
        answer = read_until_closed(raw)
    # OpenSSL's own reaction: a TLS alert record, or a close without data — never plaintext.
    assert answer == b"" or answer[0] == ALERT_RECORD


# --- client certificates ---------------------------------------------------------------


def mutual(
    identity: Issued, client_ca: Issued, client_auth: str, **options: object
) -> EndpointConfig:
    return secured(identity, client_auth=client_auth, client_ca_pem=client_ca.cert_pem, **options)


def with_client_cert(context: ssl.SSLContext, client: Issued, folder: Path) -> ssl.SSLContext:
    (folder / "client.pem").write_bytes(client.cert_pem)
    (folder / "client.key").write_bytes(client.key_pem)
    context.load_cert_chain(folder / "client.pem", folder / "client.key")
    return context


def test_require_fails_tls12_handshake_without_a_client_cert(
    server_id: Issued, client_ca: Issued
) -> None:
    config = mutual(server_id, client_ca, "require", max_version="TLSv1.2")
    with LabThread([config]) as (endpoint,), pytest.raises(ssl.SSLError):
        handshake(endpoint, client_context())


def test_require_fails_tls13_on_first_read_without_a_client_cert(
    server_id: Issued, client_ca: Issued
) -> None:
    config = mutual(server_id, client_ca, "require", min_version="TLSv1.3")
    with LabThread([config]) as (endpoint,), tls(endpoint, client_context()) as wrapped:
        # TLS 1.3: the client's handshake ends at its Finished; the alert comes after it.
        assert wrapped.version() == "TLSv1.3"
        wrapped.sendall(b"ping")
        with pytest.raises(ssl.SSLError, match=r"(?i)certificate"):
            wrapped.recv(1024)


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_require_succeeds_with_a_trusted_client_cert(
    server_id: Issued, client_ca: Issued, client_id: Issued, tmp_path: Path, version: str
) -> None:
    config = mutual(server_id, client_ca, "require", min_version=version, max_version=version)
    context = with_client_cert(client_context(), client_id, tmp_path)
    with LabThread([config]) as (endpoint,), tls(endpoint, context) as wrapped:
        assert echo_once(wrapped) == b"ping"


def test_require_refuses_a_client_cert_from_another_ca(
    server_id: Issued, client_ca: Issued, server_ca: Issued, tmp_path: Path
) -> None:
    stranger = issue_leaf(server_ca, "stranger.lab.test")
    config = mutual(server_id, client_ca, "require", max_version="TLSv1.2")
    context = with_client_cert(client_context(), stranger, tmp_path)
    with LabThread([config]) as (endpoint,), pytest.raises(ssl.SSLError):
        handshake(endpoint, context)


def tls12_server_flight(endpoint: RunningEndpoint) -> bytes:
    """Every byte the server sends in a TLS 1.2 handshake (where CertificateRequest is clear)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    session = client_context(maximum=ssl.TLSVersion.TLSv1_2).wrap_bio(incoming, outgoing)
    received = bytearray()
    with connect(endpoint) as raw:
        while True:
            try:
                session.do_handshake()
                return bytes(received)
            except ssl.SSLWantReadError:
                raw.sendall(outgoing.read())
                chunk = raw.recv(65536)
                assert chunk, "server closed during the handshake"
                received += chunk
                incoming.write(chunk)


@pytest.mark.parametrize(("client_auth", "advertised"), [("request", True), ("none", False)])
def test_request_advertises_the_client_ca_names(
    server_id: Issued, client_ca: Issued, client_auth: str, advertised: bool
) -> None:
    config = mutual(server_id, client_ca, client_auth, max_version="TLSv1.2")
    with LabThread([config]) as (endpoint,):
        flight = tls12_server_flight(endpoint)
        # "request" lets a client without a certificate in.
        with tls(endpoint, client_context()) as wrapped:
            assert echo_once(wrapped) == b"ping"
    name = client_ca.subject_der
    distinguished_name = len(name).to_bytes(2, "big") + name  # DistinguishedName<1..2^16-1>
    assert (distinguished_name in flight) is advertised


# --- plaintext and auto-detect ---------------------------------------------------------


def test_unsecured_answers_plaintext_and_rejects_tls() -> None:
    config = EndpointConfig(address="127.0.1.2", mode=ListenMode.UNSECURED)
    with LabThread([config]) as (endpoint,):
        with connect(endpoint) as raw:
            raw.sendall(PLAINTEXT_PING)
            assert raw.recv(1024) == PLAINTEXT_REPLY
            raw.sendall(b"again\r\n")  # the connection stays open for more
            assert raw.recv(1024) == PLAINTEXT_REPLY
        with pytest.raises(ssl.SSLError):
            handshake(endpoint, client_context())


def test_unsecured_sends_its_banner_first() -> None:
    banner = b"220 tserver ready\r\n"
    config = EndpointConfig(address="127.0.1.2", mode=ListenMode.UNSECURED, banner=banner)
    with LabThread([config]) as (endpoint,), connect(endpoint) as raw:
        assert raw.recv(1024) == banner
        raw.sendall(PLAINTEXT_PING)
        assert raw.recv(1024) == PLAINTEXT_REPLY


def test_auto_detect_takes_plaintext_and_tls(server_id: Issued) -> None:
    config = secured(server_id, mode=ListenMode.AUTO_DETECT)
    with LabThread([config]) as (endpoint,):
        with connect(endpoint) as raw:
            raw.sendall(PLAINTEXT_PING)
            assert raw.recv(1024) == PLAINTEXT_REPLY
        with tls(endpoint, client_context()) as wrapped:
            assert wrapped.version() == "TLSv1.3"
            assert echo_once(wrapped) == b"ping"


def test_auto_detect_with_banner_speaks_first_then_takes_either(server_id: Issued) -> None:
    banner = b"confserv 8.5 ready\r\n"
    config = secured(server_id, mode=ListenMode.AUTO_DETECT, banner=banner)
    with LabThread([config]) as (endpoint,):
        with connect(endpoint) as raw:
            assert raw.recv(1024) == banner
            raw.sendall(PLAINTEXT_PING)
            assert raw.recv(1024) == PLAINTEXT_REPLY
        with connect(endpoint) as raw:
            assert raw.recv(1024) == banner
            with client_context().wrap_socket(raw) as wrapped:  # upgrade after the banner
                assert echo_once(wrapped) == b"ping"


# --- faults ----------------------------------------------------------------------------


def fault(kind: Fault, address: str = "127.0.1.3") -> EndpointConfig:
    return EndpointConfig(address=address, fault=kind)  # faults need no certificate


def test_closed_fault_refuses_connections() -> None:
    with LabThread([fault(Fault.CLOSED)]) as (endpoint,):
        assert endpoint.port > 0
        with pytest.raises(ConnectionRefusedError):
            connect(endpoint)


def test_accept_close_fault_closes_at_once() -> None:
    with LabThread([fault(Fault.ACCEPT_CLOSE)]) as (endpoint,), connect(endpoint) as raw:
        assert raw.recv(1024) == b""
        wait_until(lambda: endpoint.stats.accepted == 1 and endpoint.stats.active == 0)


def test_reset_fault_resets_the_connection() -> None:
    # The reset may even overtake the end of connect(): both count as "reset".
    with (
        LabThread([fault(Fault.RESET)]) as (endpoint,),
        pytest.raises(ConnectionResetError),
        connect(endpoint) as raw,
    ):
        raw.recv(1024)


def test_garbage_fault_answers_anything_with_non_tls_bytes() -> None:
    with LabThread([fault(Fault.GARBAGE)]) as (endpoint,):
        with connect(endpoint) as raw:
            raw.sendall(PLAINTEXT_PING)
            assert raw.recv(1024) == GARBAGE_REPLY
        with pytest.raises(ssl.SSLError):
            handshake(endpoint, client_context())


def test_tarpit_fault_holds_the_connection_silently_until_the_lab_stops() -> None:
    lab = LabThread([fault(Fault.TARPIT)])
    with lab as (endpoint,), connect(endpoint, timeout=0.5) as raw:
        raw.sendall(PLAINTEXT_PING)
        with pytest.raises(TimeoutError):
            raw.recv(1024)
        assert endpoint.stats.active == 1  # still held, not closed
        lab.stop()
        raw.settimeout(5.0)
        # A close with our unread bytes pending may come as a reset: also "closed by the lab".
        with contextlib.suppress(ConnectionResetError):
            assert raw.recv(1024) == b""
        assert endpoint.stats.active == 0


# --- robustness and timeouts -----------------------------------------------------------


def test_broken_clients_do_not_stop_the_server(server_id: Issued) -> None:
    with LabThread([secured(server_id)]) as (endpoint,):
        with connect(endpoint) as raw:  # a record header that claims an absurd length
            raw.sendall(b"\x16\x03\x01\xff\xff" + b"\x00" * 64)
            assert read_until_closed(raw)[:1] in (b"", bytes([ALERT_RECORD]))
        raw = connect(endpoint)  # half a ClientHello, then a reset
        raw.sendall(b"\x16\x03\x01\x00\x80\x01")
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        raw.close()
        with tls(endpoint, client_context()) as wrapped:
            assert echo_once(wrapped) == b"ping"
        wait_until(lambda: endpoint.stats.active == 0)
        assert endpoint.stats.accepted == 3


def test_handshake_timeout_closes_a_silent_tls_client(server_id: Issued) -> None:
    timeouts = LabTimeouts(handshake=0.2, idle=30.0)
    with (
        LabThread([secured(server_id)], timeouts=timeouts) as (endpoint,),
        connect(endpoint) as raw,
    ):
        started = time.monotonic()
        assert raw.recv(1024) == b""
        assert time.monotonic() - started < 4.0


def test_idle_timeout_closes_a_silent_plaintext_client() -> None:
    config = EndpointConfig(address="127.0.1.2", mode=ListenMode.UNSECURED)
    with (
        LabThread([config], timeouts=LabTimeouts(idle=0.2)) as (endpoint,),
        connect(endpoint) as raw,
    ):
        raw.sendall(PLAINTEXT_PING)
        assert raw.recv(1024) == PLAINTEXT_REPLY
        assert raw.recv(1024) == b""  # then silence for longer than the idle timeout


def test_a_closed_session_is_answered_with_close_notify(server_id: Issued) -> None:
    with LabThread([secured(server_id)]) as (endpoint,), connect(endpoint) as raw:
        wrapped = client_context().wrap_socket(raw)
        assert echo_once(wrapped) == b"ping"
        plain = wrapped.unwrap()  # sends close_notify and waits for the server's
        assert plain.recv(1024) == b""


# --- counters --------------------------------------------------------------------------


def test_counters_report_accepted_and_peak_concurrency() -> None:
    primary = EndpointConfig(address="127.0.1.4", mode=ListenMode.UNSECURED)
    other_port = EndpointConfig(address="127.0.1.4", mode=ListenMode.UNSECURED)
    with LabThread([primary, other_port]) as (endpoint, neighbour):
        held = [connect(endpoint) for _ in range(3)]
        held.append(connect(neighbour))
        wait_until(lambda: endpoint.address_stats.accepted == 4)
        assert endpoint.stats.active == 3
        for sock in held:
            sock.close()
        wait_until(lambda: endpoint.address_stats.active == 0)
        with connect(endpoint):
            wait_until(lambda: endpoint.stats.accepted == 4)
        assert (endpoint.stats.accepted, endpoint.stats.peak_concurrent) == (4, 3)
        assert (neighbour.stats.accepted, neighbour.stats.peak_concurrent) == (1, 1)
        assert endpoint.address_stats is neighbour.address_stats
        assert endpoint.address_stats.peak_concurrent == 4


def test_one_connection_at_a_time_never_counts_as_two() -> None:
    # The peer's close counts at once, even before the lab has read it: a scanner that
    # closes and reconnects immediately stays within a per-address cap of one.
    config = EndpointConfig(address="127.0.1.4", mode=ListenMode.UNSECURED)
    with LabThread([config]) as (endpoint,):
        for _ in range(30):
            with connect(endpoint) as raw:
                raw.sendall(PLAINTEXT_PING)
                assert raw.recv(1024) == PLAINTEXT_REPLY
        wait_until(lambda: endpoint.stats.accepted == 30)
        assert endpoint.stats.peak_concurrent == 1


# --- binding and lifecycle -------------------------------------------------------------


def test_a_pair_binds_primary_on_127_0_1_x_and_backup_on_127_0_2_x_on_one_port() -> None:
    primary = EndpointConfig(address="127.0.1.5", mode=ListenMode.UNSECURED, banner=b"primary\r\n")
    with LabThread([primary]) as (bound_primary,):
        backup = EndpointConfig(
            address="127.0.2.5", port=bound_primary.port, mode=ListenMode.UNSECURED, banner=b"b\r\n"
        )
        with LabThread([backup]) as (bound_backup,):
            assert bound_backup.port == bound_primary.port
            for endpoint, banner in ((bound_primary, b"primary\r\n"), (bound_backup, b"b\r\n")):
                with connect(endpoint) as raw:
                    assert raw.getpeername() == (endpoint.address, endpoint.port)
                    assert raw.recv(1024) == banner


def test_lab_thread_stops_cleanly_and_frees_its_ports(server_id: Issued) -> None:
    threads_before = set(threading.enumerate())
    configs = [secured(server_id), EndpointConfig(address="127.0.2.1", mode=ListenMode.UNSECURED)]
    with LabThread(configs) as endpoints:
        assert [e.config for e in endpoints] == configs
        with tls(endpoints[0], client_context()) as wrapped:
            assert echo_once(wrapped) == b"ping"
        open_connection = connect(endpoints[1])  # still open when the lab stops
    assert set(threading.enumerate()) == threads_before
    with open_connection:
        assert read_until_closed(open_connection) == b""
    for endpoint in endpoints:
        with pytest.raises(ConnectionRefusedError):
            connect(endpoint)


def test_lab_thread_start_fails_when_the_port_is_taken() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.1.6", 0))
        squatter.listen()
        taken = EndpointConfig(
            address="127.0.1.6", port=squatter.getsockname()[1], mode=ListenMode.UNSECURED
        )
        with pytest.raises(OSError), LabThread([taken]):
            pass


@pytest.mark.parametrize(
    "config",
    [
        EndpointConfig(address="127.0.1.1"),  # secured without a certificate
        EndpointConfig(address="192.0.2.1", mode=ListenMode.UNSECURED),  # not loopback
    ],
)
def test_a_bad_configuration_fails_the_start(config: EndpointConfig) -> None:
    with pytest.raises(ValueError), LabThread([config]):
        pass


def test_a_bad_version_fails_the_start(server_id: Issued) -> None:
    with (
        pytest.raises(ValueError, match=r"TLSv1\.4"),
        LabThread([secured(server_id, max_version="TLSv1.4")]),
    ):
        pass


async def test_serve_endpoints_runs_inside_trio(server_id: Issued) -> None:
    configs = [
        EndpointConfig(address="127.0.1.8", mode=ListenMode.UNSECURED, banner=b"hello\r\n"),
        secured(server_id, address="127.0.2.8"),
    ]
    async with trio.open_nursery() as nursery:
        running = await nursery.start(serve_endpoints, configs)
        assert isinstance(running, tuple) and len(running) == 2
        stream = await trio.open_tcp_stream(running[0].address, running[0].port)
        async with stream:
            assert await stream.receive_some(1024) == b"hello\r\n"
        nursery.cancel_scope.cancel()
    with pytest.raises(OSError):  # cancelled: the listener is gone
        await trio.open_tcp_stream(running[0].address, running[0].port)
