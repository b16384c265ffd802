"""Zones on loopback (issue 16): the inventory's `zone`, `scan --zone` probing one zone only, and
`hatls merge` refusing what it cannot join and reporting what it will not choose.

The two-namespace end-to-end test is tests/test_zones_live.py.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import hatls
from hatls.inventory import InventoryError, inventory_from_dict, inventory_to_dict, load_inventory
from hatls.lab.endpoint import EndpointConfig, ListenMode, RunningEndpoint
from hatls.lab.server import LabThread
from hatls.report import loads, report_schema
from tests.labkit import ca, leaf

HOSTS = {"127.0.1.61": "z-a.example.test", "127.0.2.61": "z-b.example.test"}


def _text(ports: dict[str, int], *, backup_zone: str | None = '"west"', default: str = "") -> str:
    zone = f"zone = {backup_zone}\n" if backup_zone else ""
    return (f'version = 1\n[scan]\ntrusted_ca = "ca.pem"\nconnect_timeout = 2.0\n{default}'
            '[[pair]]\nname = "split"\n'
            f'[pair.primary]\nhost = "{HOSTS["127.0.1.61"]}"\naddress = "127.0.1.61"\nzone = "east"\n'
            f'ports = [ {{ id = "secure", port = {ports["127.0.1.61"]}, mode = "secured", '
            'ha_sync = true } ]\n'
            f'[pair.backup]\nhost = "{HOSTS["127.0.2.61"]}"\naddress = "127.0.2.61"\n{zone}'
            f'ports = [ {{ id = "secure", port = {ports["127.0.2.61"]}, mode = "secured", '
            'ha_sync = true } ]\n')


def _write(tmp: Path, text: str, name: str = "inventory.toml") -> Path:
    (tmp / "ca.pem").write_bytes(ca().cert_pem)
    path = tmp / name
    path.write_text(text)
    return path


def hatls_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatls", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[RunningEndpoint, ...]]:
    configs = [EndpointConfig(address=a, mode=ListenMode.SECURED, cert_pem=leaf(h).cert_pem,
                              key_pem=leaf(h).key_pem) for a, h in HOSTS.items()]
    with LabThread(configs) as running:
        yield running


@pytest.fixture(scope="module")
def scanned(lab: tuple[RunningEndpoint, ...],
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("zones")
    inventory = _write(tmp, _text({r.address: r.port for r in lab}))
    before = {r.address: r.stats.accepted for r in lab}
    east = hatls_cli("scan", str(inventory), "--zone", "east", "--json", str(tmp / "east.json"))
    during_east = {r.address: r.stats.accepted - before[r.address] for r in lab}
    west = hatls_cli("scan", str(inventory), "--zone", "west", "--json", str(tmp / "west.json"))
    full = hatls_cli("scan", str(inventory), "--json", str(tmp / "full.json"), "--quiet")
    return {"tmp": tmp, "inventory": inventory, "east": east, "west": west, "full": full,
            "during_east": during_east}


# -- the inventory -----------------------------------------------------------------------------


def test_a_server_takes_its_own_zone_else_the_scan_default(tmp_path: Path) -> None:
    inv = load_inventory(_write(tmp_path, _text({"127.0.1.61": 1, "127.0.2.61": 2},
                                                backup_zone=None, default='zone = "dmz"\n')))
    assert (inv.pairs[0].primary.zone, inv.pairs[0].backup.zone) == ("east", "dmz")  # type: ignore[union-attr]
    assert inv.zones() == ("dmz", "east")
    assert inventory_from_dict(inventory_to_dict(inv)) == inv


def test_a_zone_name_is_a_plain_token(tmp_path: Path) -> None:
    with pytest.raises(InventoryError) as caught:
        load_inventory(_write(tmp_path, _text({"127.0.1.61": 1, "127.0.2.61": 2},
                                              backup_zone='"west zone/1"')))
    assert "pair[1].backup.zone" in str(caught.value) and "not a zone name" in str(caught.value)


def test_an_unknown_zone_or_a_server_without_zone_is_a_usage_error(tmp_path: Path) -> None:
    ports = {"127.0.1.61": 1, "127.0.2.61": 2}
    unknown = hatls_cli("scan", str(_write(tmp_path, _text(ports))), "--zone", "north")
    assert unknown.returncode == 2 and "no such zone" in unknown.stderr and "east" in unknown.stderr
    zoneless = hatls_cli("scan", str(_write(tmp_path, _text(ports, backup_zone=None), "b.toml")),
                         "--zone", "east")
    assert zoneless.returncode == 2 and "split backup" in zoneless.stderr


# -- zone scans ----------------------------------------------------------------------------------


def test_a_zone_scan_connects_to_its_zone_only(scanned: dict[str, Any]) -> None:
    assert scanned["during_east"]["127.0.1.61"] > 0
    assert scanned["during_east"]["127.0.2.61"] == 0
    report = json.loads((scanned["tmp"] / "east.json").read_text())
    jsonschema.validate(report, report_schema())
    assert [e["address"] for e in report["endpoints"]] == ["127.0.1.61"]
    assert report["scan"]["zones"] == {"covered": ["east"], "missing": ["west"], "sources": [],
                                       "conflicts": []}
    assert report["scan"]["status"] == "partial" and report["summary"]["compliant"] is None
    # endpoint rules only, and only about its own endpoint
    assert report["findings"] and {f["role"] for f in report["findings"]} == {"primary"}
    # No verdict, but an endpoint finding that already breaks compliance (the lab's default
    # suites include CBC ones, TLS-020) still exits 1, so the scheduler sees it without the merge.
    assert any(f["rule"] == "TLS-020" and f["status"] == "fail" for f in report["findings"])
    assert scanned["east"].returncode == 1, scanned["east"].stderr
    assert "INCOMPLETE" in scanned["east"].stderr


def test_a_zone_report_rejudges_to_itself(scanned: dict[str, Any]) -> None:
    report = loads((scanned["tmp"] / "east.json").read_text())
    again = hatls.rejudge(report)
    assert again.findings == report.findings and again.scan.zones == report.scan.zones
    assert again.summary.compliant is None


# -- merge -----------------------------------------------------------------------------------------


def test_merged_zones_equal_one_scan_of_both(scanned: dict[str, Any]) -> None:
    tmp = scanned["tmp"]
    merged = hatls_cli("merge", str(tmp / "east.json"), str(tmp / "west.json"),
                       "--json", str(tmp / "all.json"), "--quiet")
    full = json.loads((tmp / "full.json").read_text())
    report = json.loads((tmp / "all.json").read_text())
    jsonschema.validate(report, report_schema())
    assert merged.returncode == scanned["full"].returncode, merged.stderr
    assert report["scan"]["status"] == "complete"
    assert report["summary"]["compliant"] == full["summary"]["compliant"]
    saved = loads((tmp / "all.json").read_text())
    assert hatls.rejudge(saved).findings == saved.findings    # a merged report replays as any
    assert ({(f["rule"], f["role"], f["address"]): f["status"] for f in report["findings"]}
            == {(f["rule"], f["role"], f["address"]): f["status"] for f in full["findings"]})


def test_a_merge_writes_the_same_files_scan_does_pdf_included(scanned: dict[str, Any]) -> None:
    tmp = scanned["tmp"]
    merged = hatls_cli("merge", str(tmp / "east.json"), str(tmp / "west.json"), "--json",
                       str(tmp / "m.json"), "--html", str(tmp / "m.html"), "--pdf", str(tmp / "m.pdf"),
                       "--junit", str(tmp / "m.xml"), "--quiet")
    assert merged.returncode == scanned["full"].returncode, merged.stderr
    pdf = (tmp / "m.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    digest = hashlib.sha256((tmp / "m.json").read_bytes()).hexdigest()
    assert digest in (tmp / "m.html").read_text()   # the page names the JSON it was made with
    assert "<testsuites" in (tmp / "m.xml").read_text()


def test_a_merge_honours_waivers_and_refuses_a_bad_template_folder(scanned: dict[str, Any]) -> None:
    tmp = scanned["tmp"]
    full = json.loads((tmp / "full.json").read_text())
    failing = next(f for f in full["findings"] if f["rule"] == "TLS-020" and f["status"] == "fail")
    expires = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    (tmp / "accepted.toml").write_text(
        f'version = 1\n[[waiver]]\nrule = "TLS-020"\npair = "{failing["pair"]}"\n'
        f'reason = "suites trimmed in the next window"\nticket = "CHG0077"\nexpires = {expires}\n')
    merged = hatls_cli("merge", str(tmp / "east.json"), str(tmp / "west.json"), "--waivers",
                       str(tmp / "accepted.toml"), "--json", str(tmp / "w.json"), "--quiet")
    assert merged.returncode in (0, 1), merged.stderr
    report = json.loads((tmp / "w.json").read_text())
    waived = [f for f in report["findings"] if f["rule"] == "TLS-020" and f["status"] == "fail"]
    assert waived and all(f["waiver"]["ticket"] == "CHG0077" for f in waived)
    assert report["summary"]["waived"] == len(waived)
    assert report["inputs"]["waivers"][0]["ticket"] == "CHG0077"   # a re-judgement keeps them
    assert hatls.rejudge(loads((tmp / "w.json").read_text())).summary.waived == len(waived)

    broken = hatls_cli("merge", str(tmp / "east.json"), str(tmp / "west.json"), "--template-dir",
                       str(tmp / "no-such-folder"), "--html", str(tmp / "t.html"))
    assert broken.returncode == 2 and "Traceback" not in broken.stderr, broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1 and not (tmp / "t.html").exists()


def test_an_endpoint_in_two_reports_is_a_conflict_never_chosen(scanned: dict[str, Any]) -> None:
    tmp = scanned["tmp"]
    proc = hatls_cli("merge", str(tmp / "east.json"), str(tmp / "east.json"), str(tmp / "west.json"),
                     "--json", str(tmp / "conflict.json"))
    report = json.loads((tmp / "conflict.json").read_text())
    assert proc.returncode == 1 and "conflict: split primary secure at 127.0.1.61" in proc.stderr
    assert report["scan"]["status"] == "partial" and report["summary"]["compliant"] is None
    (conflict,) = report["scan"]["zones"]["conflicts"]
    assert conflict["address"] == "127.0.1.61" and len(conflict["files"]) == 2
    primary = next(e for e in report["endpoints"] if e["role"] == "primary")
    assert primary["reachable"] is None      # neither observation was used
    hatls_cli("render", str(tmp / "conflict.json"), "--html", str(tmp / "conflict.html"))
    page = (tmp / "conflict.html").read_text()
    assert "conflict: split primary secure at 127.0.1.61" in page and "Incomplete" in page


def test_reports_of_another_inventory_or_policy_do_not_merge(scanned: dict[str, Any]) -> None:
    tmp = scanned["tmp"]
    for field, path in (("inventory_sha256", ("scan", "inventory_sha256")),
                        ("policy", ("scan", "policy", "sha256"))):
        data = json.loads((tmp / "west.json").read_text())
        holder = data
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = "0" * 64
        other = tmp / f"west-other-{field}.json"
        other.write_text(json.dumps(data))
        proc = hatls_cli("merge", str(tmp / "east.json"), str(other), "--json", str(tmp / "x.json"))
        assert proc.returncode == 2, proc.stderr
        assert str(tmp / "east.json") in proc.stderr and str(other) in proc.stderr
        assert not (tmp / "x.json").exists()


def test_only_zone_reports_merge(scanned: dict[str, Any]) -> None:
    tmp = scanned["tmp"]
    proc = hatls_cli("merge", str(tmp / "east.json"), str(tmp / "full.json"))
    assert proc.returncode == 2 and "not a zone report" in proc.stderr
