"""`hatls import`: drafts from GAX JSON, a mutagen export and CSV, loaded by the real inventory loader.

The fixtures under tests/import_fixtures/ describe one site from the facts in the Genesys
references (field names and shapes of GAX JSON and mutagen exports): a Configuration Server pair
(warm standby, certificates in the application's options), a SIP T-Server pair (hot standby,
certificates in the host's Annex, cipher-list in the application's Annex, mutual TLS on one
port), a Message Server pair (port-level certificates, trusted-ca and tls-crl paths), a
standalone Stat Server with a UNIX certificate path, a cold-standby and a NoHAType pair (left
out), a GUI application and an orphan backup. `bad/` holds one file per kind of bad input.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hatls.cli import app
from hatls.inventory import CertificateLevel, Inventory, Mode, Pair, Redundancy, SecProtocol, load_inventory

FIXTURES = Path(__file__).parent / "import_fixtures"
GAX = FIXTURES / "gax"
MUTAGEN = FIXTURES / "mutagen" / "export.json"
CSV = FIXTURES / "csv"
BAD = FIXTURES / "bad"
COUNT_LINE = re.compile(r"^(\d+) item\(s\) to review$")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def imported(tmp_path: Path, *sources: Path | str,
             extra: tuple[str, ...] = ()) -> tuple[Inventory, str, Result]:
    out = tmp_path / "inventory.toml"
    result = run("import", *map(str, sources), "-o", str(out), *extra)
    assert result.exit_code == 0, result.stderr
    return load_inventory(out), out.read_text(encoding="utf-8"), result


def pair(inventory: Inventory, name: str) -> Pair:
    return next(p for p in inventory.pairs if p.name == name)


def test_the_gax_draft_is_accepted_by_hatls_validate(tmp_path: Path) -> None:
    _, _, _ = imported(tmp_path, GAX)
    result = run("validate", str(tmp_path / "inventory.toml"))
    assert result.exit_code == 0, result.stderr
    assert "valid — 4 pair(s), 14 port(s)" in result.stdout


def test_pairs_follow_the_backup_links_and_servers_without_backup_stand_alone(tmp_path: Path) -> None:
    inventory, _, result = imported(tmp_path, GAX)
    assert [p.name for p in inventory.pairs] == [
        "CS_Primary", "MsgSrv_Primary", "SIP_Primary", "StatServer_01"]
    assert pair(inventory, "StatServer_01").backup is None
    assert all(p.backup is not None for p in inventory.pairs if p.name != "StatServer_01")
    # The GUI application is no server: left out silently, but counted.
    assert "not servers, so not imported: 1 application(s)" in result.stdout
    assert "IRD_Desktop" not in result.stdout + result.stderr


def test_cold_standby_nohatype_and_orphan_backups_are_left_out_with_a_warning(tmp_path: Path) -> None:
    inventory, _, result = imported(tmp_path, GAX)
    names = {p.name for p in inventory.pairs}
    assert not names & {"SCS_Primary", "SCS_Backup", "OCS_Primary", "OCS_Backup", "Spare_Backup"}
    warnings = [line for line in result.stderr.splitlines() if line.startswith("hatls: warning:")]
    assert len(warnings) == 3
    assert any("'SCS_Primary' (dbid 108)" in w and "'SCS_Backup' (dbid 109)" in w and "cold standby" in w
               for w in warnings)
    assert any("'OCS_Primary' (dbid 110)" in w and "NoHAType" in w for w in warnings)
    assert any("'Spare_Backup' (dbid 113)" in w and "isprimary false" in w for w in warnings)
    assert all("Application.json" in w for w in warnings)


def test_types_redundancy_hosts_and_addresses_are_mapped(tmp_path: Path) -> None:
    inventory, _, _ = imported(tmp_path, GAX)
    cs, sip, msg = (pair(inventory, n) for n in ("CS_Primary", "SIP_Primary", "MsgSrv_Primary"))
    assert (cs.app_type, cs.redundancy, cs.consistent_port_selection) == (
        "Configuration Server", Redundancy.WARM_STANDBY, True)
    assert cs.is_configuration_server
    assert (sip.app_type, sip.redundancy) == ("T-Server", Redundancy.HOT_STANDBY)
    assert msg.app_type == "Message Server"
    assert pair(inventory, "StatServer_01").app_type == "StatServer"
    assert sip.backup is not None
    assert (sip.primary.host, sip.primary.address) == ("sip-a.example.com", "10.1.0.21")
    assert (sip.backup.host, sip.backup.address) == ("sip-b.example.com", "10.1.0.22")
    # A host named by its address gets no separate address.
    assert (msg.primary.host, msg.primary.address) == ("10.1.0.31", None)


def test_ports_modes_and_tls_expectations_come_from_the_layers(tmp_path: Path) -> None:
    inventory, _, _ = imported(tmp_path, GAX)
    sip = pair(inventory, "SIP_Primary")
    assert sip.backup is not None
    for server in sip.servers():
        assert [(p.id, p.port, p.mode) for p in server.ports] == [
            ("default", 5000, Mode.UNSECURED), ("secure", 5001, Mode.SECURED), ("hasync", 5002, Mode.SECURED)]
        # tls-mutual=1 is in one port's transport params only.
        assert [p.tls.tls_mutual for p in server.ports] == [False, True, False]
        # cipher-list from the application's Annex reaches every port.
        assert {p.tls.cipher_list.text for p in server.ports if p.tls.cipher_list} == {"ECDHE+AESGCM:!aNULL"}
        assert all(p.tls.cipher_list is not None for p in server.ports)
        assert not any(p.ha_sync for p in server.ports)
    cs = pair(inventory, "CS_Primary")
    assert {p.tls.sec_protocol for s in cs.servers() for p in s.ports} == {SecProtocol.TLSV12}
    msg = pair(inventory, "MsgSrv_Primary")
    assert {p.tls.sec_protocol for s in msg.servers() for p in s.ports} == {SecProtocol.TLSV13}


def test_certificate_levels_and_thumbprints_come_from_where_the_certificate_is(tmp_path: Path) -> None:
    inventory, text, _ = imported(tmp_path, GAX)
    cs, sip, msg, stat = (pair(inventory, n)
                          for n in ("CS_Primary", "SIP_Primary", "MsgSrv_Primary", "StatServer_01"))
    assert cs.backup is not None and sip.backup is not None and msg.backup is not None
    assert (cs.primary.certificate_level, cs.primary.thumbprint) == (
        CertificateLevel.APPLICATION, "3a9f0c1d2e4b5a6978c0d1e2f3a4b5c6d7e8f901")
    assert cs.backup.thumbprint == "4b0a1d2e3f5c6b7a89d1e2f3a4b5c6d7e8f9a012"
    assert (sip.primary.certificate_level, sip.backup.certificate_level) == (CertificateLevel.HOST,) * 2
    assert sip.backup.thumbprint == "6d2c3f4a5b7e8d9cab03a4b5c6d7e8f9a0b1c234"
    # Port-level certificates: the port says so, the server does not claim a level.
    assert msg.primary.certificate_level is None
    assert msg.primary.ports[0].certificate_level is CertificateLevel.PORT
    assert msg.primary.thumbprint == "7e3d4a5b6c8f9eadbc14b5c6d7e8f9a0b1c2d345"
    # A UNIX path is no thumbprint: nothing pinned, a review says why.
    assert stat.primary.thumbprint is None
    assert "certificate = '/opt/genesys/certs/stat-01.pem' is no Windows thumbprint" in text


def test_paths_on_the_genesys_host_are_review_comments_not_settings(tmp_path: Path) -> None:
    inventory, text, _ = imported(tmp_path, GAX)
    msg = pair(inventory, "MsgSrv_Primary")
    assert all(p.tls.trusted_ca == () and p.tls.tls_crl is None for s in msg.servers() for p in s.ports)
    assert "trusted_ca =" not in text and "tls_crl =" not in text
    assert "# review: tls-crl = '/opt/genesys/certs/ca.crl'" in text
    # The port's own certificate group wins, so the application's trusted-ca is not the port's:
    # no review claims it is.
    assert "trusted-ca = '/opt/genesys/certs/ca.pem'" not in text


def _port_comment_blocks(text: str) -> list[tuple[str, str]]:
    """(comments above, the port line) for every port in the draft."""
    blocks: list[tuple[str, str]] = []
    comments: list[str] = []
    for line in text.splitlines():
        if line.startswith("  #"):
            comments.append(line)
        elif line.startswith("  { id = "):
            blocks.append(("\n".join(comments), line))
            comments = []
        else:
            comments = []
    return blocks


def test_every_port_has_ha_sync_and_listening_mode_review_comments(tmp_path: Path) -> None:
    _, text, _ = imported(tmp_path, GAX)
    blocks = _port_comment_blocks(text)
    assert len(blocks) == 14
    for comments, port in blocks:
        assert "# review: Listening Mode:" in comments, port
        assert "ha_sync = false" in port
        # A standalone server (StatServer_01, ports 7000/7001) has no HA link to review.
        standalone = "port = 700" in port
        assert ("# review: HA sync: not in the export" in comments) is not standalone, port
    cs_defaults = [c for c, port in blocks if '"default", port = 2020' in port]
    assert len(cs_defaults) == 2
    assert all("Auto Detect (GHA-008)" in c.replace("\n  #   ", " ") for c in cs_defaults)


def test_the_terminal_lists_every_review_by_pair_and_port_and_ends_with_the_count(tmp_path: Path) -> None:
    _, text, result = imported(tmp_path, GAX)
    lines = result.stdout.splitlines()
    count = COUNT_LINE.match(lines[-1])
    assert count is not None, lines[-1]
    assert int(count.group(1)) == len(re.findall(r"^\s*# review:", text, re.MULTILINE))
    assert "  SIP_Primary" in lines
    assert any(line.startswith("    backup port hasync (5002): HA sync:") for line in lines)
    assert any(line.startswith("    pair: consistent_port_selection:") for line in lines)


def test_a_mutagen_export_of_the_same_site_gives_the_same_inventory(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    from_gax, _, _ = imported(tmp_path / "a", GAX)
    from_mutagen, _, result = imported(tmp_path / "b", MUTAGEN)

    def shape(inventory: Inventory) -> list[object]:
        # mutagen writes type short names ("statserver"); the rest must be identical.
        return [(p.name, p.app_type.casefold(), p.redundancy, p.consistent_port_selection,
                 [(s.role, s.host, s.address, s.certificate_level, s.thumbprint,
                   [(x.id, x.port, x.mode, x.ha_sync, x.certificate_level, x.tls) for x in s.ports])
                  for s in p.servers()]) for p in inventory.pairs]

    assert shape(from_gax) == shape(from_mutagen)
    assert "'SCS_Primary'" in result.stderr and "cold standby" in result.stderr


def test_gax_files_read_one_by_one_equal_the_dump_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, by_folder, _ = imported(tmp_path / "a", GAX)
    _, by_files, _ = imported(tmp_path / "b", GAX / "Application.json", GAX / "Host.json")
    assert by_folder == by_files


def _gax_copy(tmp_path: Path) -> tuple[list[dict[str, object]], Path]:
    folder = tmp_path / "gax"
    shutil.copytree(GAX, folder)
    return json.loads((folder / "Application.json").read_text()), folder


def _ports_of(applications: list[dict[str, object]], name: str) -> list[dict[str, str]]:
    found = next(a for a in applications if a["name"] == name)
    ports = found["portinfos"]
    assert isinstance(ports, dict)
    result: list[dict[str, str]] = ports["portinfo"]
    return result


def test_ha_sync_field_maps_the_field_a_site_has_checked(tmp_path: Path) -> None:
    applications, folder = _gax_copy(tmp_path)
    for name in ("SIP_Primary", "SIP_Backup"):
        for port in _ports_of(applications, name):
            port["longfield1"] = "1" if port["id"] == "hasync" else "0"
    (folder / "Application.json").write_text(json.dumps(applications))
    inventory, text, result = imported(tmp_path, folder, extra=("--ha-sync-field", "LongField1"))
    sip = pair(inventory, "SIP_Primary")
    assert [[p.ha_sync for p in s.ports] for s in sip.servers()] == [[False, False, True]] * 2
    assert sip.ha_link_port_ids(sip.primary) == ("hasync",)
    assert "HA sync:" not in text and "HA sync:" not in result.stdout
    assert "# ha_sync from longfield1 = '1' (--ha-sync-field)" in text
    assert "review: Listening Mode" in text  # Auto Detect is still not in the data


def test_ha_sync_field_must_name_a_port_field(tmp_path: Path) -> None:
    out = tmp_path / "inventory.toml"
    result = run("import", str(GAX), "-o", str(out), "--ha-sync-field", "description")
    assert result.exit_code == 2
    assert "longfield1" in result.stderr and not out.exists()


@pytest.mark.parametrize(("name", "said"), [
    ("malformed.json", ["malformed JSON", "line 4"]),
    ("dangling_backup.json", ["'TS_A' (dbid 401)", "its backup dbid 999 is not in the sources"]),
    ("two_primaries.json",
     ["'TS_C' (dbid 403)", "'TS_A' (dbid 401)", "'TS_B' (dbid 402)", "more than one primary"]),
    ("cycle.json", ["'TS_A' (dbid 401)", "'TS_B' (dbid 402)", "a cycle"]),
    ("missing_host.json", ["'TS_B' (dbid 402)", "its host dbid 777 is not in the sources"]),
    ("duplicate_names.json", ["'TS_A' (dbid 401)", "'TS_A' (dbid 405)", "duplicate name"]),
    ("port_not_number.json", ["'TS_A' (dbid 401)", "port 'secure'", "'30x1' is not a port number"]),
])
def test_bad_input_names_file_and_object_exits_2_and_writes_nothing(
        tmp_path: Path, name: str, said: list[str]) -> None:
    out = tmp_path / "inventory.toml"
    out.write_text("keep me\n")
    result = run("import", str(BAD / name), "-o", str(out), "--force")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if str(BAD / name) in line]
    assert errors, result.stderr
    for text in said:
        assert any(text in line for line in errors), (text, result.stderr)
    assert result.stderr.rstrip().endswith("problem(s) in the sources")
    assert out.read_text() == "keep me\n"
    assert list(tmp_path.iterdir()) == [out]  # no temp file left behind either


def test_hosts_missing_from_the_sources_are_one_message(tmp_path: Path) -> None:
    result = run("import", str(GAX / "Application.json"), "-o", str(tmp_path / "x.toml"))
    assert result.exit_code == 2
    assert "sources hold no CfgHost objects" in result.stderr
    assert result.stderr.count("hatls:") == 2  # the message and "nothing written"


def test_an_existing_file_is_kept_without_force_and_replaced_with_it(tmp_path: Path) -> None:
    out = tmp_path / "inventory.toml"
    out.write_text("mine\n")
    refused = run("import", str(GAX), "-o", str(out))
    assert refused.exit_code == 2
    assert "exists" in refused.stderr and "--force" in refused.stderr
    assert out.read_text() == "mine\n"
    forced = run("import", str(GAX), "-o", str(out), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert len(load_inventory(out).pairs) == 4


def test_standard_output_carries_the_draft_and_standard_error_the_review_list(tmp_path: Path) -> None:
    result = run("import", str(GAX), "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Draft inventory")
    draft = tmp_path / "piped.toml"
    draft.write_text(result.stdout)
    assert len(load_inventory(draft).pairs) == 4
    assert COUNT_LINE.match(result.stderr.splitlines()[-1])


def test_hostile_names_cannot_inject_settings_or_drive_the_terminal(tmp_path: Path) -> None:
    applications, folder = _gax_copy(tmp_path)
    evil = 'SIP\n[[pair]]\nname = "evil"\n\x1b[31m"\\'
    for application in applications:
        if application["name"] == "SIP_Primary":
            application["name"] = evil
            _ports_of(applications, evil)[0]["transportparams"] = "tls=0;x=\n[scan]\x1b]0;t\x07"
    (folder / "Application.json").write_text(json.dumps(applications))
    inventory, _, result = imported(tmp_path, folder)
    assert len(inventory.pairs) == 4
    assert evil in [p.name for p in inventory.pairs]
    assert inventory.scan.policy == "genesys-ha"
    assert "\x1b" not in result.stdout + result.stderr
    assert "\\x1b[31m" in result.stdout


def test_values_the_inventory_cannot_take_become_reviews(tmp_path: Path) -> None:
    applications, folder = _gax_copy(tmp_path)
    cs = next(a for a in applications if a["name"] == "CS_Primary")
    options = cs["options"]
    assert isinstance(options, dict)
    for entry in options["property"]:
        if entry["key"] == "sec-protocol":
            entry["value"] = "TLSv1.2"
    cs["isprimary"] = "CFGFalse"
    _ports_of(applications, "CS_Primary")[0]["transportparams"] = "upgrade=1"
    (folder / "Application.json").write_text(json.dumps(applications))
    inventory, text, _ = imported(tmp_path, folder)
    flat = " ".join(line.strip("# ") for line in text.splitlines())
    cs_pair = pair(inventory, "CS_Primary")
    assert cs_pair.primary.ports[0].tls.sec_protocol is None
    assert cs_pair.backup is not None and cs_pair.backup.ports[0].tls.sec_protocol is SecProtocol.TLSV12
    assert "sec-protocol = 'TLSv1.2' (the application's options [security]) is not a Genesys" in flat
    assert "also hold upgrade=1, unknown to hatls" in flat
    assert "isprimary says 'CS_Primary' is not primary" in flat


def test_csv_gives_modes_and_ha_sync_as_written(tmp_path: Path) -> None:
    inventory, text, result = imported(tmp_path, CSV / "pairs.csv")
    assert [p.name for p in inventory.pairs] == ["CS_Primary", "SIP_Primary", "StatServer_01"]
    cs, sip = pair(inventory, "CS_Primary"), pair(inventory, "SIP_Primary")
    assert cs.primary.ports[0].mode is Mode.AUTO_DETECT and cs.redundancy is Redundancy.WARM_STANDBY
    assert [(p.id, p.mode, p.ha_sync) for p in sip.primary.ports] == [
        ("default", Mode.UNSECURED, False), ("hasync", Mode.SECURED, True)]
    assert cs.primary.address == "10.1.0.11" and sip.primary.address is None
    # An empty ha_sync cell is unknown, not false: a review each.
    assert text.count("# review: HA sync: the ha_sync cell is empty") == 2
    assert result.stdout.splitlines()[-1] == "2 item(s) to review"


def test_csv_with_semicolons_and_genesys_words(tmp_path: Path) -> None:
    inventory, _, _ = imported(tmp_path, CSV / "semicolons.csv")
    msg = pair(inventory, "Msg_01")
    assert msg.backup is not None and msg.backup.ports[0].mode is Mode.SECURED and msg.backup.ports[0].ha_sync


def test_csv_rows_that_contradict_each_other_are_errors(tmp_path: Path) -> None:
    out = tmp_path / "inventory.toml"
    result = run("import", str(CSV / "contradicting.csv"), "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert "pair 'TS_01' (line 2, 3): the rows give different primary hosts" in result.stderr
    assert "pair 'TS_02' (line 5): has backup rows but no primary row" in result.stderr
    assert "line 6 (pair 'TS_03'): port '65536' is not a port number" in result.stderr
    assert "ha_sync 'maybe' is not true or false" in result.stderr


def test_formats_cannot_be_mixed_and_a_forced_format_is_obeyed(tmp_path: Path) -> None:
    mixed = run("import", str(GAX), str(CSV / "pairs.csv"), "-o", str(tmp_path / "x.toml"))
    assert mixed.exit_code == 2 and "mix formats" in mixed.stderr
    forced = run("import", str(MUTAGEN), "--format", "csv", "-o", str(tmp_path / "x.toml"))
    assert forced.exit_code == 2 and "column" in forced.stderr
    # A mutagen export read as GAX holds no CfgApplication: an error, not an empty inventory.
    as_gax = run("import", str(MUTAGEN), "--format", "gax-json", "-o", str(tmp_path / "x.toml"))
    assert as_gax.exit_code == 2 and "nothing to import: no application objects" in as_gax.stderr
    assert not (tmp_path / "x.toml").exists()


def test_a_raw_mutagen_export_is_refused_with_the_command_to_use(tmp_path: Path) -> None:
    raw = tmp_path / "raw.json"
    raw.write_text(json.dumps({"__metadata__": {"formatName": "RAW"}, "applications": []}))
    result = run("import", str(raw), "-o", str(tmp_path / "x.toml"))
    assert result.exit_code == 2
    assert "--format JSON" in result.stderr
