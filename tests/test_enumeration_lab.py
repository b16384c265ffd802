"""The enumeration engine against real OpenSSL servers (the lab, pyOpenSSL) in several setups.

What each server accepts is computed apart from hatls's engine: from the server context's own
cipher list (``Connection.get_cipher_list``), kept to what its certificate can serve, mapped to
IANA names, and from the groups and versions the configuration names. hatls must find exactly that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from functools import cache
from pathlib import Path
from typing import Any

import trio
from OpenSSL import SSL

from hatls.inventory import parse_inventory
from hatls.lab.endpoint import EndpointConfig, Fault, RunningEndpoint
from hatls.lab.pki import IssuedCert
from hatls.lab.server import serve_endpoints
from hatls.lab.tls_context import build_server_context, effective_cipher_string
from hatls.probe.connection import open_connection
from hatls.probe.enumerate import enumerate_tls
from hatls.probe.scanner import ScanLimits, scan_inventory
from hatls.scanning import EnumerationFacts, observations_of
from hatls.tls.suites import Authentication, lookup
from tests.labkit import NOW, ca, leaf, tcp_server, tls_server

HOST = "tsrv-a.example.test"
VERSIONS = ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
# OpenSSL's SSL_OP_ALLOW_CLIENT_RENEGOTIATION (3.0+: off by default), which pyOpenSSL lacks.
ALLOW_CLIENT_RENEGOTIATION = 0x00000100
Dial = Callable[[], AbstractAsyncContextManager[trio.SocketStream]]


@cache
def rsa_leaf() -> IssuedCert:
    return ca().issue(common_name=HOST, dns_names=[HOST], now=NOW, days=365, key_type="rsa")


def config(address: str, *, rsa: bool = False, **kw: Any) -> EndpointConfig:
    cert = rsa_leaf() if rsa else leaf(HOST)
    return EndpointConfig(address=address, cert_pem=cert.cert_pem, key_pem=cert.key_pem, **kw)


# --- what a server accepts, computed without hatls's engine ---------------------------------


def configured_suites(cfg: EndpointConfig, *, auth: Authentication) -> dict[str, set[str]]:
    """Per version, the IANA names the server's context lists that its certificate can serve."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    if (cipher_string := effective_cipher_string(cfg)) is not None:
        context.set_cipher_list(cipher_string.encode())
    if cfg.tls13_ciphersuites is not None:
        context.set_tls13_ciphersuites(cfg.tls13_ciphersuites.encode())
    suites = [lookup(name) for name in SSL.Connection(context, None).get_cipher_list()]
    low, high = VERSIONS.index(cfg.min_version), VERSIONS.index(cfg.max_version)
    accepted: dict[str, set[str]] = {}
    for version in VERSIONS[low:high + 1]:
        accepted[version] = {s.iana_name for s in suites if s is not None and version in s.versions
                             and s.authentication in (auth, Authentication.TLS13)}
    return accepted


def found_suites(facts: EnumerationFacts) -> dict[str, set[str]]:
    return {v: set(names) for v, names in facts.ciphers.items() if names}


def accepted_versions(facts: EnumerationFacts) -> set[str]:
    return {v for v, ok in facts.protocols.items() if ok}


# --- servers and dialing --------------------------------------------------------------------


@asynccontextmanager
async def lab(*configs: EndpointConfig) -> AsyncIterator[Sequence[RunningEndpoint]]:
    async with trio.open_nursery() as nursery:
        yield await nursery.start(serve_endpoints, configs)
        nursery.cancel_scope.cancel()


def dialer(address: str, port: int, counter: list[int] | None = None) -> Dial:
    @asynccontextmanager
    async def dial() -> AsyncIterator[trio.SocketStream]:
        if counter is not None:
            counter.append(1)
        stream = await open_connection(address, port, timeout=5)
        async with stream:
            yield stream
    return dial


async def enumerate_at(address: str, port: int, counter: list[int] | None = None,
                       ) -> EnumerationFacts:
    return await enumerate_tls(dialer(address, port, counter), server_name=HOST, timeout=5)


# --- protocols and suites --------------------------------------------------------------------


TLS12_RSA = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:AES256-GCM-SHA384:AES128-SHA"


async def test_tls12_only_with_a_cipher_string_is_found_exactly() -> None:
    cfg = config("127.0.4.1", rsa=True, max_version="TLSv1.2", ciphers=TLS12_RSA,
                 groups="X25519:P-256:P-384")
    async with lab(cfg) as (ep,):
        facts = await enumerate_at(ep.address, ep.port)
    assert accepted_versions(facts) == {"TLSv1.2"}
    assert found_suites(facts) == configured_suites(cfg, auth=Authentication.RSA)
    assert len(facts.ciphers["TLSv1.2"]) == 4
    assert set(facts.groups or ()) == {"x25519", "secp256r1", "secp384r1"}
    assert facts.fallback_scsv is None  # one version: nothing to fall back to
    assert not facts.errors


async def test_a_server_that_enforces_its_order_is_seen_with_its_preference_order() -> None:
    order = ("ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA",
             "AES256-GCM-SHA384")
    preferring = config("127.0.4.11", rsa=True, max_version="TLSv1.2", ciphers=":".join(order),
                        server_preference=True)
    following = config("127.0.4.12", rsa=True, max_version="TLSv1.2", ciphers=":".join(order))
    async with lab(preferring, following) as (server_order, client_order):
        preferred = await enumerate_at(server_order.address, server_order.port)
        followed = await enumerate_at(client_order.address, client_order.port)
    expected = tuple(suite.iana_name for suite in map(lookup, order) if suite is not None)
    assert preferred.cipher_order == {"TLSv1.2": "server"}
    assert preferred.ciphers["TLSv1.2"] == expected
    assert followed.cipher_order == {"TLSv1.2": "client"}
    assert set(followed.ciphers["TLSv1.2"]) == set(expected)


async def test_tls13_with_restricted_suites_and_groups() -> None:
    cfg = config("127.0.4.2", min_version="TLSv1.3", max_version="TLSv1.3",
                 tls13_ciphersuites="TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
                 groups="P-384:X25519:ffdhe2048")
    async with lab(cfg) as (ep,):
        facts = await enumerate_at(ep.address, ep.port)
    assert accepted_versions(facts) == {"TLSv1.3"}
    assert found_suites(facts) == configured_suites(cfg, auth=Authentication.ECDSA)
    assert found_suites(facts)["TLSv1.3"] == {"TLS_AES_256_GCM_SHA384",
                                              "TLS_CHACHA20_POLY1305_SHA256"}
    assert set(facts.groups or ()) == {"secp384r1", "x25519", "ffdhe2048"}
    assert facts.compression is None and facts.client_renegotiation is None  # no TLS <= 1.2


async def test_legacy_tls10_and_tls11_with_cbc_suites_at_security_level_zero() -> None:
    cfg = config("127.0.4.3", rsa=True, min_version="TLSv1.0", max_version="TLSv1.1",
                 ciphers="ECDHE-RSA-AES256-SHA:AES128-SHA:AES256-SHA:DES-CBC3-SHA:@SECLEVEL=0",
                 groups="P-256:P-521")
    async with lab(cfg) as (ep,):
        facts = await enumerate_at(ep.address, ep.port)
    expected = configured_suites(cfg, auth=Authentication.RSA)
    assert accepted_versions(facts) == {"TLSv1.0", "TLSv1.1"}
    assert found_suites(facts) == expected
    assert "TLS_RSA_WITH_AES_128_CBC_SHA" in expected["TLSv1.0"]
    assert set(facts.groups or ()) == {"secp256r1", "secp521r1"}  # groups without TLS 1.2
    assert facts.fallback_scsv is True  # 1.0 marked as a fallback from 1.1 is refused
    assert facts.cbc_hellos and all(h.encrypt_then_mac for h in facts.cbc_hellos)


BOTH_KINDS = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256"


async def test_the_certificate_decides_which_suites_of_a_cipher_string_are_served() -> None:
    ecdsa = config("127.0.4.4", max_version="TLSv1.2", ciphers=BOTH_KINDS)
    rsa = config("127.0.4.4", rsa=True, max_version="TLSv1.2", ciphers=BOTH_KINDS)
    async with lab(ecdsa, rsa) as (ep_ecdsa, ep_rsa):
        on_ecdsa = await enumerate_at(ep_ecdsa.address, ep_ecdsa.port)
        on_rsa = await enumerate_at(ep_rsa.address, ep_rsa.port)
    assert found_suites(on_ecdsa) == {"TLSv1.2": {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}}
    assert found_suites(on_rsa) == {"TLSv1.2": {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                                "TLS_RSA_WITH_AES_128_GCM_SHA256"}}
    assert found_suites(on_ecdsa) == configured_suites(ecdsa, auth=Authentication.ECDSA)
    assert found_suites(on_rsa) == configured_suites(rsa, auth=Authentication.RSA)


async def test_tls12_groups_behind_an_ecdsa_certificate_keep_its_curve_on_offer() -> None:
    # RFC 8422 §5.1: a TLS 1.2 hello without the certificate's curve (P-256) is refused, so a
    # plain elimination would stop after the first group it found.
    cfg = config("127.0.4.5", max_version="TLSv1.2", ciphers="ECDHE-ECDSA-AES128-GCM-SHA256",
                 groups="X25519:P-256:P-384:P-521")
    async with lab(cfg) as (ep,):
        facts = await enumerate_at(ep.address, ep.port)
    assert set(facts.groups or ()) == {"x25519", "secp256r1", "secp384r1", "secp521r1"}


async def test_dhe_suites_and_their_dh_size() -> None:
    # This OpenSSL (4.x, in cryptography's wheel) serves DHE only with its built-in 2048-bit
    # group: SSL_CTX_set_tmp_dh no longer changes it, whatever the certificate. Other sizes are
    # checked against `openssl s_server -dhparam` in bench/accuracy.py.
    cfg = config("127.0.4.6", rsa=True, max_version="TLSv1.2",
                 ciphers="DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-SHA:@SECLEVEL=0")
    async with lab(cfg) as (ep,):
        facts = await enumerate_at(ep.address, ep.port)
    assert found_suites(facts) == configured_suites(cfg, auth=Authentication.RSA) == {
        "TLSv1.2": {"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"}}
    # OpenSSL >= 3.5 speaks RFC 7919 in TLS 1.2 too, with its default groups' ffdhe2048 and
    # ffdhe3072; a hello naming no ffdhe group gets no DHE at all (a refusal, so no size).
    assert facts.dh_bits and set(facts.dh_bits) == {2048, 3072}  # each ServerKeyExchange's p
    assert facts.groups_by_version == {"TLSv1.2": ("ffdhe2048", "ffdhe3072")}
    assert facts.groups == ("ffdhe2048", "ffdhe3072")


# --- features --------------------------------------------------------------------------------


async def test_openssl_features_are_all_seen_on_a_tls12_and_13_server() -> None:
    cfg = config("127.0.4.7", ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA")
    async with lab(cfg) as (ep,):
        facts = await enumerate_at(ep.address, ep.port)
    assert all(h.renegotiation_info is not None for h in facts.hellos)  # RFC 5746
    assert all(h.extended_master_secret for h in facts.hellos)  # RFC 7627
    assert facts.cbc_hellos and all(h.encrypt_then_mac for h in facts.cbc_hellos)  # RFC 7366
    assert facts.fallback_scsv is True  # RFC 7507
    assert facts.compression is False  # DEFLATE was offered and null chosen
    assert facts.client_renegotiation is False  # OpenSSL >= 3 refuses it by default


async def test_client_initiated_renegotiation_when_the_server_allows_it() -> None:
    cfg = config("127.0.4.8", max_version="TLSv1.2")
    context = build_server_context(cfg)
    context.set_options(ALLOW_CLIENT_RENEGOTIATION)
    async with tls_server(cfg.address, context) as port:
        facts = await enumerate_at(cfg.address, port)
    assert facts.client_renegotiation is True


# --- cost --------------------------------------------------------------------------------------


MODERN = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384")


async def test_a_modern_endpoint_costs_at_most_26_connections(tmp_path: Path) -> None:
    """TLS 1.2 (five suites) + 1.3 (three suites, OpenSSL 4's ten default groups)."""
    cfgs = [config("127.0.4.9", ciphers=MODERN), config("127.0.4.10", ciphers=MODERN)]
    async with lab(*cfgs) as running:
        inventory = parse_inventory(_inventory(running), path=str(tmp_path / "inv.toml"),
                                    base_dir=str(tmp_path))
        state = await scan_inventory(inventory, limits=ScanLimits())
        obs = observations_of(state)[0]
        accepted = running[0].stats.accepted
    assert obs.connections == accepted  # every connection the lab saw is counted
    assert len(dict(obs.ciphers or ())["TLSv1.2"]) == 5 and obs.groups and len(obs.groups) >= 5
    # The plaintext probe, the fallback-SCSV hellos (with and without the SCSV), the
    # renegotiation and one cipher-order hello per version (TLS 1.2, TLS 1.3) come on top of
    # protocols + suites + groups + certificate.
    assert obs.connections - 6 <= 25, obs.connections
    assert dict(obs.cipher_order or ()) == {"TLSv1.2": "client", "TLSv1.3": "client"}
    assert obs.features.client_renegotiation is False and obs.features.compression is False


def _inventory(running: Sequence[RunningEndpoint]) -> str:
    primary, backup = running
    return f"""version = 1
[[pair]]
name = "pair-1"
[pair.primary]
host = "{HOST}"
address = "{primary.address}"
ports = [ {{ id = "p0", port = {primary.port}, mode = "secured" }} ]
[pair.backup]
host = "tsrv-b.example.test"
address = "{backup.address}"
ports = [ {{ id = "p0", port = {backup.port}, mode = "secured" }} ]
"""


# --- hello-size intolerance ------------------------------------------------------------------


@asynccontextmanager
async def size_intolerant_front(address: str, backend: RunningEndpoint, limit: int,
                                ) -> AsyncIterator[int]:
    """A middlebox that drops every connection whose ClientHello record exceeds ``limit``."""

    async def pipe(source: trio.SocketStream, sink: trio.SocketStream) -> None:
        with suppress(trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            while data := await source.receive_some(65536):
                await sink.send_all(data)
            await sink.send_eof()

    async def relay(sock: trio.socket.SocketType) -> None:
        async with trio.SocketStream(sock) as client:
            head = b""
            while len(head) < 5 and (data := await client.receive_some(65536)):
                head += data
            if len(head) < 5 or 5 + int.from_bytes(head[3:5], "big") > limit:
                return  # closed without a byte
            server = await open_connection(backend.address, backend.port, timeout=5)
            async with server, trio.open_nursery() as nursery:
                await server.send_all(head)
                nursery.start_soon(pipe, client, server)
                nursery.start_soon(pipe, server, client)

    async with tcp_server(address, relay) as port:
        yield port


async def test_a_server_that_drops_large_hellos_is_enumerated_in_smaller_ones() -> None:
    cfg = config("127.0.4.11", max_version="TLSv1.2", ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:"
                 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-SHA")
    async with lab(cfg) as (ep,), size_intolerant_front("127.0.4.12", ep, 508) as port:
        direct = await enumerate_at(ep.address, ep.port)
        behind = await enumerate_at("127.0.4.12", port)
    assert found_suites(behind) == found_suites(direct) == configured_suites(
        cfg, auth=Authentication.ECDSA)
    assert accepted_versions(behind) == {"TLSv1.2"}


async def test_a_server_that_closes_on_every_hello_is_retried_smaller_only_once() -> None:
    # Every hello is dropped without a byte: the first large one (TLS 1.2's 128-suite chunk,
    # above 508 bytes) is offered once more in pieces; when that piece is dropped too, the
    # server simply closes to refuse, and no other hello is retried.
    cfg = config("127.0.4.13", fault=Fault.ACCEPT_CLOSE)
    counter: list[int] = []
    async with lab(cfg) as (ep,):
        facts = await enumerate_at(ep.address, ep.port, counter)
    # SSLv2, TLS 1.3, SSLv3: one hello each; TLS 1.0, 1.1: two chunks; TLS 1.2: three + 1 retry
    assert len(counter) == 1 + 1 + 1 + 2 + 2 + 3 + 1
    assert not accepted_versions(facts) and not facts.errors
