"""TLS-040 … TLS-045: client authentication and handshake features."""

from __future__ import annotations

from dataclasses import replace

from builders_tls import GOOD_FEATURES, ca_name, context, judge, protocols

from hatls.findings import Status
from hatls.inventory import TlsExpectations
from hatls.observations import ClientAuth, Features
from hatls.rules.endpoint import tls_040, tls_041, tls_042, tls_043, tls_044, tls_045

MUTUAL = TlsExpectations(tls_mutual=True)
CBC = (("TLSv1.2", ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")),)
TLS13_ONLY = protocols("TLSv1.3")


def features(**changes: bool | None) -> Features:
    return replace(GOOD_FEATURES, **changes)


# TLS-040 ------------------------------------------------------------------------------------


def test_tls_040_pass_both_ways() -> None:
    judge(tls_040, context(), Status.PASS)
    found = judge(tls_040, context(tls=MUTUAL), Status.PASS)
    assert found.evidence["pair_ca"] == [ca_name("ha-ca")]


def test_tls_040_mismatch_with_tls_mutual_fails() -> None:
    asked = ClientAuth(requested=True, required=False)
    judge(tls_040, context(client_auth=asked), Status.FAIL)  # not expected, yet requested
    judge(tls_040, context(tls=MUTUAL, client_auth=ClientAuth(requested=False, required=False)),
          Status.FAIL)
    found = judge(tls_040, context(tls=MUTUAL, client_auth=asked), Status.FAIL)
    assert "without one" in found.message


def test_tls_040_advertised_ca_names() -> None:
    empty = ClientAuth(requested=True, required=True, ca_names=())
    judge(tls_040, context(tls=MUTUAL, client_auth=empty), Status.WARN)
    other = ClientAuth(requested=True, required=True, ca_names=(ca_name("rogue-ca"),))
    judge(tls_040, context(tls=MUTUAL, client_auth=other), Status.FAIL)
    # "Whose CA": the pair's trusted_ca decides where it is set.
    judge(tls_040, context(tls=MUTUAL, client_auth=other, pair_ca=("rogue-ca",)), Status.PASS)


def test_tls_040_not_probed() -> None:
    assert judge(tls_040, context(client_auth=None), Status.SKIPPED).not_probed
    unknown = ClientAuth(requested=True, required=None, ca_names=(ca_name("ha-ca"),))
    assert judge(tls_040, context(tls=MUTUAL, client_auth=unknown), Status.SKIPPED).not_probed


# TLS-041 ------------------------------------------------------------------------------------


def test_tls_041() -> None:
    judge(tls_041, context(), Status.PASS)
    judge(tls_041, context(features=features(secure_renegotiation=False)), Status.FAIL)
    found = judge(tls_041, context(features=features(client_renegotiation=True)), Status.FAIL)
    assert "client-initiated" in found.message
    assert judge(tls_041, context(features=features(client_renegotiation=None)),
                 Status.SKIPPED).not_probed
    judge(tls_041, context(protocols=TLS13_ONLY, features=Features()), Status.SKIPPED)


# TLS-042 ------------------------------------------------------------------------------------


def test_tls_042() -> None:
    judge(tls_042, context(), Status.PASS)
    judge(tls_042, context(features=features(compression=True)), Status.FAIL)
    assert judge(tls_042, context(features=Features()), Status.SKIPPED).not_probed


# TLS-043 ------------------------------------------------------------------------------------


def test_tls_043_several_versions() -> None:
    judge(tls_043, context(), Status.PASS)
    judge(tls_043, context(features=features(fallback_scsv=False)), Status.FAIL)
    assert judge(tls_043, context(features=features(fallback_scsv=None)),
                 Status.SKIPPED).not_probed
    found = judge(tls_043, context(protocols=TLS13_ONLY), Status.SKIPPED)
    assert "single version" in found.evidence["reason"]
    unknown = protocols("TLSv1.3", unprobed=("SSLv2", "SSLv3", "TLSv1.2"))
    assert judge(tls_043, context(protocols=unknown), Status.SKIPPED).not_probed


def test_tls_043_says_what_was_seen_and_an_undecided_answer_is_an_error() -> None:
    closed = ("accepted the TLSv1.2 hello without the SCSV and refused it with the SCSV (closed "
              "without an alert)")
    found = judge(tls_043, context(fallback_scsv_evidence=closed), Status.PASS)
    assert closed in found.message and found.evidence["seen"] == closed
    undecided = "the TLSv1.2 hello without the SCSV was not accepted (closed without an alert)"
    found = judge(tls_043, context(features=features(fallback_scsv=None),
                                   fallback_scsv_evidence=undecided), Status.ERROR)
    assert undecided in found.message


def test_tls_043_nist_condition() -> None:
    nist = "nist-800-52r2"
    # TLS 1.2 + 1.3 only: NIST does not ask for the SCSV.
    judge(tls_043, context(policy_name=nist, features=features(fallback_scsv=False)),
          Status.SKIPPED)
    old = protocols("TLSv1.1", "TLSv1.2")
    judge(tls_043, context(policy_name=nist, protocols=old,
                           features=features(fallback_scsv=False)), Status.FAIL)
    judge(tls_043, context(policy_name=nist, protocols=old), Status.PASS)
    judge(tls_043, context(policy_name=nist, protocols=protocols("TLSv1.1", "TLSv1.2", "TLSv1.3"),
                           features=features(fallback_scsv=False)), Status.SKIPPED)


# TLS-044 ------------------------------------------------------------------------------------


def test_tls_044() -> None:
    judge(tls_044, context(), Status.PASS)
    judge(tls_044, context(features=features(extended_master_secret=False)), Status.FAIL)
    assert judge(tls_044, context(features=features(extended_master_secret=None)),
                 Status.SKIPPED).not_probed
    found = judge(tls_044, context(protocols=TLS13_ONLY, features=Features()), Status.SKIPPED)
    assert not found.not_probed


# TLS-045 ------------------------------------------------------------------------------------


def test_tls_045() -> None:
    judge(tls_045, context(), Status.SKIPPED)  # no CBC suite accepted
    judge(tls_045, context(ciphers=CBC, features=features(encrypt_then_mac=True)), Status.PASS)
    found = judge(tls_045, context(ciphers=CBC, features=features(encrypt_then_mac=False)),
                  Status.FAIL)
    assert found.evidence["cbc_suites"] == ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"]
    assert judge(tls_045, context(ciphers=CBC), Status.SKIPPED).not_probed
    assert judge(tls_045, context(ciphers=None), Status.SKIPPED).not_probed
