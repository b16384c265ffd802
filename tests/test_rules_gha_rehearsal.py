"""GHA-009 on recorded rehearsals: each server dialled on its HA link with its partner's identity."""

from __future__ import annotations

from dataclasses import replace

from builders_gha import (
    HOST_A,
    HOST_B,
    context,
    healthy,
    identity,
    judge,
    make_pair,
    observe,
    one,
    rehearsal,
    server,
    standard_ports,
)

from hatls.findings import Status
from hatls.inventory import Pair, Role
from hatls.observations import EndpointObservation, ErrorKind, Rehearsal
from hatls.rules.pair import gha_009
from hatls.rules.pair._rehearsal import NO_IDENTITY, client_identity


def _with_identities(primary: str = "tsrv-a", backup: str = "tsrv-b") -> Pair:
    """Each server carries client_certificate/client_key of its own (Genesys: its certificate)."""
    return make_pair(
        primary=server(Role.PRIMARY, HOST_A, standard_ports(mutual=True),
                       client_identity=identity(primary)),
        backup=server(Role.BACKUP, HOST_B, standard_ports(mutual=True),
                      client_identity=identity(backup)))


def _rehearsed(pair: Pair, on_primary: Rehearsal | None = None,
               on_backup: Rehearsal | None = None) -> list[EndpointObservation]:
    """`on_primary`: what the backup's identity met on the primary's HA link, and vice versa."""
    return healthy(
        pair,
        primary_secure=lambda o: replace(o, rehearsal=on_primary or rehearsal(
            subject="CN=tsrv-b.example.test")),
        backup_secure=lambda o: replace(o, rehearsal=on_backup or rehearsal()))


def test_gha_009_passes_when_both_directions_succeed_and_chain_to_the_pair_ca() -> None:
    pair = _with_identities()
    finding = one(gha_009, context(pair, _rehearsed(pair)), "secure")
    assert finding.status is Status.PASS
    assert finding.evidence["primary"]["client"] == "backup"
    assert finding.evidence["backup"]["client"] == "primary"


def test_gha_009_fails_when_the_partner_refuses_the_identity() -> None:
    pair = _with_identities()
    obs = _rehearsed(pair, on_backup=rehearsal(False))
    finding = one(gha_009, context(pair, obs), "secure")
    assert finding.status is Status.FAIL
    assert finding.evidence["backup"]["error"]["kind"] == "tls-alert"
    assert finding.evidence["primary"]["status"] == "pass"


def test_gha_009_a_rehearsal_that_timed_out_is_an_error() -> None:
    pair = _with_identities()
    obs = _rehearsed(pair, on_primary=rehearsal(False, kind=ErrorKind.TIMEOUT))
    assert one(gha_009, context(pair, obs), "secure").status is Status.ERROR


def test_gha_009_fails_when_the_accepted_identity_is_not_from_the_pair_ca() -> None:
    pair = _with_identities(primary="client-rogue")
    finding = one(gha_009, context(pair, _rehearsed(pair)), "secure")
    assert finding.status is Status.FAIL
    assert finding.evidence["backup"]["client"] == "primary"
    assert "client_chain" in finding.evidence["backup"]


def test_gha_009_server_chain_outside_the_pair_ca_fails_naming_gha_006() -> None:
    pair = _with_identities()
    obs = [replace(observe(pair, Role.BACKUP, "secure", cert="rogue"), rehearsal=rehearsal())
           if o.role == "backup" and o.port_id == "secure" else o for o in _rehearsed(pair)]
    finding = one(gha_009, context(pair, obs), "secure")
    assert finding.status is Status.FAIL and finding.evidence["cause"] == "GHA-006"


def test_gha_009_without_any_identity_is_skipped_with_that_reason() -> None:
    finding = one(gha_009, context(make_pair()), "secure")
    assert finding.status is Status.SKIPPED
    assert finding.evidence["reason"] == NO_IDENTITY


def test_gha_009_identity_given_but_no_rehearsal_recorded_is_not_probed() -> None:
    finding = one(gha_009, context(_with_identities()), "secure")
    assert finding.status is Status.SKIPPED and finding.not_probed


def test_gha_009_unreachable_partner_depends_on_tls_001() -> None:
    pair = _with_identities()
    obs = [replace(o, reachable=False, speaks_tls=None, certificate=None, chain=())
           if o.role == "primary" and o.port_id == "secure" else o for o in _rehearsed(pair)]
    finding = one(gha_009, context(pair, obs), "secure")
    assert finding.status is Status.SKIPPED and finding.evidence["depends_on"] == "TLS-001"


def test_identity_is_the_servers_then_the_pairs_then_the_scans() -> None:
    own = identity("tsrv-a")
    pair = make_pair(primary=server(Role.PRIMARY, HOST_A, client_identity=own),
                     client=identity("shared"))
    ctx = context(pair, client=identity("client-scanner"))
    assert client_identity(ctx, pair.primary) == own
    assert pair.backup is not None
    assert client_identity(ctx, pair.backup) == identity("shared")
    bare = make_pair()
    scanner = context(bare, client=identity("client-scanner"))
    assert bare.backup is not None
    assert client_identity(scanner, bare.backup) == identity("client-scanner")


def test_gha_009_uses_the_scans_identity_when_nothing_closer_is_given() -> None:
    pair = make_pair()
    finding = one(gha_009, context(pair, _rehearsed(pair), client=identity("client-scanner")),
                  "secure")
    assert finding.status is Status.PASS
    # this pair runs simple TLS: the evidence says the rehearsal proved no client authentication
    assert finding.evidence["backup"]["client_certificate_requested"] is False
    assert "requested no client certificate" in finding.message


def test_gha_009_standalone_is_skipped() -> None:
    findings = judge(gha_009, context(make_pair(backup=False)))
    assert [f.status for f in findings] == [Status.SKIPPED]


def test_gha_009_a_link_without_tls_fails_naming_tls_002() -> None:
    pair = _with_identities()
    obs = _rehearsed(pair, on_backup=rehearsal(False))
    obs = [replace(o, speaks_tls=False, certificate=None, chain=())
           if o.role == "backup" and o.port_id == "secure" else o for o in obs]
    finding = one(gha_009, context(pair, obs), "secure")
    assert finding.status is Status.FAIL and finding.evidence["cause"] == "TLS-002"
    assert "depends_on" not in finding.evidence
