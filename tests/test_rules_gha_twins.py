"""GHA-002 and GHA-007 on recorded observations: primary and backup side by side."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from builders_gha import HOST_B, context, cs_pair, healthy, judge, make_pair, one, port, refused, server

from hatls.findings import Status
from hatls.inventory import Mode, Redundancy, Role
from hatls.observations import ClientAuth
from hatls.rules.pair import gha_002, gha_007
from hatls.tls.protocol import ProtocolVersion

# --- GHA-002: same port IDs and Listening Modes ---------------------------------------------------


def test_gha_002_passes_on_twins_configured_and_observed_alike() -> None:
    finding = one(gha_002, context(make_pair()))
    assert finding.status is Status.PASS
    assert finding.evidence["differences"] == [] and finding.evidence["not_compared"] == []


def test_gha_002_fails_a_hot_standby_pair_whose_modes_differ_and_lists_every_difference() -> None:
    ports = (port("default", 3000, Mode.SECURED), port("secure", 3001, ha_sync=True),
             port("extra", 3005, Mode.UNSECURED))
    pair = make_pair(backup=server(Role.BACKUP, HOST_B, ports))
    finding = one(gha_002, context(pair))
    assert finding.status is Status.FAIL
    assert finding.evidence["differences"] == [
        {"port_id": "default", "field": "mode", "primary": "unsecured", "backup": "secured"},
        {"port_id": "extra", "field": "port_id", "primary": False, "backup": True},
    ]


def test_gha_002_warm_standby_difference_off_the_ha_link_is_a_warning() -> None:
    ports = (port("default", 3000, Mode.SECURED), port("secure", 3001, ha_sync=True))
    pair = make_pair(backup=server(Role.BACKUP, HOST_B, ports), redundancy=Redundancy.WARM_STANDBY)
    assert one(gha_002, context(pair)).status is Status.WARN


def test_gha_002_warm_standby_difference_on_the_ha_link_fails() -> None:
    ports = (port("default", 3000, Mode.UNSECURED), port("secure", 3001, Mode.AUTO_DETECT,
                                                          ha_sync=True))
    pair = make_pair(backup=server(Role.BACKUP, HOST_B, ports), redundancy=Redundancy.WARM_STANDBY)
    assert one(gha_002, context(pair)).status is Status.FAIL


def test_gha_002_configuration_server_pairs_must_be_identical() -> None:
    pair = cs_pair()
    assert pair.backup is not None
    backup = replace(pair.backup, ports=(*pair.backup.ports, port("extra", 2030)))
    assert one(gha_002, context(replace(pair, backup=backup))).status is Status.FAIL


def test_gha_002_compares_the_observed_modes_of_auto_detect_twins() -> None:
    ports = (port("default", 3000, Mode.AUTO_DETECT), port("secure", 3001, ha_sync=True))
    pair = make_pair(primary=server(Role.PRIMARY, "tsrv-a.example.test", ports),
                     backup=server(Role.BACKUP, HOST_B, ports))
    obs = healthy(pair, backup_default=lambda o: replace(o, speaks_tls=False, certificate=None,
                                                         chain=()))
    finding = one(gha_002, context(pair, obs))
    assert finding.status is Status.FAIL
    assert finding.evidence["differences"] == [{"port_id": "default", "field": "observed_mode",
                                                "primary": "both", "backup": "plaintext-only"}]


def test_gha_002_a_side_that_contradicts_its_own_mode_fails_naming_tls_002() -> None:
    pair = make_pair()
    obs = healthy(pair, backup_secure=lambda o: replace(o, accepts_plaintext=True))
    finding = one(gha_002, context(pair, obs))
    assert finding.status is Status.FAIL  # the HA link's twins differ
    assert finding.evidence["cause"] == "TLS-002"
    assert finding.evidence["differences"][0]["explained_by"] == "TLS-002"


def test_gha_002_an_idle_warm_backup_leaves_the_live_half_undone() -> None:
    pair = make_pair(redundancy=Redundancy.WARM_STANDBY)
    obs = healthy(pair, backup_secure=refused, backup_default=refused)
    finding = one(gha_002, context(pair, obs))
    assert finding.status is Status.SKIPPED
    assert finding.evidence["depends_on"] == "TLS-001"
    assert [e["port_id"] for e in finding.evidence["not_compared"]] == ["default", "secure"]


def test_gha_002_unprobed_is_never_pass() -> None:
    finding = one(gha_002, context(make_pair(), []))
    assert finding.status is Status.SKIPPED and finding.not_probed


def test_gha_002_standalone_is_skipped() -> None:
    assert one(gha_002, context(make_pair(backup=False))).status is Status.SKIPPED


# --- GHA-007: identical TLS settings on the HA link -----------------------------------------------


def test_gha_007_a_link_side_without_tls_fails_naming_tls_002() -> None:
    pair = make_pair()
    obs = healthy(pair, backup_secure=lambda o: replace(o, speaks_tls=False, certificate=None,
                                                        chain=()))
    finding = one(gha_007, context(pair, obs), "secure")
    assert finding.status is Status.FAIL and finding.evidence["cause"] == "TLS-002"


def test_gha_007_passes_when_every_setting_matches() -> None:
    finding = one(gha_007, context(make_pair()), "secure")
    assert finding.status is Status.PASS
    assert finding.evidence["compared"] == ["protocols", "ciphers", "groups",
                                            "client_auth.requested", "client_auth.required"]


def test_gha_007_lists_each_difference_side_by_side() -> None:
    pair = make_pair()
    only_12 = tuple((v, v == "TLSv1.2") for v in ProtocolVersion)
    obs = healthy(pair, backup_secure=lambda o: replace(
        o, protocols=only_12, groups=("secp256r1",),
        ciphers=(("TLSv1.2", ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",)),),
        client_auth=ClientAuth(requested=True, required=False)))
    finding = one(gha_007, context(pair, obs), "secure")
    assert finding.status is Status.FAIL
    at = {"primary_addresses": ["127.0.0.1"], "backup_addresses": ["127.0.0.2"]}
    assert finding.evidence["differences"] == [
        {"field": "protocols", "primary": ["TLSv1.2", "TLSv1.3"], "backup": ["TLSv1.2"], **at},
        {"field": "ciphers TLSv1.2",
         "primary": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
         "backup": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"], **at},
        {"field": "groups", "primary": ["secp256r1", "x25519"], "backup": ["secp256r1"], **at},
        {"field": "client_auth.requested", "primary": False, "backup": True, **at},
    ]
    assert "SChannel" in finding.remediation


def test_gha_007_says_what_it_could_not_compare() -> None:
    pair = make_pair()
    obs = healthy(pair, primary_secure=lambda o: replace(o, ciphers=None, groups=None),
                  backup_secure=lambda o: replace(o, groups=None))
    finding = one(gha_007, context(pair, obs), "secure")
    assert finding.status is Status.PASS
    assert finding.evidence["not_compared"] == [
        {"field": "ciphers", "reason": "not probed on primary"},
        {"field": "groups", "reason": "not probed on either side"}]


def test_gha_007_nothing_comparable_is_not_probed() -> None:
    pair = make_pair()
    blank: dict[str, Any] = {"protocols": tuple((v, None) for v in ProtocolVersion), "ciphers": None,
             "groups": None, "client_auth": None}
    obs = healthy(pair, primary_secure=lambda o: replace(o, **blank),
                  backup_secure=lambda o: replace(o, **blank))
    finding = one(gha_007, context(pair, obs), "secure")
    assert finding.status is Status.SKIPPED and finding.not_probed


def test_gha_007_unreachable_side_depends_on_tls_001() -> None:
    pair = make_pair()
    finding = one(gha_007, context(pair, healthy(pair, primary_secure=refused)), "secure")
    assert finding.status is Status.SKIPPED and finding.evidence["depends_on"] == "TLS-001"


def test_gha_007_ha_link_port_missing_on_the_twin_depends_on_gha_002() -> None:
    ports = (port("default", 3000, Mode.UNSECURED), port("other", 3009, ha_sync=True))
    pair = make_pair(backup=server(Role.BACKUP, HOST_B, ports))
    findings = judge(gha_007, context(pair))
    assert {f.port_id: f.evidence.get("depends_on") for f in findings} == {
        "secure": "GHA-002", "other": "GHA-002"}


def test_gha_007_compares_groups_per_version() -> None:
    # The same groups in all, but the backup takes in TLS 1.2 what the primary takes only in 1.3:
    # after a failover a TLS 1.2 client of the primary's groups finds none on the backup.
    pair = make_pair()
    primary = (("TLSv1.2", ("secp256r1",)), ("TLSv1.3", ("secp256r1", "x25519")))
    backup = (("TLSv1.2", ("secp256r1", "x25519")), ("TLSv1.3", ("secp256r1", "x25519")))
    obs = healthy(pair, primary_secure=lambda o: replace(o, groups_by_version=primary),
                  backup_secure=lambda o: replace(o, groups_by_version=backup))
    finding = one(gha_007, context(pair, obs), "secure")
    assert finding.status is Status.FAIL
    assert finding.evidence["differences"] == [
        {"field": "groups TLSv1.2", "primary": ["secp256r1"], "backup": ["secp256r1", "x25519"],
         "primary_addresses": ["127.0.0.1"], "backup_addresses": ["127.0.0.2"]}]


def test_gha_007_per_version_groups_alike_pass() -> None:
    pair = make_pair()
    by_version = (("TLSv1.2", ("x25519", "secp256r1")), ("TLSv1.3", ("secp256r1", "x25519")))
    obs = healthy(pair, primary_secure=lambda o: replace(o, groups_by_version=by_version),
                  backup_secure=lambda o: replace(o, groups_by_version=by_version[::-1]))
    assert one(gha_007, context(pair, obs), "secure").status is Status.PASS

