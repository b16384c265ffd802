"""`hatls demo --serve` keeps the lab up for a walk-through by hand; the lab also runs where only
127.0.0.1 can be bound (macOS), with the same findings; `--fixed` serves it with its faults fixed."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import trio

from hatls.cli._demo import demo_pairs
from hatls.identity import load_identities
from hatls.inventory import load_inventory
from hatls.lab.demo import DEMO_PAIRS, SINGLE_ADDRESS, DemoPair, build_lab, lab_addresses, write_inventory
from hatls.lab.server import serve_endpoints
from hatls.probe.scanner import scan
from hatls.report import Report

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HATLS = [sys.executable, "-m", "hatls"]


async def scan_lab(folder: Path, pairs: Sequence[DemoPair]) -> Report:
    lab = build_lab(NOW, pairs)
    async with trio.open_nursery() as nursery:
        running = await nursery.start(serve_endpoints, lab.configs)
        inventory = load_inventory(write_inventory(folder, lab, running, pairs))
        report = await scan(inventory, now=lambda: NOW, identities=load_identities(inventory, {}))
        nursery.cancel_scope.cancel()
    return report


def verdicts(report: Report) -> set[tuple[str, str, str, str | None, str | None]]:
    return {(f.rule, f.status.value, f.pair, f.role, f.port_id) for f in report.findings}


def test_where_only_127_0_0_1_binds_the_lab_moves_there() -> None:
    pairs = demo_pairs(can_listen=lambda address: address == "127.0.0.1")

    assert lab_addresses(pairs) == (SINGLE_ADDRESS,)
    assert [p.name for p in pairs] == [p.name for p in DEMO_PAIRS]
    assert demo_pairs(can_listen=lambda address: True) == DEMO_PAIRS


async def test_the_lab_on_one_address_has_the_same_findings(tmp_path: Path) -> None:
    spread = await scan_lab(tmp_path / "spread", DEMO_PAIRS)
    single = await scan_lab(tmp_path / "single", demo_pairs(can_listen=lambda a: a == "127.0.0.1"))

    assert {e.address for e in single.endpoints} == {SINGLE_ADDRESS}
    assert len({e.address for e in spread.endpoints}) == 8
    assert verdicts(single) == verdicts(spread)
    assert single.summary.failed == spread.summary.failed == 5


async def test_the_fixed_lab_is_compliant(tmp_path: Path) -> None:
    report = await scan_lab(tmp_path, demo_pairs(fixed=True))

    assert report.summary.compliant is True and report.summary.failed == 0


def test_serve_keeps_the_lab_up_until_ctrl_c(tmp_path: Path) -> None:
    lab = subprocess.Popen([*HATLS, "demo", "--serve", "--out", "lab"], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert lab.stdout is not None
        first = [lab.stdout.readline() for _ in range(3)]
        assert first[1] == "inventory: lab/inventory.toml\n", first
        assert "Ctrl-C stops it" in first[0]
        scanned = subprocess.run([*HATLS, "scan", "lab/inventory.toml", "--json", "r.json"],
                                 cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert scanned.returncode == 1, scanned.stderr
        assert "5 fail" in scanned.stderr and (tmp_path / "r.json").is_file()
    finally:
        lab.send_signal(signal.SIGINT)
        _, err = lab.communicate(timeout=20)
    assert lab.returncode == 0, err
    assert "Traceback" not in err and "stopped" in err
