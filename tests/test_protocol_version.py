"""ProtocolVersion: the one list of protocol versions, their wire numbers and report names."""

from __future__ import annotations

import json

import pytest
from OpenSSL import SSL

from hatls.tls.protocol import OPENSSL_VERSIONS, ProtocolVersion


def test_report_order_and_names() -> None:
    assert [v.value for v in ProtocolVersion] == [
        "SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
    codes = [v.code for v in ProtocolVersion]
    assert codes == sorted(codes)


@pytest.mark.parametrize(
    ("version", "code"),
    [(ProtocolVersion.SSL2, 0x0002), (ProtocolVersion.SSL3, 0x0300), (ProtocolVersion.TLS1_0, 0x0301),
     (ProtocolVersion.TLS1_1, 0x0302), (ProtocolVersion.TLS1_2, 0x0303), (ProtocolVersion.TLS1_3, 0x0304)],
)
def test_wire_codes_round_trip(version: ProtocolVersion, code: int) -> None:
    assert version.code == code and ProtocolVersion.from_code(code) is version


def test_unknown_codes_have_no_version() -> None:
    assert ProtocolVersion.from_code(0x0305) is None and ProtocolVersion.from_code(0xFEFD) is None


def test_openssl_version_constants_are_the_wire_codes() -> None:
    # The OpenSSL client and the lab server set min/max versions with ``.code``.
    constants = [SSL.TLS1_VERSION, SSL.TLS1_1_VERSION, SSL.TLS1_2_VERSION, SSL.TLS1_3_VERSION]
    assert [v.code for v in OPENSSL_VERSIONS] == constants


def test_a_version_is_its_report_name() -> None:
    # Reports read back from JSON hold plain strings: they must compare, hash and encode alike.
    assert ProtocolVersion.TLS1_2 == "TLSv1.2" and {"TLSv1.2": 1}[ProtocolVersion.TLS1_2] == 1
    assert f"{ProtocolVersion.TLS1_3}" == "TLSv1.3"
    assert json.dumps({ProtocolVersion.TLS1_0: [ProtocolVersion.SSL3]}) == '{"TLSv1.0": ["SSLv3"]}'
