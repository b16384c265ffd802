"""Named groups per version and the DH sizes a client gets, against servers configured for them.

What each server accepts comes from its configuration, not from hatls: the lab's OpenSSL group
lists (one per version where the test sets two), nginx's ``ssl_ecdh_curve`` / ``ssl_dhparam``,
gnutls-serv's ``--priority`` / ``--dhparams``. The RFC 7919 primes are checked against OpenSSL's.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_parameters
from OpenSSL import SSL
from OpenSSL._util import lib as openssl_lib

from hatls.lab.tls_context import build_server_context
from hatls.report import dumps, loads, report_schema
from hatls.tls.ffdhe import FFDHE_PRIMES, ffdhe_group_of
from hatls.tls.groups import group_by_code
from tests.labkit import tls_server
from tests.real_servers import (
    gnutls_scan,
    inventory_text,
    need,
    nginx,
    scan_report,
    write_dhparam_1024,
    write_identity,
)
from tests.report_fixtures import sample_report
from tests.test_enumeration_lab import config, enumerate_at, lab

# --- the RFC 7919 primes -------------------------------------------------------------------------


def test_the_ffdhe_primes_are_openssls(tmp_path: Path) -> None:
    openssl = need("openssl")
    for code, prime in FFDHE_PRIMES.items():
        group = group_by_code(code)
        assert group is not None
        pem = subprocess.run([openssl, "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt",
                              f"group:{group.iana_name}"], capture_output=True, check=True).stdout
        numbers = load_pem_parameters(pem).parameter_numbers()  # type: ignore[union-attr]
        assert numbers.p == prime and numbers.g == 2 and prime.bit_length() == group.bits
        # RFC 7919 Appendix A: 64 one bits at each end of every prime.
        assert prime >> (group.bits - 64) == prime & (2**64 - 1) == 2**64 - 1
        assert ffdhe_group_of(prime) == code
    assert ffdhe_group_of(FFDHE_PRIMES[256] - 2) is None


# --- the lab (OpenSSL 4, in process) -------------------------------------------------------------

TLS13_GROUPS = "X448:ffdhe3072:P-384"
TLS12_GROUPS = b"brainpoolP384r1:P-521:brainpoolP256r1"


async def test_other_groups_in_tls12_than_in_tls13_are_each_found() -> None:
    """Like the Erlang/OTP server here: x448/ffdhe3072/secp384r1 in TLS 1.3, other curves in 1.2.
    The server switches its list once it knows the version (the servername callback runs after
    version negotiation and before the group is chosen)."""
    cfg = config("127.0.4.31", rsa=True, groups=TLS13_GROUPS,
                 ciphers="ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384")
    context = build_server_context(cfg)

    def per_version(conn: SSL.Connection) -> None:
        if conn.get_protocol_version_name() != "TLSv1.3":
            assert openssl_lib.SSL_set1_curves_list(conn._ssl, TLS12_GROUPS) == 1

    context.set_tlsext_servername_callback(per_version)
    async with tls_server(cfg.address, context) as port:
        facts = await enumerate_at(cfg.address, port)
    assert {v: set(g or ()) for v, g in facts.groups_by_version.items()} == {
        "TLSv1.3": {"x448", "ffdhe3072", "secp384r1"},
        "TLSv1.2": {"brainpoolP384r1", "secp521r1", "brainpoolP256r1"}}
    assert set(facts.groups or ()) == {"x448", "ffdhe3072", "secp384r1", "brainpoolP384r1",
                                       "secp521r1", "brainpoolP256r1"}


async def test_ffdhe_groups_of_a_tls12_only_server_are_found() -> None:
    cfg = config("127.0.4.32", rsa=True, max_version="TLSv1.2", groups="P-384:ffdhe4096",
                 ciphers="ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256")
    async with lab(cfg) as (ep,):
        facts = await enumerate_at(ep.address, ep.port)
    assert facts.groups_by_version == {"TLSv1.2": ("secp384r1", "ffdhe4096")}
    assert facts.groups == ("secp384r1", "ffdhe4096")
    # This OpenSSL refuses DHE to a hello that names no ffdhe group: every size seen is 4096.
    assert facts.dh_bits and set(facts.dh_bits) == {4096}


async def test_a_server_without_ephemeral_key_exchange_has_no_groups() -> None:
    cfg = config("127.0.4.33", rsa=True, max_version="TLSv1.2", ciphers="AES128-GCM-SHA256")
    async with lab(cfg) as (ep,):
        facts = await enumerate_at(ep.address, ep.port)
    assert facts.groups == () and facts.groups_by_version == {"TLSv1.2": ()}


# --- nginx (Debian's, on its own OpenSSL 3.0) -------------------------------------------------------

ECDHE_ONLY = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
              "ECDHE-ECDSA-CHACHA20-POLY1305")


def _endpoint(report: dict[str, Any]) -> dict[str, Any]:
    endpoint: dict[str, Any] = report["endpoints"][0]
    return endpoint


def _finding(report: dict[str, Any], rule: str) -> dict[str, Any]:
    return next(f for f in report["findings"] if f["rule"] == rule)


def test_a_modern_nginx_endpoint_shows_its_groups_per_version_within_25_connections(
        tmp_path: Path) -> None:
    cert, key = write_identity(tmp_path, key_type="ec")
    directives = f"""ssl_certificate {cert}; ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers {ECDHE_ONLY};
    ssl_ecdh_curve X25519:prime256v1:secp384r1;"""
    with nginx(tmp_path, "127.0.1.81", directives) as port:
        (tmp_path / "inventory.toml").write_text(inventory_text("127.0.1.81", port))
        report = scan_report(tmp_path / "inventory.toml")
    endpoint = _endpoint(report)
    mozilla = {"x25519", "secp256r1", "secp384r1"}
    assert {v: set(g) for v, g in endpoint["groups_by_version"].items()} == {
        "TLSv1.2": mozilla, "TLSv1.3": mozilla}
    assert set(endpoint["groups"]) == mozilla
    assert endpoint["key_exchange"] == {"dh_min_bits": None, "ecdh_min_bits": 256}
    assert endpoint["cipher_order"] == {"TLSv1.2": "client", "TLSv1.3": "client"}
    assert endpoint["connections"] <= 25, endpoint["connections"]
    jsonschema.validate(report, report_schema())


def test_groups_an_ecdsa_server_ranks_below_its_certificate_curve_are_not_claimed(
        tmp_path: Path) -> None:
    """TLS 1.2, ECDSA only, the server's order (P-256 first): every hello must offer the
    certificate's curve (RFC 8422 §5.1), and the server then always picks it, so whether it also
    takes secp384r1 and x25519 cannot be seen. "secp256r1 only" would be a wrong fact."""
    cert, key = write_identity(tmp_path, key_type="ec")
    directives = f"""ssl_certificate {cert}; ssl_certificate_key {key};
    ssl_protocols TLSv1.2; ssl_ciphers {ECDHE_ONLY}; ssl_prefer_server_ciphers on;
    ssl_ecdh_curve prime256v1:secp384r1:X25519;"""
    with nginx(tmp_path, "127.0.1.84", directives) as port:
        (tmp_path / "inventory.toml").write_text(inventory_text("127.0.1.84", port))
        report = scan_report(tmp_path / "inventory.toml")
    endpoint = _endpoint(report)
    assert endpoint["cipher_order"] == {"TLSv1.2": "server"}
    assert endpoint["groups"] is None and endpoint["groups_by_version"] == {}
    assert _finding(report, "TLS-022")["status"] != "pass"


def test_nginx_with_1024_bit_dhe_only_has_no_groups_and_fails_tls_022(tmp_path: Path) -> None:
    cert, key = write_identity(tmp_path, key_type="rsa")
    dhparam = write_dhparam_1024(tmp_path / "dh1024.pem")
    directives = f"""ssl_certificate {cert}; ssl_certificate_key {key};
    ssl_protocols TLSv1.2;
    ssl_ciphers DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0;
    ssl_dhparam {dhparam};"""
    with nginx(tmp_path, "127.0.1.82", directives) as port:
        (tmp_path / "inventory.toml").write_text(inventory_text("127.0.1.82", port))
        report = scan_report(tmp_path / "inventory.toml")
    endpoint = _endpoint(report)
    # OpenSSL 3.0 ignores RFC 7919 in TLS 1.2: its one prime answers every offer, no ffdhe group.
    assert endpoint["groups"] == [] and endpoint["groups_by_version"] == {"TLSv1.2": []}
    assert endpoint["key_exchange"]["dh_min_bits"] == 1024
    tls_022 = _finding(report, "TLS-022")
    assert tls_022["status"] == "fail" and "DH key exchange of 1024 bits" in tls_022["message"]


# --- gnutls-serv (GnuTLS 3.7: RFC 7919 in TLS 1.2) ---------------------------------------------------


def test_gnutls_with_a_1024_bit_default_group_fails_tls_022(tmp_path: Path) -> None:
    """A client that names an ffdhe group gets it; one that names none (older than RFC 7919)
    gets the server's own 1024-bit group, and that is the endpoint's DH size."""
    cert, key = write_identity(tmp_path, key_type="rsa")
    dhparam = write_dhparam_1024(tmp_path / "dh1024.pem")
    report = gnutls_scan(tmp_path, [
        "--x509certfile", str(cert), "--x509keyfile", str(key), "--dhparams", str(dhparam),
        "--priority", "NORMAL:-VERS-TLS1.3:+DHE-RSA:-GROUP-ALL:+GROUP-SECP384R1:+GROUP-FFDHE3072"])
    endpoint = _endpoint(report)
    assert endpoint["protocols"]["TLSv1.3"] is False and endpoint["protocols"]["TLSv1.2"] is True
    assert endpoint["groups_by_version"] == {"TLSv1.2": ["secp384r1", "ffdhe3072"]}
    assert endpoint["groups"] == ["secp384r1", "ffdhe3072"]
    assert endpoint["key_exchange"] == {"dh_min_bits": 1024, "ecdh_min_bits": 384}
    tls_022 = _finding(report, "TLS-022")
    assert tls_022["status"] == "fail" and "DH key exchange of 1024 bits" in tls_022["message"]


def test_gnutls_tls13_and_tls12_groups_are_both_probed(tmp_path: Path) -> None:
    cert, key = write_identity(tmp_path, key_type="rsa")
    report = gnutls_scan(tmp_path, [
        "--x509certfile", str(cert), "--x509keyfile", str(key),
        "--priority", "NORMAL:+DHE-RSA:-GROUP-ALL:+GROUP-X25519:+GROUP-FFDHE2048"])
    endpoint = _endpoint(report)
    assert endpoint["groups_by_version"] == {"TLSv1.2": ["x25519", "ffdhe2048"],
                                             "TLSv1.3": ["x25519", "ffdhe2048"]}
    assert endpoint["key_exchange"]["dh_min_bits"] == 2048


# --- the report ----------------------------------------------------------------------------------


def test_groups_by_version_is_an_object_keyed_by_version_in_the_report() -> None:
    report = sample_report()
    first = replace(report.endpoints[0], groups=("x25519", "brainpoolP384r1"),
                    groups_by_version=(("TLSv1.2", ("brainpoolP384r1",)), ("TLSv1.3", ("x25519",))))
    report = replace(report, endpoints=(first, *report.endpoints[1:]))
    text = dumps(report)
    data = json.loads(text)
    assert data["endpoints"][0]["groups_by_version"] == {"TLSv1.2": ["brainpoolP384r1"],
                                                         "TLSv1.3": ["x25519"]}
    jsonschema.validate(data, report_schema())
    assert loads(text) == report
    data["endpoints"][0]["groups_by_version"] = {"TLSv9": []}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, report_schema())
