"""Issue 6's "done when": two live scans of the demo lab, the second with a fault fixed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import trio

from hatls.drift import diff_reports
from hatls.identity import load_identities
from hatls.inventory import load_inventory
from hatls.lab.demo import DEMO_PAIRS, DemoPair, DemoPort, build_lab, write_inventory
from hatls.lab.endpoint import ListenMode
from hatls.lab.server import serve_endpoints
from hatls.probe.scanner import scan
from hatls.report import Report

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def with_legacy_backup_fixed() -> tuple[DemoPair, ...]:
    def fix(pair: DemoPair) -> DemoPair:
        if pair.name != "statserver-legacy":
            return pair
        ports = (DemoPort(id="default", mode=ListenMode.UNSECURED),
                 DemoPort(id="secure", mode=ListenMode.SECURED, ha_sync=True))
        return replace(pair, backup=replace(pair.backup, ports=ports))
    return tuple(fix(p) for p in DEMO_PAIRS)


async def scan_lab(folder: Path, pairs: tuple[DemoPair, ...]) -> Report:
    lab = build_lab(NOW, pairs)   # a fresh CA and fresh leaves: every certificate rotates
    async with trio.open_nursery() as nursery:
        running = await nursery.start(serve_endpoints, lab.configs)
        inventory = load_inventory(write_inventory(folder, lab, running, pairs))
        report = await scan(inventory, now=lambda: NOW, identities=load_identities(inventory, {}))
        nursery.cancel_scope.cancel()
    return report


async def test_fixing_the_legacy_backup_resolves_tls_010_and_rotates_certificates(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = await scan_lab(tmp_path / "old", DEMO_PAIRS)
    new = await scan_lab(tmp_path / "new", with_legacy_backup_fixed())
    better = diff_reports(old, new)
    worse = diff_reports(new, old)
    assert not better.worse and worse.worse
    resolved = {(f.rule, f.pair, f.role, f.port_id) for f in better.findings
                if f.change.value == "resolved"}
    assert ("TLS-010", "statserver-legacy", "backup", "secure") in resolved
    removed = {(p.pair, p.role, p.version) for p in better.protocols if p.change.value == "removed"}
    assert {("statserver-legacy", "backup", "TLSv1.0"), ("statserver-legacy", "backup", "TLSv1.1")} <= removed
    rotated = {(c.pair, c.role, c.port_id) for c in better.certificates if "fingerprint" in c.changed}
    assert ("tserver-clean", "primary", "secure") in rotated
