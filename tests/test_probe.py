"""Handshake and plaintext probes against real lab servers on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import trio
from cryptography.hazmat.primitives.serialization import Encoding

from hatls.lab.endpoint import ClientAuth, EndpointConfig, Fault, ListenMode, RunningEndpoint
from hatls.lab.server import serve_endpoints
from hatls.observations import ErrorKind, PlaintextCase, Stage
from hatls.probe.connection import open_connection
from hatls.probe.errors import probe_error
from hatls.probe.handshake import ClientOffer, tls_handshake
from hatls.probe.plaintext import http_error_status_line, plaintext_probe
from hatls.scanning import HandshakeOutcome, PlaintextOutcome
from tests.labkit import ca, leaf

HOST = "tsrv-a.example.test"


def secured(**kw: Any) -> EndpointConfig:
    cert = leaf(HOST)
    base: dict[str, Any] = dict(address="127.0.1.1", cert_pem=cert.cert_pem, key_pem=cert.key_pem)
    base.update(kw)
    return EndpointConfig(**base)


@asynccontextmanager
async def lab(*configs: EndpointConfig) -> AsyncIterator[Sequence[RunningEndpoint]]:
    async with trio.open_nursery() as nursery:
        running = await nursery.start(serve_endpoints, configs)
        yield running
        nursery.cancel_scope.cancel()


async def handshake(ep: RunningEndpoint, offer: ClientOffer | None = None,
                    timeout: float = 5.0) -> HandshakeOutcome:
    stream = await open_connection(ep.address, ep.port, timeout=5.0)
    async with stream:
        return await tls_handshake(stream, offer or ClientOffer(server_name=HOST), timeout=timeout)


async def plaintext(ep: RunningEndpoint) -> PlaintextOutcome:
    stream = await open_connection(ep.address, ep.port, timeout=5.0)
    async with stream:
        return await plaintext_probe(stream, answer_wait=1.0)


async def test_modern_server_negotiates_tls13_and_sends_its_chain() -> None:
    async with lab(secured()) as (ep,):
        out = await handshake(ep)
    assert out.completed and out.version == "TLSv1.3"
    assert out.cipher is not None and out.cipher.startswith("TLS_AES_")
    assert len(out.chain_der) == 1
    assert not out.client_cert_requested and out.client_cert_required is False


async def test_tls12_only_server_reports_suite_by_iana_name_and_ems() -> None:
    config = secured(max_version="TLSv1.2", ciphers="ECDHE-ECDSA-AES256-GCM-SHA384")
    async with lab(config) as (ep,):
        out = await handshake(ep)
    assert out.version == "TLSv1.2"
    assert out.cipher == "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
    assert out.extended_master_secret is True


async def test_legacy_tls10_server_is_seen_with_a_legacy_client() -> None:
    async with lab(secured(min_version="TLSv1.0", max_version="TLSv1.0")) as (ep,):
        out = await handshake(ep)
        refused = await handshake(ep, ClientOffer(min_version="TLSv1.2", server_name=HOST))
    assert out.completed and out.version == "TLSv1.0"
    assert not refused.completed and refused.error_kind is ErrorKind.TLS_ALERT


async def test_required_client_certificate_in_tls13_is_seen_after_finished() -> None:
    config = secured(client_auth=ClientAuth.REQUIRE, client_ca_pem=ca().cert_pem)
    async with lab(config) as (ep,):
        out = await handshake(ep)
    assert out.client_cert_requested is True
    assert out.client_cert_required is True
    assert any("hatls test HA CA" in name for name in out.ca_names)


async def test_required_client_certificate_in_tls12_fails_the_handshake() -> None:
    config = secured(max_version="TLSv1.2", client_auth=ClientAuth.REQUIRE,
                     client_ca_pem=ca().cert_pem)
    async with lab(config) as (ep,):
        out = await handshake(ep)
    assert not out.completed
    assert out.error_kind is ErrorKind.CLIENT_CERT_NEEDED
    assert out.client_cert_requested and out.client_cert_required is True


async def test_requested_but_optional_client_certificate() -> None:
    config = secured(client_auth=ClientAuth.REQUEST, client_ca_pem=ca().cert_pem)
    async with lab(config) as (ep,):
        out = await handshake(ep)
    assert out.completed and out.client_cert_requested and out.client_cert_required is False


async def test_plaintext_probe_tells_the_three_modes_apart() -> None:
    configs = (secured(), secured(mode=ListenMode.UNSECURED), secured(mode=ListenMode.AUTO_DETECT),
               secured(mode=ListenMode.UNSECURED, banner=b"220 genesys ready\r\n"))
    async with lab(*configs) as (tls_only, plain, auto, banner):
        assert (await plaintext(tls_only)).accepted is False
        assert (await plaintext(plain)).accepted is True
        assert (await plaintext(auto)).accepted is True
        with_banner = await plaintext(banner)
        assert with_banner.accepted and with_banner.banner
        assert (await handshake(auto)).completed
        not_tls = await handshake(plain)
    assert not not_tls.completed and not_tls.error_kind is ErrorKind.NOT_TLS


async def test_plaintext_probe_names_each_case_it_saw() -> None:
    configs = (secured(), secured(mode=ListenMode.UNSECURED),
               secured(mode=ListenMode.UNSECURED, banner=b"220 genesys ready\r\n"),
               secured(fault=Fault.TARPIT), secured(fault=Fault.ACCEPT_CLOSE))
    async with lab(*configs) as (tls_only, plain, banner, tarpit, closing):
        cases = {name: await plaintext(ep) for name, ep in (
            ("tls", tls_only), ("plain", plain), ("banner", banner), ("tarpit", tarpit),
            ("closing", closing))}
    assert cases["tls"].case in (PlaintextCase.TLS_RECORD, PlaintextCase.CLOSED)
    assert cases["plain"].case is PlaintextCase.PLAINTEXT_ANSWER and cases["plain"].accepted
    assert cases["banner"].case is PlaintextCase.BANNER and cases["banner"].accepted
    # Silence is no claim by itself: scanning/_merge.py decides it with the handshake on the same port.
    assert cases["tarpit"].case is PlaintextCase.SILENT and cases["tarpit"].accepted is None
    assert cases["closing"].case is PlaintextCase.CLOSED and cases["closing"].accepted is False


async def _http_400_in_pieces(stream: trio.SocketStream) -> None:
    """nginx's answer to plaintext on an ssl port, sent a few bytes at a time."""
    async with stream:
        await stream.receive_some(1024)
        answer = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n<html>plain HTTP</html>"
        for start in range(0, len(answer), 4):
            await stream.send_all(answer[start:start + 4])
            await trio.sleep(0.01)


async def test_an_http_4xx_answer_is_a_refusal_even_when_it_comes_in_pieces() -> None:
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, _http_400_in_pieces, 0,
                                                host="127.0.1.1"))
        port = listeners[0].socket.getsockname()[1]
        outcome = await plaintext(RunningEndpoint(config=secured(), port=port))
        nursery.cancel_scope.cancel()
    assert outcome.case is PlaintextCase.HTTP_ERROR and outcome.accepted is False, outcome
    assert "HTTP/1.1 400 Bad Request" in outcome.evidence and "nginx" not in outcome.evidence


def test_only_an_http_client_error_is_a_refusal() -> None:
    assert http_error_status_line(b"HTTP/1.1 400 Bad Request\r\n\r\n") == \
        b"HTTP/1.1 400 Bad Request"
    assert http_error_status_line(b"HTTP/1.0 497 \r\n") == b"HTTP/1.0 497 "
    for accepted in (b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 500 Oops\r\n", b"HTTP/1.1 4000\r\n",
                     b"ERR HTTP/1.1 400\r\n"):
        assert http_error_status_line(accepted) is None, accepted


async def test_closed_port_is_refused() -> None:
    async with lab(secured(fault=Fault.CLOSED)) as (ep,):
        try:
            await open_connection(ep.address, ep.port, timeout=2.0)
        except OSError as exc:
            error = probe_error(Stage.CONNECT, exc)
        else:
            raise AssertionError("connect to a closed port succeeded")
    assert error.kind is ErrorKind.REFUSED


async def test_faulty_servers_end_in_their_error_kind() -> None:
    faults = (Fault.ACCEPT_CLOSE, Fault.RESET, Fault.GARBAGE)
    async with lab(*(secured(fault=f) for f in faults)) as running:
        outcomes = [await handshake(ep) for ep in running]
    kinds = [o.error_kind for o in outcomes]
    # A server that closes with our ClientHello unread makes the kernel send RST: either is right.
    assert kinds[0] in (ErrorKind.CLOSED, ErrorKind.RESET)
    assert kinds[1:] == [ErrorKind.RESET, ErrorKind.NOT_TLS]


async def test_tarpit_times_out_on_the_virtual_clock(autojump_clock: trio.testing.MockClock) -> None:
    async with lab(secured(fault=Fault.TARPIT)) as (ep,):
        stream = await open_connection(ep.address, ep.port, timeout=5.0)
        start = trio.current_time()
        async with stream:
            out = await tls_handshake(stream, ClientOffer(), timeout=7.0)
        elapsed = trio.current_time() - start
    assert out.error_kind is ErrorKind.TIMEOUT and out.error_message == "timed out after 7.0 s"
    assert 7.0 <= elapsed < 7.5


async def test_a_tls12_server_that_requires_a_client_certificate_still_shows_its_chain() -> None:
    config = secured(max_version="TLSv1.2", client_auth=ClientAuth.REQUIRE,
                     client_ca_pem=ca().cert_pem)
    async with lab(config) as (ep,):
        out = await handshake(ep)
    assert out.error_kind is ErrorKind.CLIENT_CERT_NEEDED
    assert leaf(HOST).certificate.public_bytes(Encoding.DER) == out.chain_der[0]
