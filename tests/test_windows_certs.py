"""Certificates as Windows admins export them: DER (.cer/.der) CA and signer files, and PKCS#12
(.pfx/.p12, password from an environment variable) client identities, load wherever PEM does."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
import trio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from hatls.identity import load_identities
from hatls.inventory import InventoryError, load_inventory
from hatls.lab.demo import DEMO_PAIRS, build_lab, write_inventory
from hatls.lab.server import serve_endpoints
from hatls.probe.scanner import scan

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def issue(name: str, *, ca: bool) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW).not_valid_after(NOW + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def inventory(folder: Path, extra: str) -> Path:
    path = folder / "inventory.toml"
    path.write_text(f'version = 1\n{extra}\n[[pair]]\nname = "p"\n[pair.primary]\nhost = "a.test"\n'
                    f'address = "127.0.1.1"\nports = [{{ id = "secure", port = 3001, mode = "secured" }}]\n')
    return path


def test_a_der_ca_file_loads_as_its_pem(tmp_path: Path) -> None:
    cert, _ = issue("Corp Root", ca=True)
    (tmp_path / "corp-root.cer").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    loaded = load_inventory(inventory(tmp_path, '[scan]\ntrusted_ca = ["corp-root.cer"]\n'))

    (ca,) = loaded.scan.trusted_ca
    assert ca.path == "corp-root.cer"
    assert x509.load_pem_x509_certificate(ca.text.encode()) == cert


def pfx(folder: Path, password: bytes) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert, key = issue("tsrv-a.example.test", ca=False)
    ca, _ = issue("Corp HA CA", ca=True)
    data = pkcs12.serialize_key_and_certificates(
        b"tsrv", key, cert, [ca], serialization.BestAvailableEncryption(password))
    (folder / "tsrv.pfx").write_bytes(data)
    return cert, key


CLIENT = '[client]\ncertificate = "tsrv.pfx"\nkey = "tsrv.pfx"\nkey_password_env = "HATLS_PFX"\n'


def test_a_pkcs12_identity_with_its_password_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = pfx(tmp_path, b"s3cret")
    monkeypatch.setenv("HATLS_PFX", "s3cret")
    loaded = load_inventory(inventory(tmp_path, CLIENT))
    assert loaded.client is not None
    leaf, chain = x509.load_pem_x509_certificates(loaded.client.certificate.text.encode())
    assert leaf == cert and chain.subject.rfc4514_string() == "CN=Corp HA CA"

    (material,) = load_identities(loaded, {"HATLS_PFX": "s3cret"}).values()
    private = serialization.load_pem_private_key(material.key_pem, password=None)
    assert material.password is None
    assert private.public_key().public_numbers() == key.public_key().public_numbers()


def test_a_wrong_pkcs12_password_is_an_inventory_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pfx(tmp_path, b"s3cret")
    monkeypatch.setenv("HATLS_PFX", "wrong")
    with pytest.raises(InventoryError) as caught:
        load_inventory(inventory(tmp_path, CLIENT))

    (problem,) = caught.value.problems
    assert problem.key == "client.certificate"
    assert "nor a DER or PKCS#12 one that the password in $HATLS_PFX opens" in problem.message


def test_verify_takes_the_signer_certificate_as_der(tmp_path: Path) -> None:
    cert, key = issue("TLS compliance scans", ca=False)
    (tmp_path / "signer.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (tmp_path / "signer.cer").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    (tmp_path / "report.json").write_text('{"schema": "hatls-report/1"}\n')

    def hatls(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hatls", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)

    signed = hatls("sign", "report.json", "--key", "signer.key", "--cert", "signer.cer")
    verified = hatls("verify", "report.json", "--cert", "signer.cer")
    assert signed.returncode == 0, signed.stderr
    assert verified.returncode == 0 and "signature intact" in verified.stdout, verified.stderr


async def test_a_pkcs12_identity_passes_the_failover_rehearsal_on_the_lab(tmp_path: Path) -> None:
    pairs = tuple(p for p in DEMO_PAIRS if p.mutual)
    lab = build_lab(NOW, pairs)
    async with trio.open_nursery() as nursery:
        running = await nursery.start(serve_endpoints, lab.configs)
        path = write_inventory(tmp_path, lab, running, pairs)
        text = path.read_text()
        for host in ("tsrv-a.demo.test", "tsrv-b.demo.test"):
            issued = lab.certificates[host]
            key = serialization.load_pem_private_key(issued.key_pem, password=None)
            cert, *chain = x509.load_pem_x509_certificates(issued.chain_pem or issued.cert_pem)
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            (tmp_path / f"pki/{host}.pfx").write_bytes(pkcs12.serialize_key_and_certificates(
                host.encode(), key, cert, chain, serialization.BestAvailableEncryption(b"pw")))
            text = text.replace(f'client_certificate = "pki/{host}.pem"',
                                f'client_certificate = "pki/{host}.pfx"')
            text = text.replace(f'client_key = "pki/{host}.key"',
                                f'client_key = "pki/{host}.pfx"\nclient_key_password_env = "LAB_PFX"')
        assert text.count(".pfx") == 4
        path.write_text(text)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("LAB_PFX", "pw")
            inventory = load_inventory(path)
        identities = load_identities(inventory, {"LAB_PFX": "pw"})
        report = await scan(inventory, now=lambda: NOW, identities=identities)
        nursery.cancel_scope.cancel()
    rehearsals = [f for f in report.findings if f.rule == "GHA-009"]
    assert rehearsals and all(f.status.value == "pass" for f in rehearsals), rehearsals
