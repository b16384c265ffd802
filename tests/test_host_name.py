"""Host names on the wire: IDNA 2008 / UTS #46 and no trailing dot, the same in every probe.

The SNI each probe sends is read by a real OpenSSL server's servername callback, not by our own
parser: the raw-hello builder's through memory BIOs, the handshake probe's and the renegotiation
probe's over loopback. The certificate name matching normalises the host by the same rule.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress

import pytest
import trio
from cryptography import x509
from OpenSSL import SSL

from hatls.inventory import host_problem
from hatls.lab.endpoint import EndpointConfig
from hatls.lab.tls_context import build_server_context
from hatls.probe.connection import open_connection
from hatls.probe.handshake import ClientOffer, tls_handshake
from hatls.probe.renegotiation import client_renegotiation
from hatls.tls.hello_build import build_client_hello
from hatls.tls.hello_spec import HelloSpec
from hatls.tls.host_name import a_label_host, sni_host_name
from hatls.tls.suites import lookup
from hatls.x509 import NameMatch, match_host
from tests.labkit import NOW, ca, leaf, tls_server

IDN = "straße.example"
IDN_A_LABEL = "xn--strae-oqa.example"   # IDNA 2008 / UTS #46 non-transitional; IDNA 2003: strasse


@pytest.mark.parametrize(("name", "wire"), [
    (IDN, IDN_A_LABEL),
    ("STRASSE.example", "strasse.example"),
    ("Straße.Example.", IDN_A_LABEL),
    ("bücher.example", "xn--bcher-kva.example"),
    ("tsrv-a.example.test.", "tsrv-a.example.test"),
    ("ha_sync-01.corp.example", "ha_sync-01.corp.example"),   # internal names keep their "_"
])
def test_the_wire_form_of_a_host_name(name: str, wire: str) -> None:
    assert sni_host_name(name) == wire.encode()
    assert a_label_host(name) == wire


@pytest.mark.parametrize("name", ["127.0.1.1", "::1", "[::1]"])
def test_an_ip_literal_is_never_sent_as_sni(name: str) -> None:
    assert sni_host_name(name) is None


@pytest.mark.parametrize("name", ["", ".", "a..example", "x" * 64 + ".example", "☃.example"])
def test_what_is_no_host_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a host name"):
        sni_host_name(name)


def test_the_inventory_refuses_what_no_probe_could_send() -> None:
    assert host_problem(IDN) is None
    assert host_problem("☃.example") is not None   # IDNA 2003 took it; no probe could send it


# --- what real servers receive -----------------------------------------------------------------


def _server_context(seen: list[str]) -> SSL.Context:
    cert = leaf("tsrv-a.example.test")
    context = build_server_context(EndpointConfig(address="127.0.1.1", cert_pem=cert.cert_pem,
                                                  key_pem=cert.key_pem))

    def servername(conn: SSL.Connection) -> None:
        name = conn.get_servername()
        seen.append("" if name is None else name.decode("ascii"))

    context.set_tlsext_servername_callback(servername)
    return context


def _raw_hello_sni(name: str) -> list[str]:
    seen: list[str] = []
    server = SSL.Connection(_server_context(seen), None)
    server.set_accept_state()
    suite = lookup("TLS_AES_128_GCM_SHA256")
    assert suite is not None
    spec = HelloSpec(version="TLSv1.3", suites=(suite.code,), random=os.urandom(32),
                     groups=(29,), server_name=name)
    server.bio_write(build_client_hello(spec))
    with suppress(SSL.Error):
        server.do_handshake()
    return seen


def test_the_raw_hello_sends_the_a_label_without_a_trailing_dot() -> None:
    assert _raw_hello_sni("Straße.example.") == [IDN_A_LABEL]
    assert _raw_hello_sni("tsrv-a.example.test.") == ["tsrv-a.example.test"]


def _sni_server(address: str, seen: list[str]) -> AbstractAsyncContextManager[int]:
    return tls_server(address, _server_context(seen))


async def test_the_handshake_probe_sends_the_same_sni() -> None:
    seen: list[str] = []
    async with _sni_server("127.0.1.61", seen) as port:
        for name in ("Straße.example.", "tsrv-a.example.test."):
            stream = await open_connection("127.0.1.61", port, timeout=5)
            async with stream:
                outcome = await tls_handshake(stream, ClientOffer(server_name=name), timeout=5)
            assert outcome.completed, outcome.error_message
    assert seen == [IDN_A_LABEL, "tsrv-a.example.test"]


async def test_the_renegotiation_probe_sends_the_same_sni() -> None:
    seen: list[str] = []
    async with _sni_server("127.0.1.62", seen) as port:
        @asynccontextmanager
        async def dial() -> AsyncIterator[trio.SocketStream]:
            stream = await open_connection("127.0.1.62", port, timeout=5)
            async with stream:
                yield stream
        await client_renegotiation(dial, version="TLSv1.2", server_name="Straße.example.",
                                   timeout=5)
    assert seen[:1] == [IDN_A_LABEL]


# --- certificate name matching -----------------------------------------------------------------


def test_a_certificate_for_the_a_label_matches_the_u_label_host() -> None:
    issued = ca().issue(common_name=IDN_A_LABEL, dns_names=[IDN_A_LABEL], now=NOW, days=30)
    cert = x509.load_pem_x509_certificate(issued.cert_pem)
    for host in (IDN, "Straße.Example.", IDN_A_LABEL):
        verdict, detail = match_host(cert, host)
        assert verdict is NameMatch.MATCH, detail
    verdict, detail = match_host(cert, "strasse.example")
    assert verdict is NameMatch.MISMATCH, detail
