"""GHA-005 and GHA-006 on recorded observations with the fixture PKI's real certificates."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders_gha import (
    HOST_A,
    HOST_B,
    context,
    healthy,
    make_pair,
    observe,
    one,
    port,
    refused,
    server,
    standard_ports,
)
from fixture_pki import facts

from hatls.findings import Status
from hatls.inventory import Mode, Pair, Role
from hatls.observations import EndpointObservation
from hatls.rules.pair import gha_005, gha_006


def _serving(pair: Pair, *, primary: str = "tsrv-a",
             backup: str = "tsrv-b") -> list[EndpointObservation]:
    return healthy(pair,
                   primary_secure=lambda o: observe(pair, Role.PRIMARY, "secure", cert=primary),
                   backup_secure=lambda o: observe(pair, Role.BACKUP, "secure", cert=backup))


# --- GHA-005: a backup on another host presents its own certificate -------------------------------


def test_gha_005_passes_when_each_server_has_its_own_certificate() -> None:
    finding = one(gha_005, context(make_pair()))
    assert finding.status is Status.PASS
    assert finding.evidence["primary_sha256"] == [facts("tsrv-a").sha256]
    assert finding.evidence["backup_sha256"] == [facts("tsrv-b").sha256]


def test_gha_005_fails_when_the_backup_presents_the_primarys_certificate() -> None:
    pair = make_pair()
    finding = one(gha_005, context(pair, _serving(pair, backup="tsrv-a")))
    assert finding.status is Status.FAIL
    assert finding.evidence["shared_sha256"] == facts("tsrv-a").sha256
    assert finding.evidence["names_both_hosts"] is False
    assert finding.evidence["backup_host"] == HOST_B
    assert "Windows" in finding.remediation and "thumbprint" in finding.remediation


def test_gha_005_warns_when_the_shared_certificate_names_both_hosts() -> None:
    pair = make_pair()
    finding = one(gha_005, context(pair, _serving(pair, primary="shared", backup="shared")))
    assert finding.status is Status.WARN
    assert finding.evidence["names_both_hosts"] is True


def test_gha_005_same_host_in_any_case_passes() -> None:
    pair = make_pair(backup=server(Role.BACKUP, HOST_A.upper()))
    finding = one(gha_005, context(pair, _serving(pair, backup="tsrv-a")))
    assert finding.status is Status.PASS and finding.evidence["same_host"] is True


def test_gha_005_no_certificate_on_the_backup_is_an_error_naming_tls_002() -> None:
    # docs/rules.md: never skipped because TLS-002 spoke first; whose certificate it is was not seen.
    pair = make_pair()
    obs = healthy(pair, backup_secure=lambda o: replace(o, speaks_tls=False, certificate=None,
                                                        chain=()))
    finding = one(gha_005, context(pair, obs))
    assert finding.status is Status.ERROR and finding.evidence["cause"] == "TLS-002"
    assert "depends_on" not in finding.evidence
    assert "completes no TLS handshake" in finding.message


def test_gha_006_no_handshake_on_the_backup_link_fails_naming_tls_002() -> None:
    pair = _mutual()
    obs = healthy(pair, backup_secure=lambda o: replace(o, speaks_tls=False, certificate=None,
                                                        chain=()))
    finding = one(gha_006, context(pair, obs, scan_ca=("rogue-ca",)))
    assert finding.status is Status.FAIL and finding.evidence["cause"] == "TLS-002"
    assert finding.evidence["backup"]["cause"] == "TLS-002"


def test_gha_005_unreachable_backup_depends_on_tls_001() -> None:
    pair = make_pair()
    finding = one(gha_005, context(pair, healthy(pair, backup_secure=refused)))
    assert finding.status is Status.SKIPPED and finding.evidence["depends_on"] == "TLS-001"


def test_gha_005_unsecured_ha_link_depends_on_gha_001() -> None:
    ports = (port("default", 3000, Mode.UNSECURED),)
    pair = make_pair(primary=server(Role.PRIMARY, HOST_A, ports),
                     backup=server(Role.BACKUP, HOST_B, ports))
    finding = one(gha_005, context(pair))
    assert finding.status is Status.SKIPPED and finding.evidence["depends_on"] == "GHA-001"


# --- GHA-006: each server trusts the other --------------------------------------------------------


def _mutual() -> Pair:
    return make_pair(primary=server(Role.PRIMARY, HOST_A, standard_ports(mutual=True)),
                     backup=server(Role.BACKUP, HOST_B, standard_ports(mutual=True)))


def test_gha_006_passes_when_both_chains_reach_the_pair_ca_and_allow_client_auth() -> None:
    pair = _mutual()
    finding = one(gha_006, context(pair, scan_ca=("rogue-ca",)))
    assert finding.status is Status.PASS
    assert finding.evidence["tls_mutual"] is True
    assert finding.evidence["anchors"] == "the pair's trusted_ca"
    assert finding.evidence["backup"]["ports"][0]["chain"] == "valid"


def test_gha_006_passes_with_an_intermediate_sent_in_the_chain() -> None:
    pair = _mutual()
    ctx = context(pair, _serving(pair, backup="via-intermediate"), scan_ca=("rogue-ca",))
    assert one(gha_006, ctx).status is Status.PASS


def test_gha_006_fails_when_the_backup_chains_to_another_ca() -> None:
    pair = _mutual()
    finding = one(gha_006, context(pair, _serving(pair, backup="rogue"), scan_ca=("rogue-ca",)))
    assert finding.status is Status.FAIL
    assert finding.evidence["primary"]["status"] == "pass"
    assert finding.evidence["backup"]["chain"] == "untrusted"


def test_gha_006_chain_failure_against_the_scans_own_cas_fails_naming_tls_031() -> None:
    # docs/rules.md: "a backup chain that the pair's CA does not validate is GHA-006 fail".
    pair = _mutual()
    finding = one(gha_006, context(pair, _serving(pair, backup="rogue"), pair_ca=()))
    assert finding.status is Status.FAIL
    assert finding.evidence["cause"] == "TLS-031" and "depends_on" not in finding.evidence
    assert finding.evidence["anchors"] == "the scan's trusted CAs"


def test_gha_006_mutual_tls_needs_client_auth_in_both_leaves() -> None:
    pair = _mutual()
    ctx = context(pair, _serving(pair, primary="no-clientauth-eku"), scan_ca=("rogue-ca",))
    finding = one(gha_006, ctx)
    assert finding.status is Status.FAIL
    assert finding.evidence["primary"]["eku"] == ["serverAuth"]
    assert finding.evidence["primary"]["client_auth_allowed"] is False


@pytest.mark.parametrize("leaf", ["no-eku", "any-eku"])
def test_gha_006_no_eku_or_any_eku_allows_client_auth(leaf: str) -> None:
    pair = _mutual()
    ctx = context(pair, _serving(pair, primary=leaf), scan_ca=("rogue-ca",))
    assert one(gha_006, ctx).status is Status.PASS


def test_gha_006_without_mutual_tls_the_eku_is_not_this_rules() -> None:
    pair = make_pair()
    ctx = context(pair, _serving(pair, primary="no-clientauth-eku"), scan_ca=("rogue-ca",))
    assert one(gha_006, ctx).status is Status.PASS


def test_gha_006_unprobed_is_skipped_not_pass() -> None:
    finding = one(gha_006, context(_mutual(), []))
    assert finding.status is Status.SKIPPED and finding.not_probed


def test_gha_006_standalone_is_skipped() -> None:
    assert one(gha_006, context(make_pair(backup=False))).status is Status.SKIPPED
    assert one(gha_005, context(make_pair(backup=False))).status is Status.SKIPPED
