"""TLS-010 … TLS-012 (versions) and TLS-020 … TLS-022 (suites, forward secrecy, key exchange)."""

from __future__ import annotations

from builders_tls import context, judge, protocols

from hatls.findings import Status
from hatls.inventory import CipherList, SecProtocol, TlsExpectations
from hatls.observations import KeyExchange
from hatls.rules.endpoint import tls_010, tls_011, tls_012, tls_020, tls_021, tls_022

RSA_GCM = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
RSA_CBC = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
STATIC_RSA = "TLS_RSA_WITH_AES_128_GCM_SHA256"


# TLS-010 ------------------------------------------------------------------------------------


def test_tls_010_pass_mentions_what_was_not_probed() -> None:
    found = judge(tls_010, context(), Status.PASS)
    assert found.evidence["not_probed"] == ["SSLv2", "SSLv3"] and "not probed" in found.message


def test_tls_010_forbidden_version_fails() -> None:
    found = judge(tls_010, context(protocols=protocols("TLSv1.0", "TLSv1.2")), Status.FAIL)
    assert found.evidence["forbidden"] == ["TLSv1.0"]
    found = judge(tls_010, context(protocols=protocols("SSLv3", "TLSv1.2", unprobed=())),
                  Status.FAIL)
    assert found.evidence["forbidden"] == ["SSLv3"]


def test_tls_010_discouraged_version_warns() -> None:
    ctx = context(policy_name="nist-800-52r2", protocols=protocols("TLSv1.1", "TLSv1.2", "TLSv1.3"))
    assert judge(tls_010, ctx, Status.WARN).evidence["discouraged_accepted"] == ["TLSv1.1"]


def test_tls_010_unprobed_version_that_matters_is_not_pass() -> None:
    ctx = context(protocols=protocols("TLSv1.3", unprobed=("SSLv2", "SSLv3", "TLSv1.0")))
    found = judge(tls_010, ctx, Status.SKIPPED)
    assert found.not_probed and "TLSv1.0" in found.evidence["missing"]


# TLS-011 ------------------------------------------------------------------------------------


def tls_expecting(value: SecProtocol) -> TlsExpectations:
    return TlsExpectations(sec_protocol=value)


def test_tls_011_pass() -> None:
    judge(tls_011, context(tls=tls_expecting(SecProtocol.HIGHEST_FROM_TLS12)), Status.PASS)
    ctx = context(tls=tls_expecting(SecProtocol.TLSV12), protocols=protocols("TLSv1.2"))
    assert "not probed" in judge(tls_011, ctx, Status.PASS).message


def test_tls_011_version_outside_sec_protocol_fails() -> None:
    found = judge(tls_011, context(tls=tls_expecting(SecProtocol.TLSV12)), Status.FAIL)
    assert found.evidence["outside"] == ["TLSv1.3"] and 'sec_protocol "TLSv12"' in found.message


def test_tls_011_none_of_the_expected_versions_fails() -> None:
    ctx = context(tls=tls_expecting(SecProtocol.TLSV13), protocols=protocols())
    judge(tls_011, ctx, Status.FAIL)


def test_tls_011_skipped_without_sec_protocol_or_probe() -> None:
    judge(tls_011, context(), Status.SKIPPED)
    ctx = context(tls=tls_expecting(SecProtocol.TLSV13),
                  protocols=protocols("TLSv1.3", unprobed=("SSLv2", "SSLv3", "TLSv1.2")))
    assert judge(tls_011, ctx, Status.SKIPPED).not_probed


# TLS-012 ------------------------------------------------------------------------------------


def test_tls_012() -> None:
    judge(tls_012, context(policy_name="nist-800-52r2"), Status.PASS)
    found = judge(tls_012, context(policy_name="nist-800-52r2", protocols=protocols("TLSv1.2")),
                  Status.FAIL)
    assert found.evidence["missing"] == ["TLSv1.3"]
    ctx = context(policy_name="nist-800-52r2",
                  protocols=protocols("TLSv1.2", unprobed=("SSLv2", "SSLv3", "TLSv1.3")))
    assert judge(tls_012, ctx, Status.SKIPPED).not_probed
    judge(tls_012, context(), Status.SKIPPED)  # genesys-ha requires none


# TLS-020 ------------------------------------------------------------------------------------


def test_tls_020_pass() -> None:
    found = judge(tls_020, context(), Status.PASS)
    assert found.evidence["cipher_list"] is None


def test_tls_020_names_each_offending_suite_and_version() -> None:
    ctx = context(ciphers=(("TLSv1.2", (RSA_GCM, RSA_CBC)),
                           ("TLSv1.3", ("TLS_AES_128_CCM_8_SHA256",))))
    found = judge(tls_020, ctx, Status.FAIL)
    assert [(o["version"], o["suite"]) for o in found.evidence["offending"]] == [
        ("TLSv1.2", RSA_CBC), ("TLSv1.3", "TLS_AES_128_CCM_8_SHA256")]
    assert RSA_CBC in found.message


def test_tls_020_cipher_list_limits_too() -> None:
    limit = CipherList(form="names", text=RSA_GCM, tls12=frozenset({RSA_GCM}), tls13=None)
    found = judge(tls_020, context(tls=TlsExpectations(cipher_list=limit)), Status.FAIL)
    (offending,) = found.evidence["offending"]
    assert offending["suite"] == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    assert offending["reasons"] == ["not in cipher_list (names)"]
    assert found.evidence["cipher_list"] == {"form": "names", "text": RSA_GCM}


def test_tls_020_openssl_names_are_read_as_iana() -> None:
    ctx = context(ciphers=(("TLSv1.2", ("ECDHE-RSA-AES128-GCM-SHA256",)),))
    judge(tls_020, ctx, Status.PASS)


def test_tls_020_not_probed() -> None:
    assert judge(tls_020, context(ciphers=None), Status.SKIPPED).not_probed


# TLS-021 ------------------------------------------------------------------------------------


def test_tls_021() -> None:
    judge(tls_021, context(), Status.PASS)
    static = (("TLSv1.2", (RSA_GCM, STATIC_RSA)),)
    found = judge(tls_021, context(ciphers=static), Status.FAIL)
    assert found.evidence["without_forward_secrecy"] == [{"version": "TLSv1.2",
                                                          "suite": STATIC_RSA}]
    judge(tls_021, context(ciphers=static, policy_name="nist-800-52r2"), Status.WARN)
    judge(tls_021, context(ciphers=static, policy_name="mozilla-old"), Status.SKIPPED)
    tls13_only = (("TLSv1.3", ("TLS_AES_128_GCM_SHA256",)),)
    judge(tls_021, context(ciphers=tls13_only), Status.SKIPPED)
    assert judge(tls_021, context(ciphers=None), Status.SKIPPED).not_probed


# TLS-022 ------------------------------------------------------------------------------------


def test_tls_022_pass() -> None:
    judge(tls_022, context(), Status.PASS)
    judge(tls_022, context(policy_name="mozilla-intermediate"), Status.PASS)


def test_tls_022_small_groups_fail() -> None:
    found = judge(tls_022, context(groups=("secp256r1", "secp224r1", "ffdhe2048")), Status.FAIL)
    assert found.evidence["problems"] == ["group secp224r1 has 224 bits (minimum 256)"]
    found = judge(tls_022, context(key_exchange=KeyExchange(dh_min_bits=1024, ecdh_min_bits=256)),
                  Status.FAIL)
    assert "DH key exchange of 1024 bits" in found.message


def test_tls_022_allow_list_and_required_groups() -> None:
    found = judge(tls_022, context(policy_name="mozilla-intermediate",
                                   groups=("x25519", "secp521r1")), Status.FAIL)
    assert "secp521r1 is not in the mozilla-intermediate allow-list" in found.message
    found = judge(tls_022, context(policy_name="nist-800-52r2", groups=("secp521r1",)),
                  Status.FAIL)
    assert "none of the groups nist-800-52r2 requires" in found.message


def test_tls_022_discouraged_group_warns() -> None:
    found = judge(tls_022, context(policy_name="nist-800-52r2",
                                   groups=("X25519", "prime256v1")), Status.WARN)
    assert found.evidence["warnings"] == ["group x25519 is discouraged by nist-800-52r2"]


def test_tls_022_not_probed() -> None:
    ctx = context(groups=None, key_exchange=KeyExchange())
    assert judge(tls_022, ctx, Status.SKIPPED).not_probed
    # Key-exchange sizes alone cannot pass the rule, but they can fail it.
    assert judge(tls_022, context(groups=None), Status.SKIPPED).not_probed
    judge(tls_022, context(groups=None, key_exchange=KeyExchange(ecdh_min_bits=192)), Status.FAIL)
