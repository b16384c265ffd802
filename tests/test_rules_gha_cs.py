"""GHA-008 on recorded observations: the Configuration Server pair."""

from __future__ import annotations

from dataclasses import replace

from builders_gha import (
    HOST_A,
    HOST_B,
    context,
    cs_pair,
    healthy,
    make_pair,
    one,
    port,
    refused,
    server,
)

from hatls.findings import Status
from hatls.inventory import Mode, Redundancy, Role, TlsExpectations
from hatls.observations import EndpointObservation
from hatls.rules.pair import gha_008


def _no_immediate_tls(obs: EndpointObservation) -> EndpointObservation:
    return replace(obs, speaks_tls=False, certificate=None, chain=(), negotiated_version=None)


def test_gha_008_passes_on_auto_detect_twins_in_warm_standby_that_take_plaintext_and_tls() -> None:
    finding = one(gha_008, context(cs_pair()), "default")
    assert finding.status is Status.PASS
    assert finding.evidence["primary"]["mode"] == finding.evidence["backup"]["mode"] == "auto-detect"
    assert finding.evidence["redundancy"]["redundancy"] == "warm-standby"


def test_gha_008_fails_when_a_default_port_is_not_auto_detect() -> None:
    pair = cs_pair(backup=server(Role.BACKUP, HOST_B, (port("default", 2020, Mode.SECURED),)))
    finding = one(gha_008, context(pair), "default")
    assert finding.status is Status.FAIL
    assert finding.evidence["backup"]["mode"] == "secured"
    assert finding.evidence["identical"]["differences"] == [
        {"field": "mode", "primary": "auto-detect", "backup": "secured"}]


def test_gha_008_fails_when_the_two_default_ports_are_configured_differently() -> None:
    mutual = replace(port("default", 2020, Mode.AUTO_DETECT), tls=TlsExpectations(tls_mutual=True))
    pair = cs_pair(backup=server(Role.BACKUP, HOST_B, (mutual,)))
    finding = one(gha_008, context(pair), "default")
    assert finding.status is Status.FAIL
    assert finding.evidence["identical"]["differences"] == [
        {"field": "tls_mutual", "primary": False, "backup": True}]


def test_gha_008_fails_without_a_default_port() -> None:
    pair = cs_pair(primary=server(Role.PRIMARY, HOST_A, (port("main", 2020, Mode.AUTO_DETECT),)))
    assert one(gha_008, context(pair), "default").status is Status.FAIL


def test_gha_008_hot_standby_is_a_warning() -> None:
    finding = one(gha_008, context(cs_pair(redundancy=Redundancy.HOT_STANDBY)), "default")
    assert finding.status is Status.WARN
    assert "warm standby" in finding.message


def test_gha_008_plaintext_without_immediate_tls_is_a_warning_never_pass() -> None:
    pair = cs_pair()
    obs = healthy(pair, primary_default=_no_immediate_tls, backup_default=_no_immediate_tls)
    finding = one(gha_008, context(pair, obs), "default")
    assert finding.status is Status.WARN
    assert "inside the Genesys protocol" in finding.message


def test_gha_008_fails_when_the_two_default_ports_behave_differently() -> None:
    pair = cs_pair()
    finding = one(gha_008, context(pair, healthy(pair, backup_default=_no_immediate_tls)),
                  "default")
    assert finding.status is Status.FAIL
    assert finding.evidence["observed_alike"] == {
        "status": "fail", "message": finding.evidence["observed_alike"]["message"],
        "primary": "both", "backup": "plaintext-only"}


def test_gha_008_refused_plaintext_fails_naming_tls_002() -> None:
    pair = cs_pair()
    obs = healthy(pair, primary_default=lambda o: replace(o, accepts_plaintext=False))
    finding = one(gha_008, context(pair, obs), "default")
    assert finding.status is Status.FAIL and finding.evidence["cause"] == "TLS-002"
    assert "auto-upgrade" in finding.message


def test_gha_008_idle_warm_standby_backup_is_skipped_with_that_reason() -> None:
    pair = cs_pair()
    finding = one(gha_008, context(pair, healthy(pair, backup_default=refused)), "default")
    assert finding.status is Status.SKIPPED
    assert finding.evidence["reason"] == "warm-standby backup is not serving"


def test_gha_008_does_not_apply_to_other_pairs() -> None:
    finding = one(gha_008, context(make_pair()))
    assert finding.status is Status.SKIPPED
    assert finding.evidence["reason"] == "not a Configuration Server pair"


def test_gha_008_standalone_configuration_server_is_skipped() -> None:
    pair = replace(cs_pair(), backup=None)
    assert one(gha_008, context(pair)).status is Status.SKIPPED
