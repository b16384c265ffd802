"""Pair rules on a host with several addresses: judged with every address that answered.

A name resolving to four addresses gives four observations of one port. One that did not answer
(refused, not probed, no handshake) is TLS-001's or TLS-002's finding; it must not hide what the
others show (docs/rules.md "When rules apply"). The rule names it under "silent"; a pair rule is skipped
only when no address of a side answered.
"""

from __future__ import annotations

from dataclasses import replace

from builders_gha import context, cs_pair, healthy, make_pair, observe, one, refused
from fixture_pki import facts

from hatls.findings import Status
from hatls.inventory import Pair, Role
from hatls.observations import EndpointObservation
from hatls.rules.pair import gha_002, gha_004, gha_005, gha_006, gha_007, gha_008
from hatls.tls.protocol import ProtocolVersion

PRIMARY_ADDRESSES = ("127.0.1.71", "127.0.1.72", "127.0.1.73", "127.0.1.74")
DEAD = "127.0.1.74"


def four_address_primary(pair: Pair, port_id: str = "secure", *, cert: str = "tsrv-a",
                         dead: EndpointObservation | None = None) -> list[EndpointObservation]:
    """The primary's `port_id` on four addresses, the last one silent (refused unless `dead`)."""
    base = observe(pair, Role.PRIMARY, port_id, cert=cert)
    live = [replace(base, address=a) for a in PRIMARY_ADDRESSES[:-1]]
    return [*live, dead or refused(replace(base, address=DEAD))]


def observations(pair: Pair, *, backup_cert: str = "tsrv-b",
                 dead: EndpointObservation | None = None) -> list[EndpointObservation]:
    others = [o for o in healthy(pair) if (o.role, o.port_id) != ("primary", "secure")]
    others = [observe(pair, Role.BACKUP, "secure", cert=backup_cert)
              if (o.role, o.port_id) == ("backup", "secure") else o for o in others]
    return [*four_address_primary(pair, dead=dead), *others]


def silent_addresses(evidence: dict[str, object]) -> list[str]:
    quiet = evidence.get("silent")
    assert isinstance(quiet, list)
    return [entry["address"] for entry in quiet]


def test_one_dead_address_of_four_does_not_hide_a_propagated_certificate() -> None:
    pair = make_pair()
    finding = one(gha_005, context(pair, observations(pair, backup_cert="tsrv-a")))
    assert finding.status is Status.FAIL
    assert "presents the primary's certificate" in finding.message
    assert silent_addresses(finding.evidence) == [DEAD]
    assert finding.evidence["silent"][0]["depends_on"] == "TLS-001"
    assert DEAD in finding.message


def test_one_dead_address_of_four_does_not_hide_different_tls_settings() -> None:
    pair = make_pair()
    only_12 = tuple((v, v == "TLSv1.2") for v in ProtocolVersion)
    obs = [replace(o, protocols=only_12) if (o.role, o.port_id) == ("backup", "secure") else o
           for o in observations(pair)]
    finding = one(gha_007, context(pair, obs), "secure")
    assert finding.status is Status.FAIL
    assert finding.evidence["differences"] == [{
        "field": "protocols", "primary": ["TLSv1.2", "TLSv1.3"], "backup": ["TLSv1.2"],
        "primary_addresses": list(PRIMARY_ADDRESSES[:-1]), "backup_addresses": ["127.0.0.2"]}]
    assert silent_addresses(finding.evidence) == [DEAD]


def test_gha_007_compares_every_answering_address_not_only_the_first() -> None:
    pair = make_pair()
    obs = observations(pair)
    # The third primary address takes TLS 1.1 too; its siblings and the backup do not.
    with_11 = tuple((v, v in ("TLSv1.1", "TLSv1.2", "TLSv1.3")) for v in ProtocolVersion)
    obs = [replace(o, protocols=with_11) if o.address == "127.0.1.73" else o for o in obs]
    finding = one(gha_007, context(pair, obs), "secure")
    assert finding.status is Status.FAIL
    (difference,) = finding.evidence["differences"]
    assert difference["primary_addresses"] == ["127.0.1.73"]
    assert difference["primary"] == ["TLSv1.1", "TLSv1.2", "TLSv1.3"]


def test_an_address_never_probed_is_named_too() -> None:
    pair = make_pair()
    base = observe(pair, Role.PRIMARY, "secure")
    unprobed = replace(refused(replace(base, address=DEAD)), reachable=None, errors=())
    finding = one(gha_005, context(pair, observations(pair, backup_cert="tsrv-a", dead=unprobed)))
    assert finding.status is Status.FAIL
    assert finding.evidence["silent"] == [{"role": "primary", "port_id": "secure", "address": DEAD,
                                           "reason": "not-probed", "depends_on": None}]


def test_an_address_without_a_handshake_is_judged_without_for_tls_rules() -> None:
    pair = make_pair()
    base = observe(pair, Role.PRIMARY, "secure")
    no_tls = replace(base, address=DEAD, speaks_tls=False, certificate=None, chain=())
    finding = one(gha_005, context(pair, observations(pair, backup_cert="tsrv-a", dead=no_tls)))
    assert finding.status is Status.FAIL
    assert finding.evidence["silent"][0]["depends_on"] == "TLS-002"


def test_gha_006_judges_the_answering_addresses_and_names_the_silent_one() -> None:
    pair = make_pair()
    finding = one(gha_006, context(pair, observations(pair)))
    assert finding.status is Status.PASS
    assert silent_addresses(finding.evidence["primary"]) == [DEAD]
    assert [p["address"] for p in finding.evidence["primary"]["ports"]] == list(
        PRIMARY_ADDRESSES[:-1])


def test_gha_004_judges_the_answering_addresses() -> None:
    pair = make_pair()
    finding = one(gha_004, context(pair, observations(pair)), "secure")
    # Judged on the live half: no other port presents a certificate to compare with (not TLS-001).
    assert finding.evidence["primary"]["ha_link_sha256"] == [facts("tsrv-a").sha256]
    assert finding.evidence["primary"].get("depends_on") is None
    assert silent_addresses(finding.evidence["primary"]) == [DEAD]


def test_gha_002_compares_the_observed_modes_of_the_answering_addresses() -> None:
    pair = make_pair()
    obs = [replace(o, accepts_plaintext=True) if o.address == "127.0.1.72" else o
           for o in observations(pair)]
    finding = one(gha_002, context(pair, obs))
    # One primary address takes plaintext on a secured port: TLS-002's defect, seen, not hidden;
    # the pair control fails too and names it (docs/rules.md: never skipped because TLS-002 spoke).
    assert finding.status is Status.FAIL and finding.evidence["cause"] == "TLS-002"
    assert finding.evidence["differences"] == [{
        "port_id": "secure", "field": "observed_mode", "primary": "both, tls-only",
        "backup": "tls-only", "explained_by": "TLS-002"}]
    assert silent_addresses(finding.evidence) == [DEAD]


def test_gha_002_passes_on_the_answering_addresses_and_names_the_silent_one() -> None:
    pair = make_pair()
    finding = one(gha_002, context(pair, observations(pair)))
    assert finding.status is Status.PASS
    assert silent_addresses(finding.evidence) == [DEAD]


def test_gha_008_judges_the_answering_addresses_of_a_default_port() -> None:
    pair = cs_pair()
    base = observe(pair, Role.PRIMARY, "default")
    dead = refused(replace(base, address=DEAD))
    obs = [*healthy(pair), dead]
    finding = one(gha_008, context(pair, obs), "default")
    assert finding.status is Status.PASS
    assert silent_addresses(finding.evidence["primary"]) == [DEAD]


def test_a_side_with_no_answering_address_is_still_skipped() -> None:
    pair = make_pair()
    obs = [refused(o) if (o.role, o.port_id) == ("primary", "secure") else o
           for o in observations(pair, backup_cert="tsrv-a")]
    finding = one(gha_005, context(pair, obs))
    assert finding.status is Status.SKIPPED and finding.evidence["depends_on"] == "TLS-001"
