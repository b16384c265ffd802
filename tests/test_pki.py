"""hatls.lab.pki: the test PKI factory, and the committed fixtures it wrote."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from hatls.lab.pki import BACKDATE, CertificateAuthority, self_signed
from hatls.x509 import signature_verifies

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "certs"


@pytest.fixture(scope="module")
def root() -> CertificateAuthority:
    return CertificateAuthority.create("Test Root", now=NOW, days=100)


@pytest.fixture(scope="module")
def rsa_root() -> CertificateAuthority:
    return CertificateAuthority.create("RSA Root", now=NOW, key_type="rsa")


def _extension(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.ExtensionType:
    return cert.extensions.get_extension_for_class(kind).value


def test_a_root_is_a_self_signed_ca(root: CertificateAuthority) -> None:
    cert = root.certificate
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Test Root"
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length is None
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert signature_verifies(cert, cert)
    assert cert.not_valid_before_utc == NOW - BACKDATE
    assert cert.not_valid_after_utc == NOW + timedelta(days=100)
    assert root.issuer_chain == ()
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)


def test_ca_pem_properties_round_trip(root: CertificateAuthority) -> None:
    assert x509.load_pem_x509_certificate(root.cert_pem) == root.certificate
    key = serialization.load_pem_private_key(root.key_pem, password=None)
    assert key.public_key() == root.private_key.public_key()
    assert b"BEGIN PRIVATE KEY" in root.key_pem  # PKCS#8, unencrypted


def test_an_intermediate_chains_to_its_parent(rsa_root: CertificateAuthority) -> None:
    middle = CertificateAuthority.create("Middle", now=NOW, parent=rsa_root, path_length=0)
    assert middle.certificate.issuer == rsa_root.certificate.subject
    assert signature_verifies(middle.certificate, rsa_root.certificate)
    constraints = _extension(middle.certificate, x509.BasicConstraints)
    assert isinstance(constraints, x509.BasicConstraints) and constraints.path_length == 0
    leaf = middle.issue(common_name="leaf.example.test", now=NOW)
    # The chain holds the intermediate, never the leaf or the root.
    assert x509.load_pem_x509_certificates(leaf.chain_pem) == [middle.certificate]
    assert leaf.fullchain_pem == leaf.cert_pem + leaf.chain_pem


def test_issue_defaults(root: CertificateAuthority) -> None:
    leaf = root.issue(common_name="a.example.test", dns_names=["a.example.test"],
                      ip_addresses=["127.0.0.2", "::1"], now=NOW)
    cert = leaf.certificate
    assert cert.issuer == root.certificate.subject
    assert signature_verifies(cert, root.certificate)
    assert cert.not_valid_before_utc == NOW - BACKDATE
    assert cert.not_valid_after_utc == NOW + timedelta(days=825)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["a.example.test"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.2", "::1"]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    constraints = _extension(cert, x509.BasicConstraints)
    assert isinstance(constraints, x509.BasicConstraints) and not constraints.ca
    usage = _extension(cert, x509.KeyUsage)
    assert isinstance(usage, x509.KeyUsage) and usage.digital_signature
    assert not usage.key_cert_sign and not usage.crl_sign and not usage.key_encipherment
    assert cert.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA256
    assert leaf.chain_pem == b"" and leaf.encrypted_key_pem is None
    key = serialization.load_pem_private_key(leaf.key_pem, password=None)
    assert key.public_key() == cert.public_key()


def test_issue_options(rsa_root: CertificateAuthority) -> None:
    start, end = datetime(2030, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
    leaf = rsa_root.issue(common_name="b", now=NOW, not_before=start, not_after=end,
                          key_type="rsa", key_bits=1024, eku=None, include_san=False,
                          dns_names=["ignored.example.test"], signature_hash="sha384")
    cert = leaf.certificate
    assert (cert.not_valid_before_utc, cert.not_valid_after_utc) == (start, end)
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 1024
    present = {ext.oid for ext in cert.extensions}
    assert x509.ExtendedKeyUsage.oid not in present
    assert x509.SubjectAlternativeName.oid not in present
    assert cert.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA384


def test_issue_other_curves_and_ed25519(root: CertificateAuthority) -> None:
    p384 = root.issue(common_name="c", now=NOW, curve="secp384r1").certificate.public_key()
    assert isinstance(p384, ec.EllipticCurvePublicKey) and p384.curve.name == "secp384r1"
    ed = root.issue(common_name="d", now=NOW, key_type="ed25519").certificate.public_key()
    assert isinstance(ed, ed25519.Ed25519PublicKey)


@pytest.mark.parametrize(
    ("name", "oid"),
    [("sha1", SignatureAlgorithmOID.RSA_WITH_SHA1), ("md5", SignatureAlgorithmOID.RSA_WITH_MD5)],
)
def test_legacy_signatures_are_real(
    rsa_root: CertificateAuthority, name: str, oid: x509.ObjectIdentifier
) -> None:
    cert = rsa_root.issue(common_name="weak", dns_names=["weak"], now=NOW,
                          signature_hash=name).certificate
    assert cert.signature_algorithm_oid == oid
    assert signature_verifies(cert, rsa_root.certificate)
    other = CertificateAuthority.create("Other", now=NOW, key_type="rsa")
    assert not signature_verifies(cert, other.certificate)


def test_legacy_signatures_need_an_rsa_issuer(root: CertificateAuthority) -> None:
    with pytest.raises(ValueError, match="RSA issuer"):
        root.issue(common_name="x", now=NOW, signature_hash="sha1")


def test_encrypted_key(root: CertificateAuthority) -> None:
    leaf = root.issue(common_name="e", now=NOW, extra_password=b"secret")
    assert leaf.encrypted_key_pem is not None
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in leaf.encrypted_key_pem
    key = serialization.load_pem_private_key(leaf.encrypted_key_pem, password=b"secret")
    assert key.public_key() == leaf.certificate.public_key()
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(leaf.encrypted_key_pem, password=b"wrong")
    assert b"BEGIN PRIVATE KEY" in leaf.key_pem


def test_crl(root: CertificateAuthority) -> None:
    pem = root.crl(revoked_serials=[7, 9], now=NOW, next_update_days=3)
    crl = x509.load_pem_x509_crl(pem)
    assert crl.issuer == root.certificate.subject
    public_key = root.private_key.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert crl.is_signature_valid(public_key)
    assert sorted(entry.serial_number for entry in crl) == [7, 9]
    assert crl.last_update_utc == NOW and crl.next_update_utc == NOW + timedelta(days=3)


def test_self_signed_leaf() -> None:
    leaf = self_signed(common_name="s.example.test", dns_names=["s.example.test"], now=NOW)
    cert = leaf.certificate
    assert cert.subject == cert.issuer and signature_verifies(cert, cert)
    constraints = _extension(cert, x509.BasicConstraints)
    assert isinstance(constraints, x509.BasicConstraints) and not constraints.ca
    assert leaf.chain_pem == b""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"key_type": "dsa"}, "unknown key type"),
        ({"curve": "secp1r1"}, "unknown EC curve"),
        ({"signature_hash": "sha3"}, "unknown signature hash"),
        ({"now": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"not_after": datetime(2027, 1, 1)}, "timezone-aware"),
    ],
)
def test_bad_options_are_refused(
    root: CertificateAuthority, options: dict[str, object], message: str
) -> None:
    settings: dict[str, object] = {"common_name": "x", "now": NOW, **options}
    with pytest.raises(ValueError, match=message):
        root.issue(**settings)  # type: ignore[arg-type]


# -- the committed fixtures ------------------------------------------------------------------


def _listed_files() -> set[str]:
    readme = (FIXTURES / "README.md").read_text()
    return {line.split("`")[1] for line in readme.splitlines() if line.startswith("| `")}


def test_readme_lists_exactly_the_fixture_files() -> None:
    present = {p.name for p in FIXTURES.iterdir()} - {"README.md", "generate.py"}
    assert present, "run fixtures/certs/generate.py"
    assert _listed_files() == present


def test_generator_writes_the_same_file_names(tmp_path: Path) -> None:
    script = FIXTURES / "generate.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    written = {p.name for p in tmp_path.iterdir()} - {"README.md"}
    assert written == _listed_files()


def test_fixture_keys_match_their_certificates() -> None:
    for key_file in sorted(FIXTURES.glob("*.key.pem")):
        stem = key_file.name.removesuffix(".key.pem")
        cert = x509.load_pem_x509_certificate((FIXTURES / f"{stem}.pem").read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        assert key.public_key() == cert.public_key(), stem


def test_fixture_encrypted_key_takes_the_documented_password() -> None:
    data = (FIXTURES / "client-scanner.key.enc.pem").read_bytes()
    cert = x509.load_pem_x509_certificate((FIXTURES / "client-scanner.pem").read_bytes())
    assert serialization.load_pem_private_key(data, b"hatls-test").public_key() == cert.public_key()
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(data, b"not-it")
