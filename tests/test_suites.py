"""The cipher-suite and named-group registries, checked against the facts they were built from."""

from __future__ import annotations

import contextlib
import datetime
import re
import shutil
import subprocess
from collections import Counter

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from OpenSSL import SSL

from hatls.tls.groups import GROUPS, GroupKind, group_by_code, group_by_name
from hatls.tls.protocol import ProtocolVersion
from hatls.tls.suites import (
    SUITES,
    Authentication,
    KeyExchange,
    by_code,
    expand_openssl_cipher_string,
    lookup,
    suites_for_version,
)

# Mozilla's TLS <= 1.2 suites (old 5.7 list), as Mozilla's Server Side TLS 5.7 guideline gives them.
MOZILLA_SUITES = (
    (0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
    (0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"),
    (0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"),
    (0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"),
    (0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256"),
    (0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384"),
    (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305"),
    (0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"),
    (0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"),
    (0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"),
    (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"),
    (0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384"),
    (0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384"),
    (0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"),
    (0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"),
    (0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256"),
    (0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256"),
    (0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"),
    (0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"),
    (0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"),
    (0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256"),
    (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"),
    (0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"),
)
# NIST SP 800-52r2 section 3.3.1.1 by code and OpenSSL name (same reference page).
NIST_SUITES = (
    *((0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256"), (0xC02C, "ECDHE-ECDSA-AES256-GCM-SHA384")),
    *((0xC0AC, "ECDHE-ECDSA-AES128-CCM"), (0xC0AD, "ECDHE-ECDSA-AES256-CCM")),
    *((0xC0AE, "ECDHE-ECDSA-AES128-CCM8"), (0xC0AF, "ECDHE-ECDSA-AES256-CCM8")),
    *((0xC023, "ECDHE-ECDSA-AES128-SHA256"), (0xC024, "ECDHE-ECDSA-AES256-SHA384")),
    *((0xC009, "ECDHE-ECDSA-AES128-SHA"), (0xC00A, "ECDHE-ECDSA-AES256-SHA")),
    *((0xC02F, "ECDHE-RSA-AES128-GCM-SHA256"), (0xC030, "ECDHE-RSA-AES256-GCM-SHA384")),
    *((0x009E, "DHE-RSA-AES128-GCM-SHA256"), (0x009F, "DHE-RSA-AES256-GCM-SHA384")),
    *((0xC09E, "DHE-RSA-AES128-CCM"), (0xC09F, "DHE-RSA-AES256-CCM")),
    *((0xC0A2, "DHE-RSA-AES128-CCM8"), (0xC0A3, "DHE-RSA-AES256-CCM8")),
    *((0xC027, "ECDHE-RSA-AES128-SHA256"), (0xC028, "ECDHE-RSA-AES256-SHA384")),
    *((0x0067, "DHE-RSA-AES128-SHA256"), (0x006B, "DHE-RSA-AES256-SHA256")),
    *((0xC013, "ECDHE-RSA-AES128-SHA"), (0xC014, "ECDHE-RSA-AES256-SHA")),
    *((0x0033, "DHE-RSA-AES128-SHA"), (0x0039, "DHE-RSA-AES256-SHA")),
)
# The page's other IANA names: NIST's DSA, static DH/ECDH and RSA-transition suites, TLS 1.3.
_FIELD_DH = ("DHE_DSS", "DH_DSS", "DH_RSA")
OTHER_POLICY_NAMES = (
    *(f"TLS_{kx}_WITH_AES_128_{mode}_SHA256" for kx in _FIELD_DH for mode in ("GCM", "CBC")),
    *(f"TLS_{kx}_WITH_AES_256_GCM_SHA384" for kx in (*_FIELD_DH, "ECDH_ECDSA", "ECDH_RSA")),
    *(f"TLS_{kx}_WITH_AES_256_CBC_SHA256" for kx in _FIELD_DH),
    *(f"TLS_{kx}_WITH_AES_{bits}_CBC_SHA" for kx in _FIELD_DH for bits in ("128", "256")),
    *(
        f"TLS_{kx}_WITH_AES_{bits}_CBC_SHA"
        for kx in ("ECDH_ECDSA", "ECDH_RSA")
        for bits in ("128", "256")
    ),
    *(f"TLS_{kx}_WITH_AES_128_GCM_SHA256" for kx in ("ECDH_ECDSA", "ECDH_RSA")),
    *(f"TLS_RSA_WITH_AES_{bits}_{mode}" for bits in ("128", "256") for mode in ("CCM", "CCM_8")),
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256",
    "TLS_AES_128_CCM_8_SHA256",
)
ALL_TLS13 = (
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"
)


def openssl_cli_suites() -> list[list[str]]:
    """``openssl ciphers -V -stdname`` over everything this machine's OpenSSL knows, split."""
    openssl = shutil.which("openssl")
    assert openssl, "the openssl command is part of the test environment"
    command = [openssl, "ciphers", "-V", "-stdname", "-ciphersuites", ALL_TLS13]
    out = subprocess.run(
        [*command, "ALL:COMPLEMENTOFALL:@SECLEVEL=0"], check=True, capture_output=True, text=True
    ).stdout
    return [line.replace(" - ", " ").split() for line in out.splitlines()]


def test_codes_and_names_are_unique() -> None:
    assert len({s.code for s in SUITES}) == len(SUITES)
    # TLS 1.3 suites have one name for both; no other name may name two suites.
    names = [name.upper() for s in SUITES for name in {s.iana_name, s.openssl_name} if name]
    assert [name for name, n in Counter(names).items() if n > 1] == []
    assert [s.code for s in SUITES] == sorted(s.code for s in SUITES)  # registry order


def test_registry_holds_every_kind_of_entry() -> None:
    assert len([s for s in SUITES if s.code <= 0xFFFF]) == 352  # IANA, SCSVs included
    sslv2 = [s for s in SUITES if s.code > 0xFFFF]
    assert {s.iana_name for s in sslv2} >= {"SSL_CK_RC4_128_WITH_MD5", "SSL_CK_DES_64_CBC_WITH_MD5"}
    assert len(sslv2) == 7 and all(s.versions == {"SSLv2"} for s in sslv2)
    assert by_code(0x010080) == lookup("ssl_ck_rc4_128_with_md5")
    signalling = {s.iana_name: s.code for s in SUITES if s.is_signalling}
    assert signalling == {"TLS_EMPTY_RENEGOTIATION_INFO_SCSV": 0x00FF, "TLS_FALLBACK_SCSV": 0x5600}


def test_known_suites() -> None:
    ecdhe_rsa = by_code(0xC02F)
    assert ecdhe_rsa is not None and ecdhe_rsa.openssl_name == "ECDHE-RSA-AES128-GCM-SHA256"
    assert ecdhe_rsa.iana_name == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    assert (ecdhe_rsa.key_exchange, ecdhe_rsa.authentication) == (KeyExchange.ECDHE, "rsa")
    assert (ecdhe_rsa.cipher, ecdhe_rsa.mac, ecdhe_rsa.cipher_bits) == ("AES_128_GCM", "AEAD", 128)
    assert ecdhe_rsa.is_aead and ecdhe_rsa.forward_secret and not ecdhe_rsa.is_cbc
    assert ecdhe_rsa.versions == {"TLSv1.2"}

    tls13 = by_code(0x1301)
    assert tls13 is not None and tls13.iana_name == "TLS_AES_128_GCM_SHA256"
    assert tls13.versions == {"TLSv1.3"} and tls13.key_exchange == KeyExchange.TLS13
    assert str(tls13.key_exchange) == "any"
    assert tls13.authentication == Authentication.TLS13 and tls13.forward_secret

    chacha = lookup("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")
    assert chacha is not None and chacha.code == 0xCCA9 and chacha.cipher_bits == 256
    assert chacha.is_aead and chacha.forward_secret and chacha.versions == {"TLSv1.2"}


def test_weak_suite_flags() -> None:
    triple_des, rc4, export, psk_null = (by_code(c) for c in (0x000A, 0x0005, 0x0003, 0x002C))
    assert triple_des is not None and triple_des.openssl_name == "DES-CBC3-SHA"
    assert triple_des.is_des and triple_des.is_cbc and triple_des.cipher_bits == 112
    assert not (triple_des.is_rc4 or triple_des.is_export or triple_des.forward_secret)
    assert triple_des.versions == {"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"}
    assert rc4 is not None and rc4.is_rc4 and not rc4.is_cbc and rc4.mac == "SHA"
    assert export is not None and export.iana_name == "TLS_RSA_EXPORT_WITH_RC4_40_MD5"
    assert export.is_export and export.is_rc4 and export.cipher_bits == 40 and export.mac == "MD5"
    assert psk_null is not None and psk_null.iana_name == "TLS_PSK_WITH_NULL_SHA"
    assert psk_null.is_null and psk_null.cipher_bits == 0 and psk_null.key_exchange == "psk"
    assert not psk_null.is_anonymous
    anon = lookup("ADH-AES128-SHA")
    assert anon is not None and anon.is_anonymous and anon.authentication == "anon"


def test_every_suite_the_policy_reference_names_exists() -> None:
    for code, iana_name, openssl_name in MOZILLA_SUITES:
        assert lookup(iana_name) is lookup(openssl_name) is by_code(code) is not None
    for code, openssl_name in NIST_SUITES:
        assert lookup(openssl_name) is by_code(code) is not None
    missing = [name for name in OTHER_POLICY_NAMES if lookup(name) is None]
    assert missing == []


def test_lookup_spellings() -> None:
    suite = by_code(0xC02F)
    for name in ("ecdhe-rsa-aes128-gcm-sha256", " TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "):
        assert lookup(name) is suite
    assert lookup("SSL_RSA_WITH_RC4_128_MD5") is by_code(0x0004)  # SSLv3/Java spelling
    assert lookup("EDH-RSA-DES-CBC3-SHA") is lookup("DHE-RSA-DES-CBC3-SHA") is by_code(0x0016)
    assert lookup("tls_dh_anon_with_aes_128_cbc_sha") is by_code(0x0034)
    assert lookup("RC4") is None and lookup("") is None and by_code(0x0A0A) is None


def test_every_suite_the_openssl_command_prints_matches() -> None:
    """Code, both names, bits, MAC and forward secrecy agree with `openssl ciphers -V`."""
    rows = openssl_cli_suites()
    assert len(rows) > 100
    for code_text, iana_name, openssl_name, _, kx, au, enc, mac in rows:
        high, low = code_text.split(",")
        suite = by_code(int(high, 16) << 8 | int(low, 16))
        assert suite is not None and lookup(openssl_name) is suite, code_text
        assert (suite.iana_name, suite.openssl_name) == (iana_name, openssl_name)
        bits = re.search(r"\((\d+)\)", enc)
        assert suite.cipher_bits == (int(bits[1]) if bits else 0), iana_name
        assert (suite.mac == "AEAD") == (mac == "Mac=AEAD"), iana_name
        ephemeral = kx in ("Kx=DH", "Kx=ECDH", "Kx=DHEPSK", "Kx=ECDHEPSK", "Kx=any")
        assert suite.forward_secret == ephemeral, iana_name
        assert suite.is_anonymous == (au == "Au=None"), iana_name


def test_every_suite_the_linked_openssl_knows_is_registered() -> None:
    context = SSL.Context(SSL.TLS_METHOD)
    context.set_cipher_list(b"ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    names = SSL.Connection(context, None).get_cipher_list()
    assert len(names) > 100
    assert [name for name in names if lookup(name) is None] == []


def test_properties_hold_for_every_suite() -> None:
    for s in SUITES:
        assert s.versions and s.versions <= set(ProtocolVersion), s.iana_name
        assert s.is_aead == (s.mac == "AEAD"), s.iana_name
        assert not (s.is_aead and s.is_cbc), s.iana_name
        assert s.is_null == (s.cipher == "NULL") and (not s.is_null or s.cipher_bits == 0)
        assert not s.is_export or s.cipher_bits == 40, s.iana_name
        if s.versions == {"TLSv1.3"}:
            assert s.key_exchange == KeyExchange.TLS13 and s.forward_secret, s.iana_name
        if s.is_aead or s.mac in ("SHA256", "SHA384"):
            assert "SSLv3" not in s.versions, s.iana_name


def test_suites_for_version() -> None:
    tls12 = {s.code for s in suites_for_version("TLSv1.2")}
    tls13 = {s.code for s in suites_for_version("TLSv1.3")}
    sslv3 = suites_for_version("SSLv3")
    assert {0xC02F, 0x000A, 0xCCA9} <= tls12 and 0x1301 not in tls12
    assert {0x1301, 0x1302, 0x1303, 0x1304, 0x1305} <= tls13 and 0xC02F not in tls13
    assert 0x000A in {s.code for s in sslv3} and not any(s.is_aead for s in sslv3)
    assert len(suites_for_version("SSLv2")) == 7
    assert not any(s.is_signalling for v in ProtocolVersion for s in suites_for_version(v))
    codes = [s.code for s in suites_for_version("TLSv1.0")]
    assert codes == sorted(codes)
    with pytest.raises(ValueError, match="unknown protocol version"):
        suites_for_version("TLSv1.2 ")


ECDHE_AESGCM = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
}


def test_expand_openssl_cipher_string() -> None:
    assert expand_openssl_cipher_string("ECDHE+AESGCM:!aNULL") == ECDHE_AESGCM
    assert expand_openssl_cipher_string("NULL-SHA") == {"TLS_RSA_WITH_NULL_SHA"}  # weak expands
    assert "TLS_DH_anon_WITH_AES_128_CBC_SHA" in expand_openssl_cipher_string("aNULL")
    default = expand_openssl_cipher_string("DEFAULT:!RSA")  # DEFAULT is valid only first
    assert default and all("_WITH_" in name for name in default)  # no TLS 1.3 suites
    assert "TLS_RSA_WITH_AES_128_GCM_SHA256" not in default
    # Any case, as OpenSSL; a level the string sets is kept and does not shrink the selection
    # (OpenSSL applies security levels when it sends a hello, not when it parses the string).
    assert expand_openssl_cipher_string("ecdhe+aesgcm:!anull:@SECLEVEL=2") == ECDHE_AESGCM
    assert expand_openssl_cipher_string("NULL-SHA:@SECLEVEL=2") == {"TLS_RSA_WITH_NULL_SHA"}


def test_cipher_strings_that_select_nothing() -> None:
    # Keywords and names the local OpenSSL no longer has select nothing, without an error.
    for known in ("RC4", "EXPORT", "RC4:!aNULL", "DES-CBC3-SHA", "TLS_AES_128_GCM_SHA256"):
        assert expand_openssl_cipher_string(known) == frozenset(), known
    assert expand_openssl_cipher_string("rc4:export") == frozenset()  # any case, as OpenSSL
    for unknown in ("FOO", "ECDHE_RSA", "nothing:at:every", ""):
        with pytest.raises(ValueError, match="not an OpenSSL cipher string"):
            expand_openssl_cipher_string(unknown)


def test_groups_unique_and_known() -> None:
    assert len({g.code for g in GROUPS}) == len(GROUPS)
    p256, x25519, x448, ffdhe2048 = (group_by_code(c) for c in (23, 29, 30, 256))
    assert p256 is not None and (p256.iana_name, p256.openssl_name) == ("secp256r1", "prime256v1")
    assert (p256.kind, p256.bits) == (GroupKind.EC, 256)
    assert x25519 is not None and (x25519.openssl_name, x25519.kind, x25519.bits) == (
        "X25519",
        "ecx",
        256,
    )
    assert x448 is not None and x448.bits == 448
    assert ffdhe2048 is not None and (ffdhe2048.kind, ffdhe2048.bits) == ("ffdh", 2048)
    hybrids = {g.iana_name: g.bits for g in GROUPS if g.kind == GroupKind.HYBRID_PQ}
    assert hybrids["X25519MLKEM768"] == hybrids["SecP256r1MLKEM768"] == 256
    assert hybrids["SecP384r1MLKEM1024"] == 384 and group_by_code(4588) == group_by_name(
        "x25519mlkem768"
    )
    mlkem768 = group_by_code(513)
    assert mlkem768 is not None and mlkem768.kind == GroupKind.PQ
    assert {"sect163k1", "secp160r1", "brainpoolP512r1tls13"} <= {g.iana_name for g in GROUPS}
    assert group_by_code(0x0A0A) is None and group_by_name("secp256r2") is None


def test_group_names() -> None:
    p256 = group_by_code(23)
    assert (
        group_by_name("P-256") is group_by_name("PRIME256V1") is group_by_name("secp256r1") is p256
    )
    # Mozilla's tls_curves and NIST's/BSI's group lists
    for name in ("X25519MLKEM768", "X25519", "prime256v1", "secp384r1", "secp521r1", "sect571k1"):
        assert group_by_name(name) is not None, name
    for name in ("ffdhe8192", "brainpoolP384r1", "x448", "secp224r1"):
        assert group_by_name(name) is not None, name


def test_group_curve_names_are_openssl_curve_names() -> None:
    openssl = shutil.which("openssl")
    assert openssl
    out = subprocess.run(
        [openssl, "ecparam", "-list_curves"], check=True, capture_output=True, text=True
    )
    curves = {line.split(":")[0].strip() for line in out.stdout.splitlines() if ":" in line}
    classic = [g.openssl_name for g in GROUPS if g.kind == GroupKind.EC and g.code <= 28]
    assert [name for name in classic if name not in curves] == []


def self_signed() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "registry-test")])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)  # fixed: no clock below cli/
    builder = x509.CertificateBuilder(subject_name=name, issuer_name=name, serial_number=1)
    builder = builder.public_key(key.public_key()).not_valid_before(start)
    return builder.not_valid_after(start.replace(year=2100)).sign(key, hashes.SHA256()), key


@pytest.mark.parametrize("max_version", [SSL.TLS1_2_VERSION, SSL.TLS1_3_VERSION])
def test_negotiated_group_names_resolve(max_version: int) -> None:
    """The name OpenSSL reports after a real (in-memory) handshake is one the registry knows."""
    certificate, key = self_signed()
    server_context = SSL.Context(SSL.TLS_METHOD)
    server_context.use_certificate(certificate)
    server_context.use_privatekey(key)
    client_context = SSL.Context(SSL.TLS_METHOD)
    client_context.set_max_proto_version(max_version)
    server, client = SSL.Connection(server_context, None), SSL.Connection(client_context, None)
    server.set_accept_state()
    client.set_connect_state()
    for _ in range(8):  # a full handshake takes a few flights each way
        for sender, receiver in ((client, server), (server, client)):
            handshake_step(sender)
            with contextlib.suppress(SSL.WantReadError):  # nothing to send this turn
                receiver.bio_write(sender.bio_read(65536))
    group = group_by_name(client.get_group_name() or "")
    assert group is not None and group.bits >= 256


def handshake_step(connection: SSL.Connection) -> None:
    with contextlib.suppress(SSL.WantReadError):  # waits for the peer's next flight
        connection.do_handshake()
