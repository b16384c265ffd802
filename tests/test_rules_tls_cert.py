"""TLS-030 … TLS-038 on the real certificates of fixtures/certs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from builders_tls import context, judge
from fixture_pki import NOW, chain_facts, facts, pem_text

from hatls.findings import Status
from hatls.inventory import PemFile, TlsExpectations
from hatls.observations import EndpointObservation
from hatls.rules.endpoint import (
    tls_030,
    tls_031,
    tls_032,
    tls_033,
    tls_034,
    tls_035,
    tls_036,
    tls_037,
    tls_038,
)
from hatls.x509 import CertificateFacts

Change = Callable[[EndpointObservation], EndpointObservation]


def without_certificate(problems: tuple[str, ...] = ()) -> Change:
    def change(obs: EndpointObservation) -> EndpointObservation:
        return replace(obs, certificate=None, chain=(), chain_problems=problems)
    return change


def sent(*names: str) -> Change:
    """The chain a server sends: these fixture certificates, in this order."""
    chain = tuple(facts(name) for name in names)
    return lambda obs: replace(obs, certificate=chain[0], chain=chain)


# TLS-030 ------------------------------------------------------------------------------------


def test_tls_030_pass() -> None:
    found = judge(tls_030, context(), Status.PASS)
    assert found.evidence["not_after"] == "2046-01-01T00:00:00Z"
    assert found.evidence["now"] == "2026-11-24T10:00:00Z"


def test_tls_030_expired_and_not_yet_valid_fail() -> None:
    assert "expired on 2025-01-01" in judge(tls_030, context(cert="expired"), Status.FAIL).message
    found = judge(tls_030, context(cert="not-yet-valid"), Status.FAIL)
    assert "not valid before 2040-01-01" in found.message


def test_tls_030_expiring_soon_warns_and_the_inventory_threshold_wins() -> None:
    soon = replace(context(cert="expired"), now=datetime(2024, 12, 20, tzinfo=UTC))
    found = judge(tls_030, soon, Status.WARN)
    assert found.evidence["days_left"] == 12 and found.evidence["min_days_valid"] == 30
    relaxed = replace(context(cert="expired", tls=TlsExpectations(min_days_valid=5)),
                      now=soon.now)
    assert judge(tls_030, relaxed, Status.PASS).evidence["min_days_valid"] == 5


def test_tls_030_without_a_certificate() -> None:
    broken = context(observation=without_certificate(("certificate 1: not DER",)))
    assert "could not be decoded" in judge(tls_030, broken, Status.ERROR).message
    judge(tls_030, context(observation=without_certificate()), Status.SKIPPED)


# TLS-031 ------------------------------------------------------------------------------------


def test_tls_031_valid_chains() -> None:
    judge(tls_031, context(), Status.PASS)
    found = judge(tls_031, context(cert="via-intermediate"), Status.PASS)
    assert len(found.evidence["path"]) == 3 and len(chain_facts("via-intermediate")) == 2


def test_tls_031_judges_the_leaf_when_only_the_leaf_was_recorded() -> None:
    # EndpointObservation.served_chain: the chain as sent, else the recorded leaf alone (as
    # GHA-005/006 always did), never "no certificate was presented" beside a recorded leaf.
    leaf_only = context(observation=lambda obs: replace(obs, chain=()))
    assert leaf_only.observation.served_chain == (leaf_only.observation.certificate,)
    judge(tls_031, leaf_only, Status.PASS)


def test_tls_031_incomplete_and_out_of_order_warn() -> None:
    ctx = context(scan_ca=("ha-ca", "ha-intermediate"), observation=sent("via-intermediate"))
    assert judge(tls_031, ctx, Status.WARN).evidence["status"] == "incomplete"
    ctx = context(observation=sent("via-intermediate", "ha-ca", "ha-intermediate"))
    assert judge(tls_031, ctx, Status.WARN).evidence["status"] == "out-of-order"


def test_tls_031_untrusted_and_invalid_fail() -> None:
    assert judge(tls_031, context(cert="rogue"), Status.FAIL).evidence["status"] == "untrusted"
    found = judge(tls_031, context(cert="via-expired-intermediate"), Status.FAIL)
    assert found.evidence["status"] == "invalid"


def test_tls_031_without_anchors_is_error() -> None:
    judge(tls_031, context(scan_ca=()), Status.ERROR)


# TLS-032 ------------------------------------------------------------------------------------


def test_tls_032() -> None:
    judge(tls_032, context(), Status.PASS)
    judge(tls_032, context(cert="wildcard"), Status.PASS)
    judge(tls_032, context(cert="ip-san", host="127.0.1.1"), Status.PASS)
    found = judge(tls_032, context(cert="wrong-host"), Status.FAIL)
    assert found.evidence["san"] == ["DNS:other.example.test"]
    judge(tls_032, context(cert="tsrv-b"), Status.FAIL)
    assert judge(tls_032, context(cert="cn-only"), Status.WARN).evidence["match"] == "cn-only"
    judge(tls_032, context(cert="wrong-host", tls=TlsExpectations(name_check=False)),
          Status.SKIPPED)


# TLS-033 ------------------------------------------------------------------------------------


def test_tls_033_pass() -> None:
    judge(tls_033, context(), Status.PASS)
    judge(tls_033, context(cert="via-intermediate"), Status.PASS)  # EC P-256, ECDSA-SHA256


def test_tls_033_weak_key_signature_type_and_curve_fail() -> None:
    found = judge(tls_033, context(cert="rsa-1024"), Status.FAIL)
    assert found.evidence["problems"] == ["RSA key of 1024 bits (minimum 2048)"]
    found = judge(tls_033, context(cert="sha1-signed"), Status.FAIL)
    assert any("sha1WithRSAEncryption" in p for p in found.evidence["problems"])
    found = judge(tls_033, context(policy_name="mozilla-modern"), Status.FAIL)
    assert "key type RSA is not allowed" in found.message
    p521 = replace(facts("via-intermediate"), key_curve="secp521r1", key_bits=521)
    found = judge(tls_033, context(policy_name="mozilla-intermediate",
                                   observation=lambda o: replace(o, certificate=p521,
                                                                 chain=(p521,))), Status.FAIL)
    assert found.evidence["problems"] == ["EC curve secp521r1 is not allowed by "
                                          "mozilla-intermediate"]


def test_tls_033_sha1_below_the_anchor_fails_but_a_root_signature_does_not_count() -> None:
    def sha1(name: str) -> CertificateFacts:
        return replace(facts(name), signature_algorithm="sha1WithRSAEncryption",
                       signature_hash="sha1")

    root, intermediate = sha1("ha-ca"), sha1("ha-intermediate")
    leaf = facts("via-intermediate")
    ctx = context(observation=lambda o: replace(o, certificate=leaf, chain=(leaf, root)))
    judge(tls_033, ctx, Status.PASS)
    ctx = context(observation=lambda o: replace(o, certificate=leaf, chain=(leaf, intermediate)))
    found = judge(tls_033, ctx, Status.FAIL)
    assert "Intermediate" in found.message and "sha1WithRSAEncryption" in found.message


def test_tls_033_without_a_certificate() -> None:
    judge(tls_033, context(observation=without_certificate()), Status.SKIPPED)


# TLS-034 / TLS-036 ----------------------------------------------------------------------------


def test_tls_034() -> None:
    leaf = facts("tsrv-a")
    judge(tls_034, context(thumbprint=leaf.sha256), Status.PASS)
    colons = ":".join(leaf.sha1[i:i + 2] for i in range(0, 40, 2)).upper()
    assert judge(tls_034, context(thumbprint=colons), Status.PASS).evidence["algorithm"] == "sha1"
    found = judge(tls_034, context(thumbprint=facts("tsrv-b").sha256), Status.FAIL)
    assert leaf.sha256 in found.message
    judge(tls_034, context(), Status.SKIPPED)
    judge(tls_034, context(thumbprint="abc123"), Status.ERROR)


def test_tls_036() -> None:
    judge(tls_036, context(), Status.PASS)
    assert judge(tls_036, context(cert="self-signed"), Status.FAIL).evidence["pinned"] is False
    pinned = context(cert="self-signed", thumbprint=facts("self-signed").sha256)
    assert judge(tls_036, pinned, Status.PASS).evidence["pinned"] is True
    wrong_pin = context(cert="self-signed", thumbprint=facts("tsrv-a").sha1)
    judge(tls_036, wrong_pin, Status.FAIL)
    judge(tls_036, context(observation=without_certificate()), Status.SKIPPED)


# TLS-035 ------------------------------------------------------------------------------------


def test_tls_035() -> None:
    judge(tls_035, context(), Status.PASS)
    judge(tls_035, context(cert="no-eku"), Status.PASS)
    judge(tls_035, context(cert="no-eku", policy_name="nist-800-52r2"), Status.WARN)
    judge(tls_035, context(cert="any-eku"), Status.PASS)
    found = judge(tls_035, context(cert="any-eku", policy_name="nist-800-52r2"), Status.FAIL)
    assert "anyExtendedKeyUsage" in found.message
    found = judge(tls_035, context(cert="client-scanner"), Status.FAIL)
    assert found.evidence["eku"] == ["clientAuth"]
    judge(tls_035, context(observation=without_certificate()), Status.SKIPPED)


# TLS-037 ------------------------------------------------------------------------------------


def test_tls_037() -> None:
    judge(tls_037, context(), Status.SKIPPED)  # genesys-ha sets no limit
    # "expired" lived 2024-01-01 .. 2025-01-01: 366 days (a leap year).
    found = judge(tls_037, context(cert="expired", policy_name="mozilla-intermediate"),
                  Status.PASS)
    assert found.evidence["lifespan_days"] == 366
    judge(tls_037, context(cert="expired", policy_name="mozilla-modern"), Status.FAIL)
    judge(tls_037, context(policy_name="nist-800-52r2"), Status.FAIL)  # 20 years


# TLS-038 ------------------------------------------------------------------------------------


def with_crl(name: str) -> TlsExpectations:
    return TlsExpectations(tls_crl=PemFile(path=f"pki/{name}.pem", text=pem_text(name)))


def test_tls_038() -> None:
    judge(tls_038, context(), Status.SKIPPED)
    judge(tls_038, context(tls=with_crl("ha-ca.crl")), Status.PASS)
    found = judge(tls_038, context(cert="revoked", tls=with_crl("ha-ca.crl")), Status.FAIL)
    assert found.evidence["revoked"] == [facts("revoked").sha256]
    assert found.evidence["tls_crl"] == "pki/ha-ca.crl.pem"
    judge(tls_038, context(cert="rogue", tls=with_crl("ha-ca.crl")), Status.WARN)
    judge(tls_038, context(tls=with_crl("ha-ca-expired.crl")), Status.ERROR)


def test_tls_038_the_crl_signer_may_be_only_in_the_pair_trust() -> None:
    ctx = context(cert="revoked", tls=with_crl("ha-ca.crl"), scan_ca=("rogue-ca",),
                  pair_ca=("ha-ca",))
    judge(tls_038, ctx, Status.FAIL)


def test_now_is_the_scan_start_not_the_clock() -> None:
    later = replace(context(), now=datetime(2046, 6, 1, tzinfo=UTC))
    judge(tls_030, later, Status.FAIL)
    assert NOW.year == 2026
