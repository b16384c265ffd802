"""The pure part of `hatls import`: Genesys objects in, a draft out, rendered and loaded.

Each case builds `Configuration` values directly (no files), so the layer rules are tested one at
a time: port over application options over application Annex over host Annex, key by key, and the
certificate settings taken as one group.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hatls.importer import (
    Application,
    Configuration,
    Host,
    ImportSettings,
    ObjectRef,
    PortInfo,
    Property,
    SourceFormat,
    build_draft,
    render_draft,
    review_items,
)
from hatls.inventory import CertificateLevel, Inventory, SecProtocol, parse_inventory

THUMB_A = "11" * 20
THUMB_B = "22" * 20
NO_SETTINGS = ImportSettings()


def security(**values: str) -> tuple[Property, ...]:
    return tuple(Property(section="security", key=key.replace("_", "-"), value=value)
                 for key, value in values.items())


def application(dbid: str, name: str, *, backup: str | None = None, host: str = "1",
                ports: tuple[PortInfo, ...] = (PortInfo(id="default", port=3000),),
                options: tuple[Property, ...] = (), annex: tuple[Property, ...] = (),
                app_type: str = "TServer", redundancy: str = "hthotstanby",
                is_primary: bool = True) -> Application:
    return Application(ref=ObjectRef(file="apps.json", kind="application", name=name, dbid=dbid), key=dbid,
                       app_type=app_type, is_server=True, redundancy=redundancy, is_primary=is_primary,
                       backup_key=backup, host_key=host, state="enabled", ports=ports, options=options,
                       annex=annex)


def host(dbid: str, name: str, annex: tuple[Property, ...] = ()) -> Host:
    return Host(ref=ObjectRef(file="hosts.json", kind="host", name=name, dbid=dbid), key=dbid, name=name,
                address="", annex=annex)


def draft_of(applications: tuple[Application, ...], hosts: tuple[Host, ...], tmp_path: Path,
             settings: ImportSettings = NO_SETTINGS) -> tuple[Inventory, str]:
    outcome = build_draft(Configuration(format=SourceFormat.GAX_JSON, applications=applications, hosts=hosts),
                          ("apps.json",), settings)
    assert not outcome.errors, outcome.errors
    text = render_draft(outcome.draft)
    return parse_inventory(text, path=str(tmp_path / "draft.toml"), base_dir=str(tmp_path)), text


def test_each_key_comes_from_the_first_layer_that_holds_it(tmp_path: Path) -> None:
    ports = (PortInfo(id="default", port=3000, transport_params="tls=1;sec-protocol=TLSv13"),
             PortInfo(id="other", port=3001, transport_params="tls=1"))
    apps = (application("10", "A", backup="11", ports=ports, options=security(sec_protocol="TLSv12"),
                        annex=security(sec_protocol="SSLv23", tls_mutual="1")),
            application("11", "B", host="2", ports=ports, is_primary=False))
    hosts = (host("1", "a.example.com", security(tls_mutual="0", cipher_list="HIGH")),
             host("2", "b.example.com", security(cipher_list="HIGH")))
    inventory, _ = draft_of(apps, hosts, tmp_path)
    primary, backup = inventory.pairs[0].servers()
    assert [p.tls.sec_protocol for p in primary.ports] == [SecProtocol.TLSV13, SecProtocol.TLSV12]
    assert [p.tls.sec_protocol for p in backup.ports] == [SecProtocol.TLSV13, None]
    # tls-mutual: the application's Annex (1) before the host's Annex (0).
    assert [p.tls.tls_mutual for p in primary.ports] == [True, True]
    assert [p.tls.tls_mutual for p in backup.ports] == [False, False]
    # Both hosts say HIGH: one [pair.tls] value, inherited by every port.
    lists = {p.tls.cipher_list.text for s in (primary, backup) for p in s.ports if p.tls.cipher_list}
    assert lists == {"HIGH"}


def test_the_certificate_group_is_taken_whole_from_one_layer(tmp_path: Path) -> None:
    # The application's options hold trusted-ca only: Genesys takes the group from there, so the
    # host's certificate is not used, and hatls must not claim a host-level certificate.
    apps = (application("10", "A", backup="11", options=security(trusted_ca="/etc/ca.pem")),
            application("11", "B", host="2", is_primary=False))
    hosts = (host("1", "a.example.com", security(certificate=THUMB_A)),
             host("2", "b.example.com", security(certificate=THUMB_B)))
    inventory, text = draft_of(apps, hosts, tmp_path)
    primary, backup = inventory.pairs[0].servers()
    assert (primary.certificate_level, primary.thumbprint) == (None, None)
    assert (backup.certificate_level, backup.thumbprint) == (CertificateLevel.HOST, THUMB_B)
    assert "holds certificate settings but no certificate" in text


def test_a_server_with_different_certificates_per_port_pins_none(tmp_path: Path) -> None:
    ports = (PortInfo(id="default", port=3000, transport_params=f"tls=1;certificate={THUMB_A}"),
             PortInfo(id="other", port=3001, transport_params="tls=1"))
    apps = (application("10", "A", ports=ports, options=security(certificate=THUMB_B)),)
    inventory, text = draft_of(apps, (host("1", "a.example.com"),), tmp_path)
    server = inventory.pairs[0].primary
    assert server.thumbprint is None
    assert server.certificate_level is CertificateLevel.APPLICATION
    assert [p.certificate_level for p in server.ports] == [CertificateLevel.PORT, None]
    assert "the ports use different certificates" in text


def test_ha_sync_field_reads_charfields_as_flags_and_reviews_odd_values(tmp_path: Path) -> None:
    ports = (PortInfo(id="default", port=3000, fields=(("charfield2", "yes"),)),
             PortInfo(id="b", port=3001, fields=(("charfield2", "perhaps"),)),
             PortInfo(id="c", port=3002))
    apps = (application("10", "A", backup="11", ports=ports),
            application("11", "B", host="2", ports=ports[:1], is_primary=False))
    outcome = build_draft(Configuration(format=SourceFormat.GAX_JSON, applications=apps,
                                        hosts=(host("1", "a.example.com"), host("2", "b.example.com"))),
                          ("apps.json",), ImportSettings(ha_sync_field="charfield2"))
    server = outcome.draft.pairs[0].primary
    assert [p.ha_sync for p in server.ports] == [True, False, False]
    ha_items = [item for item in review_items(outcome.draft) if "HA sync" in item.text]
    assert [item.where for item in ha_items] == ["primary port b (3001)", "primary port c (3002)"]


def test_a_standalone_server_has_no_ha_sync_review(tmp_path: Path) -> None:
    inventory, text = draft_of((application("10", "A"),), (host("1", "a.example.com"),), tmp_path)
    assert inventory.pairs[0].backup is None
    assert "review: HA sync" not in text and "review: Listening Mode" in text


def test_a_disabled_application_and_swapped_isprimary_flags_are_reviewed(tmp_path: Path) -> None:
    primary = application("10", "A", backup="11")
    backup = application("11", "B", host="2", is_primary=False)
    apps = (replace(primary, state="disabled"), replace(backup, is_primary=True))
    outcome = build_draft(Configuration(format=SourceFormat.GAX_JSON, applications=apps,
                                        hosts=(host("1", "a.example.com"), host("2", "b.example.com"))),
                          ("apps.json",))
    texts = [item.text for item in review_items(outcome.draft) if item.where == "pair"]
    assert any("'A' is disabled" in text for text in texts)
    assert any("isprimary says 'B' is primary" in text for text in texts)
