"""hatls.evidence and `hatls sign` / `hatls verify`: detached signatures over a report's bytes."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from typer.testing import CliRunner

from hatls.cli import app as hatls_app
from hatls.evidence import (
    DetachedSignature,
    EvidenceError,
    SignatureAlgorithm,
    TrustCheck,
    load_certificates,
    load_signing_key,
    public_key_sha256,
    report_sha256,
    sign_report,
    signature_from_text,
    signature_to_text,
    verify_report,
)
from hatls.lab.pki import CertificateAuthority, IssuedCert
from hatls.lab.pki_build import key_pem

NOW = datetime(2026, 11, 1, tzinfo=UTC)
REPORT = b'{\n  "schema": "hatls-report/1",\n  "summary": {"compliant": true}\n}\n'
OUR_CA = "Evidence CA"
KEY_TYPES = ("ed25519", "rsa", "ec")
ALGORITHMS = {"ed25519": SignatureAlgorithm.ED25519, "rsa": SignatureAlgorithm.RSA_PSS_SHA256,
              "ec": SignatureAlgorithm.ECDSA_SHA256}


@cache
def authority(name: str) -> CertificateAuthority:
    return CertificateAuthority.create(name, now=NOW, days=3650)


@cache
def signer(key_type: str, who: str = "ops@example.test", ca_name: str = OUR_CA) -> IssuedCert:
    return authority(ca_name).issue(common_name=who, now=NOW, days=365, key_type=key_type,
                                    eku=("emailProtection",), extra_password=b"s3cret")


# `hatls sign` signs only a valid hatls report, and only with a certificate valid now (wall clock):
# the command-line tests sign the shipped sample report with a signer good for ten years.
SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "reports" / "sample-report.json"


@cache
def cli_signer() -> IssuedCert:
    return authority(OUR_CA).issue(common_name="ops@example.test", now=NOW, days=3650,
                                   key_type="rsa", eku=("emailProtection",),
                                   extra_password=b"s3cret")


def signed(key_type: str, data: bytes = REPORT) -> DetachedSignature:
    cert = signer(key_type)
    return sign_report(data, load_signing_key(cert.key_pem), certificate=cert.certificate)


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_signature_round_trips_through_its_file_and_verifies(key_type: str) -> None:
    cert = signer(key_type)
    signature = signature_from_text(signature_to_text(signed(key_type)))
    assert signature.algorithm is ALGORITHMS[key_type]
    assert signature.report_sha256 == report_sha256(REPORT) and signature.report_bytes == len(REPORT)
    assert signature.signer_certificate_sha256 == cert.certificate.fingerprint(hashes.SHA256()).hex()
    assert signature.signer_subject == "CN=ops@example.test"
    verdict = verify_report(REPORT, signature, (cert.certificate,))
    assert verdict.valid, verdict.problems
    assert verdict.signer == "CN=ops@example.test" and verdict.report_sha256 == report_sha256(REPORT)


@pytest.mark.parametrize("key_type", KEY_TYPES)
@pytest.mark.parametrize("position", [0, len(REPORT) // 2, len(REPORT) - 1])
def test_a_one_byte_change_in_the_report_fails(key_type: str, position: int) -> None:
    changed = bytearray(REPORT)
    changed[position] ^= 0x01
    verdict = verify_report(bytes(changed), signed(key_type), (signer(key_type).certificate,))
    assert not verdict.valid
    assert "the report changed after signing" in verdict.problems[0]
    assert any("does not verify" in problem for problem in verdict.problems)


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_report_with_a_byte_more_fails(key_type: str) -> None:
    verdict = verify_report(REPORT + b"\n", signed(key_type), (signer(key_type).certificate,))
    assert not verdict.valid


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_the_wrong_certificate_fails_even_with_the_signature_file_edited_to_match(key_type: str) -> None:
    impostor = signer(key_type, who="someone-else@example.test").certificate
    signature = signed(key_type)
    verdict = verify_report(REPORT, signature, (impostor,))
    assert not verdict.valid
    assert any("another key" in problem for problem in verdict.problems)
    # Rewriting the fingerprints in the file does not help: the signature is the impostor's key's.
    forged = replace(signature, signer_certificate_sha256=None,
                     signer_key_sha256=public_key_sha256(impostor.public_key()))
    assert verify_report(REPORT, forged, (impostor,)).problems == (
        "the signature does not verify over these bytes with the certificate's key",)


def test_a_certificate_of_another_key_type_fails() -> None:
    verdict = verify_report(REPORT, signed("ed25519"), (signer("rsa").certificate,))
    assert not verdict.valid
    assert any("ed25519" in p and "rsa-pss-sha256" in p for p in verdict.problems)


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_a_changed_signature_fails(key_type: str) -> None:
    signature = signed(key_type)
    damaged = bytearray(signature.signature)
    damaged[len(damaged) // 2] ^= 0x80
    verdict = verify_report(REPORT, replace(signature, signature=bytes(damaged)),
                            (signer(key_type).certificate,))
    assert verdict.problems == ("the signature does not verify over these bytes with the certificate's key",)


def test_rsa_signatures_are_pss_with_sha256_and_a_32_byte_salt() -> None:
    # What `openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32` checks.
    public = signer("rsa").certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    public.verify(signed("rsa").signature, REPORT, pss, hashes.SHA256())


def test_an_encrypted_key_needs_its_password() -> None:
    encrypted = signer("ec").encrypted_key_pem
    assert encrypted is not None
    key = load_signing_key(encrypted, b"s3cret")
    assert key.public_key() == signer("ec").certificate.public_key()
    with pytest.raises(EvidenceError, match="--key-password-env"):
        load_signing_key(encrypted)
    with pytest.raises(EvidenceError, match="wrong password"):
        load_signing_key(encrypted, b"guess")
    with pytest.raises(EvidenceError, match="not encrypted"):
        load_signing_key(signer("ec").key_pem, b"s3cret")


def test_weak_unusual_and_broken_keys_are_refused() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(EvidenceError, match="1024 bits is too weak"):
        load_signing_key(key_pem(weak))
    dsa_key = dsa.generate_private_key(key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(EvidenceError, match="DSAPrivateKey cannot sign here"):
        load_signing_key(dsa_key)
    with pytest.raises(EvidenceError, match="not a usable PEM private key"):
        load_signing_key(signer("ec").cert_pem)


def test_signing_refuses_a_certificate_of_another_key() -> None:
    with pytest.raises(EvidenceError, match="does not belong to the key"):
        sign_report(REPORT, load_signing_key(signer("ec").key_pem),
                    certificate=signer("ec", who="other@example.test").certificate)


def test_without_a_certificate_the_key_fingerprint_still_binds_the_signer() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    signature = sign_report(REPORT, key)
    assert signature.signer_certificate_sha256 is None and signature.signer_subject is None
    assert not verify_report(REPORT, signature, (signer("ed25519").certificate,)).valid


def _certificate_without_signing_usage() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "key-agreement only")])
    usage = x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=True, key_cert_sign=False,
                          crl_sign=False, encipher_only=False, decipher_only=False)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(NOW).not_valid_after(NOW + timedelta(days=1))
            .add_extension(usage, critical=True).sign(key, hashes.SHA256()))
    return key, cert


def test_a_certificate_whose_key_usage_forbids_signing_is_refused_and_fails() -> None:
    key, cert = _certificate_without_signing_usage()
    with pytest.raises(EvidenceError, match="keyUsage"):
        sign_report(REPORT, key, certificate=cert)
    verdict = verify_report(REPORT, sign_report(REPORT, key), (cert,))
    assert verdict.problems == ("the certificate's keyUsage allows neither digitalSignature nor "
                                "nonRepudiation",)


def test_with_a_ca_the_certificate_must_chain_and_be_valid_at_the_given_time() -> None:
    cert = signer("ec").certificate
    signature = signed("ec")
    ours = TrustCheck(anchors=(authority(OUR_CA).certificate,), at=NOW + timedelta(days=10))
    assert verify_report(REPORT, signature, (cert,), trust=ours).valid
    theirs = replace(ours, anchors=(authority("Another CA").certificate,))
    problems = verify_report(REPORT, signature, (cert,), trust=theirs).problems
    assert len(problems) == 1 and "does not chain to the given CA" in problems[0]
    late = replace(ours, at=NOW + timedelta(days=400))
    problems = verify_report(REPORT, signature, (cert,), trust=late).problems
    assert problems == (f"the signer's certificate expired on {cert.not_valid_after_utc.isoformat()} "
                        f"(checked at {late.at.isoformat()})",)
    early = replace(ours, at=NOW - timedelta(days=1))
    assert "not valid before" in verify_report(REPORT, signature, (cert,), trust=early).problems[0]


def test_a_damaged_or_foreign_signature_file_is_a_usage_error() -> None:
    good = json.loads(signature_to_text(signed("ed25519")))
    bad_documents = [
        "not json", "[]", json.dumps({**good, "format": "other/1"}),
        json.dumps({**good, "algorithm": "md5-rsa"}), json.dumps({**good, "signature": "@@@"}),
        json.dumps({**good, "report_bytes": "12"}), json.dumps({**good, "report_bytes": True}),
        json.dumps({k: v for k, v in good.items() if k != "report_sha256"}),
        json.dumps({**good, "signer_subject": 5}),
    ]
    for text in bad_documents:
        with pytest.raises(EvidenceError, match="signature file"):
            signature_from_text(text)


def test_certificates_load_with_their_intermediates_and_refuse_other_files() -> None:
    chain = load_certificates(signer("ec").cert_pem + authority(OUR_CA).cert_pem)
    assert [c.subject.rfc4514_string() for c in chain] == ["CN=ops@example.test", "CN=Evidence CA"]
    with pytest.raises(EvidenceError, match="no PEM certificate"):
        load_certificates(signer("ec").key_pem)


# The command line, in process: hatls's own typer app.

def _app() -> typer.Typer:
    return hatls_app


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path: Path) -> Path:
    cert = cli_signer()
    (tmp_path / "report.json").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "signer.pem").write_bytes(cert.cert_pem)
    (tmp_path / "signer.key").write_bytes(cert.key_pem)
    assert cert.encrypted_key_pem is not None
    (tmp_path / "signer.enc.key").write_bytes(cert.encrypted_key_pem)
    (tmp_path / "ca.pem").write_bytes(authority(OUR_CA).cert_pem)
    (tmp_path / "other-ca.pem").write_bytes(authority("Another CA").cert_pem)
    (tmp_path / "other.pem").write_bytes(signer("rsa", who="other@example.test").cert_pem)
    return tmp_path


def test_cli_sign_then_verify(files: Path) -> None:
    report = str(files / "report.json")
    status, out, _ = run("sign", report, "--key", str(files / "signer.key"),
                         "--cert", str(files / "signer.pem"))
    assert status == 0 and f"SHA-256 {report_sha256(SAMPLE.read_bytes())}" in out
    written = json.loads((files / "report.json.sig").read_text())
    assert written["algorithm"] == "rsa-pss-sha256"
    assert written["report_sha256"] == report_sha256(SAMPLE.read_bytes())
    assert base64.b64decode(written["signature"])
    status, out, _ = run("verify", report, "--cert", str(files / "signer.pem"))
    # Without --ca the certificate's name is only a claim: intact, but the signer not authenticated.
    assert status == 0 and "signature intact (rsa-pss-sha256)" in out
    assert "signer NOT authenticated: CN=ops@example.test" in out and "valid signature" not in out
    at = (NOW + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    status, out, _ = run("verify", report, "--cert", str(files / "signer.pem"),
                         "--ca", str(files / "ca.pem"), "--at", at)
    assert status == 0 and "valid signature (rsa-pss-sha256) by CN=ops@example.test" in out
    assert "chains to" in out and "NOT authenticated" not in out


def test_cli_verify_says_invalid_with_exit_1(files: Path) -> None:
    report = files / "report.json"
    assert run("sign", str(report), "--key", str(files / "signer.key"))[0] == 0
    status, _, err = run("verify", str(report), "--cert", str(files / "other.pem"))
    assert status == 1 and "INVALID" in err and "another key" in err
    status, _, err = run("verify", str(report), "--cert", str(files / "signer.pem"),
                         "--ca", str(files / "other-ca.pem"), "--at", "2026-11-02T00:00:00Z")
    assert status == 1 and "does not chain" in err
    report.write_bytes(SAMPLE.read_bytes().replace(b"false", b"False", 1))
    status, _, err = run("verify", str(report), "--cert", str(files / "signer.pem"))
    assert status == 1 and "the report changed after signing" in err


def test_cli_usage_errors_exit_2(files: Path) -> None:
    report, cert = str(files / "report.json"), str(files / "signer.pem")
    assert run("verify", report, "--cert", cert)[0] == 2  # no report.json.sig yet
    status, _, err = run("sign", report, "--key", str(files / "signer.enc.key"))
    assert status == 2 and "--key-password-env" in err
    status, _, err = run("sign", report, "--key", str(files / "signer.enc.key"),
                         "--key-password-env", "HATLS_TEST_UNSET_VARIABLE")
    assert status == 2 and "HATLS_TEST_UNSET_VARIABLE is not set" in err
    status, _, _ = run("sign", report, "--key", str(files / "signer.enc.key"),
                       "--key-password-env", "HATLS_TEST_PASSWORD", "--out", str(files / "r.sig"),
                       env={"HATLS_TEST_PASSWORD": "s3cret"})
    assert status == 0
    sig = str(files / "r.sig")
    assert run("verify", report, "--sig", sig, "--cert", cert)[0] == 0
    assert run("verify", report, "--sig", sig, "--cert", str(files / "signer.key"))[0] == 2
    assert run("verify", report, "--sig", report, "--cert", cert)[0] == 2
    assert run("verify", report, "--sig", sig, "--cert", cert, "--at", "2026-11-02T00:00:00Z")[0] == 2
    status, _, err = run("verify", report, "--sig", sig, "--cert", cert, "--ca", str(files / "ca.pem"),
                         "--at", "2026-11-02T00:00:00")
    assert status == 2 and "time zone" in err
    assert run("verify", report, "--sig", sig, "--cert", cert, "--ca", str(files / "ca.pem"),
               "--at", "yesterday")[0] == 2


def test_cli_sign_to_stdout_writes_the_signature_alone(files: Path) -> None:
    status, out, _ = run("sign", str(files / "report.json"), "--key", str(files / "signer.key"),
                         "--out", "-")
    assert status == 0 and signature_from_text(out).report_sha256 == report_sha256(SAMPLE.read_bytes())
    assert not (files / "report.json.sig").exists() and not (files / "-").exists()


def test_cli_sign_cannot_write_exits_3(files: Path) -> None:
    status, _, err = run("sign", str(files / "report.json"), "--key", str(files / "signer.key"),
                         "--out", str(files / "missing" / "r.sig"))
    assert status == 3 and "does not exist" in err
