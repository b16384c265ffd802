"""GHA-001, GHA-003, GHA-004 on recorded observations: the HA link, its flags, its certificate level."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders_gha import (
    HOST_A,
    HOST_B,
    context,
    cs_pair,
    healthy,
    judge,
    make_pair,
    observe,
    one,
    port,
    refused,
    server,
)

from hatls.findings import Status
from hatls.inventory import CertificateLevel, Mode, Pair, Redundancy, Role
from hatls.observations import ErrorKind, ProbeError, Stage
from hatls.rules.pair import gha_001, gha_003, gha_004

# --- GHA-001: the HA link is secured --------------------------------------------------------------


def test_gha_001_passes_on_a_secured_ha_sync_port_that_refuses_plaintext() -> None:
    findings = judge(gha_001, context(make_pair()))
    assert [(f.port_id, f.status) for f in findings] == [("secure", Status.PASS)]
    assert findings[0].evidence["primary"]["mode"] == "secured"


def test_gha_001_fails_when_the_ha_sync_port_is_unsecured() -> None:
    ports = (port("default", 3000, Mode.UNSECURED), port("sync", 3002, Mode.UNSECURED, ha_sync=True))
    pair = make_pair(primary=server(Role.PRIMARY, HOST_A, ports),
                     backup=server(Role.BACKUP, HOST_B, ports))
    finding = one(gha_001, context(pair), "sync")
    assert finding.status is Status.FAIL
    assert "Listening Mode unsecured" in finding.message
    assert finding.evidence["backup"]["mode"] == "unsecured"


def test_gha_001_without_ha_sync_judges_the_default_port() -> None:
    # Guide: "If the HA sync check box is not selected, the former primary server will connect to
    # the default port of the new primary server."
    ports = (port("default", 3000, Mode.UNSECURED), port("secure", 3001, Mode.SECURED))
    pair = make_pair(primary=server(Role.PRIMARY, HOST_A, ports),
                     backup=server(Role.BACKUP, HOST_B, ports))
    findings = judge(gha_001, context(pair))
    assert [(f.port_id, f.status) for f in findings] == [("default", Status.FAIL)]


def test_gha_001_fails_when_a_server_has_nothing_for_its_partner_to_reach() -> None:
    ports = (port("secure", 3001, Mode.SECURED),)
    pair = make_pair(backup=server(Role.BACKUP, HOST_B, ports))
    structure = one(gha_001, context(pair))
    assert structure.status is Status.FAIL
    assert structure.evidence["backup"]["status"] == "fail"
    assert structure.evidence["primary"]["status"] == "pass"
    # the primary's own HA link is still judged, and the backup's absence is noted
    link = one(gha_001, context(pair), "secure")
    assert link.status is Status.PASS and "note" in link.evidence["backup"]


def test_gha_001_warns_about_more_than_one_ha_sync_port_and_judges_each() -> None:
    ports = (port("default", 3000, Mode.UNSECURED), port("secure", 3001, ha_sync=True),
             port("secure2", 3002, ha_sync=True))
    pair = make_pair(primary=server(Role.PRIMARY, HOST_A, ports),
                     backup=server(Role.BACKUP, HOST_B, ports))
    findings = judge(gha_001, context(pair))
    assert [(f.port_id, f.status) for f in findings] == [
        (None, Status.WARN), ("secure", Status.PASS), ("secure2", Status.PASS)]


def test_gha_001_plaintext_on_a_secured_ha_link_fails_naming_tls_002() -> None:
    # docs/rules.md: "a plaintext HA link is GHA-001 fail" (with "cause": "TLS-002").
    pair = make_pair()
    obs = healthy(pair, backup_secure=lambda o: replace(o, accepts_plaintext=True))
    finding = one(gha_001, context(pair, obs), "secure")
    assert finding.status is Status.FAIL
    assert finding.evidence["cause"] == "TLS-002" and "depends_on" not in finding.evidence
    assert finding.evidence["backup"]["accepts_plaintext"] is True


def test_gha_001_no_handshake_on_a_secured_ha_link_fails_naming_tls_002() -> None:
    pair = make_pair()
    obs = healthy(pair, primary_secure=lambda o: replace(o, speaks_tls=False, certificate=None,
                                                         chain=()))
    finding = one(gha_001, context(pair, obs), "secure")
    assert finding.status is Status.FAIL and finding.evidence["cause"] == "TLS-002"


def test_gha_001_a_silent_ha_link_is_an_error_naming_tls_002_never_plaintext() -> None:
    # A port that answers nothing at all: TLS-002 says error (timeout), and so does GHA-001.
    pair = make_pair()
    silent = (ProbeError(stage=Stage.HANDSHAKE, kind=ErrorKind.TIMEOUT, message="timed out"),
              ProbeError(stage=Stage.PLAINTEXT, kind=ErrorKind.TIMEOUT, message="no answer"))
    obs = healthy(pair, primary_secure=lambda o: replace(
        o, speaks_tls=False, accepts_plaintext=None, certificate=None, chain=(), errors=silent))
    finding = one(gha_001, context(pair, obs), "secure")
    assert finding.status is Status.ERROR and finding.evidence["cause"] == "TLS-002"
    assert "accepts plaintext" not in finding.message


def test_gha_001_unreachable_ha_link_depends_on_tls_001() -> None:
    pair = make_pair()
    finding = one(gha_001, context(pair, healthy(pair, backup_secure=refused)), "secure")
    assert finding.status is Status.SKIPPED
    assert finding.evidence["depends_on"] == "TLS-001"
    assert finding.evidence["reason"] == "port is unreachable"


def test_gha_001_idle_warm_standby_backup_is_skipped_with_that_reason() -> None:
    pair = make_pair(redundancy=Redundancy.WARM_STANDBY)
    finding = one(gha_001, context(pair, healthy(pair, backup_secure=refused)), "secure")
    assert finding.status is Status.SKIPPED
    assert finding.evidence["reason"] == "warm-standby backup is not serving"


def test_gha_001_inventory_failure_wins_over_missing_live_data() -> None:
    ports = (port("default", 3000, Mode.AUTO_DETECT, ha_sync=True),)
    pair = make_pair(primary=server(Role.PRIMARY, HOST_A, ports),
                     backup=server(Role.BACKUP, HOST_B, ports))
    finding = one(gha_001, context(pair, []), "default")
    assert finding.status is Status.FAIL  # auto-detect is not secured outside Configuration Server


def test_gha_001_never_passes_unprobed() -> None:
    finding = one(gha_001, context(make_pair(), []), "secure")
    assert finding.status is Status.SKIPPED and finding.not_probed


def test_gha_001_accepts_auto_detect_on_a_configuration_server_default_port() -> None:
    finding = one(gha_001, context(cs_pair()), "default")
    assert finding.status is Status.PASS
    assert "GHA-008" in finding.evidence["primary"]["message"]


def test_pair_rules_skip_a_standalone_server() -> None:
    ctx = context(make_pair(backup=False))
    for rule in (gha_001, gha_003, gha_004):
        finding = one(rule, ctx)
        assert finding.status is Status.SKIPPED
        assert "no backup" in finding.evidence["reason"]


# --- GHA-003: the HA sync port has the same ID and is flagged on both ------------------------------


def test_gha_003_passes_when_both_flag_the_same_port() -> None:
    finding = one(gha_003, context(make_pair()))
    assert finding.status is Status.PASS
    assert finding.evidence["primary_ha_sync"] == finding.evidence["backup_ha_sync"] == ["secure"]


def test_gha_003_fails_when_the_backup_does_not_flag_it() -> None:
    ports = (port("default", 3000, Mode.UNSECURED), port("secure", 3001))
    pair = make_pair(backup=server(Role.BACKUP, HOST_B, ports))
    finding = one(gha_003, context(pair))
    assert finding.status is Status.FAIL
    assert finding.evidence["differences"] == [
        {"port_id": "secure", "primary": "HA sync", "backup": "not flagged"}]


def test_gha_003_fails_when_the_ids_differ() -> None:
    ports = (port("default", 3000, Mode.UNSECURED), port("sync-b", 3001, ha_sync=True))
    pair = make_pair(backup=server(Role.BACKUP, HOST_B, ports))
    finding = one(gha_003, context(pair))
    assert finding.status is Status.FAIL
    assert {d["port_id"]: (d["primary"], d["backup"]) for d in finding.evidence["differences"]} == {
        "secure": ("HA sync", "absent"), "sync-b": ("absent", "HA sync")}


def test_gha_003_is_skipped_when_neither_server_flags_a_port() -> None:
    ports = (port("default", 3000, Mode.SECURED),)
    pair = make_pair(primary=server(Role.PRIMARY, HOST_A, ports),
                     backup=server(Role.BACKUP, HOST_B, ports))
    finding = one(gha_003, context(pair))
    assert finding.status is Status.SKIPPED
    assert "default" in finding.evidence["reason"]


# --- GHA-004: no port-level certificate on the HA sync port ---------------------------------------


def _levelled(level: CertificateLevel | None, *,
              port_level: CertificateLevel | None = None) -> Pair:
    ports = (port("default", 3000, Mode.SECURED),
             port("secure", 3001, ha_sync=True, level=port_level))
    return make_pair(primary=server(Role.PRIMARY, HOST_A, ports, certificate_level=level),
                     backup=server(Role.BACKUP, HOST_B, ports, certificate_level=level))


@pytest.mark.parametrize("level", [CertificateLevel.APPLICATION, CertificateLevel.HOST])
def test_gha_004_passes_with_a_host_or_application_level_certificate(
        level: CertificateLevel) -> None:
    finding = one(gha_004, context(_levelled(level)), "secure")
    assert finding.status is Status.PASS
    assert finding.evidence["primary"]["certificate_level"] == level.value


def test_gha_004_fails_when_the_ha_sync_port_has_its_own_certificate_level() -> None:
    pair = _levelled(CertificateLevel.APPLICATION, port_level=CertificateLevel.PORT)
    finding = one(gha_004, context(pair), "secure")
    assert finding.status is Status.FAIL
    assert "port-level" in finding.message


def test_gha_004_unknown_level_warns_when_the_ha_link_alone_has_another_certificate() -> None:
    pair = _levelled(None)
    obs = healthy(pair, primary_secure=lambda o: observe(pair, Role.PRIMARY, "secure",
                                                         cert="shared"))
    finding = one(gha_004, context(pair, obs), "secure")
    assert finding.status is Status.WARN
    assert finding.evidence["backup"]["status"] == "pass"  # the backup shares one certificate
    assert finding.evidence["primary"]["other_ports_sha256"]["default"] != \
        finding.evidence["primary"]["ha_link_sha256"]


def test_gha_004_unknown_level_passes_when_the_ha_link_shares_the_servers_certificate() -> None:
    assert one(gha_004, context(_levelled(None)), "secure").status is Status.PASS


def test_gha_004_unknown_level_and_nothing_to_compare_is_skipped() -> None:
    finding = one(gha_004, context(make_pair()), "secure")  # the default port is unsecured
    assert finding.status is Status.SKIPPED
    assert "certificate_level" in finding.evidence["reason"]


def test_gha_004_unknown_level_and_no_tls_on_the_link_is_an_error_naming_tls_002() -> None:
    # Where the certificate is set cannot be seen without one: could not be checked, not skipped.
    pair = _levelled(None)
    obs = healthy(pair, backup_secure=lambda o: replace(o, speaks_tls=False, certificate=None,
                                                        chain=()))
    finding = one(gha_004, context(pair, obs), "secure")
    assert finding.status is Status.ERROR and finding.evidence["cause"] == "TLS-002"


def test_gha_004_unknown_level_and_unreachable_ha_link_depends_on_tls_001() -> None:
    pair = _levelled(None)
    finding = one(gha_004, context(pair, healthy(pair, primary_secure=refused)), "secure")
    assert finding.status is Status.SKIPPED and finding.evidence["depends_on"] == "TLS-001"


def test_gha_001_judges_every_address_that_answered_and_names_the_silent_one() -> None:
    # A host that resolves to two addresses gives two observations: the one that answered is
    # judged, the unreachable one is named (TLS-001 carries it), never hides the verdict.
    pair = make_pair()
    second = replace(refused(observe(pair, Role.BACKUP, "secure")), address="127.0.0.3")
    finding = one(gha_001, context(pair, [*healthy(pair), second]), "secure")
    assert finding.status is Status.PASS
    assert finding.evidence["backup"]["silent"] == [
        {"role": "backup", "port_id": "secure", "address": "127.0.0.3",
         "reason": "port is unreachable", "depends_on": "TLS-001"}]
    assert "judged without backup 127.0.0.3 (port is unreachable)" in finding.message


def test_gha_001_is_skipped_only_when_no_address_of_a_side_answered() -> None:
    pair = make_pair()
    second = replace(refused(observe(pair, Role.BACKUP, "secure")), address="127.0.0.3")
    finding = one(gha_001, context(pair, [*healthy(pair, backup_secure=refused), second]),
                  "secure")
    assert finding.status is Status.SKIPPED and finding.evidence["depends_on"] == "TLS-001"
