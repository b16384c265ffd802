"""The ClientHello builder: which parts each version carries, sizes, record framing, key shares."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from test_hello_cases import RANDOM_00_1F, read_client_hello

from hatls.tls.hello import (
    HelloFlag,
    HelloSpec,
    HelloTooLarge,
    build_client_hello,
    chunk_suites,
    generate_key_share_key,
    hello_size,
    key_share_entry,
    key_shares,
    offered_suites,
)
from hatls.tls.key_share import KeySharePrivateKey
from hatls.tls.suites import suites_for_version

TLS12_ALL = tuple(suite.code for suite in suites_for_version("TLSv1.2"))
X25519_KEY = x25519.X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
P256_KEY = ec.derive_private_key(0x1234_5678_9ABC, ec.SECP256R1())


def spec(version: str = "TLSv1.2", **changes: Any) -> HelloSpec:
    base = HelloSpec(version=version, suites=(0xC02F, 0x002F), random=RANDOM_00_1F, groups=(29,))
    return replace(base, **changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"version": "TLSv1.4"},
        {"random": b"\x00" * 31},
        {"session_id": b"\x00" * 33},
        {"version": "SSLv2", "session_id": b"\x00" * 8},
        {"suites": (0xC02F, 0xC02F)},
        {"suites": (0x010080,)},  # a 3-byte SSLv2 kind in a TLS hello
        {"groups": (29, 29)},
        {"key_shares": ((23, b"\x04"),)},  # share for a group not in supported_groups
        {"groups": (29, 23), "key_shares": ((23, b"\x04"), (29, b"\x01"))},  # out of order
        {"key_shares": ((29, b""),)},
        {"server_name": "."},
        {"server_name": "a..example"},  # an empty label
        {"server_name": "x" * 64 + ".example"},  # a label above 63 bytes
        {"max_size": 0},
        {"signature_algorithms": (0x10000,)},
    ],
)
def test_a_bad_spec_is_refused_when_made(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        spec(**changes)


def test_a_hello_offers_at_least_one_suite() -> None:
    with pytest.raises(ValueError, match="at least one suite"):
        build_client_hello(spec(suites=(), flags=frozenset()))
    scsv_only = spec(suites=(), flags=frozenset({HelloFlag.RENEGOTIATION_SCSV}))
    assert offered_suites(scsv_only) == (0x00FF,)


def test_scsvs_follow_the_suites() -> None:
    both = spec(flags=frozenset({HelloFlag.FALLBACK_SCSV, HelloFlag.RENEGOTIATION_SCSV}))
    assert offered_suites(both) == (0xC02F, 0x002F, 0x00FF, 0x5600)


@pytest.mark.parametrize("name", ["192.0.2.1", "::1", "[::1]"])
def test_no_sni_for_ip_literals(name: str) -> None:
    seen = read_client_hello(build_client_hello(spec(server_name=name)))
    assert 0 not in seen.extension_types


def test_sni_drops_the_trailing_dot_and_uses_a_labels() -> None:
    seen = read_client_hello(build_client_hello(spec(server_name="bücher.example.")))
    assert seen.spec.server_name == "bücher.example"
    assert b"xn--bcher-kva.example" in build_client_hello(spec(server_name="bücher.example."))


EXTENSIONS_BY_VERSION = {
    # server_name 0, ec_point_formats 11, supported_groups 10, signature_algorithms 13,
    # encrypt_then_mac 22, extended_master_secret 23, session_ticket 35, supported_versions 43,
    # key_share 51, renegotiation_info 0xff01.
    "SSLv3": (),
    "TLSv1.0": (0, 11, 10, 22, 23, 35, 0xFF01),
    "TLSv1.1": (0, 11, 10, 22, 23, 35, 0xFF01),
    "TLSv1.2": (0, 11, 10, 13, 22, 23, 35, 0xFF01),
    "TLSv1.3": (0, 11, 10, 13, 22, 23, 35, 43, 51, 0xFF01),
}


@pytest.mark.parametrize(("version", "expected"), EXTENSIONS_BY_VERSION.items())
def test_each_version_carries_its_extensions(version: str, expected: tuple[int, ...]) -> None:
    seen = read_client_hello(build_client_hello(spec(version, server_name="tsrv-a.example.test")))
    assert seen.extension_types == expected


@pytest.mark.parametrize(
    ("version", "record_version", "legacy_version"),
    [("SSLv3", 0x0300, "SSLv3"), ("TLSv1.0", 0x0301, "TLSv1.0"), ("TLSv1.2", 0x0301, "TLSv1.2")],
)
def test_record_and_hello_versions(version: str, record_version: int, legacy_version: str) -> None:
    seen = read_client_hello(build_client_hello(spec(version)))
    assert seen.record_versions == (record_version,)
    assert seen.spec.version == legacy_version


def test_tls13_hides_behind_legacy_version_12() -> None:
    data = build_client_hello(spec("TLSv1.3", suites=(0x1301,)))
    assert data[:3] == b"\x16\x03\x01" and data[9:11] == b"\x03\x03"


def test_an_empty_key_share_asks_for_a_retry() -> None:
    seen = read_client_hello(build_client_hello(spec("TLSv1.3", suites=(0x1301,))))
    assert 51 in seen.extension_types and seen.spec.key_shares == ()


def test_no_extension_block_when_nothing_is_asked() -> None:
    bare = spec("TLSv1.0", groups=(), flags=frozenset())
    data = build_client_hello(bare)
    assert data.endswith(b"\x01\x00")  # compression methods are the last field
    assert hello_size(bare) == 5 + 4 + 2 + 32 + 1 + 2 + 4 + 2


def test_a_hello_above_16_kib_is_split_into_records() -> None:
    many = spec(suites=tuple(range(0x0100, 0x0100 + 9000)))  # 18 KB, and no SCSV code
    data = build_client_hello(many)
    seen = read_client_hello(data)
    assert len(seen.record_versions) == 2
    assert data[3:5] == (2**14).to_bytes(2, "big")
    assert seen.spec.suites == many.suites


def test_max_size_refuses_a_larger_hello() -> None:
    full = spec(suites=TLS12_ALL)
    assert hello_size(full) > 512
    with pytest.raises(HelloTooLarge):
        build_client_hello(replace(full, max_size=511))
    assert len(build_client_hello(replace(full, max_size=hello_size(full)))) == hello_size(full)


def test_chunks_fit_cover_the_suites_in_order_and_are_as_large_as_possible() -> None:
    full = spec(suites=TLS12_ALL, server_name="tsrv-a.example.test")
    chunks = chunk_suites(full, 511)
    assert sum(chunks, ()) == TLS12_ALL
    assert len(chunks) > 1
    for chunk, following in itertools.pairwise(chunks):
        assert hello_size(replace(full, suites=chunk)) <= 511
        assert hello_size(replace(full, suites=(*chunk, following[0]))) > 511


def test_chunks_refuse_a_size_no_hello_fits() -> None:
    with pytest.raises(HelloTooLarge):
        chunk_suites(spec(), 40)


def test_sslv2_hello_from_a_tls_suite_and_scsv() -> None:
    sslv2 = HelloSpec(
        version="SSLv2",
        suites=(0x0700C0, 0x000A),
        random=RANDOM_00_1F,
        flags=frozenset({HelloFlag.RENEGOTIATION_SCSV}),
        session_id=b"\x11" * 16,
    )
    seen = read_client_hello(build_client_hello(sslv2))
    assert seen.spec.suites == (0x0700C0, 0x000A)
    assert seen.spec.flags == {HelloFlag.RENEGOTIATION_SCSV}
    assert seen.spec.session_id == b"\x11" * 16
    assert seen.spec.random[-16:] == RANDOM_00_1F[-16:]


# --- key shares ------------------------------------------------------------------------------


def test_x25519_share_is_the_raw_public_key() -> None:
    group, public = key_share_entry(X25519_KEY)
    assert group == 29
    assert public == X25519_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert len(public) == 32


def test_p256_share_is_the_uncompressed_point() -> None:
    group, public = key_share_entry(P256_KEY)
    assert group == 23 and len(public) == 65 and public[0] == 4


def test_key_shares_follow_the_groups_with_the_callers_keys() -> None:
    keys: dict[int, KeySharePrivateKey] = {29: X25519_KEY, 23: P256_KEY}
    shares = key_shares((29, 23), keys.__getitem__)
    assert shares == (key_share_entry(X25519_KEY), key_share_entry(P256_KEY))
    hello = spec("TLSv1.3", suites=(0x1301,), groups=(29, 23), key_shares=shares)
    assert read_client_hello(build_client_hello(hello)).spec.key_shares == shares


def test_a_key_maker_returning_the_wrong_group_is_refused() -> None:
    def always_x25519(group: int) -> x25519.X25519PrivateKey:
        return X25519_KEY

    with pytest.raises(ValueError, match="returned a key for group 29"):
        key_shares((23,), always_x25519)


@pytest.mark.parametrize(("group", "length"), [(29, 32), (30, 56), (23, 65), (24, 97), (25, 133)])
def test_generated_keys_have_their_groups_share_length(group: int, length: int) -> None:
    made_group, public = key_share_entry(generate_key_share_key(group))
    assert (made_group, len(public)) == (group, length)


def test_no_generator_for_finite_field_groups() -> None:
    with pytest.raises(ValueError):
        generate_key_share_key(256)
