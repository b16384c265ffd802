"""The inventory loader against docs/inventory.md: what must load, and every error it must report.

Broken inventories live in tests/inventories/*.toml; each states the problems it must produce
in `# expect: LINE KEY | MESSAGE-START` comments (LINE `-` = none, KEY `(file)` = no key), and
the test demands exactly those problems, no more and no fewer.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import textwrap
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from hatls._toml import LineIndex
from hatls.inventory import (
    SEC_PROTOCOL_VERSIONS,
    CertificateLevel,
    CipherList,
    Inventory,
    InventoryError,
    Mode,
    Pair,
    PortSpec,
    Problem,
    Redundancy,
    ReportLabels,
    Role,
    SecProtocol,
    Server,
    TlsExpectations,
    load_inventory,
    parse_inventory,
)
from hatls.report import decode, encode
from hatls.waivers import parse_waivers

HERE = Path(__file__).parent
BROKEN = sorted((HERE / "inventories").glob("*.toml"))
CONTRACT = HERE.parent / "docs" / "inventory.md"
EXPECT = re.compile(r"^# expect: (\d+|-) (\S+) \| (.*)$", re.MULTILINE)
SOME_TIME = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)

PKI_FILES = ("corp-root.pem", "scanner.pem", "tsrv.pem", "ha-ca.pem")
KEY_FILES = ("scanner.key", "tsrv.key")


def _certificate_pem(common_name: str) -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(SOME_TIME)
        .not_valid_after(SOME_TIME + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with pki/ holding tiny real certificates, keys and CRLs."""
    root = tmp_path_factory.mktemp("inventory")
    pki = root / "pki"
    pki.mkdir()
    for file in PKI_FILES:
        pem, key = _certificate_pem(file.removesuffix(".pem"))
        (pki / file).write_bytes(pem)
    for file in KEY_FILES:
        _, key = _certificate_pem(file)
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (pki / file).write_bytes(key_pem)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crl issuer")]))
        .last_update(SOME_TIME)
        .next_update(SOME_TIME + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (pki / "ha.crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    (pki / "ha.crl.der").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    (pki / "junk.pem").write_text("this is not PEM\n")
    return root


def _write(folder: Path, text: str, name: str = "inventory.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def _load(folder: Path, text: str) -> Inventory:
    return load_inventory(_write(folder, text))


def _problems(folder: Path, text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InventoryError) as caught:
        _load(folder, text)
    return [(p.line, p.key, p.message) for p in caught.value.problems]


MINIMAL = """\
    version = 1
    [[pair]]
    name = "p1"
    [pair.primary]
    host = "a.example.com"
    ports = [{ id = "default", port = 3000, mode = "secured" }]
"""


# -- the contract's example ------------------------------------------------------------------


def _contract_example() -> str:
    match = re.search(r"```toml\n(.*?)```", CONTRACT.read_text(), re.DOTALL)
    assert match is not None, "docs/inventory.md has no toml example"
    return match.group(1)


def test_the_inventory_md_example_loads(pki_dir: Path) -> None:
    inventory = load_inventory(_write(pki_dir, _contract_example()))

    assert inventory.version == 1
    assert inventory.scan.policy == "genesys-ha"
    assert inventory.scan.max_connections_per_host == 4
    assert [ca.path for ca in inventory.scan.trusted_ca] == ["pki/corp-root.pem"]
    assert inventory.scan.trusted_ca[0].text == (pki_dir / "pki/corp-root.pem").read_text()
    assert inventory.client is not None
    assert inventory.client.key_path == "pki/scanner.key"
    assert inventory.client.key_password_env == "HATLS_KEY_PASSWORD"
    (pair,) = inventory.pairs
    assert pair.name == "tserver-sip-01"
    assert pair.redundancy is Redundancy.HOT_STANDBY
    assert pair.client is not None and pair.client.certificate.path == "pki/tsrv.pem"
    assert pair.primary.address == "10.1.2.3"
    assert pair.primary.thumbprint is None  # thumbprint = "" means none given
    assert pair.primary.certificate_level is CertificateLevel.APPLICATION
    assert pair.backup is not None and pair.backup.role is Role.BACKUP
    secure = pair.primary.port("secure")
    assert secure is not None and secure.ha_sync and secure.mode is Mode.SECURED
    assert secure.line == 46
    # [scan] waivers (relative to the inventory), zones, and the [report] labels.
    assert inventory.scan.waivers == str(pki_dir / "waivers.toml")
    assert (pair.primary.zone, pair.backup.zone) == ("dc-east", "dc-west")
    assert inventory.zones() == ("dc-east", "dc-west")
    assert inventory.report == ReportLabels(title="TLS review of the HA pairs", change="CHG0012345",
                                            prepared_by="Platform team")
    # [tls] writes sec_protocol, min_days_valid, name check; [pair.tls] turns mutual TLS on.
    assert secure.tls == TlsExpectations(
        sec_protocol=SecProtocol.HIGHEST_FROM_TLS12,
        cipher_list=None,
        tls_mutual=True,
        name_check=True,
        min_days_valid=30,
    )
    assert pair.ha_link_port_ids(pair.primary) == ("secure",)


def test_the_inventory_md_waivers_example_loads() -> None:
    # The waivers file format as docs/inventory.md shows it, for the example's pair.
    section = CONTRACT.read_text().split("## Waivers", 1)[1]
    match = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert match is not None, "docs/inventory.md's Waivers section has no toml example"
    (waiver,) = parse_waivers(match.group(1), path="waivers.toml", today=datetime.date(2026, 12, 1),
                              pairs=("tserver-sip-01",))
    assert (waiver.rule, waiver.pair, waiver.role, waiver.port_id) == (
        "GHA-005", "tserver-sip-01", "backup", "secure")
    assert (waiver.ticket, waiver.expires) == ("CHG0012345", "2027-01-31")


def test_load_records_path_and_sha256_of_the_bytes(pki_dir: Path) -> None:
    path = _write(pki_dir, MINIMAL)
    inventory = load_inventory(path)
    assert inventory.path == str(path)
    assert inventory.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    parsed = parse_inventory(path.read_text(), path="x.toml", base_dir=str(pki_dir))
    assert parsed.sha256 == inventory.sha256 and parsed.path == "x.toml"


# -- broken inventories: every error, with its key path and line -----------------------------


def _expected(text: str) -> set[tuple[int | None, str, str]]:
    return {
        (None if line == "-" else int(line), "" if key == "(file)" else key, message)
        for line, key, message in EXPECT.findall(text)
    }


@pytest.mark.parametrize("path", BROKEN, ids=lambda path: path.stem)
def test_broken_inventory_reports_exactly_its_problems(path: Path) -> None:
    expected = _expected(path.read_text())
    assert expected, f"{path.name} states no expected problem"

    with pytest.raises(InventoryError) as caught:
        load_inventory(path)

    found = caught.value.problems
    assert {(p.line, p.key) for p in found} == {(line, key) for line, key, _ in expected}
    for line, key, start in expected:
        (message,) = [p.message for p in found if (p.line, p.key) == (line, key)]
        assert message.startswith(start), (key, message)
    assert all(p.file == str(path) for p in found)


def test_the_broken_inventories_cover_every_error_kind_of_the_contract() -> None:
    texts = "\n".join(path.read_text() for path in BROKEN)
    for kind in (
        "invalid TOML", "required key is missing", "must be an integer", "unknown key",
        "is not one of", "out of range", "pair name", "port id", "unknown cipher suite",
        "thumbprint has 40", "file not found", "is a directory",
    ):  # fmt: skip
        assert kind in texts, kind


def test_a_missing_inventory_file_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert caught.value.problems == (Problem(file=str(path), line=None, key="", message="file not found"),)
    assert str(caught.value) == f"{path}: file not found"


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'version = 1\nname = "caf\xe9"\n')
    with pytest.raises(InventoryError, match="not UTF-8 text"):
        load_inventory(path)


def test_problems_come_in_file_order_and_all_reach_the_message(pki_dir: Path) -> None:
    text = """\
        [[pair]]
        name = "p1"
        [pair.primary]
        host = "a"
        ports = [{ id = "default", port = 0, mode = "x" }]
    """
    with pytest.raises(InventoryError) as caught:
        _load(pki_dir, text)
    lines = [p.line for p in caught.value.problems]
    assert lines == [None, 5, 5]
    assert str(caught.value).splitlines() == [str(p) for p in caught.value.problems]


def test_problem_text_names_file_line_and_key() -> None:
    problem = Problem(
        file="inventory.toml",
        line=12,
        key="pair[2].backup.ports[1].mode",
        message="'securd' is not one of unsecured, secured, auto-detect",
    )
    assert str(problem) == (
        "inventory.toml:12: pair[2].backup.ports[1].mode: "
        "'securd' is not one of unsecured, secured, auto-detect"
    )
    assert str(Problem(file="i.toml", line=None, key="", message="file not found")) == (
        "i.toml: file not found"
    )


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("2", "unsupported version 2"),
        ("1.0", "unsupported version 1.0"),
        ('"1"', "unsupported version '1'"),
        ("true", "unsupported version True"),
    ],
)
def test_only_version_1_is_read(pki_dir: Path, version: str, message: str) -> None:
    text = MINIMAL.replace("version = 1", f"version = {version}")
    ((line, key, found),) = _problems(pki_dir, text)
    assert (line, key) == (1, "version") and found.startswith(message)


def test_pair_must_be_an_array_of_tables(pki_dir: Path) -> None:
    text = 'version = 1\n[pair]\nname = "p"\n'
    assert _problems(pki_dir, text) == [
        (2, "pair", "must be an array of tables, not a table"),
    ]


def test_a_backup_needs_host_and_ports(pki_dir: Path) -> None:
    text = MINIMAL + "[pair.backup]\naddress = '10.0.0.2'\n"
    assert _problems(pki_dir, text) == [
        (7, "pair[1].backup.host", "required key is missing"),
        (7, "pair[1].backup.ports", "required key is missing"),
    ]


def test_a_server_needs_at_least_one_port(pki_dir: Path) -> None:
    text = MINIMAL.replace('[{ id = "default", port = 3000, mode = "secured" }]', "[]")
    assert _problems(pki_dir, text) == [(6, "pair[1].primary.ports", "at least one port is required")]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('trusted_ca = "pki/junk.pem"', "'pki/junk.pem' holds no readable PEM certificate"),
        ('tls_crl = "pki/corp-root.pem"', "'pki/corp-root.pem' is neither a PEM nor a DER"),
        ('tls_crl = "pki/junk.pem"', "'pki/junk.pem' is neither a PEM nor a DER"),
        ('trusted_ca = ["pki/corp-root.pem", 3]', "must be a file path, not an integer (3)"),
        ('trusted_ca = [""]', "must name a file, not an empty string"),
    ],
)
def test_pem_files_must_hold_what_their_key_says(pki_dir: Path, setting: str, message: str) -> None:
    text = MINIMAL + f"[pair.tls]\n{setting}\n"
    ((line, key, found),) = _problems(pki_dir, text)
    assert line == 8 and key.startswith("pair[1].tls.") and found.startswith(message)


def test_a_client_key_must_look_like_a_pem_private_key(pki_dir: Path) -> None:
    text = MINIMAL + '[client]\ncertificate = "pki/scanner.pem"\nkey = "pki/scanner.pem"\n'
    assert _problems(pki_dir, text) == [
        (9, "client.key",
         "'pki/scanner.pem' does not look like a PEM private key (nor a DER key or a PKCS#12 file)")
    ]


@pytest.mark.parametrize("value", ['"on"', "1", '"HOSTS"'])
def test_name_check_takes_only_genesys_values(pki_dir: Path, value: str) -> None:
    text = MINIMAL + f"[tls]\ntls_target_name_check = {value}\n"
    ((line, key, _),) = _problems(pki_dir, text)
    assert (line, key) == (8, "tls.tls_target_name_check")


@pytest.mark.parametrize(
    ("dotted", "literal"),
    [("TLSv1.2", "TLSv12"), ("TLSv1.3", "TLSv13"), ("TLSv1.1", "TLSv11"), ("TLSv1.0", "TLSv1")],
)
def test_a_dotted_sec_protocol_suggests_the_genesys_literal(pki_dir: Path, dotted: str, literal: str) -> None:
    text = MINIMAL + f'[tls]\nsec_protocol = "{dotted}"\n'
    ((_, key, message),) = _problems(pki_dir, text)
    assert key == "tls.sec_protocol" and f"write {literal!r}" in message


# -- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "\u200eA9 4A 8F E5 CC B1 9B A6 1C 4C 08 73 D3 91 E9 87 98 2F BB D3",
        "a9:4a:8f:e5:cc:b1:9b:a6:1c:4c:08:73:d3:91:e9:87:98:2f:bb:d3\ufeff",
        "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3",
        # U+180E (a format character since Unicode 6.3) is dropped like U+200E, as TLS-034 does.
        "A94A8FE5CCB19BA6\u180e1C4C0873D391E987982FBBD3",
    ],
)
def test_thumbprints_are_normalized(pki_dir: Path, written: str) -> None:
    text = MINIMAL + f'thumbprint = "{written}"\n'
    server = _load(pki_dir, text).pairs[0].primary
    assert server.thumbprint == "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"


@pytest.mark.parametrize("visible", ["-", "\u0430"])  # a dash, a Cyrillic а: seen, so never dropped
def test_a_thumbprint_with_visible_non_hex_is_refused(pki_dir: Path, visible: str) -> None:
    text = MINIMAL + f'thumbprint = "A94A8FE5CCB19BA6{visible}1C4C0873D391E987982FBBD3"\n'
    ((_, key, message),) = _problems(pki_dir, text)
    assert key.endswith("thumbprint") and "is not hexadecimal" in message


def test_a_sha256_thumbprint_is_kept_whole(pki_dir: Path) -> None:
    digits = "AB" * 32
    server = _load(pki_dir, MINIMAL + f'thumbprint = "{digits}"\n').pairs[0].primary
    assert server.thumbprint == "ab" * 32


@pytest.mark.parametrize(
    ("value", "name_check"), [('"host"', True), ("true", True), ('""', False), ("false", False)]
)
def test_name_check_values(pki_dir: Path, value: str, name_check: bool) -> None:
    inventory = _load(pki_dir, MINIMAL + f"[tls]\ntls_target_name_check = {value}\n")
    assert inventory.pairs[0].primary.ports[0].tls.name_check is name_check


def test_every_sec_protocol_literal_loads_and_has_its_versions(pki_dir: Path) -> None:
    for literal in SecProtocol:
        inventory = _load(pki_dir, MINIMAL + f'[tls]\nsec_protocol = "{literal.value}"\n')
        assert inventory.pairs[0].primary.ports[0].tls.sec_protocol is literal
    assert SEC_PROTOCOL_VERSIONS[SecProtocol.HIGHEST_FROM_TLS12] == {"TLSv1.2", "TLSv1.3"}
    assert SEC_PROTOCOL_VERSIONS[SecProtocol.SSLV23] == {"TLSv1.1", "TLSv1.2", "TLSv1.3"}
    assert SEC_PROTOCOL_VERSIONS[SecProtocol.TLSV1] == {"TLSv1.0"}
    assert SEC_PROTOCOL_VERSIONS[SecProtocol.SSLV3] == {"SSLv3"}
    assert set(SEC_PROTOCOL_VERSIONS) == set(SecProtocol)


def _cipher_list(pki_dir: Path, value: str) -> CipherList | None:
    return (
        _load(pki_dir, MINIMAL + f"[tls]\ncipher_list = {value}\n").pairs[0].primary.ports[0].tls.cipher_list
    )


def test_a_name_list_limits_only_the_versions_its_names_belong_to(pki_dir: Path) -> None:
    both = _cipher_list(pki_dir, '["ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256"]')
    assert both == CipherList(
        form="names",
        text="ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256",
        tls12=frozenset({"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}),
        tls13=frozenset({"TLS_AES_128_GCM_SHA256"}),
    )
    only12 = _cipher_list(pki_dir, '["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]')
    assert only12 is not None and only12.tls13 is None
    assert only12.tls12 == frozenset({"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"})
    only13 = _cipher_list(pki_dir, '["TLS_CHACHA20_POLY1305_SHA256"]')
    assert only13 is not None and only13.tls12 is None


def test_an_openssl_cipher_string_limits_tls12_only(pki_dir: Path) -> None:
    ciphers = _cipher_list(pki_dir, '"ECDHE+AESGCM:!aNULL"')
    assert ciphers is not None
    assert (ciphers.form, ciphers.text, ciphers.tls13) == (
        "openssl-string",
        "ECDHE+AESGCM:!aNULL",
        None,
    )
    assert ciphers.tls12 is not None
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" in ciphers.tls12
    assert not any("CBC" in name for name in ciphers.tls12)


@pytest.mark.parametrize("empty", ["[]", '""'])
def test_an_empty_cipher_list_is_no_limit(pki_dir: Path, empty: str) -> None:
    assert _cipher_list(pki_dir, empty) is None


def test_crls_load_from_pem_and_der_and_are_kept_as_pem(pki_dir: Path) -> None:
    texts = []
    for file in ("pki/ha.crl.pem", "pki/ha.crl.der"):
        inventory = _load(pki_dir, MINIMAL + f'[tls]\ntls_crl = "{file}"\n')
        crl = inventory.pairs[0].primary.ports[0].tls.tls_crl
        assert crl is not None and crl.path == file
        texts.append(crl.text)
    assert texts[0] == texts[1]
    assert texts[0].startswith("-----BEGIN X509 CRL-----")


def test_trusted_ca_takes_one_path_or_several(pki_dir: Path) -> None:
    one = _load(pki_dir, MINIMAL + '[scan]\ntrusted_ca = "pki/corp-root.pem"\n')
    several = _load(pki_dir, MINIMAL + '[scan]\ntrusted_ca = ["pki/corp-root.pem", "pki/ha-ca.pem"]\n')
    assert [ca.path for ca in one.scan.trusted_ca] == ["pki/corp-root.pem"]
    assert [ca.path for ca in several.scan.trusted_ca] == ["pki/corp-root.pem", "pki/ha-ca.pem"]


def test_scan_settings_read_numbers_and_keep_defaults(pki_dir: Path) -> None:
    text = MINIMAL + "[scan]\nconnect_timeout = 2\nmax_connections = 8\n"
    scan = _load(pki_dir, text).scan
    assert (scan.connect_timeout, scan.handshake_timeout) == (2.0, 10.0)
    assert (scan.max_connections, scan.max_connections_per_host) == (8, 4)
    assert isinstance(scan.connect_timeout, float)


def test_identities_for_the_server_the_pair_and_the_scan(pki_dir: Path) -> None:
    text = MINIMAL + textwrap.dedent("""\
        client_certificate = "pki/tsrv.pem"
        client_key = "pki/tsrv.key"
        client_key_password_env = "TSRV_A_KEY"
        [pair.client]
        certificate = "pki/scanner.pem"
        key = "pki/scanner.key"
    """)
    pair = _load(pki_dir, text).pairs[0]
    identity = pair.primary.client_identity
    assert identity is not None
    assert (identity.certificate.path, identity.key_path) == ("pki/tsrv.pem", "pki/tsrv.key")
    assert identity.key_password_env == "TSRV_A_KEY"
    assert pair.client is not None and pair.client.key_password_env is None


def test_a_standalone_server_has_no_backup(pki_dir: Path) -> None:
    (pair,) = _load(pki_dir, MINIMAL).pairs
    assert pair.backup is None
    assert pair.servers() == (pair.primary,)
    assert pair.primary.port("default") is pair.primary.ports[0]
    assert pair.primary.port("secure") is None


def test_ports_may_be_written_as_an_array_of_tables(pki_dir: Path) -> None:
    text = """\
        version = 1
        [[pair]]
        name = "p1"
        [pair.primary]
        host = "a.example.com"
        [[pair.primary.ports]]
        id = "default"
        port = 3000
        mode = "auto-detect"
        [[pair.primary.ports]]
        id = "sync"
        port = 3001
        mode = "secured"
        ha_sync = "yes"
    """
    assert _problems(pki_dir, text) == [
        (14, "pair[1].primary.ports[2].ha_sync", "must be true or false, not a string ('yes')")
    ]
    ports = _load(pki_dir, text.replace('"yes"', "true")).pairs[0].primary.ports
    assert [(p.id, p.mode, p.line) for p in ports] == [
        ("default", Mode.AUTO_DETECT, 6),
        ("sync", Mode.SECURED, 10),
    ]


# -- overrides: port > [pair.tls] > [tls] ----------------------------------------------------

OVERRIDES = """\
    version = 1
    [tls]
    sec_protocol = "TLSv12"
    min_days_valid = 30
    trusted_ca = "pki/corp-root.pem"
    cipher_list = ["TLS_AES_128_GCM_SHA256"]
    [[pair]]
    name = "p1"
    [pair.tls]
    sec_protocol = "TLSv13"
    tls_mutual = true
    trusted_ca = ["pki/ha-ca.pem"]
    [pair.primary]
    host = "a.example.com"
    [[pair.primary.ports]]
    id = "default"
    port = 3000
    mode = "secured"
    [[pair.primary.ports]]
    id = "own"
    port = 3001
    mode = "secured"
    sec_protocol = ""
    tls_mutual = false
    cipher_list = []
    [[pair]]
    name = "p2"
    [pair.primary]
    host = "b.example.com"
    ports = [{ id = "default", port = 3000, mode = "secured" }]
"""


def test_expectations_resolve_key_by_key(pki_dir: Path) -> None:
    first, second = _load(pki_dir, OVERRIDES).pairs
    inherited, own = (port.tls for port in first.primary.ports)
    file_level = second.primary.ports[0].tls

    assert file_level.sec_protocol is SecProtocol.TLSV12
    assert [ca.path for ca in file_level.trusted_ca] == ["pki/corp-root.pem"]
    assert file_level.cipher_list is not None and not file_level.tls_mutual

    assert inherited.sec_protocol is SecProtocol.TLSV13  # [pair.tls] over [tls]
    assert inherited.tls_mutual
    assert [ca.path for ca in inherited.trusted_ca] == ["pki/ha-ca.pem"]
    assert inherited.min_days_valid == 30  # not written in [pair.tls]: [tls]'s
    assert inherited.cipher_list == file_level.cipher_list

    assert own.sec_protocol is SecProtocol.HIGHEST_FROM_TLS12  # the port's own, over both
    assert not own.tls_mutual
    assert own.cipher_list is None  # [] = no limit, even over [tls]'s list
    assert own.min_days_valid == 30


def test_without_any_tls_key_the_defaults_hold(pki_dir: Path) -> None:
    assert _load(pki_dir, MINIMAL).pairs[0].primary.ports[0].tls == TlsExpectations()


def test_certificate_level_of_a_port_overrides_its_server(pki_dir: Path) -> None:
    text = (
        MINIMAL.replace(
            'mode = "secured" }]',
            'mode = "secured", certificate_level = "port" },\n  { id = "b", port = 3001, mode = "secured" }]',
        )
        + 'certificate_level = "host"\n'
    )
    server = _load(pki_dir, text).pairs[0].primary
    own, inherited = server.ports
    assert own.certificate_level is CertificateLevel.PORT
    assert server.effective_certificate_level(own) is CertificateLevel.PORT
    assert inherited.certificate_level is None
    assert server.effective_certificate_level(inherited) is CertificateLevel.HOST


# -- the HA link (docs/rules.md) ------------------------------------------------------------------


def _server(*ports: tuple[str, bool]) -> Server:
    specs = tuple(
        PortSpec(id=port_id, port=3000 + n, mode=Mode.SECURED, ha_sync=sync, tls=TlsExpectations())
        for n, (port_id, sync) in enumerate(ports)
    )
    return Server(role=Role.PRIMARY, host="a.example.com", ports=specs)


def _ha_link(server: Server, app_type: str = "T-Server", consistent: bool = False) -> tuple[str, ...]:
    pair = Pair(name="p", app_type=app_type, consistent_port_selection=consistent, primary=server)
    return pair.ha_link_port_ids(server)


def test_ha_link_is_the_flagged_ports() -> None:
    assert _ha_link(_server(("default", False), ("sync", True))) == ("sync",)
    assert _ha_link(_server(("a", True), ("default", False), ("b", True))) == ("a", "b")


def test_ha_link_falls_back_to_default_or_nothing() -> None:
    assert _ha_link(_server(("other", False), ("default", False))) == ("default",)
    assert _ha_link(_server(("other", False))) == ()


def test_configuration_server_uses_default_unless_consistent_port_selection() -> None:
    server = _server(("default", False), ("sync", True))
    assert _ha_link(server, " configuration SERVER ") == ("default",)
    assert _ha_link(server, "Configuration Server", consistent=True) == ("sync",)
    assert _ha_link(_server(("default", False)), "Configuration Server", True) == ("default",)
    assert _ha_link(_server(("sync", True)), "Configuration Server") == ()


def test_is_configuration_server_is_trimmed_and_case_blind() -> None:
    server = _server(("default", False))
    assert Pair(name="p", app_type=" Configuration server", primary=server).is_configuration_server
    assert not Pair(name="p", app_type="Configuration Server Proxy", primary=server).is_configuration_server


# -- report codec ----------------------------------------------------------------------------


def test_to_dict_and_back_is_the_same_inventory(pki_dir: Path) -> None:
    text = _contract_example().replace('tls_crl = ""', 'tls_crl = "pki/ha.crl.der"')
    text = text.replace("cipher_list = []", 'cipher_list = "ECDHE+AESGCM"')
    text = text.replace('thumbprint = ""', f'thumbprint = "{"ab" * 20}"')
    inventory = load_inventory(_write(pki_dir, text))
    data = encode(inventory)
    assert decode(Inventory, json.loads(json.dumps(data))) == inventory
    overrides = _load(pki_dir, OVERRIDES)
    assert decode(Inventory, json.loads(json.dumps(encode(overrides)))) == overrides


def test_to_dict_holds_no_secrets_and_each_file_once(pki_dir: Path) -> None:
    inventory = load_inventory(_write(pki_dir, _contract_example()))
    dumped = json.dumps(encode(inventory))
    key_text = (pki_dir / "pki/scanner.key").read_text()
    assert "PRIVATE KEY" not in dumped and key_text[40:80] not in dumped
    assert "HATLS_KEY_PASSWORD" in dumped  # the variable's name, never its value
    assert dumped.count("BEGIN CERTIFICATE") == 3  # corp-root, scanner, tsrv


# -- the line locator ------------------------------------------------------------------------


def test_locator_follows_tables_arrays_and_inline_tables() -> None:
    text = textwrap.dedent('''\
        version = 1
        note = """ [[pair]]
        name = "fake" """
        [[pair]]
        'name' = "a" # [[pair]]
        [pair.primary]
        ports = [
          # { id = "commented" },
          { id = "x", nested = { deep = [1,
            2] } },
          "s]tring", { id = 'y' },
        ]
        [[pair]]
        primary.host = "h"
    ''')
    index = LineIndex(text)
    assert index.line_of("version") == 1
    assert index.line_of("pair[1]") == 4
    assert index.line_of("pair[1].name") == 5
    assert index.line_of("pair[1].primary.ports[1].id") == 9
    assert index.line_of("pair[1].primary.ports[1].nested.deep[2]") == 10
    assert index.line_of("pair[1].primary.ports[3].id") == 11
    assert index.line_of("pair[2].primary.host") == 14
    assert index.line_of("pair[2].primary.ports") == 13  # absent: its nearest table
    assert index.line_of("pair[3].name") is None
    assert index.line_of("scan.policy") is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_locator_never_fails_on_any_text(text: str) -> None:
    index = LineIndex(text)
    line = index.line_of("pair[1].primary.ports[1].mode")
    assert line is None or 1 <= line <= text.count("\n") + 1


# -- any text: an Inventory or an InventoryError, nothing else -------------------------------

TOML_PIECES = (
    "version = 1\n", "[[pair]]\n", "[pair.primary]\n", "[pair.backup]\n", "[pair.tls]\n",
    "[pair.client]\n", "[tls]\n", "[scan]\n", "[client]\n", "[[pair.primary.ports]]\n",
    'name = "p"\n', 'host = "h"\n', "ports = [", "{ ", " }", "]", ", ", "\n", '"', "'", '"""',
    " = ", "id = ", '"default"', "port = ", "3000", "70000", "-1", "mode = ", '"secured"',
    '"auto-detect"', "true", "ha_sync = ", "# c\n", "sec_protocol = ", '"TLSv1.2"',
    "cipher_list = ", '"ECDHE+AESGCM"', '["TLS_AES_128_GCM_SHA256", "X"]', "thumbprint = ",
    '"AB:CD"', "trusted_ca = ", '"pki/x.pem"', "tls_crl = ", "1.5", "1979-05-27", "a.b = 1\n",
    "[[", "]]", "certificate = ", "key = ", "redundancy = ", "app_type = ", "\\u0000",
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOML_PIECES) | st.text(max_size=3), max_size=40))
def test_any_text_loads_or_raises_inventory_error(pieces: list[str]) -> None:
    text = MINIMAL.replace("    ", "") + "".join(pieces)
    try:
        parse_inventory(text, path="fuzz.toml", base_dir=str(HERE / "inventories"))
    except InventoryError as error:
        assert error.problems
        last_line = text.count("\n") + 1
        assert all(p.line is None or 1 <= p.line <= last_line for p in error.problems)
        assert all(p.file == "fuzz.toml" for p in error.problems)
