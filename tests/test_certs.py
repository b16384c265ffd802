"""hatls.x509 on the committed test PKI (fixtures/certs) and on a few hostile certificates."""

from __future__ import annotations

import hashlib
import re
import warnings
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtensionOID, NameOID

from hatls.lab.pki import CertificateAuthority, PrivateKey
from hatls.x509 import (
    MAX_NAME_CHARS,
    MAX_SAN_CHARS,
    MAX_SAN_ENTRIES,
    CertificateFacts,
    ChainStatus,
    ChainVerdict,
    CrlStatus,
    NameMatch,
    bounded_text,
    certificate_facts,
    crl_status,
    dns_pattern_matches,
    fingerprint_matches,
    load_pem_certificates,
    match_host,
    normalize_thumbprint,
    parse_der_chain,
    system_trust_store,
    thumbprint_algorithm,
    validate_chain,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "certs"
GENERATED = datetime(2026, 1, 1, tzinfo=UTC)  # generate.py's NOW
AT = datetime(2026, 6, 1, tzinfo=UTC)  # "scan time" for these tests
PRIMARY = "tsrv-a.example.test"


@cache
def cert(name: str) -> x509.Certificate:
    return load_pem_certificates((FIXTURES / f"{name}.pem").read_bytes())[0]


@cache
def key(name: str) -> PrivateKey:
    loaded = serialization.load_pem_private_key((FIXTURES / f"{name}.key.pem").read_bytes(), None)
    assert isinstance(loaded, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return loaded


def ca(name: str) -> CertificateAuthority:
    """A fixture CA as a pki object, to issue more certificates under it in a test."""
    return CertificateAuthority(certificate=cert(name), private_key=key(name))


def sha256(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def facts(name: str) -> CertificateFacts:
    return certificate_facts(cert(name))


# -- certificate_facts --------------------------------------------------------------------------


def test_facts_of_the_primary_server_certificate() -> None:
    leaf = cert("tsrv-a")
    der = leaf.public_bytes(serialization.Encoding.DER)
    f = facts("tsrv-a")
    assert f.sha256 == hashlib.sha256(der).hexdigest()
    assert f.sha1 == hashlib.sha1(der).hexdigest()
    assert f.subject == "CN=tsrv-a.example.test"
    assert f.issuer == "CN=hatls HA Test CA"
    assert f.san == ("DNS:tsrv-a.example.test",)
    assert f.not_before == GENERATED - timedelta(hours=1)
    assert f.not_after == GENERATED + timedelta(days=7305)
    assert f.not_before.tzinfo is not None and f.not_before.utcoffset() == timedelta(0)
    assert f.serial == format(leaf.serial_number, "x") and re.fullmatch("[0-9a-f]+", f.serial)
    assert (f.key_type, f.key_bits, f.key_curve) == ("RSA", 2048, None)
    assert (f.signature_algorithm, f.signature_hash) == ("sha256WithRSAEncryption", "sha256")
    assert f.eku == ("serverAuth", "clientAuth")
    assert (f.self_signed, f.is_ca) == (False, False)
    assert x509.load_pem_x509_certificate(f.pem.encode()) == leaf


def test_facts_of_an_ec_leaf_with_ip_sans() -> None:
    f = facts("ip-san")
    assert f.san == ("IP:127.0.1.1", "IP:::1")
    assert f.subject == "CN=127.0.1.1"
    assert (f.key_type, f.key_bits, f.key_curve) == ("EC", 256, "secp256r1")
    assert f.signature_algorithm == "sha256WithRSAEncryption"  # signed by the RSA root


@pytest.mark.parametrize(
    ("name", "eku"),
    [
        ("no-eku", None),
        ("no-clientauth-eku", ("serverAuth",)),
        ("any-eku", ("anyExtendedKeyUsage",)),
        ("client-scanner", ("clientAuth",)),
        ("ha-ca", None),
    ],
)
def test_eku(name: str, eku: tuple[str, ...] | None) -> None:
    assert facts(name).eku == eku


def test_facts_of_weak_certificates() -> None:
    sha1 = facts("sha1-signed")
    assert (sha1.signature_algorithm, sha1.signature_hash) == ("sha1WithRSAEncryption", "sha1")
    weak = facts("rsa-1024")
    assert (weak.key_type, weak.key_bits) == ("RSA", 1024)


def test_facts_of_cas_and_self_signed() -> None:
    root = facts("ha-ca")
    assert (root.self_signed, root.is_ca, root.san) == (True, True, ())
    assert root.subject == root.issuer
    middle = facts("ha-intermediate")
    assert (middle.self_signed, middle.is_ca, middle.key_type) == (False, True, "EC")
    assert middle.signature_algorithm == "sha256WithRSAEncryption"
    leaf = facts("self-signed")
    assert (leaf.self_signed, leaf.is_ca) == (True, False)
    assert leaf.signature_algorithm == "ecdsa-with-SHA256"
    assert facts("cn-only").san == ()


def test_self_issued_but_signed_by_another_key_is_not_self_signed() -> None:
    # Issuer name == subject name, but the rogue key signed it: a forgery, not self-signed.
    impostor = CertificateAuthority(certificate=cert("ha-ca"), private_key=key("rogue-ca"))
    subject_is_issuer = impostor.issue(common_name="hatls HA Test CA", now=AT).certificate
    assert subject_is_issuer.subject == subject_is_issuer.issuer
    assert certificate_facts(subject_is_issuer).self_signed is False


def test_facts_of_ed25519_and_p384() -> None:
    ed_ca = CertificateAuthority.create("Ed CA", now=AT, key_type="ed25519")
    f = certificate_facts(ed_ca.certificate)
    assert (f.key_type, f.key_bits, f.key_curve) == ("Ed25519", 256, None)
    assert (f.signature_algorithm, f.signature_hash) == ("ED25519", None)
    p384 = certificate_facts(ca("ha-ca").issue(common_name="p", now=AT, curve="secp384r1").certificate)
    assert (p384.key_type, p384.key_bits, p384.key_curve) == ("EC", 384, "secp384r1")


def test_facts_of_an_rsa_pss_signature() -> None:
    issuer_key = key("ha-ca")
    assert isinstance(issuer_key, rsa.RSAPrivateKey)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    pss = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pss")]))
        .issuer_name(cert("ha-ca").subject)
        .public_key(leaf_key.public_key())
        .serial_number(1)
        .not_valid_before(GENERATED)
        .not_valid_after(GENERATED + timedelta(days=1))
        .sign(issuer_key, hashes.SHA256(),
              rsa_padding=padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH))
    )
    f = certificate_facts(pss)
    assert (f.signature_algorithm, f.signature_hash) == ("rsassaPss", "sha256")
    assert f.eku is None and f.is_ca is False


def test_facts_are_hashable_values() -> None:
    assert facts("tsrv-a") == certificate_facts(cert("tsrv-a"))
    assert len({facts("tsrv-a"), facts("tsrv-a"), facts("tsrv-b")}) == 2
    with pytest.raises(AttributeError):
        facts("tsrv-a").sha256 = "0"  # type: ignore[misc]


# -- hostile strings ---------------------------------------------------------------------------


def _with_subject(attributes: list[x509.NameAttribute], san: list[x509.GeneralName] | None = None
                  ) -> x509.Certificate:
    signer = key("rogue-ca")
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(cert("rogue-ca").subject)
        .public_key(signer.public_key())
        .serial_number(2)
        .not_valid_before(GENERATED)
        .not_valid_after(GENERATED + timedelta(days=1))
    )
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(signer, hashes.SHA256())


def test_html_in_a_subject_is_kept_for_the_renderer_to_escape() -> None:
    hostile = _with_subject([x509.NameAttribute(NameOID.COMMON_NAME, "<script>alert(1)</script>")])
    subject = certificate_facts(hostile).subject
    assert "script" in subject and "alert(1)" in subject and len(subject) < 64


def test_control_and_invisible_characters_are_escaped() -> None:
    name = "a\x07b\u202ec\u200ed\x1b[31m"
    hostile = _with_subject([x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)],
                            san=[x509.DNSName("x\x00y.example.test")])
    f = certificate_facts(hostile)
    for raw in ("\x07", "\u202e", "\u200e", "\x1b", "\x00"):
        assert raw not in f.subject and raw not in "".join(f.san)
    assert "\\x07" in f.subject and "\\u202e" in f.subject and "\\u200e" in f.subject
    assert f.san == ("DNS:x\\x00y.example.test",)


def test_a_100_kb_common_name_is_bounded() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography warns about the CN's length, rightly
        huge = x509.NameAttribute(NameOID.COMMON_NAME, "A" * 100_000, _validate=False)
    f = certificate_facts(_with_subject([huge]))
    assert len(f.subject) == MAX_NAME_CHARS and f.subject.endswith("…")
    assert f.subject.startswith("CN=AAAA")


def test_san_entries_are_bounded_in_number_and_length() -> None:
    names: list[x509.GeneralName] = [x509.DNSName("a" * 1000 + ".example.test")]
    names += [x509.DNSName(f"h{i}.example.test") for i in range(150)]
    f = certificate_facts(_with_subject([x509.NameAttribute(NameOID.COMMON_NAME, "x")], names))
    assert len(f.san) == MAX_SAN_ENTRIES
    assert all(len(entry) <= MAX_SAN_CHARS for entry in f.san)
    assert len(f.san[0]) == MAX_SAN_CHARS and f.san[0].endswith("…")
    assert f.san[1] == "DNS:h0.example.test"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("abc", 3, "abc"),
        ("abcd", 3, "ab…"),
        ("a\x00b", 10, "a\\x00b"),
        ("a\x00b", 5, "a…"),  # never cuts an escape in half
        ("\U000e0001", 20, "\\U000e0001"),
    ],
)
def test_bounded_text(text: str, limit: int, expected: str) -> None:
    assert bounded_text(text, limit) == expected
    assert len(bounded_text(text, limit)) <= limit


# -- loading -----------------------------------------------------------------------------------


def test_parse_der_chain_keeps_good_certificates_and_reports_garbage() -> None:
    good = cert("tsrv-a").public_bytes(serialization.Encoding.DER)
    middle = cert("ha-ca").public_bytes(serialization.Encoding.DER)
    certificates, problems = parse_der_chain([good, b"\x30\x03garbage", b"", good[:100], middle])
    assert certificates == (cert("tsrv-a"), cert("ha-ca"))
    assert len(problems) == 3
    assert problems[0].startswith("certificate 2 of 5 cannot be decoded")
    assert problems[1].startswith("certificate 3 of 5") and problems[2].startswith("certificate 4")


def _with_broken_san() -> x509.Certificate:
    signer = key("rogue-ca")
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PRIMARY)]))
        .issuer_name(cert("rogue-ca").subject)
        .public_key(signer.public_key())
        .serial_number(3)
        .not_valid_before(GENERATED)
        .not_valid_after(GENERATED + timedelta(days=1))
        .add_extension(
            x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, b"\x04\x02no"),
            critical=False,
        )
        .sign(signer, hashes.SHA256())
    )


def test_a_certificate_with_undecodable_extensions() -> None:
    broken = _with_broken_san()
    with pytest.raises(ValueError, match="extensions cannot be decoded"):
        certificate_facts(broken)
    certificates, problems = parse_der_chain([broken.public_bytes(serialization.Encoding.DER)])
    assert certificates == () and "cannot be decoded" in problems[0]
    verdict, detail = match_host(broken, PRIMARY)
    assert verdict is NameMatch.MISMATCH and "cannot be decoded" in detail


def test_load_pem_certificates_keeps_bundle_order() -> None:
    bundle = (FIXTURES / "via-intermediate.pem").read_text() + (FIXTURES / "ha-ca.pem").read_text()
    assert load_pem_certificates(bundle) == (cert("via-intermediate"), cert("ha-ca"))
    assert load_pem_certificates(bundle.encode()) == (cert("via-intermediate"), cert("ha-ca"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no PEM certificate found"),
        ((FIXTURES / "tsrv-a.key.pem").read_text(), "no PEM certificate found"),
        ("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n", "malformed PEM"),
    ],
)
def test_load_pem_certificates_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_pem_certificates(text)


def test_system_trust_store_reads_the_openssl_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(FIXTURES / "ha-ca.pem"))
    assert system_trust_store() == (cert("ha-ca"),)


def test_system_trust_store_falls_back_to_the_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "1.pem").write_bytes((FIXTURES / "rogue-ca.pem").read_bytes())
    (tmp_path / "2.pem").write_bytes((FIXTURES / "ha-ca.pem").read_bytes() * 2)  # a duplicate
    (tmp_path / "junk.pem").write_text("-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert system_trust_store() == (cert("rogue-ca"), cert("ha-ca"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "missing"))
    assert system_trust_store() == ()


# -- validate_chain ----------------------------------------------------------------------------


def chain(name: str) -> list[x509.Certificate]:
    """A fixture leaf followed by its chain file, as a server configured with both sends it."""
    extra = FIXTURES / f"{name}.chain.pem"
    return [cert(name), *(load_pem_certificates(extra.read_bytes()) if extra.exists() else ())]


HA_ROOT = [cert("ha-ca")]


def test_a_leaf_under_the_root_is_valid() -> None:
    verdict = validate_chain(chain("tsrv-a"), HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.VALID
    assert verdict.path == (sha256(cert("tsrv-a")), sha256(cert("ha-ca")))
    assert "hatls HA Test CA" in verdict.message


def test_sending_the_root_too_is_fine() -> None:
    verdict = validate_chain([cert("tsrv-a"), cert("ha-ca")], HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.VALID and len(verdict.path) == 2


def test_names_and_eku_are_not_this_checks_business() -> None:
    for name in ("cn-only", "wrong-host", "no-eku", "no-clientauth-eku", "any-eku", "ip-san",
                 "client-scanner"):
        assert validate_chain(chain(name), HA_ROOT, at=AT).status is ChainStatus.VALID, name


def test_a_full_chain_through_an_intermediate_is_valid() -> None:
    verdict = validate_chain(chain("via-intermediate"), HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.VALID
    assert verdict.path == tuple(sha256(c) for c in (*chain("via-intermediate"), cert("ha-ca")))


def test_an_intermediate_found_only_among_the_trusted_cas_is_incomplete() -> None:
    verdict = validate_chain([cert("via-intermediate")], [*HA_ROOT, cert("ha-intermediate")], at=AT)
    assert verdict.status is ChainStatus.INCOMPLETE
    assert "hatls HA Test Intermediate" in verdict.message and "not sent" in verdict.message


def test_a_missing_intermediate_nobody_trusts_is_untrusted() -> None:
    verdict = validate_chain([cert("via-intermediate")], HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.UNTRUSTED
    assert "neither sent nor trusted" in verdict.message


def test_a_chain_out_of_issuance_order() -> None:
    sent = [cert("via-intermediate"), cert("ha-ca"), cert("ha-intermediate")]
    verdict = validate_chain(sent, HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.OUT_OF_ORDER
    assert "not in issuance order" in verdict.message


def test_two_intermediates_in_either_order() -> None:
    root = CertificateAuthority.create("Order Root", now=GENERATED, days=365)
    upper = CertificateAuthority.create("Upper", now=GENERATED, parent=root, days=365)
    lower = CertificateAuthority.create("Lower", now=GENERATED, parent=upper, days=365)
    leaf = lower.issue(common_name="o", now=GENERATED).certificate
    good = validate_chain([leaf, lower.certificate, upper.certificate], [root.certificate], at=AT)
    assert good.status is ChainStatus.VALID and len(good.path) == 4
    bad = validate_chain([leaf, upper.certificate, lower.certificate], [root.certificate], at=AT)
    assert bad.status is ChainStatus.OUT_OF_ORDER and bad.path == good.path


def test_an_unrelated_extra_certificate_is_noted() -> None:
    verdict = validate_chain([cert("tsrv-a"), cert("rogue-ca")], HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.VALID
    assert "1 certificate(s) sent that are not part of the path" in verdict.message


def test_rogue_and_self_signed_leaves_are_untrusted() -> None:
    assert validate_chain(chain("rogue"), HA_ROOT, at=AT).status is ChainStatus.UNTRUSTED
    own = validate_chain(chain("self-signed"), HA_ROOT, at=AT)
    assert own.status is ChainStatus.UNTRUSTED and "self-signed" in own.message
    # A self-signed certificate that is itself trusted (pinned) validates.
    pinned = validate_chain(chain("self-signed"), [cert("self-signed")], at=AT)
    assert pinned.status is ChainStatus.VALID and pinned.path == (sha256(cert("self-signed")),)


def test_an_expired_intermediate_is_invalid() -> None:
    verdict = validate_chain(chain("via-expired-intermediate"), HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.INVALID
    assert "hatls Expired Intermediate" in verdict.message and "expired on 2025-01-01" in verdict.message


def test_a_not_yet_valid_intermediate_is_invalid() -> None:
    future = CertificateAuthority.create("Future CA", now=GENERATED, parent=ca("ha-ca"),
                                         not_before=datetime(2030, 1, 1, tzinfo=UTC))
    leaf = future.issue(common_name="f", now=GENERATED, days=7305).certificate
    verdict = validate_chain([leaf, future.certificate], HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.INVALID and "not valid before 2030" in verdict.message


def test_an_expired_trusted_ca_is_invalid() -> None:
    old_root = CertificateAuthority.create("Old Root", now=datetime(2020, 1, 1, tzinfo=UTC), days=365)
    leaf = old_root.issue(common_name="o", now=datetime(2020, 6, 1, tzinfo=UTC),
                          not_after=datetime(2030, 1, 1, tzinfo=UTC)).certificate
    verdict = validate_chain([leaf], [old_root.certificate], at=AT)
    assert verdict.status is ChainStatus.INVALID and "trusted CA" in verdict.message


@pytest.mark.parametrize(
    ("name", "checked_at"),
    [("expired", "2025-01-01T00:00:00+00:00"), ("not-yet-valid", "2040-01-01T00:00:00+00:00")],
)
def test_leaf_dates_are_left_to_tls030(name: str, checked_at: str) -> None:
    """One defect, one finding: an expired or early leaf does not also break the chain."""
    verdict = validate_chain(chain(name), HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.VALID
    assert "TLS-030" in verdict.message and f"checked at {checked_at}" in verdict.message


def test_weak_algorithms_are_left_to_tls033() -> None:
    sha1 = validate_chain(chain("sha1-signed"), HA_ROOT, at=AT)
    assert sha1.status is ChainStatus.VALID and "TLS-033" in sha1.message
    weak_root = CertificateAuthority.create("Weak Root", now=GENERATED, key_type="rsa",
                                            key_bits=1024)
    leaf = weak_root.issue(common_name="w", now=GENERATED).certificate
    weak = validate_chain([leaf], [weak_root.certificate], at=AT)
    assert weak.status is ChainStatus.VALID and "TLS-033" in weak.message
    assert validate_chain(chain("rsa-1024"), HA_ROOT, at=AT).status is ChainStatus.VALID


def test_a_forged_signature_is_invalid() -> None:
    forger = CertificateAuthority(certificate=cert("ha-ca"), private_key=key("rogue-ca"))
    forged = forger.issue(common_name=PRIMARY, dns_names=[PRIMARY], now=GENERATED).certificate
    assert forged.issuer == cert("ha-ca").subject
    verdict = validate_chain([forged], HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.INVALID and "signature" in verdict.message


def test_a_leaf_cannot_act_as_a_ca() -> None:
    impostor = CertificateAuthority(certificate=cert("tsrv-a"), private_key=key("tsrv-a"))
    below = impostor.issue(common_name="below", now=GENERATED).certificate
    verdict = validate_chain([below, cert("tsrv-a")], HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.INVALID and "not a CA" in verdict.message


def test_a_path_length_constraint_is_enforced() -> None:
    # ha-intermediate has pathLen 0: no further intermediate may sit below it.
    middle = ca("ha-intermediate")
    deeper = CertificateAuthority.create("Too Deep", now=GENERATED, parent=middle)
    leaf = deeper.issue(common_name="d", now=GENERATED).certificate
    verdict = validate_chain([leaf, deeper.certificate, middle.certificate], HA_ROOT, at=AT)
    assert verdict.status is ChainStatus.INVALID and "pathLen" in verdict.message


def test_empty_chain_and_empty_store() -> None:
    assert validate_chain([], HA_ROOT, at=AT).status is ChainStatus.EMPTY
    assert validate_chain([cert("tsrv-a")], [], at=AT).status is ChainStatus.UNTRUSTED


def test_time_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        validate_chain([cert("tsrv-a")], HA_ROOT, at=datetime(2026, 6, 1))


# -- match_host --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "host", "expected"),
    [
        ("tsrv-a", PRIMARY, NameMatch.MATCH),
        ("tsrv-a", "TSRV-A.Example.TEST", NameMatch.MATCH),
        ("tsrv-a", "tsrv-a.example.test.", NameMatch.MATCH),
        ("tsrv-a", "tsrv-b.example.test", NameMatch.MISMATCH),
        ("shared", "tsrv-b.example.test", NameMatch.MATCH),
        ("wrong-host", PRIMARY, NameMatch.MISMATCH),
        ("wildcard", "anything.example.test", NameMatch.MATCH),
        ("wildcard", "a.b.example.test", NameMatch.MISMATCH),
        ("wildcard", "example.test", NameMatch.MISMATCH),
        ("ip-san", "127.0.1.1", NameMatch.MATCH),
        ("ip-san", "::1", NameMatch.MATCH),
        ("ip-san", "0:0:0:0:0:0:0:1", NameMatch.MATCH),
        ("ip-san", "[::1]", NameMatch.MATCH),
        ("ip-san", "127.0.0.1", NameMatch.MISMATCH),
        ("ip-san", "localhost", NameMatch.MISMATCH),
        ("tsrv-a", "127.0.1.1", NameMatch.MISMATCH),
        ("cn-only", PRIMARY, NameMatch.CN_ONLY),
        ("cn-only", "TSRV-A.example.test", NameMatch.CN_ONLY),
        ("cn-only", "tsrv-b.example.test", NameMatch.MISMATCH),
    ],
)
def test_match_host(name: str, host: str, expected: NameMatch) -> None:
    verdict, detail = match_host(cert(name), host)
    assert verdict is expected, detail
    assert detail


def test_match_host_details_name_the_entry() -> None:
    assert match_host(cert("wildcard"), "x.example.test")[1] == (
        "DNS:*.example.test matches x.example.test"
    )
    _, detail = match_host(cert("ip-san"), "10.0.0.1")
    assert "no IP SAN entry matches 10.0.0.1" in detail and "IP:127.0.1.1" in detail


def test_sans_decide_even_when_the_cn_matches() -> None:
    leaf = ca("ha-ca").issue(common_name=PRIMARY, dns_names=["other.example.test"], now=GENERATED)
    assert match_host(leaf.certificate, PRIMARY)[0] is NameMatch.MISMATCH


def test_an_ip_host_matches_ip_sans_only() -> None:
    dns_spelled = ca("ha-ca").issue(common_name="127.0.1.1", dns_names=["127.0.1.1"], now=GENERATED)
    assert match_host(dns_spelled.certificate, "127.0.1.1")[0] is NameMatch.MISMATCH


def test_an_ip_in_the_cn_of_a_sanless_certificate_is_cn_only() -> None:
    leaf = ca("ha-ca").issue(common_name="127.0.1.1", include_san=False, now=GENERATED)
    assert match_host(leaf.certificate, "127.0.1.1")[0] is NameMatch.CN_ONLY
    assert match_host(leaf.certificate, "127.0.1.2")[0] is NameMatch.MISMATCH


def test_idna_hosts_compare_as_a_labels() -> None:
    leaf = ca("ha-ca").issue(common_name="idn", dns_names=["xn--bcher-kva.example.test"],
                             now=GENERATED)
    assert match_host(leaf.certificate, "bücher.example.test")[0] is NameMatch.MATCH
    assert match_host(leaf.certificate, "BÜCHER.example.test")[0] is NameMatch.MATCH
    assert match_host(leaf.certificate, "bucher.example.test")[0] is NameMatch.MISMATCH


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("*.example.test", "a.example.test", True),
        ("*.EXAMPLE.test", "a.example.test", True),
        ("*.example.test", "example.test", False),
        ("*.example.test", "a.b.example.test", False),
        ("*.test", "a.test", False),  # no wildcard right under a top-level label
        ("f*.example.test", "foo.example.test", False),  # partial-label wildcards refused
        ("a.*.example.test", "a.b.example.test", False),
        ("*.*.example.test", "a.b.example.test", False),
        ("a.example.test", "a..example.test", False),
    ],
)
def test_dns_pattern_rules(pattern: str, host: str, matches: bool) -> None:
    assert dns_pattern_matches(pattern, host) is matches


# -- crl_status --------------------------------------------------------------------------------


def crl(name: str) -> bytes:
    return (FIXTURES / f"{name}.crl.pem").read_bytes()


def test_a_revoked_leaf() -> None:
    verdict = crl_status([cert("revoked")], crl("ha-ca"), at=AT, issuers=HA_ROOT)
    assert verdict.status is CrlStatus.REVOKED
    assert verdict.revoked == verdict.checked == (sha256(cert("revoked")),)
    assert format(cert("revoked").serial_number, "x") in verdict.message


def test_a_good_chain() -> None:
    verdict = crl_status([cert("tsrv-a"), cert("ha-ca")], crl("ha-ca"), at=AT, issuers=HA_ROOT)
    assert verdict.status is CrlStatus.GOOD and verdict.revoked == ()
    assert verdict.checked == (sha256(cert("tsrv-a")), sha256(cert("ha-ca")))


def test_only_certificates_the_crl_issuer_signed_are_checked() -> None:
    verdict = crl_status(chain("via-intermediate"), crl("ha-ca"), at=AT, issuers=HA_ROOT)
    assert verdict.status is CrlStatus.GOOD
    assert verdict.checked == (sha256(cert("ha-intermediate")),)


def test_a_crl_of_the_chain_itself_counts_as_signer() -> None:
    # The CRL issuer may be found in the chain rather than among the trusted CAs.
    sent = [cert("revoked"), cert("ha-ca")]
    assert crl_status(sent, crl("ha-ca"), at=AT, issuers=[]).status is CrlStatus.REVOKED


def test_a_crl_that_covers_none_of_the_chain() -> None:
    other = crl_status(chain("rogue"), crl("ha-ca"), at=AT, issuers=HA_ROOT)
    assert other.status is CrlStatus.NOT_COVERED and other.checked == ()
    unknown = crl_status(chain("tsrv-a"), crl("rogue-ca"), at=AT, issuers=HA_ROOT)
    assert unknown.status is CrlStatus.NOT_COVERED
    known = crl_status(chain("tsrv-a"), crl("rogue-ca"), at=AT, issuers=[*HA_ROOT, cert("rogue-ca")])
    assert known.status is CrlStatus.NOT_COVERED
    assert crl_status([], crl("ha-ca"), at=AT, issuers=HA_ROOT).status is CrlStatus.NOT_COVERED


def test_an_expired_or_early_crl_is_invalid() -> None:
    expired = crl_status(chain("revoked"), crl("ha-ca-expired"), at=AT, issuers=HA_ROOT)
    assert expired.status is CrlStatus.CRL_INVALID and "expired" in expired.message
    # The same CRL was fine in 2024.
    then = datetime(2024, 6, 1, tzinfo=UTC)
    assert crl_status(chain("revoked"), crl("ha-ca-expired"), at=then,
                      issuers=HA_ROOT).status is CrlStatus.REVOKED
    early = crl_status(chain("tsrv-a"), crl("ha-ca"), at=datetime(2025, 6, 1, tzinfo=UTC),
                       issuers=HA_ROOT)
    assert early.status is CrlStatus.CRL_INVALID and "issued after" in early.message


def test_a_badly_signed_crl_is_invalid() -> None:
    forger = CertificateAuthority(certificate=cert("ha-ca"), private_key=key("rogue-ca"))
    forged = forger.crl(revoked_serials=[], now=GENERATED)
    verdict = crl_status(chain("tsrv-a"), forged, at=AT, issuers=HA_ROOT)
    assert verdict.status is CrlStatus.CRL_INVALID and "signature" in verdict.message


def test_der_crls_and_garbage() -> None:
    der = x509.load_pem_x509_crl(crl("ha-ca")).public_bytes(serialization.Encoding.DER)
    assert crl_status(chain("revoked"), der, at=AT, issuers=HA_ROOT).status is CrlStatus.REVOKED
    garbage = crl_status(chain("tsrv-a"), b"\x30\x82junk", at=AT, issuers=HA_ROOT)
    assert garbage.status is CrlStatus.CRL_INVALID and "cannot be decoded" in garbage.message


@pytest.mark.parametrize("status", list(ChainStatus))
def test_the_chain_builds_exactly_when_a_path_to_a_trusted_ca_was_found(status: ChainStatus) -> None:
    # The one definition GHA-005/006, the rehearsal and the evidence signature share.
    found = {ChainStatus.VALID, ChainStatus.INCOMPLETE, ChainStatus.OUT_OF_ORDER}
    assert ChainVerdict(status=status, message="").builds is (status in found)


# -- thumbprints -------------------------------------------------------------------------------


def test_normalize_thumbprint() -> None:
    assert normalize_thumbprint("\u200eAB:cd ef\u200f\t01\n") == "abcdef01"
    assert normalize_thumbprint("") == ""


@pytest.mark.parametrize("invisible", ["\u180e", "\u200b", "\u2060", "\ufeff", "\u202e", "\u00ad", "\x00"])
def test_normalize_thumbprint_drops_every_invisible_character(invisible: str) -> None:
    # U+180E MONGOLIAN VOWEL SEPARATOR was a space (Zs) before Unicode 6.3 and is a format
    # character (Cf) since: dropped either way, like every other character nobody can see.
    assert normalize_thumbprint(f"AB{invisible}CD") == "abcd"
    assert thumbprint_algorithm(f"{invisible}{'AB' * 20}") == "sha1"


@pytest.mark.parametrize("visible", ["-", "\u0430", "\u2212", "g"])  # "-", Cyrillic а, minus sign
def test_normalize_thumbprint_keeps_visible_non_hex(visible: str) -> None:
    # What an operator can see is never dropped: such a thumbprint is refused, not guessed at.
    assert normalize_thumbprint(f"AB{visible}CD") == f"ab{visible}cd".lower()
    assert thumbprint_algorithm(f"{visible}{'AB' * 20}") is None


def test_thumbprints_as_windows_shows_them() -> None:
    f = facts("tsrv-a")
    # The Windows certificate dialog: spaced pairs, upper case, a leading U+200E.
    windows = "\u200e" + " ".join(f.sha1[i:i + 2] for i in range(0, 40, 2)).upper()
    assert thumbprint_algorithm(windows) == "sha1"
    assert fingerprint_matches(f, windows)
    colons = ":".join(f.sha256[i:i + 2] for i in range(0, 64, 2)).upper()
    assert thumbprint_algorithm(colons) == "sha256"
    assert fingerprint_matches(f, colons)
    assert not fingerprint_matches(facts("tsrv-b"), windows)
    assert not fingerprint_matches(facts("tsrv-b"), colons)


@pytest.mark.parametrize("thumbprint", ["", "abc", "g" * 40, "a" * 41, "a" * 63])
def test_a_thumbprint_of_the_wrong_shape_is_refused(thumbprint: str) -> None:
    assert thumbprint_algorithm(thumbprint) is None
    with pytest.raises(ValueError, match="not a SHA-1 or SHA-256 thumbprint"):
        fingerprint_matches(facts("tsrv-a"), thumbprint)
